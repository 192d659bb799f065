import { loadConfig, type RegistryConfig } from './config';
import type { Database } from './db/database';
import { startHttpServer, type RunningServer } from './http';
import { openRegistryDatabase } from './registry';
import { loadSeeds, type SeedSummary } from '../seeds/loader';

/** Seeds an empty registry so that a first start serves the founding document's data; null when it held programs. */
export async function seedIfEmpty(db: Database): Promise<SeedSummary | null> {
  const [row] = await db.query<{ n: number | string }>('SELECT COUNT(*) AS "n" FROM programs');
  if (Number(row.n) > 0) return null;
  return loadSeeds(db);
}

export interface Registry {
  config: RegistryConfig;
  db: Database;
  server: RunningServer;
  /** What this start did to the database: migrations applied, and the seed when it was empty. */
  started: { migrated: string[]; seeded: SeedSummary | null };
  stop(): Promise<void>;
}

/** Config, data source, schema, server, listen: the whole registry, started. */
export async function serve(config: RegistryConfig = loadConfig()): Promise<Registry> {
  // Migrations and a first seed run without the statement deadline that serving holds to.
  const setup = await openRegistryDatabase(config, { migrate: true, bulk: true });
  let seeded: SeedSummary | null;
  const migrated = setup.migrated;
  try {
    seeded = await seedIfEmpty(setup);
  } finally {
    await setup.close();
  }
  const db = await openRegistryDatabase(config, { migrate: false });
  const server = await startHttpServer(config, db);
  return {
    config,
    db,
    server,
    started: { migrated, seeded },
    async stop() {
      await server.close();
      await db.close();
    },
  };
}
