import fs from 'node:fs';
import path from 'node:path';
import { InternshipPageDocument, RegionTreeDocument } from './gql/graphql';
import { createKey } from '../src/auth/keys';
import { PROJECT_ROOT } from '../src/paths';
import { loadSeeds } from '../seeds/loader';
import { dumpTables, startTestRegistry, type TestRegistry } from './support/registry';

let registry: TestRegistry;
beforeAll(async () => {
  registry = await startTestRegistry();
});
afterAll(() => registry.stop());

describe('a dashboard reads the Baku internship as its event page describes it', () => {
  it('has the dates, place, participants, programme and forum of the page', async () => {
    const { status, data, errors } = await registry.request(InternshipPageDocument, { slug: 'baku-internship-2021' });
    expect(status).toBe(200);
    expect(errors).toBeUndefined();
    const internship = data!.internship!;
    expect(internship).toMatchObject({
      slug: 'baku-internship-2021',
      title: 'Internship for youth workers in Baku',
      trainingProgram: 'Organization of youth work in the CIS',
      status: 'ARCHIVED',
      startsOn: '2021-12-25',
      endsOn: '2021-12-28',
      participantCount: 27,
      location: { code: 'AZ-BA', kind: 'CITY', name: 'Baku', parent: { code: 'AZ', name: 'Republic of Azerbaijan', parent: { code: 'CIS' } } },
      forum: { slug: 'azerbaijan-russian-youth-forum-2021', title: 'Azerbaijan-Russian Youth Forum 2021', series: 'Azerbaijan-Russian Youth Forum', year: 2021, startsOn: null, endsOn: null },
      organizers: [{ slug: 'mirea', kind: 'UNIVERSITY', name: 'MIREA – Russian Technological University' }],
    });
    expect(internship.description).toMatch(/^In order to improve the skills of specialists and youth workers of the CIS Member States/);
    expect(internship.forum!.description).toMatch(/traditional annual event of the Russian-Azerbaijani youth cooperation/);
    expect(internship.audience).toEqual([
      'Representatives of federal, regional, municipal structures implementing youth policy',
      'Youth workers and employees of youth organizations and educational institutions',
      'Representatives of public organizations',
    ]);
  });

  it('names the six regions participants came from, with no invented counts', async () => {
    const { data } = await registry.request(InternshipPageDocument, { slug: 'baku-internship-2021' });
    expect(data!.internship!.participantOrigins).toEqual([
      { count: null, region: { code: 'RU-KGD', kind: 'SUBDIVISION', name: 'Kaliningrad region' } },
      { count: null, region: { code: 'RU-MOW', kind: 'CITY', name: 'Moscow' } },
      { count: null, region: { code: 'RU-MOS', kind: 'SUBDIVISION', name: 'Moscow region' } },
      { count: null, region: { code: 'RU-OMS', kind: 'SUBDIVISION', name: 'Omsk region' } },
      { count: null, region: { code: 'RU-SAM', kind: 'SUBDIVISION', name: 'Samara region' } },
      { count: null, region: { code: 'AZ-BA', kind: 'CITY', name: 'Baku' } },
    ]);
  });

  it('lists the sessions the page describes, hosts where the page names them and no times', async () => {
    const { data } = await registry.request(InternshipPageDocument, { slug: 'baku-internship-2021' });
    const sessions = data!.internship!.sessions;
    expect(sessions.totalCount).toBe(9);
    expect(sessions.nodes.map((s) => [s.kind, s.host?.slug ?? null])).toEqual([
      ['MEETING', 'ministry-of-youth-and-sports-az'],
      ['MEETING', 'national-council-of-youth-organizations-az'],
      ['SITE_VISIT', null],
      ['GROUP_WORK', null],
      ['LECTURE', null],
      ['PRESENTATION', null],
      ['PRESENTATION', null],
      ['DISCUSSION', null],
      ['CULTURAL_PROGRAM', null],
    ]);
    expect(sessions.nodes[6].title).toBe('Presentation of work with youth in the Commonwealth space');
    expect(sessions.nodes[8].title).toBe('Cultural and excursion program for the guests of the city');
    expect(sessions.nodes.every((s) => s.startsAt === null && s.endsAt === null)).toBe(true);
  });

  it('holds the region hierarchy CIS > countries > subdivisions with ISO codes and both languages', async () => {
    const { data } = await registry.request(RegionTreeDocument, { code: 'CIS', lang: 'RU' });
    const cis = data!.region!;
    expect(cis).toMatchObject({ code: 'CIS', kind: 'INTERSTATE_UNION', name: 'Содружество Независимых Государств', parent: null });
    expect(cis.children.map((c) => [c.code, c.kind, c.name])).toEqual([
      ['AZ', 'COUNTRY', 'Азербайджанская Республика'],
      ['RU', 'COUNTRY', 'Российская Федерация'],
    ]);
    expect(cis.children[1].children.map((c) => `${c.code} ${c.name}`)).toEqual([
      'RU-KGD Калининградская область',
      'RU-MOS Московская область',
      'RU-MOW Москва',
      'RU-OMS Омская область',
      'RU-SAM Самарская область',
    ]);
    expect(cis.children[0].children.map((c) => c.code)).toEqual(['AZ-BA']);
  });

  it('knows the four organizations the page names', async () => {
    const { data } = await registry.request<any, any>('{ organizations { totalCount nodes { slug kind name region { code } } } }');
    expect(data.organizations.nodes).toEqual([
      { slug: 'cis-basic-organization-for-youth', kind: 'INTERSTATE_BODY', name: 'Basic organization of the CIS Member States for work with youth', region: { code: 'CIS' } },
      { slug: 'ministry-of-youth-and-sports-az', kind: 'GOVERNMENT_BODY', name: 'Ministry of Youth and Sports of the Republic of Azerbaijan', region: { code: 'AZ' } },
      { slug: 'mirea', kind: 'UNIVERSITY', name: 'MIREA – Russian Technological University', region: null },
      { slug: 'national-council-of-youth-organizations-az', kind: 'YOUTH_COUNCIL', name: 'National Council of Youth Organizations of Azerbaijan', region: { code: 'AZ' } },
    ]);
    expect(data.organizations.totalCount).toBe(4);
  });

  it('changes nothing when the seed is loaded again', async () => {
    const before = await dumpTables(registry.db);
    await loadSeeds(registry.db);
    expect(await dumpTables(registry.db)).toEqual(before);
    expect(before.programs).toHaveLength(2);
    expect(before.sessions).toHaveLength(9);
  });

  it('calls the internship and its forum archived, as the source page does ("archive event")', async () => {
    // The founding document as the project keeps it (seeds/source/), the same as the shared copy wherever that is at hand.
    const page = fs.readFileSync(path.join(PROJECT_ROOT, 'seeds', 'source', 'baku-internship-2021.txt'), 'utf8');
    const shared = path.join(PROJECT_ROOT, '..', 'shared', 'seed', 'baku-internship-2021.txt');
    if (fs.existsSync(shared)) expect(fs.readFileSync(shared, 'utf8')).toBe(page);
    expect(page).toContain('Internship for youth workers in Baku (archive event)');
    const [, d1, m1, y1, d2, m2, y2] = /Event date\s+(\d\d)\.(\d\d)\.(\d{4}) - (\d\d)\.(\d\d)\.(\d{4})/.exec(page)!;
    const [from, to] = [`${y1}-${m1}-${d1}`, `${y2}-${m2}-${d2}`];
    const { data } = await registry.request(InternshipPageDocument, { slug: 'baku-internship-2021' });
    const internship = data!.internship!;
    expect([internship.startsOn, internship.endsOn, internship.status]).toEqual([from, to, 'ARCHIVED']);
    // The page gives the forum no dates of its own: its internship's days tell that it is over.
    expect(internship.forum).toMatchObject({ startsOn: null, endsOn: null, year: 2021 });
    const forum = await registry.request<any, any>('{ forum(slug: "azerbaijan-russian-youth-forum-2021") { status } archived: forums(filter: { status: [ARCHIVED] }) { nodes { slug } } upcoming: forums(filter: { status: [UPCOMING] }) { totalCount } stats { programsByStatus { status count } } }');
    expect(forum.errors).toBeUndefined();
    expect(forum.data.forum.status).toBe('ARCHIVED');
    expect(forum.data.archived.nodes.map((n: { slug: string }) => n.slug)).toEqual(['azerbaijan-russian-youth-forum-2021']);
    expect(forum.data.upcoming.totalCount).toBe(0);
    expect(forum.data.stats.programsByStatus).toEqual([
      { status: 'UPCOMING', count: 0 },
      { status: 'ONGOING', count: 0 },
      { status: 'ARCHIVED', count: 2 },
    ]);
  });

  it("gives a forum created as the README shows the year it starts in", async () => {
    const { key } = await createKey(registry.db, 'editor', 'seed facts');
    const created = await registry.request<any, any>(
      'mutation { forumCreate(input: { slug: "arf-2022", title: { en: "Azerbaijan-Russian Youth Forum 2022" }, startsOn: "2022-10-01", endsOn: "2022-10-03", locationCode: "AZ-BA" }) { forum { year status } userErrors { field code } } }',
      undefined,
      { authorization: `Bearer ${key}` },
    );
    expect(created.data.forumCreate).toEqual({ forum: { year: 2022, status: 'ARCHIVED' }, userErrors: [] });
    const told = await registry.request<any, any>(
      'mutation { forumCreate(input: { slug: "arf-2022-winter", title: { en: "Winter edition" }, startsOn: "2023-01-10", endsOn: "2023-01-12", year: 2022 }) { forum { year } userErrors { field code } } }',
      undefined,
      { authorization: `Bearer ${key}` },
    );
    expect(told.data.forumCreate).toEqual({ forum: { year: 2022 }, userErrors: [] });
    await registry.db.query(`DELETE FROM programs WHERE slug IN ('arf-2022', 'arf-2022-winter')`);
  });
});
