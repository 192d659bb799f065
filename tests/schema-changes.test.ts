import { TableColumn } from 'typeorm';
import type { Database } from '../src/db/database';
import { addColumnsKeepingTriggers } from '../src/db/schema-changes';
import { DocumentKind } from '../src/search/documents';
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

/** Writes an organization whose name holds `word`, and answers whether search finds it. */
async function organizationIndexed(word: string): Promise<boolean> {
  await db.query(`INSERT INTO organizations (slug, name, kind, synthetic) VALUES ($1, $2, 'NGO', $3)`, [`probe-${word}`, JSON.stringify({ en: `Centre ${word}` }), false]);
  const rows = await db.run((p) => `SELECT * FROM ${searchEngine(db.dialect).matches([word], [DocumentKind.ORGANIZATION])(p)} h`);
  return rows.length === 1;
}

onSqlite('is needed: on SQLite, TypeORM alone drops the triggers (and the index stops following)', async () => {
  await db.dataSource.transaction((manager) => manager.queryRunner!.addColumns('organizations', [new TableColumn({ name: 'probe', type: 'integer', isNullable: true })]));
  expect(await triggersOn('organizations')).toBe(0);
  expect(await organizationIndexed('zqxlost')).toBe(false);
});

onSqlite('is needed: on SQLite, TypeORM alone fails on a table that triggers of another table name (calls reindex their programme)', async () => {
  const before = await triggersOn('programs');
  await expect(db.dataSource.transaction((manager) => manager.queryRunner!.addColumns('programs', [new TableColumn({ name: 'probe', type: 'integer', isNullable: true })]))).rejects.toThrow(
    /error in trigger calls_search_\w+: no such table: main\.programs|no such column/,
  );
  // Rolled back whole: nothing was lost.
  expect(await triggersOn('programs')).toBe(before);
  expect(await indexed('zqxkept')).toBe(true);
});

it('keeps the triggers of other tables that name the table, and they still work', async () => {
  const calls = await triggersOn('calls');
  await db.dataSource.transaction((manager) => addColumnsKeepingTriggers(manager.queryRunner!, 'programs', [new TableColumn({ name: 'probe', type: 'integer', isNullable: true })]));
  expect(await triggersOn('calls')).toBe(calls);
  await indexed('zqxcalled');
  const [{ id }] = await db.query<{ id: number }>(`SELECT id FROM programs WHERE slug = 'probe-zqxcalled'`);
  await db.query(`INSERT INTO calls (program_id, opens_on, closes_at, time_zone, apply_url, working_languages, cost_notes, synthetic) VALUES ($1, '2030-01-01', '2030-02-01T00:00:00.000Z', 'UTC', 'https://example.org', '[]', $2, $3)`, [
    id,
    JSON.stringify({ en: 'zqxnotes' }),
    false,
  ]);
  expect(await db.run((p) => searchEngine(db.dialect).programIds(['zqxnotes'])(p))).toHaveLength(1);
});

onSqlite('is needed: on SQLite, TypeORM alone cannot rebuild a table with an index on an expression (the list orders of programs)', async () => {
  const expressionIndexes = `SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'programs' AND sql LIKE '%COALESCE%' ORDER BY name`;
  const before = await db.query<{ name: string }>(expressionIndexes);
  expect(before.length).toBeGreaterThan(0);
  await expect(db.dataSource.transaction((manager) => manager.queryRunner!.addColumns('programs', [new TableColumn({ name: 'probe', type: 'integer', isNullable: true })]))).rejects.toThrow(/no such column|no such table: main\.programs/);
  // The helper sets them aside and builds them again.
  await db.dataSource.transaction((manager) => addColumnsKeepingTriggers(manager.queryRunner!, 'programs', [new TableColumn({ name: 'probe', type: 'integer', isNullable: true })]));
  expect(await db.query<{ name: string }>(expressionIndexes)).toEqual(before);
  expect(await indexed('zqxkept')).toBe(true);
});
