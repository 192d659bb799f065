import type { SearchEngine } from './engine-type';
import { DocumentKind } from './documents';

/** Column weights of bm25, in the index's column order: name, training program, description, extra. */
const WEIGHTS = '10.0, 4.0, 1.0, 4.0';

/** An FTS5 query: every word a quoted prefix, so no word is ever read as an operator. */
function ftsQuery(words: string[]): string {
  return words.map((w) => `"${w.replace(/"/g, '""')}"*`).join(' AND ');
}

function kindCondition(kinds?: DocumentKind[]): string {
  return kinds?.length ? ` AND (rowid % 4) IN (${kinds.map(Number).join(', ')})` : '';
}

/** SQLite FTS5 over `search_index` (unicode61, diacritics removed); bm25 is already lower-is-better. */
export const sqliteSearch: SearchEngine = {
  matches: (words, kinds) => (p) =>
    `(SELECT rowid AS doc, rowid % 4 AS kind, rowid / 4 AS ref, bm25(search_index, ${WEIGHTS}) AS score FROM search_index WHERE search_index MATCH ${p.add(ftsQuery(words))}${kindCondition(kinds)})`,
  programIds: (words) => (p) => `SELECT rowid / 4 FROM search_index WHERE search_index MATCH ${p.add(ftsQuery(words))}${kindCondition([DocumentKind.PROGRAM])}`,
  relevance: (score) => -score,
};
