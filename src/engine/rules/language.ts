import { registerEnumType } from 'type-graphql';
import type { Dialect, Params } from '../../db/database';

/**
 * The language rule, in JavaScript and in SQL side by side
 * (tests/rules.test.ts holds them equal on both databases): a text is taken
 * in the `lang` argument's language, then in the request's languages
 * (`Accept-Language`, best first), then English, then Russian, then whatever
 * translation exists, so a field is never null just because one translation
 * is missing. Client language codes are checked before they are used as keys.
 */

/** Languages the registry holds text in, for `lang` arguments. Adding one is a data change plus a value here. */
export enum Language {
  EN = 'en',
  RU = 'ru',
}

/** The names of languages in their GraphQL descriptions. */
export const LANGUAGE_NAMES: Record<Language, string> = { [Language.EN]: 'English', [Language.RU]: 'Russian' };

registerEnumType(Language, {
  name: 'Language',
  description: 'A language the registry holds text in.',
  valuesConfig: Object.fromEntries(Object.entries(Language).map(([key, code]) => [key, { description: `${LANGUAGE_NAMES[code]}.` }])),
});

/** The `lang` argument every localized field takes. */
export const LANG_ARG = {
  type: () => Language,
  nullable: true,
  description: 'Language to answer in; without it the `Accept-Language` header, then English, then Russian.',
};

/** Text in several languages, keyed by lower-case language code. */
export type Localized = Partial<Record<string, string>>;

/** What a client's language code must look like before it is used as a key: a primary subtag of ISO 639. */
export const LANGUAGE_TAG = /^[a-z]{2,3}$/;

/** Languages of `Accept-Language` that are tried, best first. */
const MAX_ACCEPTED = 8;

/** Built-in order once the request's own preferences are exhausted. */
export const FALLBACK_LANGUAGES: readonly string[] = ['en', 'ru'];

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
    // A primary language subtag; anything else, '*' or '__proto__' alike, is no language.
    if (!LANGUAGE_TAG.test(tag)) return;
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const q = qParam ? Number(qParam.slice(2)) : 1;
    if (!Number.isFinite(q) || q <= 0) return;
    ranked.push({ tag, q, order });
  });
  ranked.sort((a, b) => b.q - a.q || a.order - b.order);
  return [...new Set(ranked.map((r) => r.tag))].slice(0, MAX_ACCEPTED);
}

/** The languages tried, in order, before taking whatever translation exists. */
export function textChain(lang: string | null | undefined, requested: readonly string[]): string[] {
  return [...new Set([...(lang ? [lang] : []), ...requested, ...FALLBACK_LANGUAGES])];
}

/** The rule in JavaScript. A loop of its own rather than `textChain`: it runs for every localized field of an answer. */
export function pickText(text: Localized | null | undefined, lang: string | null | undefined, requested: readonly string[]): string | null {
  if (!text) return null;
  if (lang && text[lang]) return text[lang]!;
  for (const code of requested) if (text[code]) return text[code]!;
  for (const code of FALLBACK_LANGUAGES) if (text[code]) return text[code]!;
  for (const value of Object.values(text)) if (value) return value;
  return null;
}

/** A JSON text column's member and first non-empty member, in each database's SQL. */
const JSON_TEXT: Record<Dialect, { member(column: string, code: string): string; anyMember(column: string): string }> = {
  sqlite: {
    member: (column, code) => `${column} ->> ${code}`,
    anyMember: (column) => `(SELECT value FROM json_each(${column}) WHERE value <> '' LIMIT 1)`,
  },
  postgres: {
    member: (column, code) => `(${column})::json ->> ${code}::text`,
    anyMember: (column) => `(SELECT value FROM json_each_text((${column})::json) WHERE value <> '' LIMIT 1)`,
  },
};

/** The rule in SQL, over a JSON text column: null when the column holds no text. */
export function pickTextSql(dialect: Dialect, params: Params, column: string, lang: string | null | undefined, requested: readonly string[]): string {
  const json = JSON_TEXT[dialect];
  const picks = textChain(lang, requested)
    .filter((code) => LANGUAGE_TAG.test(code))
    .map((code) => `NULLIF(${json.member(column, params.add(code))}, '')`);
  // Then whatever translation exists, in the order the text holds them.
  return `COALESCE(${picks.join(', ')}, ${json.anyMember(column)})`;
}
