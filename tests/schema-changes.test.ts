import { TableColumn } from 'typeorm';
import type { Database } from '../src/db/database';
import { addColumnsKeepingTriggers } from '../src/db/schema-changes';
import { searchEngine } from '../src/search/engine';
import { useMigratedDatabase } from './support/registry';

/**
 * A later migration adds a column to a table the search index follows: the
 * index must go on following its writes (on SQLite, TypeORM's addColumn
 * rebuilds the table and drops its triggers; the helper keeps them).
 */

let db: Database;
useMigratedDatabase((opened) => (db = opened), 'each');

const triggersOn = async (table: string): Promise<number> => {
  const sql =
    db.dialect === 'postgres'
      ? `SELECT COUNT(*) AS "n" FROM pg_trigger WHERE tgrelid = '${table}'::regclass AND NOT tgisinternal`
      : `SELECT COUNT(*) AS "n" FROM sqlite_master WHERE type = 'trigger' AND tbl_name = '${table}'`;
  return Number((await db.query<{ n: number | string }>(sql))[0].n);
};

/** Writes a forum whose title holds `word`, and answers whether search finds it. */
async function indexed(word: string): Promise<boolean> {
  await db.query(`INSERT INTO programs (type, slug, title, title_sort, synthetic) VALUES ('FORUM', $1, $2, $3, $4)`, [`probe-${word}`, JSON.stringify({ en: `Forum ${word}` }), `forum ${word}`, false]);
  const rows = await db.run((p) => searchEngine(db.dialect).programIds([word])(p));
  return rows.length === 1;
}

it('keeps the search index following writes after a column is added', async () => {
  const before = await triggersOn('programs');
  expect(before).toBeGreaterThan(0);
  await db.dataSource.transaction((manager) => addColumnsKeepingTriggers(manager.queryRunner!, 'programs', [new TableColumn({ name: 'probe', type: 'integer', isNullable: true })]));
  expect(await triggersOn('programs')).toBe(before);
  expect(await indexed('zqxprobe')).toBe(true);
});

/** PostgreSQL adds columns in place: the loss is SQLite's alone. */
const onSqlite = process.env.TEST_DATABASE_URL ? it.skip : it;

onSqlite('is needed: on SQLite, TypeORM alone drops the triggers (and the index stops following)', async () => {
  await db.dataSource.transaction((manager) => manager.queryRunner!.addColumns('programs', [new TableColumn({ name: 'probe', type: 'integer', isNullable: true })]));
  expect(await triggersOn('programs')).toBe(0);
  expect(await indexed('zqxlost')).toBe(false);
});
