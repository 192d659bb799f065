import fc from 'fast-check';
import { createKey } from '../src/auth/keys';
import { callStatus, callStatusCase, callStatusIn } from '../src/calls/status';
import { CallStatus } from '../src/calls/call';
import { dumpTables, startTestRegistry, type GraphQLResponse, type TestRegistry } from './support/registry';

/**
 * Calls for applications (issue 19): a young youth worker in Omsk looks for
 * programmes she can still apply to, soonest deadline first; an editor opens,
 * changes and closes calls. Calls come from the synthetic generator; the
 * seed's internship has none.
 */

let registry: TestRegistry;
let editor: string;
let viewer: string;

beforeAll(async () => {
  registry = await startTestRegistry({ synthetic: 'small' });
  editor = (await createKey(registry.db, 'editor', 'calls editor')).key;
  viewer = (await createKey(registry.db, 'viewer', 'calls viewer')).key;
});
afterAll(() => registry.stop());

const as = (key: string | null, query: string, variables: Record<string, unknown> = {}): Promise<GraphQLResponse<any>> =>
  registry.request<any, any>(query, variables, key ? { authorization: `Bearer ${key}` } : {});

interface CallRow {
  id: number;
  program_id: number;
  slug: string;
  opens_on: string;
  closes_at: string;
}

async function callRows(): Promise<CallRow[]> {
  const rows = await registry.db.query<CallRow>(
    `SELECT c.id AS "id", c.program_id AS "program_id", p.slug AS "slug", c.opens_on AS "opens_on", c.closes_at AS "closes_at" FROM calls c JOIN programs p ON p.id = c.program_id ORDER BY c.id`,
  );
  return rows.map((r) => ({ ...r, id: Number(r.id), program_id: Number(r.program_id) }));
}

/** Every page of `programs` for a filter and order, as slugs, through cursors. */
async function allSlugs(filter: Record<string, unknown>, orderBy?: Record<string, unknown>, first = 100): Promise<string[]> {
  const slugs: string[] = [];
  let after: string | null = null;
  for (;;) {
    const res: GraphQLResponse<any> = await as(null, `query($filter: ProgramFilter, $orderBy: ProgramOrder, $after: String, $first: Int) { programs(first: $first, after: $after, filter: $filter, orderBy: $orderBy) { nodes { slug } pageInfo { hasNextPage endCursor } } }`, { filter, orderBy, after, first });
    expect(res.errors).toBeUndefined();
    slugs.push(...res.data.programs.nodes.map((n: { slug: string }) => n.slug));
    if (!res.data.programs.pageInfo.hasNextPage) return slugs;
    after = res.data.programs.pageInfo.endCursor;
  }
}

describe('the synthetic calls', () => {
  it('cover about three programmes in five, and the seed internship has none', async () => {
    const calls = await callRows();
    const [{ n }] = await registry.db.query<{ n: number }>(`SELECT COUNT(*) AS "n" FROM programs WHERE synthetic = $1`, [true]);
    expect(calls.length / Number(n)).toBeGreaterThan(0.5);
    expect(calls.length / Number(n)).toBeLessThan(0.7);
    const res = await as(null, `{ internship(slug: "baku-internship-2021") { call { id } } }`);
    expect(res.data.internship).toEqual({ call: null });
  });

  it('are in every status now, as the rule says', async () => {
    const now = new Date().toISOString();
    const calls = await callRows();
    const statuses = new Set(calls.map((c) => callStatus({ opensOn: c.opens_on, closesAt: c.closes_at }, now)));
    expect([...statuses].sort()).toEqual(['CLOSED', 'NOT_YET_OPEN', 'OPEN']);
  });
});

describe('a call status rule', () => {
  it('gives the same answer in JavaScript and in SQL on generated calls', async () => {
    const day = 86_400_000;
    const base = Date.UTC(2026, 0, 1);
    const instant = fc.integer({ min: -40, max: 40 }).chain((d) => fc.integer({ min: 0, max: day - 1 }).map((ms) => new Date(base + d * day + ms).toISOString()));
    const cases = fc.sample(fc.tuple(fc.integer({ min: -40, max: 40 }).map((d) => new Date(base + d * day).toISOString().slice(0, 10)), instant, instant), { seed: 19, numRuns: 300 });
    // Boundaries: the deadline is now exactly, the opening day is today.
    cases.push(['2026-01-01', '2026-01-01T10:00:00.000Z', '2026-01-01T10:00:00.000Z'], ['2026-01-02', '2026-01-05T00:00:00.000Z', '2026-01-01T23:59:59.999Z']);
    for (const [opensOn, closesAt, now] of cases) {
      const [row] = await registry.db.query<{ status: string }>(
        `SELECT ${callStatusCase('c', 'CAST($3 AS VARCHAR(30))')} AS "status" FROM (SELECT CAST($1 AS VARCHAR(10)) AS opens_on, CAST($2 AS VARCHAR(30)) AS closes_at) c`,
        [opensOn, closesAt, now],
      );
      expect([opensOn, closesAt, now, row.status]).toEqual([opensOn, closesAt, now, callStatus({ opensOn, closesAt }, now)]);
    }
  });

  it('finds calls by status with plain comparisons that say the same, for every set of statuses', async () => {
    const day = 86_400_000;
    const base = Date.UTC(2026, 0, 1);
    const instant = fc.integer({ min: -40, max: 40 }).chain((d) => fc.integer({ min: 0, max: day - 1 }).map((ms) => new Date(base + d * day + ms).toISOString()));
    const cases = fc.sample(fc.tuple(fc.integer({ min: -40, max: 40 }).map((d) => new Date(base + d * day).toISOString().slice(0, 10)), instant, instant), { seed: 23, numRuns: 60 });
    cases.push(['2026-01-01', '2026-01-01T10:00:00.000Z', '2026-01-01T10:00:00.000Z'], ['2026-01-02', '2026-01-05T00:00:00.000Z', '2026-01-01T23:59:59.999Z'], ['2026-01-01', '2026-01-05T00:00:00.000Z', '2026-01-01T00:00:00.000Z']);
    const all = [CallStatus.CLOSED, CallStatus.NOT_YET_OPEN, CallStatus.OPEN];
    const subsets = [1, 2, 3, 4, 5, 6, 7].map((bits) => all.filter((_, i) => bits & (1 << i)));
    for (const [opensOn, closesAt, now] of cases) {
      const [row] = await registry.db.query<Record<string, number | boolean>>(
        `SELECT ${subsets.map((wanted, i) => `CASE WHEN ${callStatusIn('c', 'CAST($3 AS VARCHAR(30))', wanted)} THEN 1 ELSE 0 END AS "s${i}"`).join(', ')} FROM (SELECT CAST($1 AS VARCHAR(10)) AS opens_on, CAST($2 AS VARCHAR(30)) AS closes_at) c`,
        [opensOn, closesAt, now],
      );
      const status = callStatus({ opensOn, closesAt }, now);
      expect([opensOn, closesAt, now, subsets.map((_, i) => Number(row[`s${i}`]))]).toEqual([opensOn, closesAt, now, subsets.map((wanted) => (wanted.includes(status) ? 1 : 0))]);
    }
  });
});

describe('finding programmes by their calls', () => {
  it('lists those with open calls, as the rule says', async () => {
    const now = new Date().toISOString();
    const expected = (await callRows()).filter((c) => callStatus({ opensOn: c.opens_on, closesAt: c.closes_at }, now) === 'OPEN').map((c) => c.slug);
    expect(expected.length).toBeGreaterThan(0);
    expect((await allSlugs({ callStatus: ['OPEN'] })).sort()).toEqual(expected.sort());
    const notYet = (await callRows()).filter((c) => callStatus({ opensOn: c.opens_on, closesAt: c.closes_at }, now) === 'NOT_YET_OPEN').map((c) => c.slug);
    expect((await allSlugs({ callStatus: ['NOT_YET_OPEN', 'OPEN'] })).sort()).toEqual([...expected, ...notYet].sort());
  });

  it('finds what a resident of Omsk may apply to: calls open to Omsk, Russia, the CIS, or anyone', async () => {
    const regions = await registry.db.query<{ call_id: number; code: string }>(`SELECT cr.call_id AS "call_id", r.code AS "code" FROM call_regions cr JOIN regions r ON r.id = cr.region_id`);
    const byCall = new Map<number, string[]>();
    for (const r of regions) byCall.set(Number(r.call_id), [...(byCall.get(Number(r.call_id)) ?? []), r.code]);
    const calls = await callRows();
    const expected = calls.filter((c) => !byCall.has(c.id) || byCall.get(c.id)!.some((code) => ['RU-OMS', 'RU', 'CIS'].includes(code))).map((c) => c.slug);
    // Some calls are for Azerbaijan or a synthetic place only: the filter leaves them out.
    expect(expected.length).toBeLessThan(calls.length);
    expect((await allSlugs({ eligibleFor: 'RU-OMS' })).sort()).toEqual(expected.sort());
    const res = await as(null, `{ programs(filter: { eligibleFor: "NOWHERE" }) { totalCount } }`);
    expect(res.errors?.[0]).toMatchObject({ message: 'No region has the code "NOWHERE"', path: ['programs'], extensions: { code: 'BAD_USER_INPUT', argumentPath: ['filter', 'eligibleFor'] } });
  });

  it('orders open calls by deadline, soonest first, across pages, and narrows them by closesBefore', async () => {
    const now = new Date().toISOString();
    const calls = (await callRows()).filter((c) => callStatus({ opensOn: c.opens_on, closesAt: c.closes_at }, now) !== 'CLOSED');
    const byDeadline = [...calls].sort((a, b) => (a.closes_at < b.closes_at ? -1 : a.closes_at > b.closes_at ? 1 : a.program_id - b.program_id));
    expect(byDeadline.length).toBeGreaterThan(20);
    expect(await allSlugs({ callStatus: ['OPEN', 'NOT_YET_OPEN'] }, { field: 'CLOSES_AT', direction: 'ASC' }, 7)).toEqual(byDeadline.map((c) => c.slug));
    const cut = byDeadline[Math.floor(byDeadline.length / 2)].closes_at;
    expect(await allSlugs({ callStatus: ['OPEN', 'NOT_YET_OPEN'], closesBefore: cut }, { field: 'CLOSES_AT', direction: 'ASC' })).toEqual(byDeadline.filter((c) => c.closes_at < cut).map((c) => c.slug));
  });

  it('puts programmes without a call last when ordering by deadline', async () => {
    const res = await as(null, `{ programs(first: 100, orderBy: { field: CLOSES_AT, direction: ASC }, filter: { startsFrom: "2015-01-01", startsTo: "2016-12-31" }) { nodes { slug call { closesAt } } } }`);
    const nodes: Array<{ call: { closesAt: string } | null }> = res.data.programs.nodes;
    const firstWithout = nodes.findIndex((n) => n.call === null);
    expect(firstWithout).toBeGreaterThan(0);
    expect(nodes.slice(firstWithout).every((n) => n.call === null)).toBe(true);
  });
});

describe('statistics of calls', () => {
  it('count open calls per region they name, most first, as the rule and the rows say', async () => {
    const now = new Date().toISOString();
    const open = new Set((await callRows()).filter((c) => callStatus({ opensOn: c.opens_on, closesAt: c.closes_at }, now) === 'OPEN').map((c) => c.id));
    const named = await registry.db.query<{ call_id: number; code: string }>(`SELECT cr.call_id AS "call_id", r.code AS "code" FROM call_regions cr JOIN regions r ON r.id = cr.region_id`);
    const counts = new Map<string, number>();
    for (const { call_id, code } of named) if (open.has(Number(call_id))) counts.set(code, (counts.get(code) ?? 0) + 1);
    const expected = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([code, count]) => ({ region: { code }, count }));
    expect(expected.length).toBeGreaterThan(0);
    const res = await as(null, `{ stats { openCallsByRegion { region { code } count } } }`);
    expect(res.data.stats.openCallsByRegion).toEqual(expected);
    const ru = await as(null, `{ stats { openCallsByRegion(filter: { regionCode: "RU", startsFrom: "2000-01-01" }) { count } } }`);
    expect(ru.errors).toBeUndefined();
    const bad = await as(null, `{ stats { openCallsByRegion(filter: { eligibleFor: "NOWHERE" }) { count } } }`);
    expect(bad.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
  });
});

describe('a call, read', () => {
  it('shows its dates, zone, regions, languages and costs, and round-trips through node(id)', async () => {
    const [row] = await registry.db.query<any>(
      `SELECT c.*, p.slug AS "slug" FROM calls c JOIN programs p ON p.id = c.program_id WHERE c.fee_minor IS NOT NULL AND c.cost_notes IS NOT NULL AND EXISTS (SELECT 1 FROM call_regions cr WHERE cr.call_id = c.id) ORDER BY c.id LIMIT 1`,
    );
    const res = await as(
      null,
      `query($slug: String!) { programs(first: 1, filter: { query: $slug }) { totalCount } forum(slug: $slug) { ...P } internship(slug: $slug) { ...P } }
       fragment P on Program { slug call { id opensOn closesAt timeZone applyUrl places status workingLanguages eligibleRegions { code } program { slug } costs { fee { amount currency } travelCovered accommodationCovered notes(lang: RU) } } }`,
      { slug: row.slug },
    );
    const program = res.data.forum ?? res.data.internship;
    const codes = await registry.db.query<{ code: string }>(`SELECT r.code AS "code" FROM call_regions cr JOIN regions r ON r.id = cr.region_id WHERE cr.call_id = $1 ORDER BY cr.position`, [row.id]);
    expect(program.call).toEqual({
      id: expect.any(String),
      opensOn: row.opens_on,
      closesAt: row.closes_at,
      timeZone: row.time_zone,
      applyUrl: row.apply_url,
      places: row.places,
      status: callStatus({ opensOn: row.opens_on, closesAt: row.closes_at }, new Date().toISOString()),
      workingLanguages: JSON.parse(row.working_languages),
      eligibleRegions: codes,
      program: { slug: row.slug },
      costs: {
        fee: { amount: row.fee_minor / 100, currency: row.fee_currency },
        travelCovered: row.travel_covered == null ? null : Boolean(row.travel_covered),
        accommodationCovered: row.accommodation_covered == null ? null : Boolean(row.accommodation_covered),
        notes: 'Питание предоставляется; расходы на визу возмещаются.',
      },
    });
    const node = await as(null, `query($id: ID!) { node(id: $id) { __typename ... on Call { closesAt program { slug } } } }`, { id: program.call.id });
    expect(node.data.node).toEqual({ __typename: 'Call', closesAt: row.closes_at, program: { slug: row.slug } });
    const entities = await as(null, `query($r: [_Any!]!) { _entities(representations: $r) { ... on Call { applyUrl } } }`, { r: [{ __typename: 'Call', id: program.call.id }] });
    expect(entities.data._entities).toEqual([{ applyUrl: row.apply_url }]);
  });
});

const CREATE = `mutation($input: CallCreateInput!) { callCreate(input: $input) { call { id opensOn closesAt timeZone status places workingLanguages eligibleRegions { code } costs { fee { amount currency } travelCovered accommodationCovered notes } program { slug } } userErrors { field code message } } }`;
const UPDATE = `mutation($id: ID!, $input: CallUpdateInput!) { callUpdate(id: $id, input: $input) { call { closesAt places eligibleRegions { code } costs { fee { amount } travelCovered } } userErrors { field code } } }`;

describe('writing calls', () => {
  let slug: string;
  let startsOn: string;
  beforeAll(async () => {
    // A synthetic internship without a call that starts in the future.
    const [row] = await registry.db.query<{ slug: string; starts_on: string }>(
      `SELECT p.slug AS "slug", p.starts_on AS "starts_on" FROM programs p WHERE p.type = 'INTERNSHIP' AND p.starts_on > $1 AND NOT EXISTS (SELECT 1 FROM calls c WHERE c.program_id = p.id) ORDER BY p.starts_on LIMIT 1`,
      [new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10)],
    );
    ({ slug, starts_on: startsOn } = row);
  });
  const dayBefore = (date: string, days: number) => new Date(Date.parse(`${date}T00:00:00Z`) - days * 86_400_000).toISOString().slice(0, 10);
  const input = (overrides: Record<string, unknown> = {}) => ({
    programSlug: slug,
    opensOn: new Date().toISOString().slice(0, 10),
    closesAt: `${dayBefore(startsOn, 7)}T23:59:00+03:00`,
    timeZone: 'Europe/Moscow',
    applyUrl: 'https://example.org/apply',
    eligibleRegionCodes: ['RU', 'AZ-BA'],
    places: 25,
    workingLanguages: ['ru', 'en'],
    costs: { fee: { amount: 12.5, currency: 'EUR' }, travelCovered: true, notes: { en: 'Travel is reimbursed after the programme (keep the quokka tickets).' } },
    ...overrides,
  });

  async function refused(key: string | null, query: string, variables: Record<string, unknown>): Promise<GraphQLResponse<any>> {
    const before = await dumpTables(registry.db);
    const res = await as(key, query, variables);
    expect(await dumpTables(registry.db)).toEqual(before);
    return res;
  }

  it('refuses a call closing after its programme starts, an unknown region, a bad zone, and writes nothing', async () => {
    const res = await refused(editor, CREATE, { input: input({ closesAt: `${startsOn}T10:00:00Z`, eligibleRegionCodes: ['RU', 'NOWHERE', 'RU'], timeZone: 'Mars/Olympus', applyUrl: 'ftp://x' }) });
    expect(res.data.callCreate.call).toBeNull();
    expect(res.data.callCreate.userErrors.map((e: { field: string[]; code: string }) => [e.field.join('.'), e.code]).sort()).toEqual(
      [
        ['input.applyUrl', 'INVALID_FORMAT'],
        ['input.eligibleRegionCodes.1', 'NOT_FOUND'],
        ['input.eligibleRegionCodes.2', 'DUPLICATE'],
        ['input.timeZone', 'INVALID_FORMAT'],
      ].sort(),
    );
    const late = await refused(editor, CREATE, { input: input({ closesAt: `${startsOn}T10:00:00Z` }) });
    expect(late.data.callCreate.userErrors).toEqual([{ field: ['input', 'closesAt'], code: 'INVALID_RANGE', message: expect.stringContaining(`after its programme starts (${startsOn})`) }]);
    const before = await refused(editor, CREATE, { input: input({ opensOn: dayBefore(startsOn, 3) }) });
    expect(before.data.callCreate.userErrors).toEqual([{ field: ['input', 'closesAt'], code: 'INVALID_RANGE', message: expect.stringContaining('before it opens') }]);
    const fee = await refused(editor, CREATE, { input: input({ costs: { fee: { amount: 1.234, currency: 'eur' } } }) });
    expect(fee.data.callCreate.userErrors.map((e: { field: string[] }) => e.field.join('.'))).toEqual(['input.costs.fee.amount', 'input.costs.fee.currency']);
  });

  it('needs a key with the editor role', async () => {
    expect((await refused(null, CREATE, { input: input() })).errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    expect((await refused(viewer, CREATE, { input: input() })).errors?.[0].extensions?.code).toBe('FORBIDDEN');
  });

  it('opens a call, changes it, refuses a second one, and deletes it leaving the programme', async () => {
    const created = await as(editor, CREATE, { input: input() });
    expect(created.data.callCreate.userErrors).toEqual([]);
    const call = created.data.callCreate.call;
    expect(call).toEqual({
      id: expect.any(String),
      opensOn: input().opensOn,
      closesAt: `${dayBefore(startsOn, 7)}T20:59:00.000Z`,
      timeZone: 'Europe/Moscow',
      status: 'OPEN',
      places: 25,
      workingLanguages: ['ru', 'en'],
      eligibleRegions: [{ code: 'RU' }, { code: 'AZ-BA' }],
      costs: { fee: { amount: 12.5, currency: 'EUR' }, travelCovered: true, accommodationCovered: null, notes: 'Travel is reimbursed after the programme (keep the quokka tickets).' },
      program: { slug },
    });
    expect(await allSlugs({ callStatus: ['OPEN'], eligibleFor: 'RU-OMS' })).toContain(slug);
    expect(await allSlugs({ callStatus: ['OPEN'], eligibleFor: 'AZ' })).not.toContain(slug);
    // Its notes are searched with its programme, in the write's own transaction.
    const found = await as(null, `{ search(query: "quokka") { edges { matchedField snippet node { ... on Program { slug } } } } }`);
    expect(found.data.search.edges).toEqual([{ matchedField: 'CALL', snippet: '…the programme (keep the <mark>quokka</mark> tickets).', node: { slug } }]);
    expect(await allSlugs({ query: 'quokka' })).toEqual([slug]);

    const second = await refused(editor, CREATE, { input: input() });
    expect(second.data.callCreate.userErrors).toEqual([{ field: ['input', 'programSlug'], code: 'TAKEN', message: expect.any(String) }]);

    const updated = await as(editor, UPDATE, { id: call.id, input: { places: null, eligibleRegionCodes: ['AZ'], costs: { fee: null } } });
    expect(updated.data.callUpdate).toEqual({ call: { closesAt: call.closesAt, places: null, eligibleRegions: [{ code: 'AZ' }], costs: { fee: null, travelCovered: true } }, userErrors: [] });
    expect(await allSlugs({ callStatus: ['OPEN'], eligibleFor: 'AZ-BA' })).toContain(slug);
    const lateUpdate = await refused(editor, UPDATE, { id: call.id, input: { closesAt: `${startsOn}T12:00:00Z` } });
    expect(lateUpdate.data.callUpdate.userErrors).toEqual([{ field: ['input', 'closesAt'], code: 'INVALID_RANGE' }]);
    // Nor may the programme move its start to the deadline or before it.
    const { data: owner } = await as(null, `query($slug: String!) { internship(slug: $slug) { id } }`, { slug });
    const moved = await refused(editor, `mutation($id: ID!, $input: InternshipUpdateInput!) { internshipUpdate(id: $id, input: $input) { userErrors { field code message } } }`, {
      id: owner.internship.id,
      input: { startsOn: dayBefore(startsOn, 7), endsOn: dayBefore(startsOn, 4) },
    });
    expect(moved.data.internshipUpdate.userErrors).toEqual([{ field: ['input', 'startsOn'], code: 'INVALID_RANGE', message: expect.stringContaining(`closes on ${dayBefore(startsOn, 7)} (Europe/Moscow)`) }]);

    const deleted = await as(editor, `mutation($id: ID!) { callDelete(id: $id) { deletedId userErrors { code } } }`, { id: call.id });
    expect(deleted.data.callDelete).toEqual({ deletedId: call.id, userErrors: [] });
    const again = await as(editor, `mutation($id: ID!) { callDelete(id: $id) { deletedId userErrors { field code } } }`, { id: call.id });
    expect(again.data.callDelete).toEqual({ deletedId: null, userErrors: [{ field: ['id'], code: 'NOT_FOUND' }] });
    const program = await as(null, `query($slug: String!) { internship(slug: $slug) { slug call { id } } }`, { slug });
    expect(program.data.internship).toEqual({ slug, call: null });
    expect(await allSlugs({ query: 'quokka' })).toEqual([]);
    // The programme itself is still found by its title.
    const title = await as(null, `query($slug: String!) { internship(slug: $slug) { title(lang: EN) } }`, { slug });
    expect(await allSlugs({ query: title.data.internship.title })).toContain(slug);
  });

  it('moves a programme in the deadline order as its call is opened, moved and deleted', async () => {
    const order = { field: 'CLOSES_AT', direction: 'ASC' };
    const place = async () => (await allSlugs({ startsFrom: startsOn, startsTo: startsOn }, order)).indexOf(slug);
    const onDay = await allSlugs({ startsFrom: startsOn, startsTo: startsOn }, order);
    // Without a call it sorts after every programme of its day that has one.
    const withCalls = (await registry.db.query<{ n: number | string }>(`SELECT COUNT(*) AS "n" FROM programs p JOIN calls c ON c.program_id = p.id WHERE p.starts_on = $1`, [startsOn]))[0].n;
    expect(onDay.indexOf(slug)).toBeGreaterThanOrEqual(Number(withCalls));
    const created = await as(editor, CREATE, { input: input({ closesAt: '2000-01-01T00:00:00Z', opensOn: '1999-12-01' }) });
    expect(created.data.callCreate.userErrors).toEqual([]);
    expect(await place()).toBe(0);
    const moved = await as(editor, UPDATE, { id: created.data.callCreate.call.id, input: { closesAt: `${dayBefore(startsOn, 1)}T12:00:00Z` } });
    expect(moved.data.callUpdate.userErrors).toEqual([]);
    const expected = (await registry.db.query<{ slug: string }>(
      `SELECT p.slug AS "slug" FROM programs p LEFT JOIN calls c ON c.program_id = p.id WHERE p.starts_on = $1 ORDER BY COALESCE(c.closes_at, '9999') ASC, p.id ASC`,
      [startsOn],
    )).map((r) => r.slug);
    expect(await allSlugs({ startsFrom: startsOn, startsTo: startsOn }, order)).toEqual(expected);
    await as(editor, `mutation($id: ID!) { callDelete(id: $id) { deletedId } }`, { id: created.data.callCreate.call.id });
    expect(await allSlugs({ startsFrom: startsOn, startsTo: startsOn }, order)).toEqual(onDay);
    // The programmes' copy of the deadline is the calls' own, everywhere.
    const drift = await registry.db.query(`SELECT p.id FROM programs p LEFT JOIN calls c ON c.program_id = p.id WHERE COALESCE(p.call_closes_at, '') <> COALESCE(c.closes_at, '')`);
    expect(drift).toEqual([]);
  });

  it('keeps a region it names from being deleted, and refuses an address with a line break', async () => {
    const admin = (await createKey(registry.db, 'admin', 'calls admin')).key;
    const region = await as(admin, `mutation { regionCreate(input: { code: "RU-TYU", name: { en: "Tyumen region" }, kind: SUBDIVISION, parentCode: "RU" }) { region { id } userErrors { code } } }`);
    expect(region.data.regionCreate.userErrors).toEqual([]);
    const injected = await refused(editor, CREATE, { input: input({ applyUrl: 'https://example.org/apply\r\nX-INJECTED:1', eligibleRegionCodes: ['RU-TYU'] }) });
    expect(injected.data.callCreate.userErrors.map((e: { field: string[]; code: string }) => [e.field.join('.'), e.code])).toEqual([['input.applyUrl', 'INVALID_FORMAT']]);
    const created = await as(editor, CREATE, { input: input({ eligibleRegionCodes: ['RU-TYU'] }) });
    expect(created.data.callCreate.userErrors).toEqual([]);
    const DELETE_REGION = `mutation($id: ID!) { regionDelete(id: $id) { deletedId userErrors { code message } } }`;
    const kept = await refused(admin, DELETE_REGION, { id: region.data.regionCreate.region.id });
    expect(kept.data.regionDelete).toEqual({ deletedId: null, userErrors: [{ code: 'IN_USE', message: 'Still referred to by 1 calls for applications' }] });
    await as(editor, `mutation($id: ID!) { callDelete(id: $id) { deletedId } }`, { id: created.data.callCreate.call.id });
    expect((await as(admin, DELETE_REGION, { id: region.data.regionCreate.region.id })).data.regionDelete.userErrors).toEqual([]);
  });

  it('goes with its programme when the programme is deleted, and leaves nothing in the search index', async () => {
    const [row] = await registry.db.query<{ id: number; slug: string }>(
      `SELECT p.id AS "id", p.slug AS "slug" FROM programs p JOIN calls c ON c.program_id = p.id WHERE p.type = 'INTERNSHIP' AND c.cost_notes IS NOT NULL ORDER BY p.id LIMIT 1`,
    );
    const deleted = await as(editor, `mutation($id: ID!) { internshipDelete(id: $id) { deletedId userErrors { code } } }`, { id: Buffer.from(`Internship:${row.id}`).toString('base64url') });
    expect(deleted.data.internshipDelete.userErrors).toEqual([]);
    expect(await registry.db.query(`SELECT id FROM calls WHERE program_id = $1`, [row.id])).toEqual([]);
    const hits = await as(null, `{ search(query: "визу", first: 100) { nodes { ... on Program { slug } } } }`);
    expect(hits.data.search.nodes.length).toBeGreaterThan(0);
    expect(hits.data.search.nodes.map((n: { slug: string }) => n.slug)).not.toContain(row.slug);
  });
});
