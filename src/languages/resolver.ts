import { Ctx, Field, FieldResolver, ObjectType, Query, Resolver, Root } from 'type-graphql';
import type { RegistryContext } from '../engine/context';
import { LangArg, Language } from '../graphql/language';
import { pickText, type Localized } from '../engine/rules/language';

@ObjectType('AvailableLanguage', { description: 'A language the registry holds text in. The list is data: a new language appears here without a schema change.' })
export class AvailableLanguage {
  @Field(() => String, { description: 'Lower-case ISO 639-1 code, as `Accept-Language` names it: "en", "ru", "az".' })
  code: string;

  @Field(() => String, { description: 'The name in the language itself: "Русский".' })
  nativeName: string;

  name: Localized;
}

const ENUM_VALUES = new Set<string>(Object.values(Language));

@Resolver(() => AvailableLanguage)
export class LanguageResolver {
  @Query(() => [AvailableLanguage], {
    description: 'The languages texts are held in, in the order the registry falls back through (after the `lang` argument and `Accept-Language`).',
  })
  async languages(@Ctx() ctx: RegistryContext): Promise<AvailableLanguage[]> {
    const rows = await ctx.db.query<{ code: string; name: string; nativeName: string }>(`SELECT code, name, native_name AS "nativeName" FROM languages ORDER BY position, code`);
    return rows.map((r) => ({ code: r.code, nativeName: r.nativeName, name: JSON.parse(r.name) as Localized }));
  }

  @FieldResolver(() => String, { description: 'The name of the language, in the language asked for.' })
  name(@Root() language: AvailableLanguage, @LangArg() lang: Language | null, @Ctx() ctx: RegistryContext): string {
    return pickText(language.name, lang, ctx.languages) ?? language.nativeName;
  }

  @FieldResolver(() => Language, { nullable: true, description: 'The `Language` value that selects it in `lang` arguments; null for a language only `Accept-Language` can ask for until the enum gains it.' })
  value(@Root() language: AvailableLanguage): Language | null {
    return ENUM_VALUES.has(language.code) ? (language.code as Language) : null;
  }
}
