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

/** Text in several languages, keyed by lower-case language code (the rule that picks one is src/engine/rules/language.ts). */
export type { Localized } from '../engine/rules/language';

/** The `lang` argument every localized field takes. */
export function LangArg(): ReturnType<typeof Arg> {
  return Arg('lang', () => Language, {
    nullable: true,
    description: 'Language to answer in; without it the `Accept-Language` header, then English, then Russian.',
  });
}
