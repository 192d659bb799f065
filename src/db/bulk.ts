import type { SqlRunner } from './database';

/** Rows per INSERT: well under SQLite's and PostgreSQL's limits on bound values. */
const MAX_VALUES = 8000;

/** Inserts many rows with multi-row INSERTs; returns the `returning` columns of every row, in order. `onRows` hears of each statement's rows. */
export async function insertMany<R = Record<string, unknown>>(
  tx: SqlRunner,
  table: string,
  columns: string[],
  rows: unknown[][],
  returning?: string,
  onRows?: (count: number) => void,
): Promise<R[]> {
  const perStatement = Math.max(1, Math.floor(MAX_VALUES / columns.length));
  const out: R[] = [];
  for (let i = 0; i < rows.length; i += perStatement) {
    const chunk = rows.slice(i, i + perStatement);
    const result = await tx.run<R>(
      (p) =>
        `INSERT INTO ${table} (${columns.join(', ')}) VALUES ${chunk.map((row) => `(${p.list(row)})`).join(', ')}${returning ? ` RETURNING ${returning}` : ''}`,
    );
    if (returning) out.push(...result);
    onRows?.(chunk.length);
  }
  return out;
}
