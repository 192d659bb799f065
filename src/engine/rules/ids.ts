import type { Dialect } from '../../db/database';
import { badUserInput } from '../errors';

/**
 * Global ids are opaque to clients: base64url of `Type:key`. Clients only
 * pass them back to `node`, `nodes` and federation `_entities`.
 */
export function toGlobalId(typeName: string, pk: number): string {
  return Buffer.from(`${typeName}:${pk}`).toString('base64url');
}

/** The largest primary key a table can hold (PostgreSQL's integer). */
export const MAX_KEY = 2_147_483_647;

export interface DecodedId {
  typeName: string;
  pk: number;
}

/** Decodes a global id; a malformed one is a BAD_USER_INPUT error naming the argument. */
export function fromGlobalId(id: string, argumentPath: Array<string | number>): DecodedId {
  const text = /^[A-Za-z0-9_-]+$/.test(id) ? Buffer.from(id, 'base64url').toString('utf8') : '';
  const match = /^([A-Z][A-Za-z]{0,40}):([1-9]\d{0,9})$/.exec(text);
  // Keys are 32-bit integers on both databases: a larger one names nothing and must not reach a statement.
  if (!match || Number(match[2]) > MAX_KEY) throw badUserInput(`"${id.slice(0, 80)}" is not a registry id`, argumentPath);
  return { typeName: match[1], pk: Number(match[2]) };
}

/**
 * base64url of a text, in each database's SQL. SQLite has no base64: the
 * reader registers `b64url`, the same Buffer encoding as `toGlobalId`
 * (src/db/sqlite-reader.ts).
 */
export function base64urlSql(dialect: Dialect, text: string): string {
  return dialect === 'sqlite' ? `b64url(${text})` : `rtrim(translate(encode(convert_to(${text}, 'UTF8'), 'base64'), '+/' || chr(10), '-_'), '=')`;
}

/** `toGlobalId` in SQL: the global id of the row whose key is `pk` (an SQL expression) in the type named `typeName`. */
export function globalIdSql(dialect: Dialect, typeName: string, pk: string): string {
  if (!/^[A-Z][A-Za-z]*$/.test(typeName)) throw new Error(`not a type name: ${typeName}`);
  return base64urlSql(dialect, `'${typeName}:' || ${pk}`);
}
