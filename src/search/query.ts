import { badUserInput } from '../engine';
import { foldText } from './fold';

/** Longest query text accepted; a longer one is a user error, never sent to the database. */
export const MAX_QUERY_LENGTH = 500;
/** Most words a query may hold. */
export const MAX_QUERY_WORDS = 10;

/**
 * The words of a user's query, folded the way the index folds text (lower
 * case, no diacritics, "ё" as "е"), split on anything that is not a letter or
 * a digit. Only these words ever reach a search engine, each quoted as a
 * prefix, so quotes, operators and brackets are just separators. A query of
 * punctuation only has no words (and finds nothing); an empty one is an error.
 */
export function queryWords(query: string, path: readonly string[]): string[] {
  if (!query.trim()) throw badUserInput('The search query is empty; give at least one word', [...path]);
  if (query.length > MAX_QUERY_LENGTH) throw badUserInput(`The search query may be at most ${MAX_QUERY_LENGTH} characters long`, [...path]);
  const words = [...new Set(foldText(query).split(/[^\p{L}\p{N}]+/u).filter(Boolean))];
  if (words.length > MAX_QUERY_WORDS) throw badUserInput(`The search query may hold at most ${MAX_QUERY_WORDS} words`, [...path]);
  return words;
}
