import { foldText } from './fold';

/** One searchable field of a record: all its translations, keyed by language. */
export interface SearchableField<F> {
  field: F;
  text: Partial<Record<string, string>> | null | undefined;
}

export interface FieldMatch<F> {
  field: F;
  /** The text around the first matching word, HTML-escaped, matching words in `<mark>`; `…` where cut. */
  snippet: string;
}

const WORD = /[\p{L}\p{N}\p{M}]+/gu;
/** Words shown before the first match, and in all. */
const BEFORE = 4;
const LENGTH = 16;

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&${{ '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot', "'": '#39' }[c]};`);

interface Scan {
  words: Array<{ start: number; end: number; matched: boolean }>;
  found: number;
}

function scan(text: string, queryWords: string[]): Scan {
  const words: Scan['words'] = [];
  const found = new Set<string>();
  for (const m of text.matchAll(WORD)) {
    const folded = foldText(m[0]);
    const hits = queryWords.filter((q) => folded.startsWith(q));
    hits.forEach((q) => found.add(q));
    words.push({ start: m.index!, end: m.index! + m[0].length, matched: hits.length > 0 });
  }
  return { words, found: found.size };
}

function cut(text: string, { words }: Scan): string {
  const first = Math.max(0, words.findIndex((w) => w.matched));
  const from = Math.max(0, first - BEFORE);
  const to = Math.min(words.length, from + LENGTH);
  const start = from === 0 ? 0 : words[from].start;
  const end = to === words.length ? text.length : words[to - 1].end;
  let out = from === 0 ? '' : '…';
  let at = start;
  for (const w of words.slice(from, to)) {
    if (!w.matched) continue;
    out += `${escapeHtml(text.slice(at, w.start))}<mark>${escapeHtml(text.slice(w.start, w.end))}</mark>`;
    at = w.end;
  }
  out += escapeHtml(text.slice(at, end));
  return to === words.length ? out : `${out}…`;
}

/**
 * Which field of a hit matched, and a snippet of it: the field where most of
 * the query's words start a word (earlier fields win ties), in the first of
 * `languages` whose text matches as well as any.
 */
export function matchField<F>(fields: SearchableField<F>[], queryWords: string[], languages: string[]): FieldMatch<F> | null {
  let best: { field: F; text: string; scan: Scan; rank: number } | null = null;
  for (const { field, text } of fields) {
    if (!text) continue;
    const codes = [...new Set([...languages, ...Object.keys(text)])];
    codes.forEach((code, rank) => {
      const value = text[code];
      if (!value) return;
      const s = scan(value, queryWords);
      if (!best || s.found > best.scan.found || (s.found === best.scan.found && best.field === field && rank < best.rank)) best = { field, text: value, scan: s, rank };
    });
  }
  if (!best) return null;
  const { field, text, scan: s } = best as { field: F; text: string; scan: Scan };
  return { field, snippet: cut(text, s) };
}
