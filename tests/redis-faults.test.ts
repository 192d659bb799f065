import { randomBytes } from 'node:crypto';
import { createKey } from '../src/auth/keys';
import { capturedLogger, eventually, freePort, sample, sleep, TcpProxy, TestRedis, timed } from './support/faults';
import { post, registryCli, spawnRegistry } from './support/process';
import { freshDatabase, startTestRegistry, type TestRegistry } from './support/registry';

const FORUMS = '{ forums(first: 50) { totalCount nodes { slug } } }';
const SEED_FORUM = 'azerbaijan-russian-youth-forum-2021';
const ORG_CREATE = 'mutation($input: OrganizationCreateInput!) { organizationCreate(input: $input) { organization { slug } userErrors { code } } }';
const ORG = 'query($slug: String!) { organization(slug: $slug) { slug } }';
const REGION = '{ region(code: "AZ-BA") { code name(lang: RU) } }';

const baseOf = (url: string) => url.replace(/\/graphql$/, '');
const metricsOf = async (url: string) => (await fetch(`${baseOf(url)}/metrics`)).text();
const readyz = async (url: string) => {
  const response = await fetch(`${baseOf(url)}/readyz`);
  return { status: response.status, body: (await response.json()) as Record<string, string> };
};

/**
 * Mixed reads and writes on `workers` connections until stopped, each
 * checked: a write must answer its payload, and the organization it made
 * must then be read back; cached reads must answer the right data.
 */
function mixedLoad(url: string, key: string, prefix: string, workers = 4) {
  const results = { reads: 0, writes: 0, failures: [] as string[], slowestMs: 0 };
  let stopped = false;
  let next = 0;
  const check = (what: string, ok: boolean, got: unknown) => {
    if (!ok) results.failures.push(`${what}: ${JSON.stringify(got).slice(0, 300)}`);
  };
  const work = async () => {
    while (!stopped) {
      const i = next++;
      if (i % 4 === 0) {
        const slug = `${prefix}-${i}`;
        const { value: created, ms } = await timed(() => post(url, ORG_CREATE, { input: { slug, name: { en: `Organization ${slug}` }, kind: 'NGO' } }, { authorization: `Bearer ${key}` }));
        results.slowestMs = Math.max(results.slowestMs, ms);
        check('write', created.status === 200 && created.body.data?.organizationCreate?.organization?.slug === slug, created.body);
        const read = await post(url, ORG, { slug });
        check('read after write', read.status === 200 && read.body.data?.organization?.slug === slug, read.body);
        results.writes++;
      } else {
        const { value: read, ms } = await timed(() => post(url, i % 2 ? FORUMS : REGION));
        results.slowestMs = Math.max(results.slowestMs, ms);
        const ok = i % 2 ? read.body.data?.forums?.nodes?.[0]?.slug === SEED_FORUM : read.body.data?.region?.name === 'Баку';
        check('read', read.status === 200 && ok && !read.body.errors, read.body);
        results.reads++;
      }
    }
  };
  const done = Promise.all(Array.from({ length: workers }, work));
  return {
    async stop() {
      stopped = true;
      await done;
      return results;
    },
  };
}

describe('a REDIS_URL that points at a closed port', () => {
  it('starts, answers reads and writes, says degraded, and logs the outage once as a JSON line', async () => {
    const database = await freshDatabase();
    const key = (await registryCli(['keys', 'create', '--role', 'editor'], database.env)).stdout.trim();
    const registry = await spawnRegistry({ ...database.env, REDIS_URL: `redis://127.0.0.1:${await freePort()}`, REGISTRY_LOG_LEVEL: 'info', REGISTRY_REDIS_TIMEOUT_MS: '200' });
    try {
      expect(await readyz(registry.url)).toEqual({ status: 200, body: { status: 'degraded', redis: 'down', detail: expect.stringContaining('every cache lookup is a miss') } });
      for (let i = 0; i < 3; i++) {
        const read = await post(registry.url, FORUMS);
        expect([read.status, read.body]).toEqual([200, { data: { forums: { totalCount: 1, nodes: [{ slug: SEED_FORUM }] } } }]);
        expect(read.headers.get('age')).toBeNull();
      }
      const input = { slug: 'written-without-redis', name: { en: 'Written without Redis' }, kind: 'NGO' };
      const created = await post(registry.url, ORG_CREATE, { input }, { authorization: `Bearer ${key}` });
      expect([created.status, created.body]).toEqual([200, { data: { organizationCreate: { organization: { slug: 'written-without-redis' }, userErrors: [] } } }]);
      expect((await post(registry.url, ORG, { slug: 'written-without-redis' })).body).toEqual({ data: { organization: { slug: 'written-without-redis' } } });

      const metrics = await metricsOf(registry.url);
      expect(sample(metrics, 'registry_dependency_up', { dependency: 'redis' })).toBe(0);
      expect(sample(metrics, 'registry_dependency_outages_total', { dependency: 'redis' })).toBe(1);
      expect(sample(metrics, 'registry_dependency_errors_total', { dependency: 'redis', operation: 'connection' })).toBeGreaterThanOrEqual(1);
      // Three reads' lookups and stores, the write's payload and the read after it: none asked Redis.
      expect(sample(metrics, 'registry_dependency_skipped_total', { dependency: 'redis' })).toBeGreaterThanOrEqual(6);

      const lines = registry.stdout().split('\n').filter(Boolean);
      // Past the start report (src/ops/start-report.ts), only JSON lines: no plain-text [ioredis] noise.
      const report = /^(registry |database: |explorer: |health: |stop: )/;
      expect(lines.filter((line) => !line.startsWith('{') && !report.test(line))).toEqual([]);
      const outages = lines.filter((line) => line.startsWith('{')).map((line) => JSON.parse(line)).filter((entry) => entry.dependency === 'redis');
      expect(outages).toEqual([expect.objectContaining({ level: 40, dependency: 'redis', operation: 'connection', msg: expect.stringMatching(/^redis unavailable/), error: expect.stringContaining('ECONNREFUSED') })]);
      expect(registry.stderr()).not.toContain('ioredis');
    } finally {
      registry.child.kill('SIGTERM');
      expect(await registry.exited).toBe(0);
      await database.drop();
    }
  });
});

describe('Redis failing under a registry mid-load', () => {
  let redis: TestRedis;
  let proxy: TcpProxy;
  let registry: TestRegistry;
  let key: string;
  const log = capturedLogger();
  const episodes = () => log.lines().filter((line) => line.dependency === 'redis');

  beforeAll(async () => {
    redis = await TestRedis.start();
    proxy = await TcpProxy.start(redis.port);
    registry = await startTestRegistry({
      env: { REDIS_URL: `redis://127.0.0.1:${proxy.port}`, REGISTRY_REDIS_TIMEOUT_MS: '200', REGISTRY_READY_TIMEOUT_MS: '1000', REGISTRY_CACHE_PREFIX: `faults-${randomBytes(4).toString('hex')}:` },
      logger: log.logger,
    });
    key = (await createKey(registry.db, 'editor')).key;
  });
  afterAll(async () => {
    await registry.stop();
    await proxy.close();
    await redis.close();
  });

  /** Runs the load through `fault`, then checks every answer was right, none hung, and the outage was told once and ended. */
  async function rideOut(name: string, fault: () => Promise<void>, heal: () => Promise<void>) {
    const before = { outages: sample(await metricsOf(registry.url), 'registry_dependency_outages_total', { dependency: 'redis' }) ?? 0, lines: episodes().length };
    const load = mixedLoad(registry.url, key, name);
    await sleep(500);
    await fault();
    await sleep(1_500);
    const degraded = await timed(() => readyz(registry.url));
    expect(degraded.value).toEqual({ status: 200, body: expect.objectContaining({ status: 'degraded', redis: 'down' }) });
    await sleep(1_000);
    await heal();
    await eventually('Redis is used again', async () => (await readyz(registry.url)).body.redis === 'up');
    await sleep(300);
    const results = await load.stop();

    expect(results.failures).toEqual([]);
    expect(results.writes).toBeGreaterThan(5);
    expect(results.reads).toBeGreaterThan(20);
    // A hung Redis costs at most its 200 ms deadline once, never a hang (it was 20 s and more).
    expect(results.slowestMs).toBeLessThan(5_000);
    expect(degraded.ms).toBeLessThan(3_000);

    const metrics = await metricsOf(registry.url);
    const outages = (sample(metrics, 'registry_dependency_outages_total', { dependency: 'redis' }) ?? 0) - before.outages;
    expect(outages).toBeGreaterThanOrEqual(1);
    expect(sample(metrics, 'registry_dependency_up', { dependency: 'redis' })).toBe(1);
    // One line when each outage begins and one when it ends, however many requests it touched.
    const told = episodes().slice(before.lines);
    expect(told.filter((line) => line.level === 40)).toHaveLength(outages);
    expect(told.filter((line) => line.level === 30)).toEqual(Array.from({ length: outages }, () => expect.objectContaining({ msg: 'redis available again', downMs: expect.any(Number) })));

    // And the shared cache serves again.
    const query = `{ organizations(first: 3) { totalCount } region(code: "RU") { code } }`;
    await post(registry.url, query);
    await eventually('a cached answer', async () => (await post(registry.url, query)).headers.get('age') !== null, 5_000);
  }

  it('rides out a paused Redis (SIGSTOP, then SIGCONT)', () =>
    rideOut(
      'paused',
      async () => redis.pause(),
      async () => redis.resume(),
    ));

  it('rides out Redis stopped and started again', () =>
    rideOut(
      'restarted',
      () => redis.stop(),
      () => redis.start(),
    ));

  it('rides out a network that drops every packet to Redis, then delivers them', () =>
    rideOut(
      'blackholed',
      async () => proxy.blackhole(),
      () => proxy.resume(),
    ));

  it('rides out a network that refuses connections to Redis', () =>
    rideOut(
      'refused',
      () => proxy.refuse(),
      () => proxy.resume(),
    ));
});

describe('two replicas: no answer older than a committed write, whatever Redis did meanwhile', () => {
  let redis: TestRedis;
  let toRedisA: TcpProxy;
  let toRedisB: TcpProxy;
  let drop: () => Promise<void>;
  let key: string;
  let a: Awaited<ReturnType<typeof spawnRegistry>>;
  let b: Awaited<ReturnType<typeof spawnRegistry>>;

  beforeAll(async () => {
    // Persistent, as a production Redis with snapshots: restarted, it serves what it held before.
    redis = await TestRedis.start({ persist: true });
    toRedisA = await TcpProxy.start(redis.port);
    toRedisB = await TcpProxy.start(redis.port);
    const database = await freshDatabase();
    drop = database.drop;
    key = (await registryCli(['keys', 'create', '--role', 'editor'], database.env)).stdout.trim();
    const env = { ...database.env, REGISTRY_REDIS_TIMEOUT_MS: '200', REGISTRY_CACHE_PREFIX: 'replicas:' };
    a = await spawnRegistry({ ...env, REDIS_URL: `redis://127.0.0.1:${toRedisA.port}` });
    b = await spawnRegistry({ ...env, REDIS_URL: `redis://127.0.0.1:${toRedisB.port}` });
  });
  afterAll(async () => {
    for (const replica of [a, b]) {
      replica?.child.kill('SIGTERM');
      await replica?.exited;
    }
    await toRedisA.close();
    await toRedisB.close();
    await redis.close();
    await drop();
  });

  const forums = async (replica: { url: string }) => {
    const { status, body, headers } = await post(replica.url, FORUMS);
    expect(status).toBe(200);
    return { slugs: (body.data.forums.nodes as Array<{ slug: string }>).map((n) => n.slug).sort(), cached: headers.get('age') !== null };
  };
  const createForum = async (replica: { url: string }, slug: string) => {
    const { status, body } = await post(
      replica.url,
      'mutation($input: ForumCreateInput!) { forumCreate(input: $input) { forum { slug } userErrors { code } } }',
      { input: { slug, title: { en: slug }, startsOn: '2024-05-01', endsOn: '2024-05-02' } },
      { authorization: `Bearer ${key}` },
    );
    expect([status, body]).toEqual([200, { data: { forumCreate: { forum: { slug }, userErrors: [] } } }]);
  };
  // A replica stores an answer in the background after sending it.
  const cachedThrough = (replica: { url: string }) => eventually('an answer cached in Redis', async () => (await forums(replica)).cached, 5_000);
  const redisUp = (replica: { url: string }) => eventually('Redis is used again', async () => (await readyz(replica.url)).body.redis === 'up');

  it('shows a write made through a replica cut off from Redis at once through the other, and after Redis returns', async () => {
    expect(await forums(a)).toEqual({ slugs: [SEED_FORUM], cached: false });
    await cachedThrough(b);
    expect((await forums(b)).slugs).toEqual([SEED_FORUM]);

    await toRedisA.refuse();
    await createForum(a, 'written-while-a-was-cut-off');
    const expected = ['written-while-a-was-cut-off', SEED_FORUM].sort();
    // B still reaches Redis, which holds the answer from before the write: it must not serve it.
    expect((await forums(b)).slugs).toEqual(expected);
    expect((await forums(a)).slugs).toEqual(expected);

    await toRedisA.resume();
    await redisUp(a);
    expect((await forums(a)).slugs).toEqual(expected);
    expect((await forums(b)).slugs).toEqual(expected);
  });

  it('shows a write made while Redis was unreachable for both, once Redis returns with everything it held', async () => {
    const before = await forums(a);
    await cachedThrough(b);
    toRedisA.blackhole();
    await toRedisB.refuse();
    await createForum(b, 'written-while-redis-was-away');
    const expected = [...before.slugs, 'written-while-redis-was-away'].sort();
    expect((await forums(a)).slugs).toEqual(expected);
    await toRedisA.resume();
    await toRedisB.resume();
    await redisUp(a);
    await redisUp(b);
    expect((await forums(a)).slugs).toEqual(expected);
    expect((await forums(b)).slugs).toEqual(expected);
  });

  it('shows a write made while Redis was stopped, after Redis restarts from its snapshot of older answers', async () => {
    const before = await forums(a);
    await cachedThrough(b);
    await redis.stop();
    await createForum(a, 'written-while-redis-restarted');
    await redis.start();
    await redisUp(a);
    await redisUp(b);
    const expected = [...before.slugs, 'written-while-redis-restarted'].sort();
    expect((await forums(b)).slugs).toEqual(expected);
    expect((await forums(a)).slugs).toEqual(expected);
  });
});
