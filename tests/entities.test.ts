import type { Database } from '../src/db/database';
import { useMigratedDatabase } from './support/registry';

/**
 * The entities say what the migrations built (issue 16): TypeORM's schema
 * builder, comparing the entities with the migrated database, has nothing
 * to change, on SQLite and on PostgreSQL. A column, index, foreign key,
 * default or collation written in one place and not the other fails here.
 */

let db: Database;
useMigratedDatabase((opened) => (db = opened));

it('has the entities and the migrated schema agree: no pending change', async () => {
  const pending = await db.dataSource.driver.createSchemaBuilder().log();
  expect(pending.upQueries.map((q) => q.query)).toEqual([]);
});

it('knows every table the registry reads records from', () => {
  const tables = db.dataSource.entityMetadatas.map((m) => m.tableName).sort();
  expect(tables).toEqual(['api_keys', 'call_regions', 'calls', 'organizations', 'participant_origins', 'program_organizers', 'programs', 'regions', 'sessions']);
});
