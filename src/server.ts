import { loadConfig, type RegistryConfig } from './config';
import type { Database } from './db/database';
import { startHttpServer, type RunningServer } from './http';
import { openRegistryDatabase } from './registry';
import { loadSeeds } from '../seeds/loader';

/** Seeds an empty registry so that a first start serves the founding document's data. */
export async function seedIfEmpty(db: Database): Promise<boolean> {
  const [row] = await db.query<{ n: number | string }>('SELECT COUNT(*) AS "n" FROM programs');
  if (Number(row.n) > 0) return false;
  await loadSeeds(db);
  return true;
}

export interface Registry {
  config: RegistryConfig;
  db: Database;
  server: RunningServer;
  stop(): Promise<void>;
}

/** Config, data source, schema, server, listen: the whole registry, started. */
export async function serve(config: RegistryConfig = loadConfig()): Promise<Registry> {
  // Migrations and a first seed run without the statement deadline that serving holds to.
  const setup = await openRegistryDatabase(config, { migrate: true, bulk: true });
  try {
    await seedIfEmpty(setup);
  } finally {
    await setup.close();
  }
  const db = await openRegistryDatabase(config, { migrate: false });
  const server = await startHttpServer(config, db);
  return {
    config,
    db,
    server,
    async stop() {
      await server.close();
      await db.close();
    },
  };
}
