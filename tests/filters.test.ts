import { InternshipListDocument, OrganizationProgramsDocument, ProgramListDocument, SessionListDocument, type InternshipListQuery } from './gql/graphql';
import { programStatus } from '../src/programs/status';
import { startTestRegistry, type GraphQLResponse, type TestRegistry } from './support/registry';

let registry: TestRegistry;
const today = new Date().toISOString().slice(0, 10);

beforeAll(async () => {
  registry = await startTestRegistry({ synthetic: 'small' });
  // A program in Omsk, dated around today, so region and status filters have something to find on both sides.
  const [omsk] = await registry.db.query<{ id: number }>(`SELECT id FROM regions WHERE code = 'RU-OMS'`);
  await registry.db.query(
    `INSERT INTO programs (type, slug, title, title_sort, starts_on, ends_on, location_id, synthetic) VALUES ('INTERNSHIP', 'synthetic-omsk-now', $1, 'omsk now', $2, $3, $4, $5)`,
    [JSON.stringify({ en: 'Omsk now' }), today, today, omsk.id, true],
  );
  await registry.db.query(
    `INSERT INTO programs (type, slug, title, title_sort, starts_on, ends_on, location_id, synthetic) VALUES ('INTERNSHIP', 'synthetic-omsk-later', $1, 'omsk later', '2099-01-01', '2099-01-05', $2, $3)`,
    [JSON.stringify({ en: 'Omsk later' }), omsk.id, true],
  );
});
afterAll(() => registry.stop());

async function allInternships(variables: Record<string, unknown>): Promise<string[]> {
  const slugs: string[] = [];
  let after: string | null = null;
  do {
    const { data, errors }: GraphQLResponse<InternshipListQuery> = await registry.request(InternshipListDocument, { first: 100, after, ...variables });
    expect(errors).toBeUndefined();
    slugs.push(...data!.internships.nodes.map((n) => n.slug));
    after = data!.internships.pageInfo.hasNextPage ? data!.internships.pageInfo.endCursor! : null;
  } while (after);
  return slugs.sort();
}

async function slugsWhere(sql: string, params: unknown[] = []): Promise<string[]> {
  const rows = await registry.db.query<{ slug: string }>(`SELECT p.slug FROM programs p WHERE p.type = 'INTERNSHIP' AND ${sql}`, params);
  return rows.map((r) => r.slug).sort();
}

describe('an analyst narrows internships', () => {
  it('by region, including every region below it: "RU" finds the Omsk programme', async () => {
    const ru = await allInternships({ filter: { regionCode: 'RU' } });
    expect(ru).toContain('synthetic-omsk-now');
    expect(ru).not.toContain('baku-internship-2021');
    expect(ru).toEqual(
      await slugsWhere(`p.location_id IN (SELECT id FROM regions WHERE code = 'RU' OR parent_id = (SELECT id FROM regions WHERE code = 'RU') OR parent_id IN (SELECT id FROM regions WHERE parent_id = (SELECT id FROM regions WHERE code = 'RU')))`),
    );
    const cis = await allInternships({ filter: { regionCode: 'CIS' } });
    expect(cis).toContain('baku-internship-2021');
    expect(cis).toContain('synthetic-omsk-now');
    expect(await allInternships({ filter: { regionCode: 'AZ-BA' } })).toEqual(['baku-internship-2021']);
  });

  it('by status, derived from the dates and today', async () => {
    const rows = await registry.db.query<{ slug: string; starts_on: string | null; ends_on: string | null; year: number | null }>(`SELECT slug, starts_on, ends_on, year FROM programs WHERE type = 'INTERNSHIP'`);
    const statusOf = (r: (typeof rows)[number]) => programStatus({ startsOn: r.starts_on, endsOn: r.ends_on, year: r.year }, today);
    for (const status of ['ARCHIVED', 'ONGOING', 'UPCOMING'] as const) {
      const expected = rows.filter((r) => statusOf(r) === status).map((r) => r.slug).sort();
      expect(expected.length).toBeGreaterThan(0);
      expect(await allInternships({ filter: { status: [status] } })).toEqual(expected);
    }
    expect(await allInternships({ filter: { status: ['ONGOING'] } })).toContain('synthetic-omsk-now');
    expect(await allInternships({ filter: { status: ['UPCOMING'] } })).toContain('synthetic-omsk-later');
    const both = await allInternships({ filter: { status: ['ONGOING', 'UPCOMING'] } });
    expect(both).toEqual(rows.filter((r) => statusOf(r) !== 'ARCHIVED').map((r) => r.slug).sort());
  });

  it('by organizer', async () => {
    expect(await allInternships({ filter: { organizerSlug: 'mirea' } })).toEqual(['baku-internship-2021']);
    expect(await allInternships({ filter: { organizerSlug: 'synthetic-org-00007' } })).toEqual(
      await slugsWhere(`p.id IN (SELECT program_id FROM program_organizers WHERE organization_id = (SELECT id FROM organizations WHERE slug = 'synthetic-org-00007'))`),
    );
  });

  it('by a window of start dates, both ends inclusive', async () => {
    const window = await allInternships({ filter: { startsFrom: '2020-01-01', startsTo: '2021-12-25' } });
    expect(window).toContain('baku-internship-2021');
    expect(window).toEqual(await slugsWhere(`p.starts_on >= '2020-01-01' AND p.starts_on <= '2021-12-25'`));
    expect(await allInternships({ filter: { startsFrom: '2021-12-26', startsTo: '2021-12-31' } })).not.toContain('baku-internship-2021');
  });

  it('by several conditions at once', async () => {
    expect(await allInternships({ filter: { regionCode: 'AZ', status: ['ARCHIVED'], organizerSlug: 'mirea', startsFrom: '2021-01-01' } })).toEqual(['baku-internship-2021']);
    expect(await allInternships({ filter: { regionCode: 'AZ', status: ['UPCOMING'], organizerSlug: 'mirea' } })).toEqual([]);
  });

  it('across forums and internships together', async () => {
    const { data } = await registry.request(ProgramListDocument, { first: 10, filter: { regionCode: 'AZ-BA' } });
    expect(data!.programs.nodes.map((n) => [n.__typename, n.slug])).toEqual([['Internship', 'baku-internship-2021']]);
  });

  it('under an organization', async () => {
    const { data } = await registry.request(OrganizationProgramsDocument, { slug: 'mirea', first: 10, filter: { status: ['ARCHIVED'] } });
    expect(data!.organization!.programs.nodes).toEqual([{ __typename: 'Internship', slug: 'baku-internship-2021' }]);
    expect(data!.organization!.programs.totalCount).toBe(1);
  });

  it('lists sessions by program, kind and host', async () => {
    const { data } = await registry.request(SessionListDocument, { first: 20, filter: { programSlug: 'baku-internship-2021', kind: ['MEETING'] } });
    expect(data!.sessions.nodes.map((s) => s.host!.slug)).toEqual(['ministry-of-youth-and-sports-az', 'national-council-of-youth-organizations-az']);
    const hosted = await registry.request(SessionListDocument, { first: 20, filter: { hostSlug: 'ministry-of-youth-and-sports-az' } });
    expect(hosted.data!.sessions.totalCount).toBe(1);
  });
});

describe('an analyst who mistypes a filter is told which field is wrong', () => {
  const cases: Array<[string, Record<string, unknown>, string[]]> = [
    ['an unknown region code', { regionCode: 'XX-NOPE' }, ['filter', 'regionCode']],
    ['an unknown organizer', { organizerSlug: 'nobody' }, ['filter', 'organizerSlug']],
    ['a window that ends before it starts', { startsFrom: '2022-01-01', startsTo: '2021-01-01' }, ['filter', 'startsTo']],
  ];
  it.each(cases)('%s', async (_, filter, argumentPath) => {
    const response = await registry.request(InternshipListDocument, { first: 5, filter });
    expect(response.errors![0].extensions).toEqual({ code: 'BAD_USER_INPUT', argumentPath });
    expect(response.data).toBeNull();
  });

  it('a date that is not a date', async () => {
    const response = await registry.request(InternshipListDocument, { first: 5, filter: { startsFrom: '2021-02-30' } });
    expect(response.status).toBe(400);
    expect(response.errors![0].extensions!.code).toBe('BAD_USER_INPUT');
    expect(response.errors![0].message).toContain('startsFrom');
  });

  it('an unknown status value', async () => {
    const response = await registry.request(InternshipListDocument, { first: 5, filter: { status: ['FINISHED' as 'ARCHIVED'] } });
    expect(response.status).toBe(400);
    expect(response.errors![0].extensions!.code).toBe('BAD_USER_INPUT');
  });
});
