import { createKey } from '../src/auth/keys';
import { loadConfig } from '../src/config';
import type { Database } from '../src/db/database';
import { DatabaseUnavailable } from '../src/db/unavailable';
import { startHttpServer, type RunningServer } from '../src/http';
import { openRegistryDatabase } from '../src/registry';
import { loadSeeds } from '../seeds/loader';
import { capturedLogger, eventually, sample, sleep, TcpProxy, timed } from './support/faults';
import { post } from './support/process';
import { dumpTables, freshDatabase } from './support/registry';

/** A network between the registry and PostgreSQL exists only on the PostgreSQL pass. */
const onPostgres = process.env.TEST_DATABASE_URL ? describe : describe.skip;

const INTERNSHIP = '{ internship(slug: "baku-internship-2021") { slug participantCount } }';
const ORG_CREATE = 'mutation($input: OrganizationCreateInput!) { organizationCreate(input: $input) { organization { slug } userErrors { code } } }';

onPostgres('PostgreSQL that stops answering', () => {
  let proxy: TcpProxy;
  let db: Database;
  let server: RunningServer;
  let drop: () => Promise<void>;
  let key: string;
  const log = capturedLogger();
  const base = () => server.url.replace(/\/graphql$/, '');
  const readyz = async () => {
    const response = await fetch(`${base()}/readyz`);
    return { status: response.status, body: (await response.json()) as Record<string, string> };
  };

  beforeAll(async () => {
    const database = await freshDatabase();
    drop = database.drop;
    const url = new URL(database.env.DATABASE_URL);
    proxy = await TcpProxy.start(Number(url.port || 5432), url.hostname);
    url.host = `127.0.0.1:${proxy.port}`;
    const config = loadConfig({
      ...database.env,
      DATABASE_URL: url.toString(),
      PORT: '0',
      REGISTRY_DB_CONNECT_TIMEOUT_MS: '1000',
      REGISTRY_DB_STATEMENT_TIMEOUT_MS: '1500',
      REGISTRY_READY_TIMEOUT_MS: '500',
    });
    db = await openRegistryDatabase(config);
    await loadSeeds(db);
    key = (await createKey(db, 'editor')).key;
    server = await startHttpServer(config, db, 0, log.logger);
  });
  afterAll(async () => {
    await proxy.resume();
    await server.close();
    await db.close();
    await proxy.close();
    await drop();
  });

  it('holds every statement to the statement deadline on the server too', async () => {
    expect(await db.query('SHOW statement_timeout')).toEqual([{ statement_timeout: '1500ms' }]);
    const { value, ms } = await timed(() => db.query('SELECT pg_sleep(5)').then(() => 'answered', (error: unknown) => error));
    expect(value).toBeInstanceOf(DatabaseUnavailable);
    expect(ms).toBeLessThan(4_000);
  });

  async function outage(fault: () => Promise<void> | void) {
    const tables = await dumpTables(db);
    expect((await post(server.url, INTERNSHIP)).body).toEqual({ data: { internship: { slug: 'baku-internship-2021', participantCount: 27 } } });
    const before = log.lines().length;
    await fault();

    // Readiness answers within its own 500 ms deadline, not the statement's.
    const ready = await timed(readyz);
    expect(ready.value).toEqual({ status: 503, body: { status: 'database unreachable', detail: expect.any(String) } });
    expect(ready.ms).toBeLessThan(2_000);

    // A read and a write: a coded 503 within the deadlines (connect 1 s, statement 1.5 s), never a hang.
    const read = await timed(() => post(server.url, '{ forums(first: 3) { totalCount nodes { slug } } }'));
    expect(read.value.status).toBe(503);
    expect(read.value.headers.get('retry-after')).toBe('5');
    expect(read.value.body.errors).toEqual([expect.objectContaining({ message: 'The database is not answering; try again shortly', extensions: { code: 'SERVICE_UNAVAILABLE' } })]);
    expect(read.ms).toBeLessThan(6_000);
    const write = await timed(() => post(server.url, ORG_CREATE, { input: { slug: 'written-to-a-silent-database', name: { en: 'Never written' }, kind: 'NGO' } }, { authorization: `Bearer ${key}` }));
    expect(write.value.status).toBe(503);
    expect(JSON.stringify(write.value.body)).toContain('SERVICE_UNAVAILABLE');
    expect(JSON.stringify(write.value.body)).not.toMatch(/SELECT|INSERT|UPDATE|timeout|stack/i);
    expect(write.ms).toBeLessThan(8_000);

    const metrics = await (await fetch(`${base()}/metrics`)).text();
    expect(sample(metrics, 'registry_dependency_up', { dependency: 'database' })).toBe(0);

    await proxy.resume();
    await eventually('ready again', async () => (await readyz()).status === 200);
    expect((await post(server.url, INTERNSHIP)).body).toEqual({ data: { internship: { slug: 'baku-internship-2021', participantCount: 27 } } });
    // The write that answered 503 wrote nothing.
    expect(await dumpTables(db)).toEqual(tables);

    const after = await (await fetch(`${base()}/metrics`)).text();
    expect(sample(after, 'registry_dependency_up', { dependency: 'database' })).toBe(1);
    expect(sample(after, 'registry_dependency_errors_total', { dependency: 'database', operation: 'query' })).toBeGreaterThanOrEqual(1);
    const told = log.lines().slice(before).filter((line) => line.dependency === 'database');
    expect(told).toEqual([
      expect.objectContaining({ level: 40, msg: expect.stringMatching(/^database unavailable/), error: expect.any(String) }),
      expect.objectContaining({ level: 30, msg: 'database available again', downMs: expect.any(Number), failures: expect.any(Number) }),
    ]);
  }

  it('answers 503 SERVICE_UNAVAILABLE within the deadlines while packets are dropped, and serves again after', () => outage(() => proxy.blackhole()));

  it('answers 503 SERVICE_UNAVAILABLE at once while connections are refused, and serves again after', () => outage(() => proxy.refuse()));

  it('answers every request of a load through an outage, each within the deadlines', async () => {
    const answers: Array<{ status: number; ms: number }> = [];
    let stopped = false;
    const work = async () => {
      while (!stopped) {
        const { value, ms } = await timed(() => post(server.url, INTERNSHIP));
        answers.push({ status: value.status, ms });
      }
    };
    const load = Promise.all([work(), work(), work(), work()]);
    await sleep(300);
    proxy.blackhole();
    await sleep(3_000);
    await proxy.resume();
    await eventually('ready again', async () => (await readyz()).status === 200);
    await sleep(300);
    stopped = true;
    await load;
    expect(new Set(answers.map((a) => a.status))).toEqual(new Set([200, 503]));
    expect(Math.max(...answers.map((a) => a.ms))).toBeLessThan(6_000);
    expect(answers[answers.length - 1].status).toBe(200);
  });
});
