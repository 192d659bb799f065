import { LanguagesDocument, SearchDocument } from './gql/graphql';
import { startTestRegistry, type TestRegistry } from './support/registry';

let registry: TestRegistry;
beforeAll(async () => {
  registry = await startTestRegistry();
});
afterAll(() => registry.stop());

const internship = `query($lang: Language) { internship(slug: "baku-internship-2021") { title(lang: $lang) location { name(lang: $lang) } } }`;

describe('the languages a reader can ask for come from data', () => {
  it('lists English and Russian from the seed, in fallback order, named in the language asked for', async () => {
    const { data, errors } = await registry.request(LanguagesDocument, { lang: 'RU' });
    expect(errors).toBeUndefined();
    expect(data!.languages).toEqual([
      { code: 'en', value: 'EN', nativeName: 'English', name: 'Английский' },
      { code: 'ru', value: 'RU', nativeName: 'Русский', name: 'Русский' },
    ]);
    const en = await registry.request(LanguagesDocument, {}, { 'accept-language': 'en-GB,en;q=0.9' });
    expect(en.data!.languages.map((l) => l.name)).toEqual(['English', 'Russian']);
  });

  it('adds Azerbaijani as data: listed, served through Accept-Language and searchable, with no schema change', async () => {
    await registry.db.query(`INSERT INTO languages (code, name, native_name, position) VALUES ('az', $1, 'Azərbaycan dili', 2)`, [JSON.stringify({ en: 'Azerbaijani', ru: 'Азербайджанский', az: 'Azərbaycan dili' })]);
    await registry.db.query(`UPDATE regions SET name = $1 WHERE code = 'AZ-BA'`, [JSON.stringify({ en: 'Baku', ru: 'Баку', az: 'Bakı' })]);
    const programs = await registry.db.query<{ id: number; title: string }>(`SELECT id, title FROM programs WHERE slug = 'baku-internship-2021'`);
    const title = { ...JSON.parse(programs[0].title), az: 'Bakıda gənclər işçiləri üçün təcrübə' };
    await registry.db.query(`UPDATE programs SET title = $1 WHERE id = $2`, [JSON.stringify(title), programs[0].id]);

    const languages = await registry.request(LanguagesDocument, {}, { 'accept-language': 'az' });
    expect(languages.data!.languages.map((l) => [l.code, l.value, l.name])).toEqual([
      ['en', 'EN', 'English'],
      ['ru', 'RU', 'Russian'],
      ['az', null, 'Azərbaycan dili'],
    ]);

    const az = await registry.request<any, any>(internship, {}, { 'accept-language': 'az, ru;q=0.5' });
    expect(az.data.internship).toEqual({ title: 'Bakıda gənclər işçiləri üçün təcrübə', location: { name: 'Bakı' } });
    // The lang argument still wins over the header.
    const ru = await registry.request<any, any>(internship, { lang: 'RU' }, { 'accept-language': 'az' });
    expect(ru.data.internship.location.name).toBe('Баку');

    // Found by the starts of its Azerbaijani words, case folded, snippet in Azerbaijani when the reader asks for it.
    const hits = await registry.request(SearchDocument, { query: 'GƏNC bakı' }, { 'accept-language': 'az' });
    expect(hits.errors).toBeUndefined();
    expect(hits.data!.search.edges.map((e) => e.snippet)).toEqual(['<mark>Bakıda</mark> <mark>gənclər</mark> işçiləri üçün təcrübə']);
  });
});
