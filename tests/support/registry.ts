import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { print } from 'graphql';
import type { Logger } from 'pino';
import { Client } from 'pg';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { loadConfig, type RegistryConfig } from '../../src/config';
import type { Database } from '../../src/db/database';
import { startHttpServer, type RunningServer } from '../../src/http';
import { openRegistryDatabase } from '../../src/registry';
import { loadSeeds } from '../../seeds/loader';
import { generateSynthetic, type SyntheticSize } from '../../seeds/synthetic';

export interface GraphQLResponse<T> {
  status: number;
  headers: Headers;
  data?: T | null;
  errors?: Array<{ message: string; path?: Array<string | number>; extensions?: Record<string, any> }>;
  extensions?: { explain?: { sql: string[]; executor: "fast" | "plain" } } & Record<string, unknown>;
}

export interface TestRegistry {
  url: string;
  db: Database;
  config: RegistryConfig;
  dataDir: string;
  /** The environment that points the CLI at this registry's database. */
  env: Record<string, string>;
  /** The server's subscriptions (graphql-ws), for tests that reach its event hub. */
  subscriptions?: RunningServer['subscriptions'];
  /** Sends a typed operation (or a query string) over HTTP, as a client would. */
  request<T, V>(document: TypedDocumentNode<T, V> | string, variables?: V, headers?: Record<string, string>): Promise<GraphQLResponse<T>>;
  stop(): Promise<void>;
}

export interface TestRegistryOptions {
  synthetic?: SyntheticSize;
  explain?: boolean;
  env?: Record<string, string>;
  /** The server's logger (one line per request), for tests that read what reached the server. */
  logger?: Logger;
}

let databases = 0;

/**
 * A fresh database for one test registry: a SQLite file in a new folder, or,
 * when TEST_DATABASE_URL names a PostgreSQL server, a new database there.
 */
export async function freshDatabase(): Promise<{ env: Record<string, string>; drop: () => Promise<void> }> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'registry-test-'));
  const removeDir = async () => fs.rmSync(dataDir, { recursive: true, force: true });
  const admin = process.env.TEST_DATABASE_URL;
  if (!admin) return { env: { REGISTRY_DATA_DIR: dataDir }, drop: removeDir };
  const name = `registry_test_${process.pid}_${++databases}_${Date.now().toString(36)}`;
  const client = new Client({ connectionString: admin });
  await client.connect();
  await client.query(`CREATE DATABASE ${name}`);
  await client.end();
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return {
    env: { REGISTRY_DATA_DIR: dataDir, DATABASE_URL: url.toString() },
    async drop() {
      const c = new Client({ connectionString: admin });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
      await removeDir();
    },
  };
}

/** A real registry on a real database, served over real HTTP on a free port. */
/**
 * A migrated database of the test file's own (or of each test's, with `'each'`), opened before and closed and dropped
 * after; `use` receives it.
 */
export function useMigratedDatabase(use: (db: Database) => void, scope: 'all' | 'each' = 'all'): void {
  let opened: Database | undefined;
  let drop = async () => {};
  (scope === 'all' ? beforeAll : beforeEach)(async () => {
    const database = await freshDatabase();
    drop = database.drop;
    opened = await openRegistryDatabase(loadConfig({ ...database.env, PORT: '0' }));
    use(opened);
  });
  (scope === 'all' ? afterAll : afterEach)(async () => {
    await opened?.close();
    await drop();
  });
}

export async function startTestRegistry(options: TestRegistryOptions = {}): Promise<TestRegistry> {
  const database = await freshDatabase();
  const dataDir = database.env.REGISTRY_DATA_DIR;
  const config = loadConfig({ ...database.env, PORT: '0', REGISTRY_EXPLAIN: options.explain ? '1' : '0', ...options.env });
  const db = await openRegistryDatabase(config);
  await loadSeeds(db);
  if (options.synthetic) await generateSynthetic(db, options.synthetic);
  const server: RunningServer = await startHttpServer(config, db, config.port, options.logger);
  return {
    url: server.url,
    db,
    config,
    dataDir,
    env: database.env,
    subscriptions: server.subscriptions,
    async request(document, variables, headers = {}) {
      const query = typeof document === 'string' ? document : print(document);
      const response = await fetch(server.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ query, variables }),
      });
      const body = (await response.json()) as Omit<GraphQLResponse<never>, 'status' | 'headers'>;
      return { status: response.status, headers: response.headers, ...body } as GraphQLResponse<any>;
    },
    async stop() {
      await server.close();
      await db.close();
      await database.drop();
    },
  };
}

/** Every row of every registry table, for "nothing changed" assertions. */
export async function dumpTables(db: Database): Promise<Record<string, unknown[]>> {
  const dump: Record<string, unknown[]> = {};
  for (const [table, order] of Object.entries({
    regions: 'id',
    organizations: 'id',
    programs: 'id',
    program_organizers: 'program_id, organization_id',
    participant_origins: 'program_id, region_id',
    sessions: 'id',
    calls: 'id',
    call_regions: 'call_id, region_id',
  })) {
    dump[table] = await db.query(`SELECT * FROM ${table} ORDER BY ${order}`);
  }
  return dump;
}
