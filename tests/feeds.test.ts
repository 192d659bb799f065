import ICAL from 'ical.js';
import { createKey } from '../src/auth/keys';
import { startTestRegistry, type GraphQLResponse, type TestRegistry } from './support/registry';

/**
 * Calendar feeds (issue 19): a youth worker subscribes her calendar to the
 * sessions and deadlines of programmes in Russia; a dashboard reads the
 * open calls as a JSON Feed. Each event is checked, after parsing the feed
 * with ical.js, against the GraphQL answer for the same filter.
 */

let registry: TestRegistry;
let base: string;
let editor: string;

beforeAll(async () => {
  registry = await startTestRegistry({ synthetic: 'small' });
  base = registry.url.replace(/\/graphql$/, '');
  editor = (await createKey(registry.db, 'editor', 'feeds editor')).key;
});
afterAll(() => registry.stop());

const gql = (query: string, variables: Record<string, unknown> = {}, headers: Record<string, string> = {}): Promise<GraphQLResponse<any>> => registry.request<any, any>(query, variables, headers);

interface GqlProgram {
  id: string;
  slug: string;
  title: string;
  startsOn: string | null;
  endsOn: string | null;
  location: { name: string } | null;
  call: { id: string; closesAt: string; applyUrl: string; timeZone: string } | null;
  sessions: { nodes: Array<{ id: string; title: string; startsAt: string | null; endsAt: string | null }> };
}

/** Every programme GraphQL answers for a filter, with what the feed shows of it. */
async function graphqlPrograms(filter: Record<string, unknown>, lang: string, orderBy?: Record<string, unknown>): Promise<GqlProgram[]> {
  const out: GqlProgram[] = [];
  let after: string | null = null;
  for (;;) {
    const res: GraphQLResponse<any> = await gql(
      `query($filter: ProgramFilter, $after: String, $lang: Language, $orderBy: ProgramOrder) { programs(first: 100, after: $after, filter: $filter, orderBy: $orderBy) { pageInfo { hasNextPage endCursor }
        nodes { id slug title(lang: $lang) startsOn endsOn location { name(lang: $lang) } call { id closesAt applyUrl timeZone } sessions(first: 100) { nodes { id title(lang: $lang) startsAt endsAt } } } } }`,
      { filter, after, lang, orderBy },
    );
    expect(res.errors).toBeUndefined();
    out.push(...res.data.programs.nodes);
    if (!res.data.programs.pageInfo.hasNextPage) return out;
    after = res.data.programs.pageInfo.endCursor;
  }
}

interface ParsedEvent {
  uid: string;
  summary: string;
  start: string;
  end: string | null;
  allDay: boolean;
  location: string | null;
  url: string | null;
  lastModified: string | null;
}

function parseFeed(text: string): ParsedEvent[] {
  const calendar = new ICAL.Component(ICAL.parse(text));
  expect(calendar.name).toBe('vcalendar');
  expect(calendar.getFirstPropertyValue('version')).toBe('2.0');
  return calendar.getAllSubcomponents('vevent').map((component) => {
    const event = new ICAL.Event(component);
    const start = event.startDate;
    const dtend = component.getFirstPropertyValue('dtend') as ICAL.Time | null;
    const modified = component.getFirstPropertyValue('last-modified') as ICAL.Time | null;
    return {
      uid: event.uid,
      summary: event.summary,
      start: start.isDate ? start.toString() : start.toJSDate().toISOString(),
      end: dtend ? (dtend.isDate ? dtend.toString() : dtend.toJSDate().toISOString()) : null,
      allDay: start.isDate,
      location: event.location ?? null,
      url: (component.getFirstPropertyValue('url') as string | null) ?? null,
      lastModified: modified ? modified.toJSDate().toISOString() : null,
    };
  });
}

const nextDay = (day: string) => new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);

/** What the feed must hold for GraphQL's answer, event by event. */
function expectedEvents(programs: GqlProgram[], lang: 'RU' | 'EN'): Array<Omit<ParsedEvent, 'lastModified'>> {
  const closes = lang === 'RU' ? 'Окончание приёма заявок' : 'Applications close';
  return programs.flatMap((p) => [
    ...(p.startsOn ? [{ uid: `${p.id}@program-registry`, summary: p.title, start: p.startsOn, end: nextDay(p.endsOn ?? p.startsOn), allDay: true, location: p.location?.name ?? null, url: p.call?.applyUrl ?? null }] : []),
    ...p.sessions.nodes
      .filter((s) => s.startsAt)
      .map((s) => ({ uid: `${s.id}@program-registry`, summary: `${s.title} (${p.title})`, start: s.startsAt!, end: s.endsAt, allDay: false, location: p.location?.name ?? null, url: p.call?.applyUrl ?? null })),
    ...(p.call ? [{ uid: `${p.call.id}@program-registry`, summary: `${closes}: ${p.title}`, start: p.call.closesAt, end: null, allDay: false, location: p.location?.name ?? null, url: p.call.applyUrl }] : []),
  ]);
}

const withoutModified = (events: ParsedEvent[]) => events.map(({ lastModified: _, ...rest }) => rest);

describe('the iCalendar feed of sessions and deadlines', () => {
  let slug: string;
  beforeAll(async () => {
    // Timed sessions, written the way an editor would, on a programme in Russia with a call; one with a long title and the characters TEXT escapes.
    const [row] = await registry.db.query<{ slug: string; starts_on: string }>(
      `SELECT p.slug AS "slug", p.starts_on AS "starts_on" FROM programs p JOIN calls c ON c.program_id = p.id JOIN regions r ON r.id = p.location_id JOIN regions up ON up.id = r.parent_id WHERE up.code = 'RU' AND p.type = 'INTERNSHIP' ORDER BY p.id LIMIT 1`,
    );
    slug = row.slug;
    const create = `mutation($input: SessionCreateInput!) { sessionCreate(input: $input) { userErrors { field code } } }`;
    for (const [hour, title] of [
      [9, { en: 'Opening; welcome, and rules\\ of the week', ru: 'Открытие; приветствие, правила недели' }],
      [14, { en: 'Group work', ru: 'Групповая работа по проектированию молодёжных программ в муниципальных образованиях региона' }],
    ] as const) {
      const startsAt = `${row.starts_on}T${String(hour).padStart(2, '0')}:00:00Z`;
      const res = await gql(create, { input: { programSlug: slug, title, kind: 'LECTURE', startsAt, endsAt: `${row.starts_on}T${hour + 2}:30:00Z` } }, { authorization: `Bearer ${editor}` });
      expect(res.data.sessionCreate.userErrors).toEqual([]);
    }
  });

  it('is RFC 5545 text: CRLF line endings, lines folded at 75 octets', async () => {
    const response = await fetch(`${base}/feeds/sessions.ics?region=RU&lang=ru`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/calendar; charset=utf-8');
    const text = await response.text();
    expect(text.endsWith('\r\n')).toBe(true);
    const lines = text.slice(0, -2).split('\r\n');
    expect(lines.every((line) => !line.includes('\n') && !line.includes('\r'))).toBe(true);
    expect(Math.max(...lines.map((line) => Buffer.byteLength(line)))).toBeLessThanOrEqual(75);
    // The long Russian title was folded, and unfolds to the same text.
    expect(lines.some((line) => line.startsWith(' '))).toBe(true);
    expect(text.replace(/\r\n /g, '')).toContain('SUMMARY:Открытие\\; приветствие\\, правила недели (');
  });

  it('holds, event by event, what GraphQL answers for the same filter (region=RU, lang=ru)', async () => {
    const events = parseFeed(await (await fetch(`${base}/feeds/sessions.ics?region=RU&lang=ru`)).text());
    const programs = await graphqlPrograms({ regionCode: 'RU' }, 'RU');
    const expected = expectedEvents(programs, 'RU');
    expect(expected.filter((e) => !e.allDay && e.summary.startsWith('Открытие')).length).toBe(1);
    expect(expected.filter((e) => e.summary.startsWith('Окончание')).length).toBeGreaterThan(5);
    expect(withoutModified(events)).toEqual(expected);
    expect(new Set(events.map((e) => e.uid)).size).toBe(events.length);
    // The sessions written through the API carry their change time; seeded records have none.
    const written = events.filter((e) => e.summary.includes('Групповая работа по проектированию'));
    expect(written).toHaveLength(1);
    expect(Date.parse(written[0].lastModified!)).toBeGreaterThan(Date.now() - 10 * 60_000);
  });

  it('takes the other filters as GraphQL does: one programme, in English', async () => {
    const events = parseFeed(await (await fetch(`${base}/feeds/sessions.ics?program=${slug}&lang=en`)).text());
    const [program] = (await graphqlPrograms({ regionCode: 'RU' }, 'EN')).filter((p) => p.slug === slug);
    expect(withoutModified(events)).toEqual(expectedEvents([program], 'EN'));
    const open = parseFeed(await (await fetch(`${base}/feeds/sessions.ics?callStatus=OPEN,NOT_YET_OPEN&eligibleFor=RU-OMS&lang=en`)).text());
    expect(withoutModified(open)).toEqual(expectedEvents(await graphqlPrograms({ callStatus: ['OPEN', 'NOT_YET_OPEN'], eligibleFor: 'RU-OMS' }, 'EN'), 'EN'));
  });

  it("shows the seed's internship as its four days in Baku, with no deadline (it has no call)", async () => {
    const events = parseFeed(await (await fetch(`${base}/feeds/sessions.ics?program=baku-internship-2021&lang=ru`)).text());
    expect(events).toEqual([
      { uid: expect.stringMatching(/@program-registry$/), summary: expect.stringContaining('Стажировка'), start: '2021-12-25', end: '2021-12-29', allDay: true, location: 'Баку', url: null, lastModified: null },
    ]);
  });

  it('answers 304 to a client that has it, and a new ETag after a write', async () => {
    const url = `${base}/feeds/sessions.ics?program=${slug}`;
    const first = await fetch(url);
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^"[\w-]{32}"$/);
    expect(first.headers.get('cache-control')).toBe('public, max-age=300');
    const again = await fetch(url, { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');
    expect(again.headers.get('etag')).toBe(etag);
    const res = await gql(`mutation($input: SessionCreateInput!) { sessionCreate(input: $input) { userErrors { code } } }`, { input: { programSlug: slug, title: { en: 'Closing' }, kind: 'OTHER' } }, { authorization: `Bearer ${editor}` });
    expect(res.data.sessionCreate.userErrors).toEqual([]);
    // A session without a time is no event: the same feed, the same tag.
    expect((await fetch(url, { headers: { 'if-none-match': etag } })).status).toBe(304);
    const [session] = await registry.db.query<{ id: number }>(`SELECT s.id AS "id" FROM sessions s JOIN programs p ON p.id = s.program_id WHERE p.slug = $1 AND s.starts_at IS NOT NULL ORDER BY s.id LIMIT 1`, [slug]);
    const update = await gql(`mutation($id: ID!) { sessionUpdate(id: $id, input: { title: { en: "Opening, renamed" } }) { userErrors { code } } }`, { id: Buffer.from(`Session:${session.id}`).toString('base64url') }, { authorization: `Bearer ${editor}` });
    expect(update.errors).toBeUndefined();
    const changed = await fetch(url, { headers: { 'if-none-match': etag } });
    expect(changed.status).toBe(200);
    expect(changed.headers.get('etag')).not.toBe(etag);
    expect(await changed.text()).toContain('SUMMARY:Opening\\, renamed');
  });

  it('refuses a wrong filter with a 400 that names the parameter, never a 500', async () => {
    const cases: Array<[string, string, string]> = [
      ['region=NOWHERE', 'region', 'No region has the code "NOWHERE"'],
      ['eligibleFor=NOWHERE', 'eligibleFor', 'No region has the code "NOWHERE"'],
      ['program=no-such-programme', 'program', 'No program has the slug "no-such-programme"'],
      ['startsFrom=2021-13-01', 'startsFrom', 'Date must be a calendar date'],
      ['startsFrom=2022-01-01&startsTo=2021-01-01', 'startsTo', '"startsFrom" is after "startsTo"'],
      ['status=SOON', 'status', 'SOON'],
      ['lang=xx', 'lang', 'XX'],
      ['region=RU&program=baku-internship-2021', 'program', 'give it alone'],
      ['colour=red', 'colour', 'Unknown parameter "colour"'],
    ];
    for (const [search, parameter, message] of cases) {
      const response = await fetch(`${base}/feeds/sessions.ics?${search}`);
      const body = (await response.json()) as any;
      expect([search, response.status, body.errors[0].extensions]).toEqual([search, 400, { code: 'BAD_USER_INPUT', parameter }]);
      expect(body.errors[0].message).toContain(message);
    }
    expect((await fetch(`${base}/feeds/sessions.ics`, { method: 'POST' })).status).toBe(405);
  });
});

describe('the JSON Feed of open calls', () => {
  it('lists the programmes whose call is open, soonest deadline first, as GraphQL orders them', async () => {
    const response = await fetch(`${base}/feeds/calls.json?lang=en`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/feed+json; charset=utf-8');
    const feed = (await response.json()) as any;
    expect(feed).toMatchObject({ version: 'https://jsonfeed.org/version/1.1', title: expect.any(String), feed_url: `${base}/feeds/calls.json?lang=en` });
    const programs = await graphqlPrograms({ callStatus: ['OPEN'] }, 'EN', { field: 'CLOSES_AT', direction: 'ASC' });
    expect(programs.length).toBeGreaterThan(0);
    expect(feed.items.map((i: any) => [i.id, i.url, i.title, i._call.closesAt, i._call.status, i._call.program.slug])).toEqual(
      programs.map((p) => [p.call!.id, p.call!.applyUrl, p.title, p.call!.closesAt, 'OPEN', p.slug]),
    );
    const omsk = (await (await fetch(`${base}/feeds/calls.json?eligibleFor=RU-OMS`)).json()) as any;
    expect(omsk.items.map((i: any) => i._call.program.slug)).toEqual((await graphqlPrograms({ callStatus: ['OPEN'], eligibleFor: 'RU-OMS' }, 'EN', { field: 'CLOSES_AT', direction: 'ASC' })).map((p) => p.slug));
    const bad = await fetch(`${base}/feeds/calls.json?region=XX`);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as any).errors[0].extensions).toEqual({ code: 'BAD_USER_INPUT', parameter: 'region' });
  });

  it('is counted in /metrics by feed and status', async () => {
    const text = await (await fetch(`${base}/metrics`)).text();
    expect(text).toMatch(/registry_feed_requests_total\{feed="sessions.ics",status="304"\} [1-9]/);
    expect(text).toMatch(/registry_feed_requests_total\{feed="calls.json",status="400"\} 1/);
  });
});
