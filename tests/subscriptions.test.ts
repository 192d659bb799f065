import fs from 'node:fs';
import path from 'node:path';
import { createKey } from '../src/auth/keys';
import { loadConfig } from '../src/config';
import { createContext } from '../src/engine';
import { runWrite, saveRecord, UserErrorCode } from '../src/graphql/writes';
import { LiveHub, SlowConsumer } from '../src/live/hub';
import type { LiveEvent } from '../src/live/events';
import { createLogger } from '../src/ops/logging';
import { eventually, TestRedis } from './support/faults';
import type { RegistryProcess } from './support/process';
import { startTestRegistry, type TestRegistry } from './support/registry';
import { listen, metric, replicaTransport, useTwoReplicas, wsClient } from './support/subscriptions';

const ON_POSTGRES = Boolean(process.env.TEST_DATABASE_URL);

const PROGRAM_CHANGED = `subscription($filter: ProgramFilter) { programChanged(filter: $filter) { kind id generation program { __typename slug title(lang: EN) location { code name(lang: EN) } organizers { slug } } } }`;
const SESSION_CHANGED = `subscription($slug: String!) { sessionChanged(programSlug: $slug) { kind id session { title(lang: EN) kind } program { slug } } }`;
const FORUM_CREATE = `mutation($input: ForumCreateInput!) { forumCreate(input: $input) { forum { id slug } userErrors { field code } } }`;
const FORUM_UPDATE = `mutation($id: ID!, $input: ForumUpdateInput!) { forumUpdate(id: $id, input: $input) { forum { id } userErrors { field code } } }`;
const FORUM_DELETE = `mutation($id: ID!) { forumDelete(id: $id) { deletedId userErrors { field code } } }`;
const SESSION_CREATE = `mutation($input: SessionCreateInput!) { sessionCreate(input: $input) { session { id } userErrors { field code } } }`;

const forumInput = (slug: string, overrides: Record<string, unknown> = {}) => ({
  slug,
  title: { en: `Forum ${slug}`, ru: `Форум ${slug}` },
  startsOn: '2022-10-01',
  endsOn: '2022-10-03',
  locationCode: 'AZ-BA',
  organizerSlugs: ['mirea'],
  ...overrides,
});

async function activeSubscriptions(url: string): Promise<number> {
  const text = await (await fetch(url.replace(/\/graphql$/, '/metrics'))).text();
  return metric(text, 'registry_subscriptions_active');
}

describe('a dashboard hears of committed writes on one registry', () => {
  let registry: TestRegistry;
  let editor: string;
  const clients: Array<ReturnType<typeof wsClient>> = [];
  const client = (options = {}) => {
    const c = wsClient(registry.url, options);
    clients.push(c);
    return c;
  };
  const write = async (query: string, variables: Record<string, unknown>) => {
    const response = await registry.request<any, any>(query, variables, { authorization: `Bearer ${editor}` });
    expect(response.errors).toBeUndefined();
    return response.data;
  };

  beforeAll(async () => {
    registry = await startTestRegistry({ env: { REGISTRY_SUBSCRIPTIONS_PER_CONNECTION: '3', REGISTRY_SUBSCRIPTIONS_PER_ADDRESS: '5' } });
    editor = (await createKey(registry.db, 'editor', 'dashboard test')).key;
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.dispose()));
    // Completed subscriptions leave the hub before the next test counts.
    for (let i = 0; i < 100 && (await activeSubscriptions(registry.url)) > 0; i++) await new Promise((r) => setTimeout(r, 20));
  });
  afterAll(() => registry.stop());

  it('tells created, updated and deleted forums in order, each with its nested selection read afresh', async () => {
    const heard = listen(client(), PROGRAM_CHANGED, {}, async () => (await activeSubscriptions(registry.url)) === 1);
    await heard.ready();
    const created = await write(FORUM_CREATE, { input: forumInput('live-forum-2022') });
    const id = created.forumCreate.forum.id;
    await write(FORUM_UPDATE, { id, input: { title: { en: 'Live Forum, renamed' }, locationCode: 'RU-OMS' } });
    await write(FORUM_DELETE, { id });
    const events = await heard.waitFor(3);
    const changes = events.map((e) => e.programChanged);
    expect(changes.map((c) => [c.kind, c.id])).toEqual([['CREATED', id], ['UPDATED', id], ['DELETED', id]]);
    // Each event is executed when sent: the nested fields show the record as it is then.
    expect(changes[0].program).toEqual({ __typename: 'Forum', slug: 'live-forum-2022', title: expect.any(String), location: { code: expect.any(String), name: expect.any(String) }, organizers: [{ slug: 'mirea' }] });
    expect(changes[2].program).toBeNull();
    const generations = changes.map((c) => BigInt(c.generation));
    expect(generations[0] < generations[1] && generations[1] < generations[2]).toBe(true);
    await new Promise((r) => setTimeout(r, 200));
    expect(heard.events).toHaveLength(3);
  });

  it('tells a session written to the named program, and nothing of other programs', async () => {
    const heard = listen(client(), SESSION_CHANGED, { slug: 'baku-internship-2021' }, async () => (await activeSubscriptions(registry.url)) === 1);
    await heard.ready();
    await write(FORUM_CREATE, { input: forumInput('other-forum-2022') });
    await write(SESSION_CREATE, { input: { programSlug: 'other-forum-2022', title: { en: 'Elsewhere' }, kind: 'MEETING' } });
    const created = await write(SESSION_CREATE, { input: { programSlug: 'baku-internship-2021', title: { en: 'Evening debrief' }, kind: 'MEETING' } });
    const [event] = await heard.waitFor(1);
    expect(event.sessionChanged).toEqual({ kind: 'CREATED', id: created.sessionCreate.session.id, session: { title: 'Evening debrief', kind: 'MEETING' }, program: { slug: 'baku-internship-2021' } });
    await new Promise((r) => setTimeout(r, 200));
    expect(heard.events).toHaveLength(1);
  });

  it('tells a filtered subscriber only of programs its filter matches', async () => {
    const inRussia = listen(client(), PROGRAM_CHANGED, { filter: { regionCode: 'RU' } });
    const all = listen(client(), PROGRAM_CHANGED, {});
    for (let i = 0; i < 100 && (await activeSubscriptions(registry.url)) < 2; i++) await new Promise((r) => setTimeout(r, 20));
    await write(FORUM_CREATE, { input: forumInput('baku-forum-2023', { startsOn: '2023-10-01', endsOn: '2023-10-02' }) });
    await write(FORUM_CREATE, { input: forumInput('omsk-forum-2023', { locationCode: 'RU-OMS', startsOn: '2023-10-01', endsOn: '2023-10-02' }) });
    const [everything] = [await all.waitFor(2)];
    expect(everything.map((e) => e.programChanged.program.slug)).toEqual(['baku-forum-2023', 'omsk-forum-2023']);
    const [omsk] = await inRussia.waitFor(1);
    expect(omsk.programChanged.program.slug).toBe('omsk-forum-2023');
    await new Promise((r) => setTimeout(r, 200));
    expect(inRussia.events).toHaveLength(1);
  });

  it('never tells a write that rolled back', async () => {
    const heard = listen(client(), PROGRAM_CHANGED, {}, async () => (await activeSubscriptions(registry.url)) === 1);
    await heard.ready();
    const [baku] = await registry.db.query<{ id: number }>(`SELECT id FROM programs WHERE slug = 'baku-internship-2021'`);
    // A write that changed the program, then broke a rule: its transaction rolls back whole.
    const ctx = createContext(registry.db, { changes: registryHub(registry).sink });
    ctx.writer = { keyId: 1 };
    const refused = await runWrite(ctx, async (scope) => {
      await saveRecord(scope, 'programs', Number(baku.id), { series: 'Rolled back' });
      scope.errors.add(['input', 'series'], UserErrorCode.INVALID_FORMAT, 'refused after the write');
    });
    expect(refused.userErrors).toHaveLength(1);
    // And a write that failed in the database after changing the program.
    await expect(
      runWrite(ctx, async (scope) => {
        await saveRecord(scope, 'programs', Number(baku.id), { series: 'Failed' });
        await scope.tx.query('SELECT * FROM no_such_table');
      }),
    ).rejects.toThrow();
    const committed = await write(FORUM_CREATE, { input: forumInput('after-rollback-2022') });
    const [first] = await heard.waitFor(1);
    expect(first.programChanged).toMatchObject({ kind: 'CREATED', id: committed.forumCreate.forum.id });
    await new Promise((r) => setTimeout(r, 200));
    expect(heard.events).toHaveLength(1);
    const [row] = await registry.db.query<{ series: string | null }>(`SELECT series FROM programs WHERE id = $1`, [baku.id]);
    expect(row.series ?? '').not.toMatch(/Rolled back|Failed/);
  });

  it('refuses what the limits do not allow, with a code and a message, and counts it', async () => {
    const c = client();
    const unknown = listen(c, SESSION_CHANGED, { slug: 'no-such-program' });
    expect(await unknown.refused()).toEqual([expect.objectContaining({ message: 'No program has the slug "no-such-program"', extensions: expect.objectContaining({ code: 'BAD_USER_INPUT' }) })]);
    const query = listen(c, '{ forums(first: 1) { totalCount } }');
    expect(await query.refused()).toEqual([expect.objectContaining({ message: expect.stringContaining('subscriptions only'), extensions: { code: 'BAD_REQUEST' } })]);
    const invalid = listen(c, 'subscription { programChanged { nope } }');
    expect(await invalid.refused()).toEqual([expect.objectContaining({ extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } })]);
    const badFilter = listen(c, PROGRAM_CHANGED, { filter: { regionCode: 'XX-NOWHERE' } });
    expect((await badFilter.refused())[0]).toMatchObject({ message: 'No region has the code "XX-NOWHERE"', extensions: { code: 'BAD_USER_INPUT' } });
    // Three at once on one connection; the fourth is refused.
    const held = [1, 2, 3].map(() => listen(c, PROGRAM_CHANGED));
    for (let i = 0; i < 100 && (await activeSubscriptions(registry.url)) < 3; i++) await new Promise((r) => setTimeout(r, 20));
    const fourth = listen(c, PROGRAM_CHANGED);
    expect(await fourth.refused()).toEqual([expect.objectContaining({ message: 'A connection may hold at most 3 subscriptions; complete one first', extensions: expect.objectContaining({ code: 'TOO_MANY_SUBSCRIPTIONS', limit: 'perConnection' }) })]);
    // Five from one address over all its connections; the sixth is refused.
    const other = client();
    const more = [1, 2].map(() => listen(other, PROGRAM_CHANGED));
    for (let i = 0; i < 100 && (await activeSubscriptions(registry.url)) < 5; i++) await new Promise((r) => setTimeout(r, 20));
    const sixth = listen(client(), PROGRAM_CHANGED);
    expect(await sixth.refused()).toEqual([expect.objectContaining({ extensions: expect.objectContaining({ code: 'TOO_MANY_SUBSCRIPTIONS', limit: 'perAddress' }) })]);
    // Completing one frees its place.
    held[0].stop();
    for (let i = 0; i < 100 && (await activeSubscriptions(registry.url)) > 4; i++) await new Promise((r) => setTimeout(r, 20));
    const again = listen(c, PROGRAM_CHANGED);
    for (let i = 0; i < 100 && (await activeSubscriptions(registry.url)) < 5; i++) await new Promise((r) => setTimeout(r, 20));
    expect(again.errors).toEqual([]);
    expect(await activeSubscriptions(registry.url)).toBe(5);
    // Connections count too, with or without subscriptions: two are open, three idle ones may join them.
    await Promise.all([1, 2, 3].map(() => new Promise((resolve) => client({ lazy: false, on: { connected: resolve } }))));
    const { default: WebSocket } = await import('ws');
    const refusedUpgrade = await new Promise<number>((resolve, reject) => {
      const socket = new WebSocket(registry.url.replace(/^http/, 'ws'), 'graphql-transport-ws');
      socket.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      socket.on('open', () => reject(new Error('a sixth connection was accepted')));
      socket.on('error', () => undefined);
    });
    expect(refusedUpgrade).toBe(429);
    const text = await (await fetch(registry.url.replace(/\/graphql$/, '/metrics'))).text();
    expect(metric(text, 'registry_subscription_refusals_total', 'reason="per-connection"')).toBe(1);
    expect(metric(text, 'registry_subscription_refusals_total', 'reason="per-address"')).toBe(2);
    for (const h of [...held, ...more, again]) h.stop();
  });

  it('refuses a subscription sent over HTTP, with where to send it', async () => {
    const overHttp = await registry.request<any, any>('subscription { programChanged { kind } }');
    expect(overHttp.status).toBe(400);
    expect(overHttp.errors).toEqual([expect.objectContaining({ message: expect.stringContaining('WebSocket'), extensions: { code: 'BAD_REQUEST' } })]);
  });

  it('counts events published and delivered in /metrics', async () => {
    const text = await (await fetch(registry.url.replace(/\/graphql$/, '/metrics'))).text();
    expect(metric(text, 'registry_subscription_events_published_total', 'topic="program"')).toBeGreaterThanOrEqual(6);
    expect(metric(text, 'registry_subscription_events_delivered_total', 'field="programChanged"')).toBeGreaterThanOrEqual(6);
    expect(metric(text, 'registry_subscription_events_delivered_total', 'field="sessionChanged"')).toBe(1);
  });
});

/** The in-process registry's event hub. */
function registryHub(registry: TestRegistry): LiveHub {
  const hub = registry.subscriptions?.hub;
  if (!hub) throw new Error('the test registry exposes no subscriptions');
  return hub;
}

describe('subscriptions need what queries need', () => {
  it('refuses a subscription without a key when reading is private, and takes a key from connection_init', async () => {
    const registry = await startTestRegistry({ env: { REGISTRY_PUBLIC_READ: 'false' } });
    const viewer = (await createKey(registry.db, 'viewer')).key;
    const anonymous = wsClient(registry.url);
    const keyed = wsClient(registry.url, { connectionParams: { authorization: `Bearer ${viewer}` } });
    try {
      expect(await listen(anonymous, PROGRAM_CHANGED).refused()).toEqual([expect.objectContaining({ message: expect.stringContaining('needs an API key'), extensions: { code: 'UNAUTHENTICATED' } })]);
      const heard = listen(keyed, SESSION_CHANGED, { slug: 'baku-internship-2021' });
      await new Promise((r) => setTimeout(r, 300));
      expect(heard.errors).toEqual([]);
    } finally {
      await Promise.all([anonymous.dispose(), keyed.dispose()]);
      await registry.stop();
    }
  });

  it('lets a browser page open a WebSocket only from its own origin or one CORS lists', async () => {
    const registry = await startTestRegistry({ env: { REGISTRY_CORS_ORIGINS: 'https://dashboards.example.org' } });
    const { default: WebSocket } = await import('ws');
    const handshake = (origin: string) =>
      new Promise<number>((resolve) => {
        const socket = new WebSocket(registry.url.replace(/^http/, 'ws'), 'graphql-transport-ws', { origin });
        socket.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        socket.on('open', () => {
          socket.close();
          resolve(101);
        });
        socket.on('error', () => undefined);
      });
    try {
      expect(await handshake('https://elsewhere.example.com')).toBe(403);
      expect(await handshake('https://dashboards.example.org')).toBe(101);
      expect(await handshake(new URL(registry.url).origin)).toBe(101);
    } finally {
      await registry.stop();
    }
  });

  it('refuses a subscription deeper or costlier than the guard allows', async () => {
    const registry = await startTestRegistry({ env: { REGISTRY_GUARD: '1', REGISTRY_MAX_DEPTH: '4', REGISTRY_MAX_COST: '10' } });
    const c = wsClient(registry.url);
    try {
      const deep = listen(c, 'subscription { programChanged { program { location { parent { parent { code } } } } } }');
      expect((await deep.refused())[0]).toMatchObject({ message: expect.stringContaining('4'), extensions: { code: 'GRAPHQL_VALIDATION_FAILED', limit: 'depth' } });
      const costly = listen(c, 'subscription($n: Int) { programChanged { program { sessions(first: $n) { totalCount } } } }', { n: 100 });
      expect((await costly.refused())[0]).toMatchObject({ extensions: { code: 'QUERY_TOO_COSTLY', limit: 'cost' } });
    } finally {
      await c.dispose();
      await registry.stop();
    }
  });
});

describe('subscription settings', () => {
  it('are read from the environment, and a bad value stops the start with one line', () => {
    expect(loadConfig({}).subscriptions).toEqual({ enabled: true, perConnection: 20, perAddress: 100, maxBufferedBytes: 1_048_576, maxQueuedEvents: 100 });
    expect(loadConfig({ REGISTRY_SUBSCRIPTIONS: '0', REGISTRY_SUBSCRIPTIONS_PER_ADDRESS: '7', REGISTRY_EVENTS: 'memory' }).subscriptions).toMatchObject({ enabled: false, perAddress: 7, transport: 'memory' });
    expect(() => loadConfig({ REGISTRY_SUBSCRIPTIONS_PER_CONNECTION: '0' })).toThrow('REGISTRY_SUBSCRIPTIONS_PER_CONNECTION must be a whole number of at least 1, got "0"');
    expect(() => loadConfig({ REGISTRY_EVENTS: 'kafka' })).toThrow('REGISTRY_EVENTS must be postgres, redis or memory, got "kafka"');
    expect(() => loadConfig({ REGISTRY_EVENTS: 'postgres' })).toThrow('REGISTRY_EVENTS=postgres needs DATABASE_URL');
    expect(() => loadConfig({ REGISTRY_EVENTS: 'redis' })).toThrow('REGISTRY_EVENTS=redis needs REDIS_URL');
  });
});

describe('a consumer that falls behind', () => {
  it('is ended once its queue is full, and its connection told to close', async () => {
    const hub = new LiveHub(undefined, createLogger('silent'), 2);
    let closed = 0;
    const events = hub.listen(() => true, () => closed++);
    const event = (pk: number): LiveEvent => ({ topic: 'program', kind: 'UPDATED', pk, typeName: 'Forum', programPk: pk, generation: String(pk) });
    const message = (pk: number) => JSON.stringify([['program', 'UPDATED', pk, 'Forum', pk, String(pk)]]);
    hub.deliver(message(1));
    hub.deliver(message(2));
    expect(hub.active).toBe(1);
    hub.deliver(message(3));
    expect(closed).toBe(1);
    expect(hub.active).toBe(0);
    await expect(events.next()).rejects.toBeInstanceOf(SlowConsumer);
    // A consumer that keeps up is never ended.
    const steady = hub.listen(() => true, () => closed++);
    for (let pk = 1; pk <= 10; pk++) {
      const next = steady.next();
      hub.deliver(message(pk));
      expect((await next).value).toMatchObject({ pk: event(pk).pk });
    }
    expect(closed).toBe(1);
  });
});

describe('subscribers that ask the same', () => {
  it('reads the database as much for twenty identical subscribers as for one', async () => {
    const batches = async () =>
      (await (await fetch(registry.url.replace(/\/graphql$/, '/metrics'))).text())
        .split('\n')
        .filter((line) => line.startsWith('registry_loader_batch_size_count'))
        .reduce((sum, line) => sum + Number(line.split(' ').pop()), 0);
    const registry = await startTestRegistry();
    const editor = (await createKey(registry.db, 'editor')).key;
    const clients: Array<ReturnType<typeof wsClient>> = [];
    const write = async (query: string, variables: Record<string, unknown>) => (await registry.request<any, any>(query, variables, { authorization: `Bearer ${editor}` })).data;
    const created = await write(FORUM_CREATE, { input: forumInput('fan-out-forum-2022') });
    const id = created.forumCreate.forum.id;
    const readsFor = async (subscribers: number, n: number) => {
      const heard = Array.from({ length: subscribers }, () => listen(clients[clients.push(wsClient(registry.url)) - 1], PROGRAM_CHANGED));
      for (let i = 0; i < 200 && (await activeSubscriptions(registry.url)) < subscribers; i++) await new Promise((r) => setTimeout(r, 20));
      const before = await batches();
      await write(FORUM_UPDATE, { id, input: { series: `Fan-out ${n}` } });
      await Promise.all(heard.map((h) => h.waitFor(1)));
      const reads = (await batches()) - before;
      await Promise.all(clients.splice(0).map((c) => c.dispose()));
      for (let i = 0; i < 200 && (await activeSubscriptions(registry.url)) > 0; i++) await new Promise((r) => setTimeout(r, 20));
      return reads;
    };
    try {
      // The write alone, then with one subscriber, then twenty asking the same: the event is executed once.
      const none = await readsFor(0, 1);
      const one = await readsFor(1, 2);
      const twenty = await readsFor(20, 3);
      expect(one).toBeGreaterThan(none);
      expect(twenty).toBe(one);
    } finally {
      await Promise.all(clients.map((c) => c.dispose()));
      await registry.stop();
    }
  }, 60_000);

});

describe('a subscriber that stops reading', () => {
  it('has its connection closed as a slow consumer, counted, while a reading subscriber keeps hearing', async () => {
    const registry = await startTestRegistry({ env: { REGISTRY_SUBSCRIPTION_QUEUE: '2', REGISTRY_SUBSCRIPTIONS_PER_CONNECTION: '20' } });
    const editor = (await createKey(registry.db, 'editor')).key;
    const { default: WebSocket } = await import('ws');
    // Each event about 400 KB (a 5,000-character description, 80 times), 20 subscriptions: the kernel's buffers fill on the first write.
    const big = `subscription { programChanged { ${Array.from({ length: 80 }, (_, i) => `p${i}: program { description(lang: EN) }`).join(' ')} } }`;
    const socket = new WebSocket(registry.url.replace(/^http/, 'ws'), 'graphql-transport-ws');
    const closed = new Promise<number>((resolve) => socket.on('close', (code) => resolve(code)));
    await new Promise((resolve) => socket.on('open', resolve));
    socket.send(JSON.stringify({ type: 'connection_init' }));
    await new Promise((resolve) => socket.once('message', resolve));
    for (let i = 1; i <= 20; i++) socket.send(JSON.stringify({ id: String(i), type: 'subscribe', payload: { query: big } }));
    const reader = wsClient(registry.url);
    const heard = listen(reader, 'subscription { programChanged { kind program { slug } } }');
    for (let i = 0; i < 200 && (await activeSubscriptions(registry.url)) < 21; i++) await new Promise((r) => setTimeout(r, 20));
    expect(await activeSubscriptions(registry.url)).toBe(21);
    socket.pause();
    try {
      const [forum] = await registry.db.query<{ id: number }>(`SELECT id FROM programs WHERE slug = 'azerbaijan-russian-youth-forum-2021'`);
      const id = Buffer.from(`Forum:${forum.id}`).toString('base64url');
      let slow = 0;
      let writes = 0;
      while (slow === 0 && writes < 20) {
        writes++;
        const answer = await registry.request<any, any>(FORUM_UPDATE, { id, input: { description: { en: `${writes} `.padEnd(5000, 'x') } } }, { authorization: `Bearer ${editor}` });
        expect(answer.data.forumUpdate.userErrors).toEqual([]);
        await new Promise((r) => setTimeout(r, 50));
        slow = metric(await (await fetch(registry.url.replace(/\/graphql$/, '/metrics'))).text(), 'registry_subscription_disconnects_total', 'reason="slow"');
      }
      expect(slow).toBe(1);
      // The queue bound, not the kernel: a handful of writes, never the twenty allowed.
      expect(writes).toBeLessThanOrEqual(6);
      socket.resume();
      expect([4008, 1006]).toContain(await closed);
      // The subscriber that reads heard every write, in order.
      const events = await heard.waitFor(writes);
      expect(events.map((e) => e.programChanged.kind)).toEqual(Array(writes).fill('UPDATED'));
      for (let i = 0; i < 100 && (await activeSubscriptions(registry.url)) > 1; i++) await new Promise((r) => setTimeout(r, 20));
      expect(await activeSubscriptions(registry.url)).toBe(1);
    } finally {
      socket.terminate();
      await reader.dispose();
      await registry.stop();
    }
  }, 60_000);
});

describe(`two replicas on one database (${replicaTransport})`, () => {
  let a: TestRegistry;
  let b: RegistryProcess;
  let editor: string;
  useTwoReplicas((replicas) => ({ a, b, editor } = replicas));

  it('shows writes through A to a subscriber on B, in order, exactly once; a rolled-back write never', async () => {
    const c = wsClient(b.url);
    try {
      const heard = listen(c, PROGRAM_CHANGED, {}, async () => (await activeSubscriptions(b.url)) === 1);
      await heard.ready();
      const created = await a.request<any, any>(FORUM_CREATE, { input: forumInput('replicated-forum-2022') }, { authorization: `Bearer ${editor}` });
      const id = created.data.forumCreate.forum.id;
      const ctx = createContext(a.db, { changes: registryHub(a).sink });
      ctx.writer = { keyId: 1 };
      for (let n = 1; n <= 5; n++) {
        await a.request<any, any>(FORUM_UPDATE, { id, input: { series: `Series ${n}` } }, { authorization: `Bearer ${editor}` });
        const refused = await runWrite(ctx, async (scope) => {
          await saveRecord(scope, 'programs', 1, { series: 'never committed' });
          scope.errors.add(['input'], UserErrorCode.INVALID_FORMAT, 'refused after the write');
        });
        expect(refused.userErrors).toHaveLength(1);
      }
      const events = await heard.waitFor(6);
      expect(events.map((e) => e.programChanged.kind)).toEqual(['CREATED', 'UPDATED', 'UPDATED', 'UPDATED', 'UPDATED', 'UPDATED']);
      expect(new Set(events.map((e) => e.programChanged.id))).toEqual(new Set([id]));
      const generations = events.map((e) => BigInt(e.programChanged.generation));
      expect([...generations].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0))).toEqual(generations);
      expect(new Set(generations).size).toBe(6);
      await new Promise((r) => setTimeout(r, 500));
      expect(heard.events).toHaveLength(6);
    } finally {
      await c.dispose();
    }
  }, 60_000);

  (ON_POSTGRES ? it : it.skip)('hears again after the listening connection is cut, and counts the outage', async () => {
    const { Client } = await import('pg');
    const pg = new Client({ connectionString: a.env.DATABASE_URL });
    await pg.connect();
    const cut = await pg.query(`SELECT pg_terminate_backend(pid) AS cut FROM pg_stat_activity WHERE datname = current_database() AND query = 'LISTEN registry_changes'`);
    await pg.end();
    expect(cut.rows.length).toBe(2);
    const metricsOf = async () => (await fetch(b.url.replace(/\/graphql$/, '/metrics'))).text();
    let text = await metricsOf();
    for (let i = 0; i < 200 && !(metric(text, 'registry_dependency_errors_total', 'dependency="events",operation="listen"') >= 1 && metric(text, 'registry_dependency_up', 'dependency="events"') === 1); i++) {
      await new Promise((r) => setTimeout(r, 50));
      text = await metricsOf();
    }
    expect(metric(text, 'registry_dependency_errors_total', 'dependency="events",operation="listen"')).toBeGreaterThanOrEqual(1);
    expect(metric(text, 'registry_dependency_outages_total', 'dependency="events"')).toBe(1);
    expect(metric(text, 'registry_dependency_up', 'dependency="events"')).toBe(1);
    const c = wsClient(b.url);
    try {
      const heard = listen(c, PROGRAM_CHANGED, {}, async () => (await activeSubscriptions(b.url)) === 1);
      await heard.ready();
      await a.request<any, any>(FORUM_CREATE, { input: forumInput('after-outage-2022') }, { authorization: `Bearer ${editor}` });
      const [event] = await heard.waitFor(1);
      expect(event.programChanged.program.slug).toBe('after-outage-2022');
    } finally {
      await c.dispose();
    }
  }, 60_000);
});

describe('events through a Redis that goes away', () => {
  it('keeps writes answering, counts the lost events, and delivers again once Redis is back', async () => {
    const redis = await TestRedis.start();
    const registry = await startTestRegistry({ env: { REDIS_URL: redis.url, REGISTRY_EVENTS: 'redis', REGISTRY_REDIS_TIMEOUT_MS: '200' } });
    const editor = (await createKey(registry.db, 'editor')).key;
    const c = wsClient(registry.url);
    const metrics = async () => (await fetch(registry.url.replace(/\/graphql$/, '/metrics'))).text();
    try {
      const heard = listen(c, PROGRAM_CHANGED, {}, async () => (await activeSubscriptions(registry.url)) === 1);
      await heard.ready();
      await redis.stop();
      const during = await registry.request<any, any>(FORUM_CREATE, { input: forumInput('during-redis-outage-2022') }, { authorization: `Bearer ${editor}` });
      expect(during.data.forumCreate.userErrors).toEqual([]);
      await eventually('the lost event is counted', async () => metric(await metrics(), 'registry_dependency_errors_total', 'dependency="events",operation="publish"') >= 1);
      expect(metric(await metrics(), 'registry_dependency_up', 'dependency="events"')).toBe(0);
      await redis.start();
      await eventually('the events channel is heard again', async () => metric(await metrics(), 'registry_dependency_up', 'dependency="events"') === 1);
      await registry.request<any, any>(FORUM_CREATE, { input: forumInput('after-redis-outage-2022') }, { authorization: `Bearer ${editor}` });
      const [event] = await heard.waitFor(1);
      expect(event.programChanged.program.slug).toBe('after-redis-outage-2022');
      expect(heard.events).toHaveLength(1);
    } finally {
      await c.dispose();
      await registry.stop();
      await redis.close();
    }
  }, 60_000);
});

describe('the README example of a live dashboard', () => {
  it('runs against a live registry and prints a forum created in Russia', async () => {
    const registry = await startTestRegistry();
    const editor = (await createKey(registry.db, 'editor')).key;
    const { spawn } = await import('node:child_process');
    const example = path.join(__dirname, '..', 'examples', 'live', 'dashboard.mjs');
    const child = spawn(process.execPath, [example, registry.url], { env: { ...process.env, EXIT_AFTER_ONE: '1' } });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.stderr.on('data', (chunk) => (out += chunk));
    const exited = new Promise((resolve) => child.on('exit', resolve));
    try {
      for (let i = 0; i < 500 && !out.includes('listening'); i++) await new Promise((r) => setTimeout(r, 20));
      for (let i = 0; i < 100 && (await activeSubscriptions(registry.url)) < 1; i++) await new Promise((r) => setTimeout(r, 20));
      const created = await registry.request<any, any>(FORUM_CREATE, { input: forumInput('omsk-dashboard-2024', { locationCode: 'RU-OMS', title: { en: 'Omsk Dashboard Forum' } }) }, { authorization: `Bearer ${editor}` });
      expect(created.data.forumCreate.userErrors).toEqual([]);
      expect(await exited).toBe(0);
      expect(out).toMatch(/^listening\nCREATED omsk-dashboard-2024: Omsk Dashboard Forum \(Omsk[^)]*\)\n$/);
      // The README shows this very file.
      const readme = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');
      expect(readme).toContain(fs.readFileSync(example, 'utf8').trim());
    } finally {
      child.kill();
      await registry.stop();
    }
  }, 60_000);
});
