/** Folds text for matching: lower case, no diacritics, "ё" as "е". */
export function foldText(text: string): string {
  return text.normalize('NFKD').replace(/\p{M}+/gu, '').toLowerCase();
}

/** One search text from every translation of every given text. */
export function searchText(...texts: Array<Partial<Record<string, string | string[]>> | string | null | undefined>): string {
  const parts: string[] = [];
  for (const text of texts) {
    if (!text) continue;
    if (typeof text === 'string') parts.push(text);
    else for (const value of Object.values(text)) if (value) parts.push(...(Array.isArray(value) ? value : [value]));
  }
  return foldText(parts.join(' \n '));
}
