import { Arg, registerEnumType } from 'type-graphql';

/** Languages the registry holds text in. Adding one is a data change plus a value here. */
export enum Language {
  EN = 'en',
  RU = 'ru',
}

registerEnumType(Language, {
  name: 'Language',
  description: 'A language the registry holds text in.',
  valuesConfig: {
    EN: { description: 'English.' },
    RU: { description: 'Russian.' },
  },
});

/** Text in several languages, keyed by lower-case language code. */
export type Localized = Partial<Record<string, string>>;

/** What a client's language code must look like before it is used as a key. */
export const LANGUAGE_TAG = /^[a-z]{2,3}$/;

/** Languages of `Accept-Language` that are tried, best first. */
const MAX_ACCEPTED = 8;

/** Built-in order once the request's own preferences are exhausted. */
const FALLBACK = ['en', 'ru'];

/**
 * Languages a client accepts, best first, from an `Accept-Language` header
 * (`ru-RU,ru;q=0.9,en;q=0.8` gives `['ru', 'en']`).
 */
export function parseAcceptLanguage(header: string | undefined | null): string[] {
  if (!header) return [];
  const ranked: Array<{ tag: string; q: number; order: number }> = [];
  // Only the first few ranges count: a header of thousands would make every localized field try thousands of languages.
  header.split(',', MAX_ACCEPTED * 4).forEach((part, order) => {
    const [range, ...params] = part.trim().split(';');
    const tag = range.trim().toLowerCase().split('-')[0];
    // A primary language subtag (ISO 639: two or three letters); anything else, '*' or '__proto__' alike, is no language.
    if (!LANGUAGE_TAG.test(tag)) return;
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const q = qParam ? Number(qParam.slice(2)) : 1;
    if (!Number.isFinite(q) || q <= 0) return;
    ranked.push({ tag, q, order });
  });
  ranked.sort((a, b) => b.q - a.q || a.order - b.order);
  return [...new Set(ranked.map((r) => r.tag))].slice(0, MAX_ACCEPTED);
}

/**
 * Picks the best translation: the `lang` argument, then the request's
 * languages, then English, then Russian, then whatever exists, so a field is
 * never null just because one translation is missing.
 */
export function pickText(text: Localized | null | undefined, lang: Language | null | undefined, requested: readonly string[]): string | null {
  if (!text) return null;
  if (lang && text[lang]) return text[lang]!;
  for (const code of requested) if (text[code]) return text[code]!;
  for (const code of FALLBACK) if (text[code]) return text[code]!;
  for (const value of Object.values(text)) if (value) return value;
  return null;
}

/**
 * The languages `pickText` tries, in order, before taking whatever
 * translation exists: the same rule for texts picked inside the database.
 */
export function textChain(lang: string | null | undefined, requested: readonly string[]): string[] {
  return [...new Set([...(lang ? [lang] : []), ...requested, ...FALLBACK])];
}

/** The `lang` argument every localized field takes. */
export function LangArg(): ReturnType<typeof Arg> {
  return Arg('lang', () => Language, {
    nullable: true,
    description: 'Language to answer in; without it the `Accept-Language` header, then English, then Russian.',
  });
}
