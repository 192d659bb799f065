import type { QueryRunner, TableColumn } from 'typeorm';

/**
 * Adds columns to a table and keeps its triggers. On SQLite, TypeORM adds a
 * column by building the table anew and copying its rows, which drops every
 * trigger on it: the search index and the list counts would stop following
 * writes, silently. Here the table's triggers are read before and created
 * again after. PostgreSQL adds columns in place and keeps them.
 */
export async function addColumnsKeepingTriggers(q: QueryRunner, table: string, columns: TableColumn[]): Promise<void> {
  const sqlite = q.connection.driver.options.type !== 'postgres';
  const triggers = sqlite ? await q.query(`SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?`, [table]) : [];
  await q.addColumns(table, columns);
  for (const { name, sql } of triggers as Array<{ name: string; sql: string }>) {
    await q.query(`DROP TRIGGER IF EXISTS ${name}`);
    await q.query(sql);
  }
}
