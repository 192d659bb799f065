import { Field, ObjectType } from 'type-graphql';
import { declareFields, declareQueries, fieldsOf, Language, type Localized } from '../engine';

@ObjectType('AvailableLanguage', { simpleResolvers: true, description: 'A language the registry holds text in. The list is data: a new language appears here without a schema change.' })
export class AvailableLanguage {
  @Field(() => String, { description: 'Lower-case ISO 639-1 code, as `Accept-Language` names it: "en", "ru", "az".' })
  code: string;

  @Field(() => String, { description: 'The name in the language itself: "Русский".' })
  nativeName: string;

  name: Localized;
}

const ENUM_VALUES = new Set<string>(Object.values(Language));

const language = fieldsOf(AvailableLanguage);
declareFields(AvailableLanguage, {
  name: language.localized('name', { description: 'The name of the language, in the language asked for.', orElse: 'nativeName' }),
  value: language.computed({
    type: () => Language,
    nullable: true,
    description: 'The `Language` value that selects it in `lang` arguments; null for a language only `Accept-Language` can ask for until the enum gains it.',
    reads: ['code'],
    resolve: (l) => (ENUM_VALUES.has(l.code) ? (l.code as Language) : null),
  }),
});

declareQueries({
  languages: {
    type: () => [AvailableLanguage],
    description: 'The languages texts are held in, in the order the registry falls back through (after the `lang` argument and `Accept-Language`).',
    reads: [],
    resolve: async (_, __, ctx) => {
      const rows = await ctx.db.query<{ code: string; name: string; nativeName: string }>(`SELECT code, name, native_name AS "nativeName" FROM languages ORDER BY position, code`);
      return rows.map((r) => ({ code: r.code, nativeName: r.nativeName, name: JSON.parse(r.name) as Localized }));
    },
  },
});
