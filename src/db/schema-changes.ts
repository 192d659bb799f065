import type { QueryRunner, TableColumn } from 'typeorm';

/**
 * Adds columns to a table and keeps its triggers. On SQLite, TypeORM adds a
 * column by building the table anew and copying its rows, which drops every
 * trigger on it: the search index and the list counts would stop following
 * writes, silently. Here the table's triggers are read before and created
 * again after. Triggers of other tables that name it (a call's reindexing of
 * its programme's search document) are set aside too: SQLite checks them
 * when the rebuilt table is renamed into place, while the table is missing.
 * PostgreSQL adds columns in place and keeps them.
 */
export async function addColumnsKeepingTriggers(q: QueryRunner, table: string, columns: TableColumn[]): Promise<void> {
  const sqlite = q.connection.driver.options.type !== 'postgres';
  const naming = new RegExp(`\\b${table}\\b`);
  const all: Array<{ name: string; tbl_name: string; sql: string }> = sqlite ? await q.query(`SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name`) : [];
  const triggers = all.filter((t) => t.tbl_name === table || naming.test(t.sql.slice(t.sql.indexOf(' BEGIN '))));
  for (const { name, tbl_name } of triggers) if (tbl_name !== table) await q.query(`DROP TRIGGER IF EXISTS ${name}`);
  await q.addColumns(table, columns);
  for (const { name, sql } of triggers) {
    await q.query(`DROP TRIGGER IF EXISTS ${name}`);
    await q.query(sql);
  }
}
