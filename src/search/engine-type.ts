import type { SqlPart } from '../db/database';
import type { DocumentKind } from './documents';

/**
 * A full-text engine as the registry uses it. Words come from `queryWords`:
 * folded, letters and digits only, at least one. Each word matches the start
 * of a word in any field of a document, in any language; all words must match.
 */
export interface SearchEngine {
  /**
   * A derived table of the matching documents with columns `doc` (the
   * document key), `kind`, `ref` (the record's id) and `score` (lower is more
   * relevant), optionally only documents of some kinds.
   */
  matches(words: string[], kinds?: DocumentKind[]): SqlPart;
  /** A subquery selecting the ids of the programs that match. */
  programIds(words: string[]): SqlPart;
  /** Relevance shown to clients (higher is better) from a score. */
  relevance(score: number): number;
}

