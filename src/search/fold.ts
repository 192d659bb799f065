/** Folds text for matching: lower case, no diacritics, "ё" as "е". */
export function foldText(text: string): string {
  return text.normalize('NFKD').replace(/\p{M}+/gu, '').toLowerCase();
}

