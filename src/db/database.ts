import fs from 'node:fs';
import path from 'node:path';
import { DataSource, type DataSourceOptions, type QueryRunner } from 'typeorm';
import { ConfigError } from '../config-error';
import { DEFAULT_DEADLINES, type Deadlines } from '../ops/deadlines';
import { createHash } from 'node:crypto';
import type { PoolClient } from 'pg';
import { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import { recordStatement, StatementRecorder, StatementTimer } from './explain';
import { applySortCollation } from './sort-keys';
import { SqliteReader } from './sqlite-reader';
import { DatabaseUnavailable, isUnavailable } from './unavailable';

export type Dialect = 'sqlite' | 'postgres';

/**
 * A value neither database can take as the client sent it: PostgreSQL's text
 * cannot hold NUL, so SQLite refuses it too, and a request answers the same
 * on both. Requests are checked at the door (src/guard); this is the backstop.
 */
export class UnstorableValueError extends Error {
  constructor() {
    super('Text may not contain the NUL character (U+0000)');
  }
}

function checkStorable(value: unknown): void {
  if (typeof value === 'string' && value.includes('\u0000')) throw new UnstorableValueError();
  if (Array.isArray(value)) for (const item of value) checkStorable(item);
}

/**
 * SQL placeholders are written `$1, $2, …` everywhere; for SQLite they are
 * rewritten to `?` with the values reordered to match.
 */
export class Params {
  readonly values: unknown[] = [];
  constructor(readonly dialect: Dialect = 'postgres') {}

  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
  /**
   * A whole number written into the text, not bound: a page's size. With its
   * LIMIT bound, PostgreSQL cannot know how much of an order a statement reads,
   * so it plans each execution anew (0.15 ms on the medium set, more than the
   * page takes to read); written in, the prepared statement keeps one plan.
   */
  int(value: number): string {
    if (!Number.isSafeInteger(value)) throw new Error(`not a whole number: ${value}`);
    return String(value);
  }
  /** A name from a fixed set the code holds (an enum's value), written in for the same reason as `int`. */
  name(value: string): string {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(value)) throw new Error(`not a name: ${JSON.stringify(value)}`);
    return `'${value}'`;
  }
  /**
   * `expression` is one of these ids, written into the text: for ids the
   * server derived itself (a region's subtree), so that the statement, with
   * nothing bound, keeps one plan (a bound array is planned anew each time).
   */
  ids(expression: string, ids: readonly number[]): string {
    const written = ids.map((id) => this.int(id));
    if (!written.length) return '1 = 0';
    return this.dialect === 'postgres' ? `${expression} = ANY('{${written.join(',')}}'::int[])` : `${expression} IN (${written.join(', ')})`;
  }
  list(values: readonly unknown[]): string {
    return values.map((v) => this.add(v)).join(', ');
  }
  /**
   * `expression` is one of `values`, bound as one parameter (an array on
   * PostgreSQL, JSON on SQLite), so the statement's text is the same however
   * many values there are and stays prepared.
   */
  in(expression: string, values: readonly unknown[]): string {
    if (this.dialect === 'postgres') return `${expression} = ANY(${this.add(values)})`;
    // Checked before JSON hides a NUL as an escape.
    checkStorable(values);
    return `${expression} IN (SELECT value FROM json_each(${this.add(JSON.stringify(values))}))`;
  }
}

/** A piece of SQL that binds its values into the statement being built. */
export type SqlPart = (params: Params) => string;

type RawQuery = (sql: string, values: unknown[]) => Promise<any>;

/** Runs statements written with `$n` placeholders on either database. */
export class SqlRunner {
  constructor(
    readonly dialect: Dialect,
    private readonly raw: RawQuery,
  ) {}

  /** Runs one statement and returns its rows. */
  async query<T = Record<string, unknown>>(sql: string, values: readonly unknown[] = []): Promise<T[]> {
    for (const value of values) checkStorable(value);
    if (this.dialect === 'postgres') return this.raw(sql, values as unknown[]);
    const ordered: unknown[] = [];
    const text = sql.replace(/\$(\d+)/g, (_, n: string) => {
      ordered.push(values[Number(n) - 1]);
      return '?';
    });
    return this.raw(text, ordered);
  }

  /** Builds a statement with fresh parameters and runs it. */
  run<T = Record<string, unknown>>(build: (params: Params) => string): Promise<T[]> {
    const params = new Params(this.dialect);
    const sql = build(params);
    return this.query<T>(sql, params.values);
  }
}

const READ = /^\s*(SELECT|WITH)\b/i;
const statementNames = new Map<string, string>();

/** A stable name per statement text, under which PostgreSQL keeps it parsed on each connection. */
function statementName(sql: string): string {
  let name = statementNames.get(sql);
  if (!name) {
    if (statementNames.size >= 5000) statementNames.clear();
    name = `r${createHash('sha1').update(sql).digest('base64url').slice(0, 20)}`;
    statementNames.set(sql, name);
  }
  return name;
}

/**
 * The rows a statement returns, the same on both drivers: TypeORM answers an
 * UPDATE or DELETE on PostgreSQL as [rows, count] otherwise, so `RETURNING`
 * (how a write learns whether it changed a row) would read differently.
 */
async function rowsOf(runner: QueryRunner, sql: string, values: unknown[]): Promise<any[]> {
  const result = await runner.query(sql, values, true);
  return result.records ?? [];
}

interface Reads {
  query: RawQuery;
  close(): Promise<void>;
}
const readsBySource = new WeakMap<DataSource, Reads>();

/** Told when the database stops answering in time and when it answers again (metrics and logs watch this). */
export interface AvailabilityObserver {
  unavailable(operation: string, error: unknown): void;
  available(): void;
}

/**
 * Turns "the database did not answer" into DatabaseUnavailable, whichever
 * driver said it and however, and tells the observers: the first success
 * after a failure ends the episode.
 */
class Availability {
  readonly observers = new Set<AvailabilityObserver>();
  private down = false;

  readonly succeeded = <T>(value: T): T => {
    if (this.down) {
      this.down = false;
      for (const observer of this.observers) observer.available();
    }
    return value;
  };

  failed(operation: string, error: unknown): never {
    if (!isUnavailable(error)) throw error;
    this.down = true;
    for (const observer of this.observers) observer.unavailable(operation, error);
    throw error instanceof DatabaseUnavailable ? error : new DatabaseUnavailable(error);
  }
}
const availabilityBySource = new WeakMap<DataSource, Availability>();

function availabilityOf(dataSource: DataSource): Availability {
  let availability = availabilityBySource.get(dataSource);
  if (!availability) availabilityBySource.set(dataSource, (availability = new Availability()));
  return availability;
}

/**
 * Reads go to the driver directly, prepared once: on PostgreSQL as named
 * statements (parsed once per connection), on SQLite to a reader thread with
 * its own read-only connection (see SqliteReader). Writes and anything else go
 * through TypeORM. One per data source, shared by every request's Database.
 */
function readsOf(dataSource: DataSource): Reads {
  let reads = readsBySource.get(dataSource);
  if (reads) return reads;
  const viaTypeorm: RawQuery = async (sql, values) => {
    const runner = dataSource.createQueryRunner();
    try {
      return await rowsOf(runner, sql, values);
    } finally {
      await runner.release();
    }
  };
  if (dataSource.driver instanceof PostgresDriver) {
    const driver = dataSource.driver;
    reads = guarded(dataSource, {
      query: async (sql, values) => {
        if (!READ.test(sql)) return viaTypeorm(sql, values);
        const answered = recordStatement(sql);
        // A pooled connection through the driver's public API: what TypeORM's own query runners use.
        const [client, release] = (await driver.obtainMasterConnection()) as [PoolClient, (error?: unknown) => void];
        // While it is out of the pool the connection's own errors are this statement's (as pool.query listens), never unhandled.
        let lost: unknown;
        const onError = (error: unknown) => (lost = error);
        client.once('error', onError);
        try {
          const result = await client.query({ name: statementName(sql), text: sql, values });
          answered();
          return result.rows;
        } catch (error) {
          lost ??= error;
          throw error;
        } finally {
          client.removeListener('error', onError);
          // A connection that failed mid-statement is not given back for reuse.
          release(lost);
        }
      },
      close: async () => {},
    });
  } else {
    const reader = new SqliteReader(String(dataSource.options.database));
    reads = guarded(dataSource, {
      query: async (sql, values) => {
        if (!READ.test(sql)) return viaTypeorm(sql, values);
        const answered = recordStatement(sql);
        try {
          // better-sqlite3 binds no booleans.
          const rows = await reader.read(sql, values.map((v) => (typeof v === 'boolean' ? Number(v) : v)));
          answered();
          return rows;
        } catch (error) {
          if ((error as { code?: string }).code === 'NOT_A_READ') return viaTypeorm(sql, values);
          throw error;
        }
      },
      close: () => reader.close(),
    });
  }
  readsBySource.set(dataSource, reads);
  return reads;
}

function guarded(dataSource: DataSource, reads: Reads): Reads {
  const availability = availabilityOf(dataSource);
  const fail = (error: unknown) => availability.failed('query', error);
  return { ...reads, query: (sql, values) => reads.query(sql, values).then(availability.succeeded, fail) };
}

/** The registry's connection to its database, whichever of the two it is. */
export class Database extends SqlRunner {
  /** Names of the migrations that opening this database applied; empty when its schema was up to date. */
  migrated: string[] = [];

  constructor(readonly dataSource: DataSource) {
    const dialect: Dialect = dataSource.options.type === 'postgres' ? 'postgres' : 'sqlite';
    super(dialect, readsOf(dataSource).query);
  }

  /** Runs `work` in one transaction: all of its statements land, or none. */
  transaction<T>(work: (tx: SqlRunner) => Promise<T>): Promise<T> {
    const availability = availabilityOf(this.dataSource);
    return this.dataSource
      .transaction((manager) => work(new SqlRunner(this.dialect, (sql, values) => rowsOf(manager.queryRunner!, sql, values))))
      .then(availability.succeeded, (error: unknown) => availability.failed('transaction', error));
  }

  /** Runs a check of the database's own (readiness) under the same rule: not answering is DatabaseUnavailable. */
  check<T>(work: () => Promise<T>): Promise<T> {
    const availability = availabilityOf(this.dataSource);
    return work().then(availability.succeeded, (error: unknown) => availability.failed('check', error));
  }

  /** Tells `observer` when the database stops answering and when it answers again; returns how to stop. */
  watch(observer: AvailabilityObserver): () => void {
    const { observers } = availabilityOf(this.dataSource);
    observers.add(observer);
    return () => observers.delete(observer);
  }

  async close(): Promise<void> {
    await readsOf(this.dataSource).close();
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}

export interface OpenOptions {
  entities: DataSourceOptions['entities'];
  migrations: DataSourceOptions['migrations'];
  /** Bring the schema up to date while opening. */
  migrate?: boolean;
  /** Hold each statement to the configured deadline (serving); off for bulk commands (migrate, seed, import), whose statements may rightly be long. */
  statementDeadline?: boolean;
}

/** What opening the database needs of the registry's configuration. */
export interface DatabaseSettings {
  /** `postgres://…` selects PostgreSQL; undefined means the embedded SQLite file in `dataDir`. */
  databaseUrl?: string;
  dataDir: string;
  deadlines?: Deadlines;
}

export function sqliteFile(config: Pick<DatabaseSettings, 'dataDir'>): string {
  return path.join(config.dataDir, 'registry.sqlite');
}

export async function openDatabase(config: DatabaseSettings, options: OpenOptions): Promise<Database> {
  const common = {
    entities: options.entities,
    migrations: options.migrations,
    logger: new StatementRecorder(),
    subscribers: [StatementTimer],
    synchronize: false,
  };
  let dataSourceOptions: DataSourceOptions;
  if (config.databaseUrl) {
    const deadlines = config.deadlines ?? DEFAULT_DEADLINES;
    const statementMs = options.statementDeadline === false ? undefined : deadlines.dbStatementMs;
    dataSourceOptions = {
      ...common,
      type: 'postgres',
      url: config.databaseUrl,
      // Also how long a query waits for a free pooled connection.
      connectTimeoutMS: deadlines.dbConnectMs,
      extra: {
        keepAlive: true,
        // The server cancels a slow statement; the driver gives up on a server that does not answer at all.
        ...(statementMs ? { statement_timeout: statementMs, query_timeout: statementMs, idle_in_transaction_session_timeout: 2 * statementMs } : {}),
      },
    };
  } else {
    try {
      fs.mkdirSync(config.dataDir, { recursive: true });
      fs.accessSync(config.dataDir, fs.constants.W_OK);
    } catch {
      throw new ConfigError(`the data folder ${config.dataDir} cannot be created or written (set REGISTRY_DATA_DIR to a writable folder)`);
    }
    dataSourceOptions = {
      ...common,
      type: 'better-sqlite3',
      database: sqliteFile(config),
      enableWAL: true,
      statementCacheSize: 500,
      prepareDatabase: (db: { pragma(sql: string): unknown }) => {
        db.pragma('busy_timeout = 5000');
        db.pragma('synchronous = NORMAL');
      },
    };
  }
  const dataSource = new DataSource(dataSourceOptions);
  await dataSource.initialize();
  applySortCollation(dataSource);
  const applied = options.migrate ? await dataSource.runMigrations({ transaction: 'each' }) : [];
  const db = new Database(dataSource);
  db.migrated = applied.map((m) => m.name);
  return db;
}
