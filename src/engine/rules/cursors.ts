import type { Dialect } from '../../db/database';
import { badUserInput } from '../errors';
import { base64urlSql } from './ids';

/**
 * Cursors, in JavaScript and in SQL side by side (tests/rules.test.ts holds
 * them equal on both databases): base64url of the JSON array
 * `[ordering, sort key, primary key]`. A cursor names its ordering, so it
 * cannot be reused under another, and its key is checked against the
 * ordering's key type and range before it is bound into any statement.
 */

/** A position in one ordering: the sort key and the primary key of an item. */
export interface Position {
  key: string | number;
  pk: number;
}

/** What a sort key holds, so a cursor's key is checked before it is bound into a statement. */
export type SortKeyType = 'integer' | 'number' | 'text' | 'date';

/** One way to order a list, with the primary key as the tie-breaker. */
export interface Ordering {
  /** Names the ordering inside cursors, so a cursor cannot be reused under another ordering. */
  name: string;
  /** SQL expression of the sort key; never null. */
  key: string;
  /** What the sort key holds. */
  keyType: SortKeyType;
  /** The largest primary key of the list (default MAX_KEY, a 32-bit integer). */
  maxPk?: number;
  /** SQL expression of the primary key. */
  pk: string;
  direction: 'ASC' | 'DESC';
  /**
   * The sort key alone is a total order (a unique column, or the primary key
   * itself): lists order and seek by the key only, which its unique index
   * serves whole, as PostgreSQL cannot tell that the tie-breaker is redundant.
   */
  unique?: boolean;
}

export function encodeCursor(ordering: Ordering, position: Position): string {
  return Buffer.from(JSON.stringify([ordering.name, position.key, position.pk])).toString('base64url');
}

/** Longest text sort key a cursor may carry: longer than any column it is compared with. */
const MAX_TEXT_KEY = 1000;
const INT32 = 2_147_483_647;

/** Whether a cursor's key can be one this ordering gave out: of its type and in its range. */
function isSortKey(key: unknown, type: SortKeyType): boolean {
  switch (type) {
    case 'integer':
      return Number.isSafeInteger(key) && Math.abs(key as number) <= INT32;
    case 'number':
      return typeof key === 'number' && Number.isFinite(key);
    case 'date':
      return typeof key === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(key);
    case 'text':
      return typeof key === 'string' && key.length <= MAX_TEXT_KEY && !key.includes('\u0000');
  }
}

export function decodeCursor(cursor: string, ordering: Ordering, argument: string): Position {
  let parsed: unknown;
  try {
    parsed = cursor.length <= 4 * MAX_TEXT_KEY ? JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) : undefined;
  } catch {
    parsed = undefined;
  }
  if (!Array.isArray(parsed) || parsed.length !== 3 || typeof parsed[0] !== 'string') {
    throw badUserInput(`"${argument}" is not a cursor this list gave out`, [argument]);
  }
  if (parsed[0] !== ordering.name) {
    throw badUserInput(`"${argument}" is a cursor of another ordering; page again from the start with this ordering`, [argument]);
  }
  // Checked before any statement: a key of the wrong type or past its column's range is refused on both databases alike.
  if (!isSortKey(parsed[1], ordering.keyType) || !Number.isSafeInteger(parsed[2]) || parsed[2] < 1 || parsed[2] > (ordering.maxPk ?? INT32)) {
    throw badUserInput(`"${argument}" is not a cursor this list gave out`, [argument]);
  }
  return { key: parsed[1], pk: parsed[2] };
}


/**
 * `encodeCursor` in SQL, for pages the database renders: `sort` and `pk`
 * are the SQL expressions of the row's sort key and primary key. The sort
 * key is written as JSON.stringify writes a string or a number.
 */
export function cursorSql(dialect: Dialect, ordering: Ordering, sort: string, pk: string): string {
  const json = dialect === 'sqlite' ? `json_quote(${sort})` : `to_json(${sort})::text`;
  const name = `'${`[${JSON.stringify(ordering.name)},`.replace(/'/g, "''")}'`;
  return base64urlSql(dialect, `${name} || ${json} || ',' || ${pk} || ']'`);
}
