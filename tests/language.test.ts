import { InternshipPageDocument } from './gql/graphql';
import { parseAcceptLanguage, pickText } from '../src/engine/rules/language';
import { startTestRegistry, type TestRegistry } from './support/registry';

let registry: TestRegistry;
beforeAll(async () => {
  registry = await startTestRegistry();
  // A program known only by its Russian title, to prove the fallback.
  await registry.db.query(
    `INSERT INTO programs (type, slug, title, title_sort, description, synthetic) VALUES ('FORUM', 'synthetic-ru-only', $1, 'ru only', $2, $3)`,
    [JSON.stringify({ ru: 'Только по-русски' }), JSON.stringify({ en: 'Only in English' }), true],
  );
});
afterAll(() => registry.stop());

const titleQuery = `query($lang: Language) { internship(slug: "baku-internship-2021") { title(lang: $lang) trainingProgram(lang: $lang) location { name(lang: $lang) } } }`;

describe('a reader gets text in the language asked for', () => {
  it('takes the lang argument first', async () => {
    const { data } = await registry.request<any, any>(titleQuery, { lang: 'RU' }, { 'accept-language': 'en' });
    expect(data.internship).toEqual({ title: 'Стажировка для специалистов по работе с молодежью в Баку', trainingProgram: 'Организация работы с молодежью в СНГ', location: { name: 'Баку' } });
  });

  it('then the Accept-Language header, honouring quality values', async () => {
    const ru = await registry.request<any, any>(titleQuery, {}, { 'accept-language': 'de-DE, en;q=0.5, ru-RU;q=0.9' });
    expect(ru.data.internship.location.name).toBe('Баку');
    const en = await registry.request<any, any>(titleQuery, {}, { 'accept-language': 'ru;q=0.2, en-GB' });
    expect(en.data.internship.location.name).toBe('Baku');
  });

  it('then English', async () => {
    const { data } = await registry.request<any, any>(titleQuery, {}, { 'accept-language': 'az' });
    expect(data.internship.title).toBe('Internship for youth workers in Baku');
  });

  it('and never answers null because one translation is missing', async () => {
    const query = `query($lang: Language) { forum(slug: "synthetic-ru-only") { title(lang: $lang) description(lang: $lang) } }`;
    const { data } = await registry.request<any, any>(query, { lang: 'EN' });
    expect(data.forum).toEqual({ title: 'Только по-русски', description: 'Only in English' });
    const ru = await registry.request<any, any>(query, { lang: 'RU' });
    expect(ru.data.forum).toEqual({ title: 'Только по-русски', description: 'Only in English' });
  });

  it('localizes lists too: the audience in Russian', async () => {
    const { data } = await registry.request(InternshipPageDocument, { slug: 'baku-internship-2021', lang: 'RU' });
    expect(data!.internship!.audience[2]).toBe('Представители общественных организаций');
    expect(data!.internship!.participantOrigins.map((o) => o.region.name)).toEqual(['Калининградская область', 'Москва', 'Московская область', 'Омская область', 'Самарская область', 'Баку']);
  });
});

describe('language negotiation rules', () => {
  it('parses Accept-Language by quality, then by order, dropping q=0 and wildcards', () => {
    expect(parseAcceptLanguage('ru-RU,ru;q=0.9,en;q=0.8')).toEqual(['ru', 'en']);
    expect(parseAcceptLanguage('en;q=0.1, az, *;q=0.5, ru;q=0')).toEqual(['az', 'en']);
    expect(parseAcceptLanguage(undefined)).toEqual([]);
  });

  it('picks lang, then request languages, then English, then Russian, then any', () => {
    expect(pickText({ en: 'a', ru: 'б' }, null, ['ru'])).toBe('б');
    expect(pickText({ ru: 'б', az: 'c' }, null, [])).toBe('б');
    expect(pickText({ az: 'c' }, null, [])).toBe('c');
    expect(pickText(null, null, [])).toBeNull();
  });
});
