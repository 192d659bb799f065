import type { Dialect } from '../db/database';
import type { SearchEngine } from './engine-type';
import { postgresSearch } from './postgres';
import { sqliteSearch } from './sqlite';

export type { SearchEngine } from './engine-type';

/** SQLite's FTS5 or PostgreSQL's own full-text search, whichever database the registry runs on. */
export function searchEngine(dialect: Dialect): SearchEngine {
  return dialect === 'postgres' ? postgresSearch : sqliteSearch;
}
