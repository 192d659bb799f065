import type { SqlRunner } from './database';

/** Inserts one row from a column → value map; returns its new id when asked. */
export async function insertRow(tx: SqlRunner, table: string, values: Record<string, unknown>, returning?: 'id'): Promise<number | undefined> {
  const columns = Object.keys(values);
  const rows = await tx.run<{ id: number }>(
    (p) => `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${p.list(Object.values(values))})${returning ? ' RETURNING id' : ''}`,
  );
  return returning ? Number(rows[0].id) : undefined;
}

/** Updates the given columns of one row by id. */
export async function updateRow(tx: SqlRunner, table: string, id: number, values: Record<string, unknown>): Promise<void> {
  await tx.run((p) => `UPDATE ${table} SET ${Object.entries(values).map(([column, value]) => `${column} = ${p.add(value)}`).join(', ')} WHERE id = ${p.add(id)}`);
}
