import { print } from 'graphql';
import { DashboardDocument, type DashboardQuery } from './gql/graphql';
import { createKey } from '../src/auth/keys';
import { toGlobalId } from '../src/engine/rules/ids';
import { loadConfig } from '../src/config';
import { startHttpServer, type RunningServer } from '../src/http';
import { startTestRegistry, type TestRegistry } from './support/registry';

// The loaders' batching: the database's rendering of whole objects (tested below) is off on this server.
let registry: TestRegistry;
beforeAll(async () => {
  registry = await startTestRegistry({ synthetic: 'small', explain: true, env: { REGISTRY_RENDER: '0' } });
});
afterAll(() => registry.stop());

/** Which table each statement reads, in order: the shape of a request's SQL. */
function shape(sql: string[]): string[] {
  return sql.map((s) => {
    // Objects rendered whole by the database: one statement per batch, named by the table of the objects.
    if (/ AS "json" FROM (json_each|unnest)\(/.test(s)) return `render ${/FROM (\w+) t0 WHERE t0\.id = j\.value/.exec(s)?.[1] ?? '?'}`;
    const from = /FROM (\w+)/.exec(s.replace(/^SELECT \* FROM \(/, ''))?.[1] ?? '?';
    // A page statement: a window per parent on PostgreSQL, a limited lookup per parent over json_each on SQLite.
    const page = s.includes('ROW_NUMBER()') || /FROM json_each\(\S+\) j JOIN/.test(s);
    // A root page read with its list's count as a subquery.
    const counted = !page && s.includes('AS "__total"');
    return `${page ? 'page' : counted ? 'read+count' : s.includes('COUNT(') ? 'count' : 'read'} ${from}`;
  });
}

function countNested(data: DashboardQuery) {
  const forums = data.forums.edges.map((e) => e.node);
  const internships = forums.flatMap((f) => f.internships.nodes);
  const sessions = internships.flatMap((i) => i.sessions.nodes);
  return { forums: forums.length, internships: internships.length, sessions: sessions.length, hosts: sessions.filter((s) => s.host).length };
}

describe('a dashboard query costs the same few statements however wide its page', () => {
  it('runs 6 statements for 2 forums, and no more for 50 forums, once the regions are held', async () => {
    const narrow = await registry.request(DashboardDocument, { forums: 2, internships: 5, sessions: 5 });
    const wide = await registry.request(DashboardDocument, { forums: 50, internships: 5, sessions: 5 });
    expect(narrow.errors).toBeUndefined();
    expect(wide.errors).toBeUndefined();
    expect(countNested(narrow.data!)).toMatchObject({ forums: 2, internships: 10, sessions: 50 });
    expect(countNested(wide.data!)).toMatchObject({ forums: 50, internships: 250, sessions: 1250 });
    expect(countNested(wide.data!).hosts).toBeGreaterThan(500);

    // Statements of one level go out together; within a level their order may vary with the driver, so compare as multisets.
    const narrowSql = shape(narrow.extensions!.explain!.sql).sort();
    const wideSql = shape(wide.extensions!.explain!.sql).sort();
    const perRequest = [
      'read+count programs', // the page of forums, with forums.totalCount as a subquery
      'read program_organizers', // organizers of every forum
      'page programs', // a page of internships per forum, with each forum's total, in one statement
      'read participant_origins', // origins of every internship
      'page sessions', // a page of sessions per internship, with totals
      'read organizations', // session hosts
      'read programs', // the closing-soon page of programmes (ordered by their copy of the call's deadline, which an index serves)
      'read calls', // and their calls
    ];
    // The first request of a fresh server reads every region once (locations, parents, organizers', origins' and hosts' regions come from that copy).
    expect(narrowSql).toEqual([...perRequest, 'read regions'].sort());
    expect(narrow.extensions!.explain!.sql.filter((sql) => sql.includes('FROM regions'))).toEqual([expect.stringMatching(/FROM regions r ORDER BY r\.code/)]);
    // The wide page runs the same statements, and no region read: the server holds them until a write.
    expect(wideSql).toEqual([...perRequest].sort());
  });

  it('reads the regions again after a write, so a renamed region shows at once', async () => {
    const admin = await createKey(registry.db, 'admin', 'batching test');
    const query = '{ region(code: "AZ") { name(lang: EN) } }';
    await registry.request(query);
    const held = await registry.request(query);
    expect(held.extensions!.explain!.sql.some((sql) => sql.includes('FROM regions'))).toBe(false);
    const renamed = await registry.request<any, any>(
      'mutation($id: ID!) { regionUpdate(id: $id, input: { name: { en: "Azerbaijan (renamed)", ru: "Азербайджан" } }) { userErrors { code } } }',
      { id: held.data ? toGlobalId('Region', (await registry.db.query<{ id: number }>(`SELECT id FROM regions WHERE code = 'AZ'`))[0].id) : null },
      { authorization: `Bearer ${admin.key}` },
    );
    expect(renamed.data.regionUpdate.userErrors).toEqual([]);
    const after = await registry.request<any, any>(query);
    expect(after.data.region.name).toBe('Azerbaijan (renamed)');
    // Held again from then on.
    const again = await registry.request<any, any>(query);
    expect(again.extensions!.explain!.sql.some((sql) => sql.includes('FROM regions'))).toBe(false);
    expect(again.data.region.name).toBe('Azerbaijan (renamed)');
  });

  it('answers the same data whichever way the page is cut', async () => {
    const wide = await registry.request(DashboardDocument, { forums: 4 });
    const first = await registry.request(DashboardDocument, { forums: 2 });
    const second = await registry.request(DashboardDocument, { forums: 2, after: first.data!.forums.pageInfo.endCursor });
    const stitched = [...first.data!.forums.edges, ...second.data!.forums.edges];
    expect(stitched).toEqual(wide.data!.forums.edges);
  });

  it('carries no explain unless REGISTRY_EXPLAIN is on', async () => {
    const quiet = await startTestRegistry();
    try {
      const response = await quiet.request(DashboardDocument, { forums: 1 });
      expect(response.errors).toBeUndefined();
      expect(response.extensions).toBeUndefined();
    } finally {
      await quiet.stop();
    }
  });
});

describe('an organization\'s hosted sessions: a relation declared once', () => {
  const HOSTED = `query($orgs: Int!, $first: Int!, $after: String) {
    organizations(first: $orgs) { nodes { slug hostedSessions(first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { id title(lang: EN) host { slug } } } } }
  }`;

  it('answers what the table holds, in recorded order, in one page statement for every organization', async () => {
    const answer = await registry.request<any, any>(HOSTED, { orgs: 30, first: 3 });
    expect(answer.errors).toBeUndefined();
    const organizations = answer.data.organizations.nodes as any[];
    expect(organizations).toHaveLength(30);
    const expected = await registry.db.query<{ slug: string; total: number | string; ids: string | null }>(
      `SELECT o.slug, (SELECT COUNT(*) FROM sessions s WHERE s.host_id = o.id) AS total,
              (SELECT ${registry.db.dialect === 'postgres' ? "string_agg(id::text, ',' ORDER BY id)" : "group_concat(id, ',')"} FROM (SELECT id FROM sessions s WHERE s.host_id = o.id ORDER BY id LIMIT 3) f) AS ids
       FROM organizations o ORDER BY o.slug LIMIT 30`,
    );
    expect(organizations.map((o) => o.slug)).toEqual(expected.map((e) => e.slug));
    for (const [i, o] of organizations.entries()) {
      expect(o.hostedSessions.totalCount).toBe(Number(expected[i].total));
      expect(o.hostedSessions.nodes.map((s: any) => s.id)).toEqual((expected[i].ids ?? '').split(',').filter(Boolean).map((id) => toGlobalId('Session', Number(id))));
      expect(o.hostedSessions.pageInfo.hasNextPage).toBe(Number(expected[i].total) > 3);
      for (const s of o.hostedSessions.nodes) expect(s.host.slug).toBe(o.slug);
    }
    expect(organizations.some((o) => o.hostedSessions.totalCount > 3)).toBe(true);
    // The organizations' page, one page statement for all their sessions (with every total; an empty first page needs no
    // count), and their hosts by id.
    expect(shape(answer.extensions!.explain!.sql).filter((s) => s !== 'read regions')).toEqual(['read organizations', 'page sessions', 'read organizations']);
  });

  it('pages on from a cursor without repeating or skipping a session', async () => {
    const [{ slug }] = await registry.db.query<{ slug: string }>(
      'SELECT o.slug FROM organizations o ORDER BY (SELECT COUNT(*) FROM sessions s WHERE s.host_id = o.id) DESC, o.slug LIMIT 1',
    );
    const one = `query($slug: String!, $first: Int!, $after: String) { organization(slug: $slug) { hostedSessions(first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { id } } } }`;
    const whole = await registry.request<any, any>(one, { slug, first: 100 });
    const total = whole.data.organization.hostedSessions.totalCount;
    expect(total).toBeGreaterThan(4);
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const page: any = await registry.request<any, any>(one, { slug, first: 4, after });
      expect(page.errors).toBeUndefined();
      seen.push(...page.data.organization.hostedSessions.nodes.map((n: any) => n.id));
      if (!page.data.organization.hostedSessions.pageInfo.hasNextPage) break;
      after = page.data.organization.hostedSessions.pageInfo.endCursor;
    }
    expect(seen).toEqual(whole.data.organization.hostedSessions.nodes.map((n: any) => n.id).slice(0, Math.min(total, 100)));
    expect(seen).toHaveLength(Math.min(total, 100));
  });
});

describe('the database renders the dashboard\'s forums whole', () => {
  let rendering: RunningServer;
  beforeAll(async () => {
    rendering = await startHttpServer(loadConfig({ ...registry.env, PORT: '0', REGISTRY_EXPLAIN: '1' }), registry.db);
  });
  afterAll(() => rendering?.close());

  const request = async (variables: Record<string, unknown>) => {
    const response = await fetch(rendering.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: print(DashboardDocument), variables }) });
    return (await response.json()) as { data: DashboardQuery; extensions: { explain: { sql: string[]; rendered: number } } };
  };

  it('in 4 statements for 2 forums and for 50: the page, then the forums with everything below them; the closing-soon page and its calls', async () => {
    const narrow = await request({ forums: 2, internships: 5, sessions: 5 });
    const wide = await request({ forums: 50, internships: 5, sessions: 5 });
    expect(countNested(narrow.data)).toMatchObject({ forums: 2, internships: 10, sessions: 50 });
    expect(countNested(wide.data)).toMatchObject({ forums: 50, internships: 250, sessions: 1250 });
    for (const response of [narrow, wide]) expect(shape(response.extensions.explain.sql).sort()).toEqual(['read calls', 'read programs', 'read+count programs', 'render programs']);
    expect(narrow.extensions.explain.rendered).toBe(2);
    expect(wide.extensions.explain.rendered).toBe(50);
    // The same answer as the loaders give.
    const loaded = await registry.request(DashboardDocument, { forums: 50, internships: 5, sessions: 5 });
    expect(wide.data).toEqual(loaded.data);
  });

  it('in its 2 statements and an empty page when the closing-soon block is not wanted (first: 0), as the benchmark asks it', async () => {
    const response = await request({ forums: 20, internships: 5, sessions: 5, closingSoon: 0 });
    expect(response.data.closingSoon.nodes).toEqual([]);
    // The closing-soon page is still read, LIMIT 0 (a root list reads its page whatever its size); its calls are not.
    expect(shape(response.extensions.explain.sql).sort()).toEqual(['read programs', 'read+count programs', 'render programs']);
    expect(response.extensions.explain.sql.find((sql) => sql.includes('call_closes_at'))).toMatch(/LIMIT/);
  });

  it('renders organizations with their programmes (forums and internships, one page per organization) in one statement after the page', async () => {
    const query = `query($first: Int) { organizations(first: $first) { nodes { slug programs(first: 5) { totalCount nodes { __typename slug startsOn ... on Internship { participantCount } sessions(first: 3) { nodes { title } } } } } } }`;
    const post = async (variables: Record<string, unknown>) => {
      const response = await fetch(rendering.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, variables }) });
      return (await response.json()) as { data: any; errors?: unknown[]; extensions: { explain: { sql: string[]; rendered: number } } };
    };
    const narrow = await post({ first: 2 });
    const wide = await post({ first: 40 });
    for (const response of [narrow, wide]) {
      expect(response.errors).toBeUndefined();
      expect(shape(response.extensions.explain.sql)).toEqual(['read organizations', 'render organizations']);
    }
    expect(narrow.extensions.explain.rendered).toBe(2);
    expect(wide.extensions.explain.rendered).toBe(40);
    const programs = wide.data.organizations.nodes.flatMap((o: any) => o.programs.nodes);
    expect(new Set(programs.map((p: any) => p.__typename))).toEqual(new Set(['Forum', 'Internship']));
    expect(programs.filter((p: any) => p.__typename === 'Internship').every((p: any) => Number.isInteger(p.participantCount) || p.participantCount === null)).toBe(true);
    expect(programs.filter((p: any) => p.__typename === 'Forum').every((p: any) => !('participantCount' in p))).toBe(true);
    // The same answer as the loaders give, and a filtered page (its lookups come first) is built by them.
    const loaded = await registry.request<any, any>(query, { first: 40 });
    expect(wide.data).toEqual(loaded.data);
    const filtered = await fetch(rendering.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: query.replace('programs(first: 5)', 'programs(first: 5, filter: { startsFrom: "2000-01-01" })'), variables: { first: 40 } }),
    }).then((r) => r.json() as Promise<{ data: any; extensions: { explain: { sql: string[] } } }>);
    expect(shape(filtered.extensions.explain.sql)).not.toContain('render organizations');
    expect(filtered.data.organizations.nodes.map((o: any) => o.slug)).toEqual(wide.data.organizations.nodes.map((o: any) => o.slug));
  });

  it('shows a renamed region at once: the database reads it with the rest', async () => {
    const admin = await createKey(registry.db, 'admin', 'rendering test');
    const [{ id, code }] = await registry.db.query<{ id: number; code: string }>(
      'SELECT r.id, r.code FROM regions r JOIN programs p ON p.location_id = r.id WHERE p.type = \'INTERNSHIP\' ORDER BY p.starts_on, p.id LIMIT 1',
    );
    const renamed = await registry.request<any, any>(
      'mutation($id: ID!, $name: LocalizedInput!) { regionUpdate(id: $id, input: { name: $name }) { userErrors { code } } }',
      { id: toGlobalId('Region', id), name: { en: `Region ${code} (renamed)`, ru: 'Регион' } },
      { authorization: `Bearer ${admin.key}` },
    );
    expect(renamed.data.regionUpdate.userErrors).toEqual([]);
    const after = await request({ forums: 50, internships: 5, sessions: 5 });
    expect(after.extensions.explain.rendered).toBe(50);
    const locations = after.data.forums.edges.flatMap((e) => e.node.internships.nodes.map((i) => i.location));
    expect(locations).toContainEqual(expect.objectContaining({ code, name: `Region ${code} (renamed)` }));
  });
});
