import type { SearchEngine } from './engine-type';
import { DocumentKind } from './documents';

/** A tsquery: every word a quoted prefix (`'молодеж':*`), all of them required. */
function tsQuery(words: string[]): string {
  return words.map((w) => `'${w.replace(/'/g, "''").replace(/\\/g, '\\\\')}':*`).join(' & ');
}

function kindCondition(kinds?: DocumentKind[]): string {
  return kinds?.length ? ` AND d.kind IN (${kinds.map(Number).join(', ')})` : '';
}

/** PostgreSQL's full-text search over `search_documents` (GIN on a weighted tsvector); ts_rank negated so lower is better. */
export const postgresSearch: SearchEngine = {
  matches: (words, kinds) => (p) =>
    `(SELECT d.doc AS doc, d.kind AS kind, d.ref AS ref, -ts_rank(d.tsv, q.query) AS score FROM search_documents d, to_tsquery('registry_search', ${p.add(tsQuery(words))}) AS q(query) WHERE d.tsv @@ q.query${kindCondition(kinds)})`,
  programIds: (words) => (p) =>
    `SELECT d.ref FROM search_documents d WHERE d.tsv @@ to_tsquery('registry_search', ${p.add(tsQuery(words))})${kindCondition([DocumentKind.PROGRAM])}`,
  relevance: (score) => -score,
};
