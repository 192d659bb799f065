import { AsyncLocalStorage } from 'node:async_hooks';
import { EventSubscriber, type AfterQueryEvent, type EntitySubscriberInterface, type Logger } from 'typeorm';

/** The statements one request ran, in order, each with the milliseconds it took once it has answered. */
export class StatementLog {
  readonly sql: string[] = [];
  /** Milliseconds of `sql[i]`, from sending it to its rows; null while it runs. */
  readonly ms: Array<number | null> = [];
  private readonly started: bigint[] = [];

  get length(): number {
    return this.sql.length;
  }

  /** Appends a statement; the function returned records its time, to be called when its rows came back. */
  add(sql: string): () => void {
    const index = this.sql.push(sql) - 1;
    this.ms.push(null);
    this.started.push(process.hrtime.bigint());
    return () => this.stop(index);
  }

  /** Records the time of the latest statement with this text still running (TypeORM tells only the text when one ends). */
  finish(sql: string): void {
    for (let i = this.sql.length - 1; i >= 0; i--) {
      if (this.ms[i] === null && this.sql[i] === sql) return this.stop(i);
    }
  }

  private stop(index: number): void {
    if (this.ms[index] === null) this.ms[index] = Math.round(Number(process.hrtime.bigint() - this.started[index]) / 1e3) / 1e3;
  }
}

const current = new AsyncLocalStorage<StatementLog>();

/** Runs `work` with every SQL statement it causes recorded into `log`. */
export function recordStatements<T>(log: StatementLog, work: () => T): T {
  return current.run(log, work);
}

const untimed = () => {};

/** Appends a statement run outside TypeORM to the current request's log; call what it returns when the statement has answered. */
export function recordStatement(sql: string): () => void {
  return current.getStore()?.add(sql) ?? untimed;
}

/**
 * TypeORM logger that appends each statement to the log of the request that
 * ran it; outside a recorded request it stays silent.
 */
export class StatementRecorder implements Logger {
  logQuery(query: string): void {
    current.getStore()?.add(query);
  }
  logQuerySlow(): void {}
  logQueryError(): void {}
  logSchemaBuild(): void {}
  logMigration(): void {}
  log(): void {}
}

/** Runs `work` outside any request's log: the registry's own bookkeeping (the write generation) is not what a query cost. */
export function unrecorded<T>(work: () => T): T {
  return current.exit(work);
}

/** Times the statements TypeORM runs: its logger hears a statement start, its subscribers hear it end. */
@EventSubscriber()
export class StatementTimer implements EntitySubscriberInterface {
  afterQuery(event: AfterQueryEvent): void {
    current.getStore()?.finish(event.query);
  }
}
