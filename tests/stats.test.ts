import { ParticipantsByOriginDocument, ProgramBreakdownDocument, ProgramsPerYearInRegionDocument, RegistryStatsDocument } from './gql/graphql';
import { loadConfig } from '../src/config';
import { startHttpServer, type RunningServer } from '../src/http';
import { startTestRegistry, type TestRegistry } from './support/registry';

let registry: TestRegistry;

/** The registry's raw rows, read with plain selects; every expected number below is counted from these in JavaScript. */
interface Rows {
  regions: Array<{ id: number; code: string; parent: number | null }>;
  programs: Array<{ id: number; startsOn: string | null; endsOn: string | null; year: number | null; forum: number | null; location: number | null }>;
  organizers: Array<{ program: number; organization: number; slug: string }>;
  origins: Array<{ program: number; region: number; count: number | null }>;
}
let rows: Rows;

beforeAll(async () => {
  registry = await startTestRegistry({ synthetic: 'small' });
  const num = (v: unknown) => (v == null ? null : Number(v));
  rows = {
    regions: (await registry.db.query<any>('SELECT id, code, parent_id FROM regions')).map((r) => ({ id: Number(r.id), code: r.code, parent: num(r.parent_id) })),
    programs: (await registry.db.query<any>('SELECT id, starts_on, ends_on, year, forum_id, location_id FROM programs')).map((r) => ({
      id: Number(r.id),
      startsOn: r.starts_on,
      endsOn: r.ends_on,
      year: num(r.year),
      forum: num(r.forum_id),
      location: num(r.location_id),
    })),
    organizers: (await registry.db.query<any>('SELECT po.program_id, po.organization_id, o.slug FROM program_organizers po JOIN organizations o ON o.id = po.organization_id')).map((r) => ({
      program: Number(r.program_id),
      organization: Number(r.organization_id),
      slug: r.slug,
    })),
    origins: (await registry.db.query<any>('SELECT program_id, region_id, count FROM participant_origins')).map((r) => ({ program: Number(r.program_id), region: Number(r.region_id), count: num(r.count) })),
  };
});
afterAll(() => registry.stop());

const today = () => new Date().toISOString().slice(0, 10);
const codeOf = (id: number) => rows.regions.find((r) => r.id === id)!.code;
/** A region and every region above it. */
function ancestors(id: number): number[] {
  const chain: number[] = [];
  for (let at: number | null = id; at != null; at = rows.regions.find((r) => r.id === at)!.parent) chain.push(at);
  return chain;
}
/** By its own dates; without them, by the first and last day of its internships; without those, by its year. */
function statusOf(p: Rows['programs'][number]): string {
  const span = (startsOn: string | null, endsOn: string | null) => {
    const end = endsOn ?? startsOn;
    if (end != null && end < today()) return 'ARCHIVED';
    if (startsOn == null || startsOn > today()) return 'UPCOMING';
    return 'ONGOING';
  };
  if (p.startsOn != null || p.endsOn != null) return span(p.startsOn, p.endsOn);
  const internships = rows.programs.filter((i) => i.forum === p.id && (i.startsOn != null || i.endsOn != null));
  if (internships.length) {
    const starts = internships.map((i) => i.startsOn).filter((d): d is string => d != null).sort();
    const ends = internships.map((i) => (i.endsOn ?? i.startsOn)!).sort();
    return span(starts[0] ?? null, ends[ends.length - 1]);
  }
  if (p.year != null) return p.year < Number(today().slice(0, 4)) ? 'ARCHIVED' : p.year > Number(today().slice(0, 4)) ? 'UPCOMING' : 'ONGOING';
  return 'UPCOMING';
}
function tally<K>(keys: K[]): Map<K, number> {
  const counts = new Map<K, number>();
  for (const k of keys) counts.set(k, (counts.get(k) ?? 0) + 1);
  return counts;
}
/** Programmes located in `code` or below it. */
const inRegion = (code: string) => rows.programs.filter((p) => p.location != null && ancestors(p.location).some((id) => codeOf(id) === code));
const byCountThenKey = (a: [string, number], b: [string, number]) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);

describe('an analyst gets numbers counted in the database', () => {
  it('has a synthetic set large enough to mean something', () => {
    expect(rows.programs.length).toBeGreaterThan(300);
    expect(rows.origins.length).toBeGreaterThan(300);
  });

  it('counts programmes per year, with and without a filter', async () => {
    const expected = (programs: Rows['programs']) =>
      [...tally(programs.filter((p) => p.startsOn).map((p) => Number(p.startsOn!.slice(0, 4))))].sort((a, b) => a[0] - b[0]).map(([year, count]) => ({ year, count }));
    const all = await registry.request(RegistryStatsDocument, {});
    expect(all.errors).toBeUndefined();
    expect(all.data!.stats.programsByYear).toEqual(expected(rows.programs));
    const inRu = await registry.request(ProgramsPerYearInRegionDocument, { regionCode: 'RU' });
    expect(inRu.data!.stats.programsByYear).toEqual(expected(inRegion('RU')));
    expect(inRegion('RU').length).toBeGreaterThan(0);
    expect(inRegion('RU').length).toBeLessThan(rows.programs.length);
  });

  it('counts programmes per region, sub-regions into their parents when asked', async () => {
    const own = [...tally(rows.programs.filter((p) => p.location != null).map((p) => codeOf(p.location!)))].sort(byCountThenKey);
    const { data } = await registry.request(ProgramBreakdownDocument, {});
    expect(data!.stats.programsByRegion.map((r) => [r.region.code, r.count])).toEqual(own);

    const rolled = [...tally(rows.programs.filter((p) => p.location != null).flatMap((p) => ancestors(p.location!).map(codeOf)))].sort(byCountThenKey);
    const withSubregions = await registry.request(ProgramBreakdownDocument, { includeSubregions: true });
    expect(withSubregions.data!.stats.programsByRegion.map((r) => [r.region.code, r.count])).toEqual(rolled);
    const located = rows.programs.filter((p) => p.location != null).length;
    expect(rolled[0]).toEqual(['CIS', located]);
  });

  it('counts programmes per organizer and per status, with the filter applied', async () => {
    const filtered = inRegion('AZ').filter((p) => p.startsOn != null && p.startsOn >= '2018-01-01');
    const ids = new Set(filtered.map((p) => p.id));
    const { data, errors } = await registry.request(ProgramBreakdownDocument, { filter: { regionCode: 'AZ', startsFrom: '2018-01-01' } });
    expect(errors).toBeUndefined();
    const organizers = [...tally(rows.organizers.filter((o) => ids.has(o.program)).map((o) => o.slug))].sort(byCountThenKey);
    expect(data!.stats.programsByOrganizer.map((o) => [o.organization.slug, o.count])).toEqual(organizers);
    const statuses = tally(filtered.map(statusOf));
    expect(data!.stats.programsByStatus).toEqual(['UPCOMING', 'ONGOING', 'ARCHIVED'].map((status) => ({ status, count: statuses.get(status) ?? 0 })));
    expect(data!.stats.programsByYear.reduce((n, y) => n + y.count, 0)).toBe(filtered.length);

    const all = await registry.request(ProgramBreakdownDocument, {});
    const allStatuses = tally(rows.programs.map(statusOf));
    expect(all.data!.stats.programsByStatus).toEqual(['UPCOMING', 'ONGOING', 'ARCHIVED'].map((status) => ({ status, count: allStatuses.get(status) ?? 0 })));
  });

  it('sums participants by origin, by own region and counted into every region above', async () => {
    const sums = (regionKeys: (o: Rows['origins'][number]) => number[], programs: Set<number>) => {
      const total = new Map<number, number | null>();
      for (const o of rows.origins.filter((x) => programs.has(x.program))) {
        for (const region of regionKeys(o)) {
          const before = total.get(region) ?? null;
          total.set(region, o.count == null ? before : (before ?? 0) + o.count);
        }
      }
      return [...total].sort((a, b) => a[0] - b[0]).map(([region, count]) => [codeOf(region), count]);
    };
    const everything = new Set(rows.programs.map((p) => p.id));
    const own = await registry.request(ParticipantsByOriginDocument, { includeSubregions: false });
    expect(own.data!.stats.participantsByRegion.map((r) => [r.region.code, r.count])).toEqual(sums((o) => [o.region], everything));

    const archivedInRu = new Set(inRegion('RU').filter((p) => statusOf(p) === 'ARCHIVED').map((p) => p.id));
    const rolled = await registry.request(ParticipantsByOriginDocument, { filter: { regionCode: 'RU', status: ['ARCHIVED'] } });
    expect(rolled.errors).toBeUndefined();
    expect(rolled.data!.stats.participantsByRegion.map((r) => [r.region.code, r.count])).toEqual(sums((o) => ancestors(o.region), archivedInRu));
  });

  it('counts only programmes holding the words of filter.query', async () => {
    const [row] = await registry.db.query<{ n: number | string }>(`SELECT COUNT(*) AS n FROM programs WHERE title LIKE '%Volunteering%'`);
    const { data, errors } = await registry.request(ProgramBreakdownDocument, { filter: { query: 'volunteering' } });
    expect(errors).toBeUndefined();
    expect(Number(row.n)).toBeGreaterThan(0);
    expect(data!.stats.programsByStatus.reduce((n, s) => n + s.count, 0)).toBe(Number(row.n));
  });
});

describe('the unfiltered statistics read tallies the writes keep (issue 18)', () => {
  /** The statistics as a brute-force count of the tables holds them right now. */
  async function counted() {
    const byYear = await registry.db.query<any>(`SELECT CAST(SUBSTR(starts_on, 1, 4) AS INTEGER) AS y, COUNT(*) AS n FROM programs WHERE starts_on IS NOT NULL GROUP BY 1 ORDER BY 1`);
    const locations = await registry.db.query<any>(`SELECT p.location_id AS region, r.code AS code FROM programs p JOIN regions r ON r.id = p.location_id`);
    const regions = await registry.db.query<any>('SELECT id, code, parent_id FROM regions');
    const parent = new Map(regions.map((r: any) => [Number(r.id), r.parent_id == null ? null : Number(r.parent_id)]));
    const code = new Map(regions.map((r: any) => [Number(r.id), r.code as string]));
    const own = tally(locations.map((l: any) => l.code as string));
    const rolled = new Map<string, number>();
    for (const l of locations) for (let at: number | null = Number(l.region); at != null; at = parent.get(at) ?? null) rolled.set(code.get(at)!, (rolled.get(code.get(at)!) ?? 0) + 1);
    const organizers = await registry.db.query<any>('SELECT o.slug AS slug FROM program_organizers po JOIN organizations o ON o.id = po.organization_id');
    return {
      programsByYear: byYear.map((r: any) => ({ year: Number(r.y), count: Number(r.n) })),
      own: [...own].sort(byCountThenKey),
      rolled: [...rolled].sort(byCountThenKey),
      organizers: [...tally(organizers.map((o: any) => o.slug as string))].sort(byCountThenKey),
    };
  }

  async function served() {
    const { data, errors } = await registry.request<any, any>(
      `{ stats { programsByYear { year count } own: programsByRegion { region { code } count } rolled: programsByRegion(includeSubregions: true) { region { code } count } programsByOrganizer { organization { slug } count } } }`,
    );
    expect(errors).toBeUndefined();
    return {
      programsByYear: data.stats.programsByYear,
      own: data.stats.own.map((r: any) => [r.region.code, r.count]),
      rolled: data.stats.rolled.map((r: any) => [r.region.code, r.count]),
      organizers: data.stats.programsByOrganizer.map((r: any) => [r.organization.slug, r.count]),
    };
  }

  it('answers as a count of the tables, before and after creating, moving and deleting programmes', async () => {
    expect(await served()).toEqual(await counted());
    const { createKey } = await import('../src/auth/keys');
    const { key } = await createKey(registry.db, 'admin', 'stats tallies test');
    const write = async (query: string, variables: Record<string, unknown>) => {
      const response = await registry.request<any, any>(query, variables, { authorization: `Bearer ${key}` });
      expect(response.errors).toBeUndefined();
      const payload = Object.values(response.data)[0] as { userErrors?: unknown[] };
      expect(payload.userErrors ?? []).toEqual([]);
      return response.data;
    };
    // A new year, a region of its own, two organizers; then moved to another year and region, then gone.
    const created = await write(
      `mutation($input: InternshipCreateInput!) { internshipCreate(input: $input) { internship { id } userErrors { code message } } }`,
      { input: { slug: 'tally-test-internship', title: { en: 'Tally test' }, startsOn: '2091-05-01', endsOn: '2091-05-03', locationCode: 'AZ-BA', organizerSlugs: ['mirea', 'ministry-of-youth-and-sports-az'] } },
    );
    const id = created.internshipCreate.internship.id;
    const afterCreate = await served();
    expect(afterCreate).toEqual(await counted());
    expect(afterCreate.programsByYear).toContainEqual({ year: 2091, count: 1 });

    await write(`mutation($id: ID!, $input: InternshipUpdateInput!) { internshipUpdate(id: $id, input: $input) { userErrors { code message } } }`, {
      id,
      input: { startsOn: '2092-05-01', endsOn: '2092-05-03', locationCode: 'RU-OMS', organizerSlugs: ['mirea'] },
    });
    const afterUpdate = await served();
    expect(afterUpdate).toEqual(await counted());
    expect(afterUpdate.programsByYear.find((y: any) => y.year === 2091)).toBeUndefined();
    expect(afterUpdate.programsByYear).toContainEqual({ year: 2092, count: 1 });

    await write(`mutation($id: ID!) { internshipDelete(id: $id) { userErrors { code message } } }`, { id });
    // After the write, read from the tallies, a few hundred rows in one statement, not grouped from every programme; regions
    // come from the server's copy. Then held for the write generation: the same question again reads nothing.
    const explain = () => registry.request<any, any>('{ stats { programsByYear { year } programsByRegion(includeSubregions: true) { count } } }', {}, { authorization: `Bearer ${key}`, 'x-registry-explain': '1' });
    const first = await explain();
    expect(first.extensions!.explain!.sql.filter((s: string) => !/FROM regions r ORDER BY/.test(s))).toEqual([expect.stringContaining('FROM program_tallies WHERE')]);
    const again = await explain();
    expect(again.extensions!.explain!.sql).toEqual([]);
    expect(again.data).toEqual(first.data);
    const afterDelete = await served();
    expect(afterDelete).toEqual(await counted());
    expect(afterDelete.programsByYear.find((y: any) => y.year === 2092)).toBeUndefined();
  });
});

describe('the fast path answers the statistics as the plain path does (issue 18)', () => {
  let fast: RunningServer;
  let plain: RunningServer;
  beforeAll(async () => {
    fast = await startHttpServer(loadConfig({ ...registry.env, PORT: '0', REGISTRY_EXPLAIN: '1' }), registry.db);
    plain = await startHttpServer(loadConfig({ ...registry.env, PORT: '0', REGISTRY_EXPLAIN: '1', REGISTRY_FAST_PATH: '0' }), registry.db);
    // Both servers share the database's held copy of the regions: read once here, so no statement below reads them.
    await ask(fast.url, '{ region(code: "RU") { code } }');
  });
  afterAll(async () => {
    await fast.close();
    await plain.close();
  });

  interface Answer {
    body: { data?: any; errors?: any[] };
    executor: string;
    sql: string[];
  }
  async function ask(url: string, query: string, variables: Record<string, unknown> = {}): Promise<Answer> {
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, variables }) });
    const { extensions, ...body } = (await response.json()) as { extensions?: { explain?: { executor: string; sql: string[] } }; data?: unknown; errors?: unknown[] };
    // The server's copy of the regions, read again after each write, is not the statistics' own.
    const sql = (extensions?.explain?.sql ?? []).filter((s) => !/FROM regions r ORDER BY r\.code/.test(s));
    return { body, executor: extensions?.explain?.executor ?? 'none', sql };
  }
  /** A statement with the select list of a read of records by key left out: the fast path selects only the columns its fields read. */
  const statement = (sql: string) => sql.replace(/^SELECT .* AS "__key" FROM /, 'SELECT … FROM ');
  /** A write committed elsewhere (another replica): what the servers hold is of the generation before it. */
  const written = () => registry.db.query('UPDATE write_generation SET value = value + 1 WHERE id = 1');
  /** The answer of both paths, which must be the same, with the same statements (each asked after a write, so neither finds the other's held counts). */
  async function both(query: string, variables: Record<string, unknown> = {}): Promise<Answer> {
    await written();
    const f = await ask(fast.url, query, variables);
    await written();
    const p = await ask(plain.url, query, variables);
    expect(p.executor).toBe('plain');
    expect(f.body).toEqual(p.body);
    expect(f.sql.map(statement).sort()).toEqual(p.sql.map(statement).sort());
    return f;
  }

  const EVERY_FIELD = `query($filter: ProgramFilter, $sub: Boolean!) { stats {
    programsByYear(filter: $filter) { year count }
    programsByRegion(filter: $filter, includeSubregions: $sub) { region { code } count }
    programsByOrganizer(filter: $filter) { organization { slug } count }
    programsByStatus(filter: $filter) { status count }
    participantsByRegion(filter: $filter, includeSubregions: $sub) { region { code } count }
    openCallsByRegion(filter: $filter) { region { code } count }
  } }`;

  it('reads the years and the regions from the tallies, in one statement', async () => {
    const answer = await both('{ stats { programsByYear { year count } programsByRegion(includeSubregions: true) { region { code } count } } }');
    expect(answer.executor).toBe('fast');
    expect(answer.body.errors).toBeUndefined();
    expect(answer.body.data.stats.programsByRegion[0].region.code).toBe('CIS');
    expect(answer.sql).toEqual([expect.stringContaining('FROM program_tallies WHERE')]);
    // Held for the write generation, by either path: asked again, no statement; after a write, one again.
    for (const url of [fast.url, plain.url]) {
      const held = await ask(url, '{ stats { programsByYear { year count } programsByRegion(includeSubregions: true) { region { code } count } } }');
      expect(held.sql).toEqual([]);
      expect(held.body).toEqual(answer.body);
    }
    await written();
    expect((await ask(fast.url, '{ stats { programsByYear { year count } } }')).sql).toEqual([expect.stringContaining('FROM program_tallies WHERE')]);
  });

  it('answers every field, with and without a filter, sub-regions counted in or not', async () => {
    for (const filter of [null, { regionCode: 'AZ', startsFrom: '2018-01-01' }, { status: ['ARCHIVED'] }]) {
      for (const sub of [false, true]) {
        const answer = await both(EVERY_FIELD, { filter, sub });
        expect(answer.executor).toBe('fast');
        expect(answer.body.errors).toBeUndefined();
        expect(answer.body.data.stats.programsByYear.length).toBeGreaterThan(0);
        expect(answer.body.data.stats.participantsByRegion.length).toBeGreaterThan(0);
        // Unfiltered: the tallies of years and locations in one statement, the organizers' tallies, then statuses, origins and
        // open calls, each grouped in a statement of its own; filtered, years and regions are grouped from the programmes too.
        // Then the organizers counted, read in one batch (the regions come from the server's copy).
        expect(answer.sql.filter((s) => s.includes('program_tallies'))).toHaveLength(filter ? 0 : 2);
        expect(answer.sql).toHaveLength(filter ? 7 : 6);
      }
    }
  });

  it('refuses a bad filter with a coded error at the field, before anything is read', async () => {
    for (const field of ['programsByYear', 'programsByRegion', 'programsByOrganizer', 'programsByStatus', 'participantsByRegion', 'openCallsByRegion']) {
      const backwards = await both(`{ stats { ${field}(filter: { startsFrom: "2020-01-01", startsTo: "2019-01-01" }) { count } } }`);
      expect(backwards.body.data).toBeNull();
      expect(backwards.body.errors).toMatchObject([{ path: ['stats', field], extensions: { code: 'BAD_USER_INPUT' } }]);
      expect(backwards.sql).toEqual([]);
      const nowhere = await both(`{ stats { ${field}(filter: { regionCode: "NOWHERE" }) { count } } }`);
      expect(nowhere.body.errors).toMatchObject([{ path: ['stats', field], message: 'No region has the code "NOWHERE"', extensions: { code: 'BAD_USER_INPUT' } }]);
      expect(nowhere.sql).toEqual([]);
    }
  });
});
