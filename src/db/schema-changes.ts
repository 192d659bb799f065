import type { QueryRunner, TableColumn } from 'typeorm';

/**
 * Adds columns to a table and keeps its triggers and expression indexes. On
 * SQLite, TypeORM adds a column by building the table anew and copying its
 * rows, which drops every trigger on it (the search index and the tallies
 * would stop following writes, silently) and cannot rebuild an index on an
 * expression (it reads its column as "null" and the rebuild fails). Triggers
 * of other tables that name it (a call's reindexing of its programme's search
 * document) are set aside too: SQLite checks them when the rebuilt table is
 * renamed into place, while the table is missing. All of them are read
 * before and created again after. PostgreSQL adds columns in place and keeps
 * them.
 */
export async function addColumnsKeepingTriggers(q: QueryRunner, table: string, columns: TableColumn[]): Promise<void> {
  const sqlite = q.connection.driver.options.type !== 'postgres';
  if (!sqlite) return q.addColumns(table, columns);
  const naming = new RegExp(`\\b${table}\\b`);
  const all: Array<{ name: string; tbl_name: string; sql: string }> = await q.query(`SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name`);
  const triggers = all.filter((t) => t.tbl_name === table || naming.test(t.sql.slice(t.sql.indexOf(' BEGIN '))));
  const indexes: Array<{ name: string; sql: string }> = await q.query(`SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL`, [table]);
  const expressions: Array<{ name: string; sql: string }> = [];
  for (const index of indexes) {
    const parts: Array<{ name: string | null }> = await q.query(`SELECT name FROM pragma_index_info(?)`, [index.name]);
    if (parts.some((p) => p.name == null)) expressions.push(index);
  }
  for (const { name } of expressions) await q.query(`DROP INDEX "${name}"`);
  for (const { name, tbl_name } of triggers) if (tbl_name !== table) await q.query(`DROP TRIGGER IF EXISTS ${name}`);
  await q.addColumns(table, columns);
  for (const { sql } of expressions) await q.query(sql);
  for (const { name, sql } of triggers) {
    await q.query(`DROP TRIGGER IF EXISTS ${name}`);
    await q.query(sql);
  }
}
