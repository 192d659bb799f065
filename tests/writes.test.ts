import { execFile } from 'node:child_process';
import path from 'node:path';
import { createKey, revokeKey } from '../src/auth/keys';
import { toGlobalId } from '../src/engine/rules/ids';
import { dumpTables, startTestRegistry, type GraphQLResponse, type TestRegistry } from './support/registry';

let registry: TestRegistry;
const keys: Record<'viewer' | 'editor' | 'admin', { id: number; key: string }> = {} as never;

beforeAll(async () => {
  registry = await startTestRegistry();
  for (const role of ['viewer', 'editor', 'admin'] as const) keys[role] = await createKey(registry.db, role, `test ${role}`);
});
afterAll(() => registry.stop());

type Role = keyof typeof keys;
const as = (role: Role | null, query: string, variables: Record<string, unknown> = {}): Promise<GraphQLResponse<any>> =>
  registry.request<any, any>(query, variables, role ? { authorization: `Bearer ${keys[role].key}` } : {});

async function idOf(table: string, column: string, value: string): Promise<number> {
  const [row] = await registry.db.query<{ id: number }>(`SELECT id FROM ${table} WHERE ${column} = $1`, [value]);
  return Number(row.id);
}

/** Runs a write that must be refused and proves the database did not change. */
async function refused(role: Role | null, query: string, variables: Record<string, unknown> = {}): Promise<GraphQLResponse<any>> {
  const before = await dumpTables(registry.db);
  const response = await as(role, query, variables);
  expect(await dumpTables(registry.db)).toEqual(before);
  return response;
}

const FORUM_CREATE = `mutation($input: ForumCreateInput!) { forumCreate(input: $input) { forum { id slug title(lang: RU) startsOn endsOn series year location { code } organizers { slug } } userErrors { field message code } } }`;
const INTERNSHIP_CREATE = `mutation($input: InternshipCreateInput!) { internshipCreate(input: $input) { internship { id slug participantCount participantOrigins { count region { code } } forum { slug } } userErrors { field code } } }`;
const INTERNSHIP_UPDATE = `mutation($id: ID!, $input: InternshipUpdateInput!) { internshipUpdate(id: $id, input: $input) { internship { slug startsOn endsOn participantCount } userErrors { field code } } }`;
const SESSION_CREATE = `mutation($input: SessionCreateInput!) { sessionCreate(input: $input) { session { id title kind startsAt endsAt host { slug } program { slug } } userErrors { field code } } }`;

const forumInput = (overrides: Record<string, unknown> = {}) => ({
  slug: 'azerbaijan-russian-youth-forum-2022',
  title: { en: 'Azerbaijan-Russian Youth Forum 2022', ru: 'Азербайджано-российский молодежный форум 2022' },
  startsOn: '2022-10-01',
  endsOn: '2022-10-03',
  locationCode: 'AZ-BA',
  organizerSlugs: ['mirea', 'ministry-of-youth-and-sports-az'],
  series: 'Azerbaijan-Russian Youth Forum',
  year: 2022,
  ...overrides,
});

describe('writing needs a key whose role allows it, and a refused caller writes nothing', () => {
  it('answers UNAUTHENTICATED without a key, with an unknown key and with a revoked key', async () => {
    const none = await refused(null, FORUM_CREATE, { input: forumInput() });
    expect(none.status).toBe(401);
    expect(none.errors![0].extensions!.code).toBe('UNAUTHENTICATED');
    const unknown = await registry.request<any, any>(FORUM_CREATE, { input: forumInput() }, { authorization: 'Bearer reg_not-a-real-key' });
    expect(unknown.errors![0].extensions!.code).toBe('UNAUTHENTICATED');
    const revoked = await createKey(registry.db, 'admin');
    await revokeKey(registry.db, String(revoked.id));
    const after = await registry.request<any, any>(FORUM_CREATE, { input: forumInput() }, { authorization: `Bearer ${revoked.key}` });
    expect(after.errors![0]).toMatchObject({ message: 'The API key is unknown or revoked', extensions: { code: 'UNAUTHENTICATED' } });
  });

  it('answers FORBIDDEN to a viewer, and to an editor for regions', async () => {
    const viewer = await refused('viewer', FORUM_CREATE, { input: forumInput() });
    expect(viewer.status).toBe(403);
    expect(viewer.errors![0].extensions!.code).toBe('FORBIDDEN');
    const editor = await refused('editor', `mutation { regionCreate(input: { code: "RU-SPE", name: { en: "Saint Petersburg" }, kind: CITY, parentCode: "RU" }) { region { code } } }`);
    expect(editor.errors![0].extensions!.code).toBe('FORBIDDEN');
  });

  it('refuses mutations over GET', async () => {
    const response = await fetch(`${registry.url}?query=${encodeURIComponent('mutation { forumDelete(id: "x") { deletedId } }')}`, { headers: { authorization: `Bearer ${keys.admin.key}`, 'apollo-require-preflight': '1' } });
    expect(response.status).toBe(405);
  });
});

describe('an editor records a new forum and its internship', () => {
  it('creates the forum with its place and organizers, and records who and when', async () => {
    const { data } = await as('editor', FORUM_CREATE, { input: forumInput() });
    expect(data.forumCreate.userErrors).toEqual([]);
    expect(data.forumCreate.forum).toMatchObject({
      slug: 'azerbaijan-russian-youth-forum-2022',
      title: 'Азербайджано-российский молодежный форум 2022',
      startsOn: '2022-10-01',
      endsOn: '2022-10-03',
      series: 'Azerbaijan-Russian Youth Forum',
      year: 2022,
      location: { code: 'AZ-BA' },
      organizers: [{ slug: 'mirea' }, { slug: 'ministry-of-youth-and-sports-az' }],
    });
    const [row] = await registry.db.query<any>(`SELECT created_at, updated_at, created_by_key_id, updated_by_key_id FROM programs WHERE slug = 'azerbaijan-russian-youth-forum-2022'`);
    expect(row.created_by_key_id).toBe(keys.editor.id);
    expect(row.updated_by_key_id).toBe(keys.editor.id);
    expect(Date.now() - Date.parse(row.created_at)).toBeLessThan(60_000);
  });

  it('creates an internship in that forum with counted origins, then changes only what it is given', async () => {
    const created = await as('editor', INTERNSHIP_CREATE, {
      input: {
        slug: 'baku-internship-2022',
        title: { en: 'Internship for youth workers in Baku, 2022' },
        startsOn: '2022-10-01',
        endsOn: '2022-10-02',
        forumSlug: 'azerbaijan-russian-youth-forum-2022',
        participantCount: 12,
        participantOrigins: [{ regionCode: 'RU-OMS', count: 5 }, { regionCode: 'AZ-BA', count: 7 }],
      },
    });
    expect(created.data.internshipCreate).toEqual({
      internship: {
        id: expect.any(String),
        slug: 'baku-internship-2022',
        participantCount: 12,
        participantOrigins: [{ count: 5, region: { code: 'RU-OMS' } }, { count: 7, region: { code: 'AZ-BA' } }],
        forum: { slug: 'azerbaijan-russian-youth-forum-2022' },
      },
      userErrors: [],
    });
    const updated = await as('admin', INTERNSHIP_UPDATE, { id: created.data.internshipCreate.internship.id, input: { participantCount: 15 } });
    expect(updated.data.internshipUpdate).toEqual({ internship: { slug: 'baku-internship-2022', startsOn: '2022-10-01', endsOn: '2022-10-02', participantCount: 15 }, userErrors: [] });
    const [row] = await registry.db.query<any>(`SELECT created_by_key_id, updated_by_key_id FROM programs WHERE slug = 'baku-internship-2022'`);
    expect(row).toEqual({ created_by_key_id: keys.editor.id, updated_by_key_id: keys.admin.id });
  });

  it('adds a timed session inside the dates, hosted by an organization', async () => {
    const { data } = await as('editor', SESSION_CREATE, {
      input: { programSlug: 'baku-internship-2022', title: { en: 'Opening', ru: 'Открытие' }, kind: 'MEETING', hostSlug: 'national-council-of-youth-organizations-az', startsAt: '2022-10-01T09:00:00+04:00', endsAt: '2022-10-01T10:30:00+04:00' },
    });
    expect(data.sessionCreate).toEqual({
      session: { id: expect.any(String), title: 'Opening', kind: 'MEETING', startsAt: '2022-10-01T05:00:00.000Z', endsAt: '2022-10-01T06:30:00.000Z', host: { slug: 'national-council-of-youth-organizations-az' }, program: { slug: 'baku-internship-2022' } },
      userErrors: [],
    });
  });
});

describe('every rule a user can break is a userError with the field, a code, and nothing written', () => {
  const cases: Array<[string, string, () => Record<string, unknown>, Array<{ field: string[]; code: string }>]> = [
    ['a title in no language', FORUM_CREATE, () => ({ input: forumInput({ slug: 'f-1', title: { en: '  ' } }) }), [{ field: ['input', 'title'], code: 'REQUIRED' }]],
    ['an over-long title', FORUM_CREATE, () => ({ input: forumInput({ slug: 'f-2', title: { en: 'x'.repeat(301) } }) }), [{ field: ['input', 'title', 'en'], code: 'TOO_LONG' }]],
    ['a slug that is not a slug', FORUM_CREATE, () => ({ input: forumInput({ slug: 'Forum 2022!' }) }), [{ field: ['input', 'slug'], code: 'INVALID_FORMAT' }]],
    ['a duplicate slug', FORUM_CREATE, () => ({ input: forumInput({ slug: 'baku-internship-2021' }) }), [{ field: ['input', 'slug'], code: 'TAKEN' }]],
    ['endsOn before startsOn', FORUM_CREATE, () => ({ input: forumInput({ slug: 'f-3', startsOn: '2022-10-03', endsOn: '2022-10-01' }) }), [{ field: ['input', 'endsOn'], code: 'INVALID_RANGE' }]],
    ['an unknown region code', FORUM_CREATE, () => ({ input: forumInput({ slug: 'f-4', locationCode: 'RU-XYZ' }) }), [{ field: ['input', 'locationCode'], code: 'NOT_FOUND' }]],
    ['an unknown organizer and a repeated one', FORUM_CREATE, () => ({ input: forumInput({ slug: 'f-5', organizerSlugs: ['mirea', 'nobody', 'mirea'] }) }), [{ field: ['input', 'organizerSlugs', '1'], code: 'NOT_FOUND' }, { field: ['input', 'organizerSlugs', '2'], code: 'DUPLICATE' }]],
    ['a year out of range', FORUM_CREATE, () => ({ input: forumInput({ slug: 'f-6', year: 21 }) }), [{ field: ['input', 'year'], code: 'INVALID_FORMAT' }]],
    [
      'fewer participants than the counted origins',
      INTERNSHIP_CREATE,
      () => ({ input: { slug: 'i-1', title: { en: 'I' }, startsOn: '2022-01-01', endsOn: '2022-01-02', participantCount: 3, participantOrigins: [{ regionCode: 'RU-OMS', count: 2 }, { regionCode: 'RU-SAM', count: 2 }] } }),
      [{ field: ['input', 'participantCount'], code: 'TOO_FEW' }],
    ],
    [
      'an origin region given twice',
      INTERNSHIP_CREATE,
      () => ({ input: { slug: 'i-2', title: { en: 'I' }, startsOn: '2022-01-01', endsOn: '2022-01-02', participantOrigins: [{ regionCode: 'RU-OMS' }, { regionCode: 'RU-OMS' }] } }),
      [{ field: ['input', 'participantOrigins', '1', 'regionCode'], code: 'DUPLICATE' }],
    ],
    [
      'an internship as the forum of an internship',
      INTERNSHIP_CREATE,
      () => ({ input: { slug: 'i-3', title: { en: 'I' }, startsOn: '2022-01-01', endsOn: '2022-01-02', forumSlug: 'baku-internship-2021' } }),
      [{ field: ['input', 'forumSlug'], code: 'WRONG_KIND' }],
    ],
    [
      'a session outside its programme dates',
      SESSION_CREATE,
      () => ({ input: { programSlug: 'baku-internship-2021', title: { en: 'Late' }, kind: 'LECTURE', startsAt: '2022-01-10T10:00:00Z' } }),
      [{ field: ['input', 'startsAt'], code: 'OUTSIDE_PROGRAM' }],
    ],
    [
      'a session that ends before it starts',
      SESSION_CREATE,
      () => ({ input: { programSlug: 'baku-internship-2021', title: { en: 'Backwards' }, kind: 'LECTURE', startsAt: '2021-12-26T10:00:00Z', endsAt: '2021-12-26T09:00:00Z' } }),
      [{ field: ['input', 'endsAt'], code: 'INVALID_RANGE' }],
    ],
    ['a session of an unknown program', SESSION_CREATE, () => ({ input: { programSlug: 'nope', title: { en: 'X' }, kind: 'OTHER' } }), [{ field: ['input', 'programSlug'], code: 'NOT_FOUND' }]],
  ];

  it.each(cases)('%s', async (_, query, variables, expected) => {
    const response = await refused('admin', query, variables());
    expect(response.errors).toBeUndefined();
    const payload = Object.values(response.data)[0] as { userErrors: Array<{ field: string[]; code: string }> };
    expect(payload.userErrors.map(({ field, code }) => ({ field, code }))).toEqual(expected);
    expect(Object.values(payload).filter((v) => v !== payload.userErrors)).toEqual([null]);
  });

  it('keeps an internship from moving its dates away from its sessions', async () => {
    const id = toGlobalId('Internship', await idOf('programs', 'slug', 'baku-internship-2022'));
    const response = await refused('editor', INTERNSHIP_UPDATE, { id, input: { startsOn: '2022-10-02' } });
    expect(response.data.internshipUpdate).toEqual({ internship: null, userErrors: [{ field: ['input', 'startsOn'], code: 'OUTSIDE_PROGRAM' }] });
  });

  it('answers an id that is not an id of that type as NOT_FOUND', async () => {
    const response = await refused('editor', INTERNSHIP_UPDATE, { id: toGlobalId('Region', 1), input: { participantCount: 1 } });
    expect(response.data.internshipUpdate.userErrors).toEqual([{ field: ['id'], code: 'NOT_FOUND' }]);
  });

  it('refuses a region inside itself', async () => {
    const response = await refused('admin', `mutation($id: ID!) { regionUpdate(id: $id, input: { parentCode: "RU-OMS" }) { region { code } userErrors { field code } } }`, { id: toGlobalId('Region', await idOf('regions', 'code', 'RU')) });
    expect(response.data.regionUpdate).toEqual({ region: null, userErrors: [{ field: ['input', 'parentCode'], code: 'WRONG_KIND' }] });
  });

  it('answers a malformed value (not a date) as BAD_USER_INPUT before any resolver runs', async () => {
    const response = await refused('admin', FORUM_CREATE, { input: forumInput({ slug: 'f-7', startsOn: '2022-13-01' }) });
    expect(response.status).toBe(400);
    expect(response.errors![0].extensions!.code).toBe('BAD_USER_INPUT');
  });
});

describe('deleting what is still referenced is refused unless asked to detach', () => {
  it('keeps a referenced organization, then detaches and deletes it', async () => {
    const id = toGlobalId('Organization', await idOf('organizations', 'slug', 'ministry-of-youth-and-sports-az'));
    const DELETE = `mutation($id: ID!, $detach: Boolean) { organizationDelete(id: $id, detach: $detach) { deletedId userErrors { field code message } } }`;
    const kept = await refused('admin', DELETE, { id, detach: false });
    expect(kept.data.organizationDelete).toEqual({ deletedId: null, userErrors: [{ field: ['id'], code: 'IN_USE', message: 'It organizes 1 program(s) and hosts 1 session(s); pass detach: true to remove it from them' }] });
    const gone = await as('admin', DELETE, { id, detach: true });
    expect(gone.data.organizationDelete).toEqual({ deletedId: id, userErrors: [] });
    const { data } = await as(null, `{ organization(slug: "ministry-of-youth-and-sports-az") { slug } internship(slug: "baku-internship-2021") { sessions(first: 1) { nodes { host { slug } } } } forum(slug: "azerbaijan-russian-youth-forum-2022") { organizers { slug } } }`);
    expect(data).toEqual({ organization: null, internship: { sessions: { nodes: [{ host: null }] } }, forum: { organizers: [{ slug: 'mirea' }] } });
  });

  it('keeps a region that programs and origins refer to', async () => {
    const response = await refused('admin', `mutation($id: ID!) { regionDelete(id: $id) { deletedId userErrors { code message } } }`, { id: toGlobalId('Region', await idOf('regions', 'code', 'AZ-BA')) });
    expect(response.data.regionDelete).toEqual({ deletedId: null, userErrors: [{ code: 'IN_USE', message: 'Still referred to by 2 programs, 2 participant origins' }] });
  });

  it('keeps a forum with internships unless they are detached', async () => {
    const id = toGlobalId('Forum', await idOf('programs', 'slug', 'azerbaijan-russian-youth-forum-2022'));
    const DELETE = `mutation($id: ID!, $detach: Boolean!) { forumDelete(id: $id, detachInternships: $detach) { deletedId userErrors { code } } }`;
    expect((await refused('editor', DELETE, { id, detach: false })).data.forumDelete).toEqual({ deletedId: null, userErrors: [{ code: 'IN_USE' }] });
    expect((await as('editor', DELETE, { id, detach: true })).data.forumDelete).toEqual({ deletedId: id, userErrors: [] });
    expect((await as(null, '{ internship(slug: "baku-internship-2022") { forum { slug } } }')).data.internship).toEqual({ forum: null });
  });

  it('deletes an internship with its sessions and origins', async () => {
    const pk = await idOf('programs', 'slug', 'baku-internship-2022');
    const response = await as('editor', `mutation($id: ID!) { internshipDelete(id: $id) { deletedId userErrors { code } } }`, { id: toGlobalId('Internship', pk) });
    expect(response.data.internshipDelete.userErrors).toEqual([]);
    expect(await registry.db.query('SELECT id FROM sessions WHERE program_id = $1 UNION ALL SELECT program_id FROM participant_origins WHERE program_id = $1', [pk])).toEqual([]);
  });
});

describe('a write that fails halfway leaves nothing behind', () => {
  it('rolls back the program when writing its origins fails', async () => {
    // A trigger stands in for a failure the validation cannot foresee (a full disk, a lost connection).
    if (registry.db.dialect === 'postgres') {
      await registry.db.query(`CREATE FUNCTION fail_origin() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'simulated failure'; END $$ LANGUAGE plpgsql`);
      await registry.db.query('CREATE TRIGGER fail_origin BEFORE INSERT ON participant_origins FOR EACH ROW WHEN (NEW.count = 13) EXECUTE FUNCTION fail_origin()');
    } else {
      await registry.db.query(`CREATE TRIGGER fail_origin BEFORE INSERT ON participant_origins WHEN NEW.count = 13 BEGIN SELECT RAISE(ABORT, 'simulated failure'); END`);
    }
    const original = console.error;
    console.error = () => {};
    try {
      const response = await refused('editor', INTERNSHIP_CREATE, {
        input: { slug: 'half-written', title: { en: 'Half' }, startsOn: '2022-01-01', endsOn: '2022-01-02', organizerSlugs: ['mirea'], participantOrigins: [{ regionCode: 'RU-OMS', count: 1 }, { regionCode: 'RU-SAM', count: 13 }] },
      });
      expect(response.errors![0]).toMatchObject({ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } });
    } finally {
      console.error = original;
      await registry.db.query(registry.db.dialect === 'postgres' ? 'DROP TRIGGER fail_origin ON participant_origins' : 'DROP TRIGGER fail_origin');
    }
  });
});

describe('operators manage keys from the command line', () => {
  // Asynchronous, so the test's server keeps its event loop while the CLI runs: a blocked loop
  // outlives the keep-alive timeout of the previous request's socket, and the next fetch then hits ECONNRESET.
  const cli = (args: string[]) =>
    new Promise<{ status: number; stdout: string }>((resolve) => {
      execFile(process.execPath, [path.join(__dirname, '..', 'bin', 'registry'), 'keys', ...args], { env: { ...process.env, ...registry.env }, encoding: 'utf8' }, (error, stdout) =>
        resolve({ status: error ? Number(error.code ?? 1) : 0, stdout }),
      );
    });

  it('prints a new key once, stores only its hash, lists it and revokes it', async () => {
    const created = await cli(['create', '--role', 'editor', '--label', 'dashboard team']);
    expect(created.status).toBe(0);
    const key = created.stdout.trim();
    expect(key).toMatch(/^reg_[A-Za-z0-9_-]{32}$/);
    const rows = await registry.db.query<Record<string, unknown>>('SELECT * FROM api_keys');
    expect(JSON.stringify(rows)).not.toContain(key);
    const works = await registry.request<any, any>('mutation { organizationCreate(input: { slug: "cli-key-org", name: { en: "Made with a CLI key" }, kind: NGO }) { organization { slug } } }', {}, { authorization: `Bearer ${key}` });
    expect(works.data.organizationCreate.organization).toEqual({ slug: 'cli-key-org' });

    const listed = await cli(['list']);
    expect(listed.stdout).toMatch(new RegExp(`\\t${key.slice(0, 12)}\\teditor\\tdashboard team\\t\\S+\\tactive`));
    expect((await cli(['revoke', key.slice(0, 12)])).status).toBe(0);
    const after = await registry.request<any, any>('mutation { organizationCreate(input: { slug: "cli-key-org-2", name: { en: "X" }, kind: NGO }) { organization { slug } } }', {}, { authorization: `Bearer ${key}` });
    expect(after.errors![0].extensions!.code).toBe('UNAUTHENTICATED');
  });
});

describe('a registry whose reads are not public', () => {
  it('answers reads only to a key holder', async () => {
    const closed = await startTestRegistry({ env: { REGISTRY_PUBLIC_READ: 'false' } });
    try {
      const viewer = await createKey(closed.db, 'viewer');
      const anonymous = await closed.request<any, any>('{ region(code: "AZ") { code } }');
      expect(anonymous.status).toBe(401);
      expect(anonymous.errors![0].extensions!.code).toBe('UNAUTHENTICATED');
      expect(anonymous.data).toBeUndefined();
      const allowed = await closed.request<any, any>('{ region(code: "AZ") { code } }', {}, { authorization: `Bearer ${viewer.key}` });
      expect(allowed.data).toEqual({ region: { code: 'AZ' } });
    } finally {
      await closed.stop();
    }
  });
});
