import { AsyncLocalStorage } from 'node:async_hooks';
import type { Logger } from 'typeorm';

/** The statements one request ran, in order. */
export type StatementLog = string[];

const current = new AsyncLocalStorage<StatementLog>();

/** Runs `work` with every SQL statement it causes recorded into `log`. */
export function recordStatements<T>(log: StatementLog, work: () => T): T {
  return current.run(log, work);
}

/** Appends a statement run outside TypeORM to the current request's log. */
export function recordStatement(sql: string): void {
  current.getStore()?.push(sql);
}

/**
 * TypeORM logger that appends each statement to the log of the request that
 * ran it; outside a recorded request it stays silent.
 */
export class StatementRecorder implements Logger {
  logQuery(query: string): void {
    current.getStore()?.push(query);
  }
  logQueryError(): void {}
  logQuerySlow(): void {}
  logSchemaBuild(): void {}
  logMigration(): void {}
  log(): void {}
}

/** Runs `work` outside any request's log: the registry's own bookkeeping (the write generation) is not what a query cost. */
export function unrecorded<T>(work: () => T): T {
  return current.exit(work);
}
