import { createKey } from '../src/auth/keys';
import { SearchDocument, type SearchQuery } from './gql/graphql';
import { startTestRegistry, type TestRegistry } from './support/registry';

let registry: TestRegistry;
let editor: string;
let admin: string;

/** A small hand-made set whose ranking is known: one word in a title, in a description, in a session and in an organization's name. */
async function addRankingSet(): Promise<void> {
  const region = Number((await registry.db.query<{ id: number }>(`SELECT id FROM regions WHERE code = 'RU-OMS'`))[0].id);
  const forum = async (slug: string, title: object, description: object | null, startsOn: string) => {
    const [row] = await registry.db.query<{ id: number }>(
      `INSERT INTO programs (type, slug, title, title_sort, description, starts_on, ends_on, location_id, synthetic) VALUES ('FORUM', $1, $2, $3, $4, $5, $5, $6, $7) RETURNING id`,
      [slug, JSON.stringify(title), slug, description && JSON.stringify(description), startsOn, region, true],
    );
    return Number(row.id);
  };
  await forum('volunteer-camp', { en: 'Volunteering Camp', ru: 'Лагерь добровольцев' }, { en: 'Ten days in the field.', ru: 'Десять дней в поле.' }, '2019-07-01');
  const school = await forum(
    'summer-school',
    { en: 'Summer School', ru: 'Летняя школа' },
    { en: 'A long week of lectures, walks and talks, closing with an evening about volunteering in the regions.', ru: 'Неделя лекций и прогулок, в конце вечер о добровольчестве в регионах.' },
    '2020-07-01',
  );
  await forum('cafe-forum', { en: 'Café Forum Ñandú', ru: 'Форум «Ёлка»' }, null, '2020-12-30');
  await registry.db.query(`INSERT INTO sessions (program_id, slug, title, kind, position, synthetic) VALUES ($1, 'volunteering-workshop', $2, 'LECTURE', 0, $3)`, [
    school,
    JSON.stringify({ en: 'Volunteering workshop', ru: 'Мастерская добровольцев' }),
    true,
  ]);
  await registry.db.query(`INSERT INTO organizations (slug, name, kind, synthetic) VALUES ('volunteering-council', $1, 'NGO', $2)`, [
    JSON.stringify({ en: 'Volunteering Council', ru: 'Совет добровольцев' }),
    true,
  ]);
}

beforeAll(async () => {
  registry = await startTestRegistry();
  editor = (await createKey(registry.db, 'editor', 'search test')).key;
  admin = (await createKey(registry.db, 'admin', 'search test')).key;
  await addRankingSet();
});
afterAll(() => registry.stop());

type Hit = SearchQuery['search']['edges'][number] & { node: SearchQuery['search']['nodes'][number] };

async function search(query: string, variables: Record<string, unknown> = {}, headers: Record<string, string> = {}): Promise<{ hits: Hit[]; total: number; keys: string[] }> {
  const response = await registry.request(SearchDocument, { query, first: 50, ...variables } as never, headers);
  expect(response.errors).toBeUndefined();
  const { edges, nodes, totalCount } = response.data!.search;
  const hits = edges.map((edge, i) => ({ ...edge, node: nodes[i] }));
  const keys = nodes.map((n) => `${n.__typename}:${'slug' in n && n.slug ? n.slug : 'code' in n ? n.code : 'title' in n ? n.title : ''}`);
  return { hits, total: totalCount, keys };
}

describe('a reader searches in Russian and in English', () => {
  it('finds Cyrillic words by their start, whatever the case and "ё"', async () => {
    for (const query of ['молодеж', 'МОЛОДЁЖЬЮ', 'Молодежью']) {
      const { keys } = await search(query);
      expect(keys).toContain('Internship:baku-internship-2021');
    }
    const { hits } = await search('стажир баку', { lang: 'RU' });
    expect(hits.map((h) => h.node.__typename)).toEqual(['Internship']);
    expect(hits[0].matchedField).toBe('TITLE');
    expect(hits[0].snippet).toBe('<mark>Стажировка</mark> для специалистов по работе с молодежью в <mark>Баку</mark>');
  });

  it('finds Latin words by their start, ignoring diacritics both ways', async () => {
    expect((await search('intern')).keys).toContain('Internship:baku-internship-2021');
    expect((await search('cafe nandu')).keys).toEqual(['Forum:cafe-forum']);
    expect((await search('CAFÉ')).keys).toEqual(['Forum:cafe-forum']);
    expect((await search('елка')).keys).toEqual(['Forum:cafe-forum']);
    const { hits } = await search('nandu', { lang: 'EN' });
    expect(hits[0].snippet).toBe('Café Forum <mark>Ñandú</mark>');
  });

  it('says which field matched and shows it in the language asked for, then Accept-Language, then English', async () => {
    const program = (r: { hits: Hit[] }) => r.hits.find((h) => h.node.__typename === 'Internship')!;
    expect(program(await search('организация работы', { lang: 'RU' }))).toMatchObject({ matchedField: 'TRAINING_PROGRAM', snippet: '<mark>Организация</mark> <mark>работы</mark> с молодежью в СНГ' });
    // Both translations of the forum's title hold "2021": the snippet takes the preferred one.
    const forum = (r: { hits: Hit[] }) => r.hits.find((h) => h.node.__typename === 'Forum')!.snippet;
    const ru = 'Азербайджано-российский молодежный форум <mark>2021</mark>';
    const en = 'Azerbaijan-Russian Youth Forum <mark>2021</mark>';
    expect(forum(await search('2021', { lang: 'RU' }, { 'accept-language': 'en' }))).toBe(ru);
    expect(forum(await search('2021', {}, { 'accept-language': 'de, ru;q=0.9, en;q=0.5' }))).toBe(ru);
    expect(forum(await search('2021', { lang: 'EN' }, { 'accept-language': 'ru' }))).toBe(en);
    expect(forum(await search('2021', {}, { 'accept-language': 'az' }))).toBe(en);
    expect(forum(await search('2021'))).toBe(en);
    // Russian words found while English is preferred: the snippet is the text that matched.
    expect(program(await search('стажировка', { lang: 'EN' })).snippet).toContain('<mark>Стажировка</mark>');
  });
});

describe('hits are ranked', () => {
  it('puts programmes first, then sessions, organizations and regions, each by relevance; a title beats a description', async () => {
    const { hits, keys } = await search('volunteer');
    expect(keys).toEqual(['Forum:volunteer-camp', 'Forum:summer-school', 'Session:Volunteering workshop', 'Organization:volunteering-council']);
    expect(hits.map((h) => h.matchedField)).toEqual(['TITLE', 'DESCRIPTION', 'TITLE', 'NAME']);
    expect(hits[0].relevance).toBeGreaterThan(hits[1].relevance);
    expect(hits[1].snippet).toBe('…with an evening about <mark>volunteering</mark> in the regions.');
  });

  it('pages through hits with opaque cursors, in the same order as one page', async () => {
    const all = await search('youth');
    expect(all.total).toBe(all.keys.length);
    expect(all.total).toBeGreaterThan(4);
    const paged: string[] = [];
    let after: string | null = null;
    do {
      const response: any = await registry.request(SearchDocument, { query: 'youth', first: 2, after });
      expect(response.errors).toBeUndefined();
      paged.push(...response.data.search.nodes.map((n: any) => n.id));
      after = response.data.search.pageInfo.hasNextPage ? response.data.search.pageInfo.endCursor : null;
    } while (after);
    expect(paged).toEqual(all.hits.map((h) => h.node.id));
    const tooMany = await registry.request(SearchDocument, { query: 'youth', first: 101 });
    expect(tooMany.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argumentPath: ['first'] });
  });
});

describe('search combines with the programme filter', () => {
  it('keeps only programmes that pass the filter', async () => {
    expect((await search('volunteer', { filter: { regionCode: 'RU' } })).keys).toEqual(['Forum:volunteer-camp', 'Forum:summer-school']);
    expect((await search('volunteer', { filter: { regionCode: 'RU', startsFrom: '2020-01-01' } })).keys).toEqual(['Forum:summer-school']);
    expect((await search('volunteer', { filter: { status: ['UPCOMING'] } })).keys).toEqual([]);
    expect((await search('youth', { filter: { regionCode: 'AZ' } })).keys).toEqual(['Internship:baku-internship-2021']);
  });

  it('lets programme lists take the same words', async () => {
    const list = async (filter: object) => {
      const response = await registry.request<any, any>(`query($filter: ProgramFilter) { programs(first: 50, filter: $filter) { totalCount nodes { slug } } }`, { filter });
      expect(response.errors).toBeUndefined();
      return response.data.programs.nodes.map((n: { slug: string }) => n.slug);
    };
    expect(await list({ query: 'volunteer' })).toEqual(['volunteer-camp', 'summer-school']);
    expect(await list({ query: 'добровол', startsTo: '2019-12-31' })).toEqual(['volunteer-camp']);
    expect(await list({ query: 'стажировка молодеж', regionCode: 'AZ' })).toEqual(['baku-internship-2021']);
    expect(await list({ query: '"*(' })).toEqual([]);
    const empty = await registry.request<any, any>(`{ forums(filter: { query: " " }) { totalCount } }`);
    expect(empty.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argumentPath: ['filter', 'query'] });
  });
});

describe('any string is a valid search', () => {
  const hostile = ['"', "'", '*', '(', ')', 'AND', 'NEAR(', '-', '^', ':', '\\', '!', '🙂', '"youth', 'youth"', 'youth AND', 'NEAR(youth baku, 2)', '-youth', 'baku^2', 'title:baku', 'youth OR NOT baku', "'; DROP TABLE programs; --", '%_', '👩‍👩‍👧 baku', '{}[]', 'a'.repeat(300)];

  it.each(hostile)('%p answers without an error and leaves the data alone', async (query) => {
    const response = await registry.request(SearchDocument, { query, first: 5 });
    expect(response.status).toBe(200);
    expect(response.errors).toBeUndefined();
    if (!/[\p{L}\p{N}]/u.test(query)) expect(response.data!.search.totalCount).toBe(0);
    const [row] = await registry.db.query<{ n: number }>('SELECT COUNT(*) AS n FROM programs');
    expect(Number(row.n)).toBe(5);
  });

  it('finds words among operators as plain words', async () => {
    expect((await search('NEAR(baku)')).keys).toEqual([]);
    expect((await search('(baku)')).keys).toEqual(['Internship:baku-internship-2021', 'Region:AZ-BA']);
    expect((await search('"baku" AND -intern*')).keys).toEqual(['Internship:baku-internship-2021']);
    expect((await search('(baku) intern*')).keys).toEqual(['Internship:baku-internship-2021']);
  });

  it('refuses an empty query and a 10 kB one as user errors', async () => {
    for (const query of ['', '   \n\t']) {
      const response = await registry.request(SearchDocument, { query });
      expect(response.errors![0].extensions).toEqual({ code: 'BAD_USER_INPUT', argumentPath: ['query'] });
    }
    const long = await registry.request(SearchDocument, { query: 'молодежь '.repeat(1200) });
    expect(long.status).toBe(200);
    expect(long.errors![0].extensions).toEqual({ code: 'BAD_USER_INPUT', argumentPath: ['query'] });
  });
});

describe('the index follows every write in its transaction', () => {
  const write = (key: string, query: string, variables: Record<string, unknown>) =>
    registry.request<any, any>(query, variables, { authorization: `Bearer ${key}` }).then((r) => {
      expect(r.errors).toBeUndefined();
      return r.data;
    });

  it('finds a created forum, its new title after an update, and nothing after a delete', async () => {
    const created = await write(editor, `mutation($input: ForumCreateInput!) { forumCreate(input: $input) { forum { id } userErrors { code } } }`, {
      input: { slug: 'quokka-forum', title: { en: 'Quokka Forum', ru: 'Форум квокки' }, startsOn: '2023-05-01', endsOn: '2023-05-02', locationCode: 'AZ-BA' },
    });
    const id = created.forumCreate.forum.id;
    expect((await search('quokk')).keys).toEqual(['Forum:quokka-forum']);
    expect((await search('квокк')).keys).toEqual(['Forum:quokka-forum']);

    await write(editor, `mutation($id: ID!, $input: ForumUpdateInput!) { forumUpdate(id: $id, input: $input) { userErrors { code } } }`, { id, input: { title: { en: 'Platypus Forum', ru: 'Форум утконоса' } } });
    expect((await search('quokka')).keys).toEqual([]);
    expect((await search('platypus')).keys).toEqual(['Forum:quokka-forum']);

    const session = await write(editor, `mutation($input: SessionCreateInput!) { sessionCreate(input: $input) { session { id } userErrors { code } } }`, {
      input: { programSlug: 'quokka-forum', kind: 'LECTURE', title: { en: 'Wombat lecture' } },
    });
    expect((await search('wombat')).hits.map((h) => h.node.id)).toEqual([session.sessionCreate.session.id]);
    await write(editor, `mutation($id: ID!) { forumDelete(id: $id) { userErrors { code } } }`, { id });
    expect((await search('platypus')).keys).toEqual([]);
    expect((await search('wombat')).keys).toEqual([]);
  });

  it('rolls the index back with a write that fails halfway', async () => {
    // A trigger stands in for a failure after the programme row (and so its index entry) was written.
    if (registry.db.dialect === 'postgres') {
      await registry.db.query(`CREATE FUNCTION fail_origin() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'simulated failure'; END $$ LANGUAGE plpgsql`);
      await registry.db.query('CREATE TRIGGER fail_origin BEFORE INSERT ON participant_origins FOR EACH ROW WHEN (NEW.count = 13) EXECUTE FUNCTION fail_origin()');
    } else {
      await registry.db.query(`CREATE TRIGGER fail_origin BEFORE INSERT ON participant_origins WHEN NEW.count = 13 BEGIN SELECT RAISE(ABORT, 'simulated failure'); END`);
    }
    const create = `mutation($input: InternshipCreateInput!) { internshipCreate(input: $input) { internship { slug } userErrors { code } } }`;
    const input = (count: number) => ({ slug: 'dingo-internship', title: { en: 'Dingo Internship' }, startsOn: '2022-01-01', endsOn: '2022-01-02', participantOrigins: [{ regionCode: 'RU-OMS', count }] });
    const original = console.error;
    console.error = () => {};
    try {
      const failed = await registry.request<any, any>(create, { input: input(13) }, { authorization: `Bearer ${editor}` });
      expect(failed.errors![0].extensions!.code).toBe('INTERNAL_SERVER_ERROR');
      expect((await search('dingo')).keys).toEqual([]);
    } finally {
      console.error = original;
      await registry.db.query(registry.db.dialect === 'postgres' ? 'DROP TRIGGER fail_origin ON participant_origins' : 'DROP TRIGGER fail_origin');
    }
    await write(editor, create, { input: input(3) });
    expect((await search('dingo')).keys).toEqual(['Internship:dingo-internship']);
  });

  it('follows organizations and regions too, and a refused write leaves the index as it was', async () => {
    const org = await write(admin, `mutation($input: OrganizationCreateInput!) { organizationCreate(input: $input) { organization { id } userErrors { code } } }`, {
      input: { slug: 'echidna-society', kind: 'NGO', name: { en: 'Echidna Society', ru: 'Общество ехидны' } },
    });
    expect((await search('ехидн')).keys).toEqual(['Organization:echidna-society']);
    await write(admin, `mutation($id: ID!, $input: OrganizationUpdateInput!) { organizationUpdate(id: $id, input: $input) { userErrors { code } } }`, { id: org.organizationCreate.organization.id, input: { name: { en: 'Numbat Society' } } });
    expect((await search('echidna')).keys).toEqual([]);
    expect((await search('numbat')).keys).toEqual(['Organization:echidna-society']);

    const refused = await write(editor, `mutation($input: ForumCreateInput!) { forumCreate(input: $input) { forum { id } userErrors { code } } }`, {
      input: { slug: 'bilby-forum', title: { en: 'Bilby Forum' }, startsOn: '2023-05-02', endsOn: '2023-05-01' },
    });
    expect(refused.forumCreate.userErrors.length).toBeGreaterThan(0);
    expect((await search('bilby')).keys).toEqual([]);

    const [region] = await registry.db.query<{ id: number }>(`SELECT id FROM regions WHERE code = 'RU-SAM'`);
    const regionId = (await registry.request<any, any>(`{ region(code: "RU-SAM") { id } }`)).data.region.id;
    expect(region).toBeDefined();
    await write(admin, `mutation($id: ID!, $input: RegionUpdateInput!) { regionUpdate(id: $id, input: $input) { userErrors { code } } }`, { id: regionId, input: { name: { en: 'Samara Kangaroo Region', ru: 'Самарская область' } } });
    expect((await search('kangaroo')).keys).toEqual(['Region:RU-SAM']);
  });
});
