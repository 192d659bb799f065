import fs from 'node:fs';
import path from 'node:path';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { ConfigError, type RegistryConfig } from '../config';
import { createHash } from 'node:crypto';
import type { Pool } from 'pg';
import { recordStatement, StatementRecorder } from './explain';
import { SqliteReader } from './sqlite-reader';

export type Dialect = 'sqlite' | 'postgres';

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

interface Reads {
  query: RawQuery;
  close(): Promise<void>;
}
const readsBySource = new WeakMap<DataSource, Reads>();

/**
 * Reads go to the driver directly, prepared once: on PostgreSQL as named
 * statements (parsed once per connection), on SQLite to a reader thread with
 * its own read-only connection (see SqliteReader). Writes and anything else go
 * through TypeORM. One per data source, shared by every request's Database.
 */
function readsOf(dataSource: DataSource): Reads {
  let reads = readsBySource.get(dataSource);
  if (reads) return reads;
  const viaTypeorm: RawQuery = (sql, values) => dataSource.query(sql, values);
  if (dataSource.options.type === 'postgres') {
    const pool = (dataSource.driver as unknown as { master: Pool }).master;
    reads = {
      query: (sql, values) => {
        if (!READ.test(sql)) return viaTypeorm(sql, values);
        recordStatement(sql);
        return pool.query({ name: statementName(sql), text: sql, values }).then((result) => result.rows);
      },
      close: async () => {},
    };
  } else {
    const reader = new SqliteReader(String(dataSource.options.database));
    reads = {
      query: async (sql, values) => {
        if (!READ.test(sql)) return viaTypeorm(sql, values);
        recordStatement(sql);
        try {
          // better-sqlite3 binds no booleans.
          return await reader.read(sql, values.map((v) => (typeof v === 'boolean' ? Number(v) : v)));
        } catch (error) {
          if ((error as { code?: string }).code === 'NOT_A_READ') return viaTypeorm(sql, values);
          throw error;
        }
      },
      close: () => reader.close(),
    };
  }
  readsBySource.set(dataSource, reads);
  return reads;
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
    return this.dataSource.transaction((manager) => work(new SqlRunner(this.dialect, (sql, values) => manager.query(sql, values))));
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
}

export function sqliteFile(config: RegistryConfig): string {
  return path.join(config.dataDir, 'registry.sqlite');
}

export async function openDatabase(config: RegistryConfig, options: OpenOptions): Promise<Database> {
  const common = {
    entities: options.entities,
    migrations: options.migrations,
    logger: new StatementRecorder(),
    synchronize: false,
  };
  let dataSourceOptions: DataSourceOptions;
  if (config.databaseUrl) {
    dataSourceOptions = { ...common, type: 'postgres', url: config.databaseUrl };
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
  const applied = options.migrate ? await dataSource.runMigrations({ transaction: 'each' }) : [];
  const db = new Database(dataSource);
  db.migrated = applied.map((m) => m.name);
  return db;
}
