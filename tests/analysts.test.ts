import { RegistryStatsDocument, SearchDocument } from './gql/graphql';
import { startTestRegistry, type TestRegistry } from './support/registry';

let registry: TestRegistry;
beforeAll(async () => {
  registry = await startTestRegistry();
});
afterAll(() => registry.stop());

describe('an analyst asks for numbers', () => {
  it('counts programmes by the year they start; the forum without dates is not counted', async () => {
    const { data } = await registry.request(RegistryStatsDocument, {});
    expect(data!.stats.programsByYear).toEqual([{ year: 2021, count: 1 }]);
  });

  it('lists participant origins with a null count where the page gives none', async () => {
    const { data } = await registry.request(RegistryStatsDocument, { filter: { regionCode: 'AZ' } });
    expect(data!.stats.participantsByRegion.map((r) => [r.region.code, r.count])).toEqual([
      ['RU-KGD', null],
      ['RU-MOW', null],
      ['RU-MOS', null],
      ['RU-OMS', null],
      ['RU-SAM', null],
      ['AZ-BA', null],
    ]);
    const none = await registry.request(RegistryStatsDocument, { filter: { regionCode: 'RU' } });
    expect(none.data!.stats.participantsByRegion).toEqual([]);
  });

  it('sums counted participants per region, with the filter applied', async () => {
    const [program] = await registry.db.query<{ id: number }>(`SELECT id FROM programs WHERE slug = 'baku-internship-2021'`);
    await registry.db.query(`UPDATE participant_origins SET count = 4 WHERE program_id = $1 AND region_id = (SELECT id FROM regions WHERE code = 'RU-OMS')`, [program.id]);
    try {
      const { data } = await registry.request(RegistryStatsDocument, { filter: { status: ['ARCHIVED'] } });
      expect(data!.stats.participantsByRegion.find((r) => r.region.code === 'RU-OMS')!.count).toBe(4);
    } finally {
      await registry.db.query(`UPDATE participant_origins SET count = NULL WHERE program_id = $1`, [program.id]);
    }
  });
});

describe('an analyst searches by words', () => {
  const found = async (query: string) => {
    const { data, errors } = await registry.request(SearchDocument, { query, first: 50 });
    expect(errors).toBeUndefined();
    return data!.search.nodes.map((n) => `${n.__typename}:${'slug' in n && n.slug ? n.slug : 'code' in n && n.code ? n.code : 'title' in n ? n.title : ''}`);
  };

  it('finds the internship in English and in Russian, case-insensitively, by parts of words', async () => {
    expect(await found('baku internship')).toEqual(['Internship:baku-internship-2021']);
    expect(await found('BAKU')).toEqual(['Internship:baku-internship-2021', 'Region:AZ-BA']);
    expect(await found('стажировка баку')).toEqual(['Internship:baku-internship-2021']);
    expect(await found('молодеж')).toContain('Internship:baku-internship-2021');
    expect(await found('intern')).toEqual(['Internship:baku-internship-2021']);
  });

  it('ranks programmes first, then sessions, organizations and regions', async () => {
    const hits = await found('youth');
    const kinds = hits.map((h) => h.split(':')[0]);
    const rank = { Forum: 0, Internship: 0, Session: 1, Organization: 2, Region: 3 } as Record<string, number>;
    expect(kinds.map((k) => rank[k])).toEqual([...kinds.map((k) => rank[k])].sort());
    expect(hits).toContain('Forum:azerbaijan-russian-youth-forum-2021');
    expect(hits).toContain('Organization:national-council-of-youth-organizations-az');
  });

  it.each(['"', "'; DROP TABLE programs; --", '%', '_', '\\', '(youth', 'NEAR(a b)', 'youth*', '🙂 baku'])('treats %p as plain words, never as an error', async (query) => {
    const response = await registry.request(SearchDocument, { query: `${query}`, first: 5 });
    expect(response.errors).toBeUndefined();
    // Punctuation only holds no word: a valid search that finds nothing.
    if (!/[\p{L}\p{N}]/u.test(query)) expect(response.data!.search.totalCount).toBe(0);
    expect(Number((await registry.db.query<{ n: number }>('SELECT COUNT(*) AS n FROM programs'))[0].n)).toBe(2);
  });

  it('refuses an empty query', async () => {
    const response = await registry.request(SearchDocument, { query: '   ' });
    expect(response.errors![0].extensions).toEqual({ code: 'BAD_USER_INPUT', argumentPath: ['query'] });
  });
});
