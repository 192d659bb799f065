import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import path from 'node:path';
import Redis from 'ioredis';
import { freshDatabase } from './support/registry';

const root = path.join(__dirname, '..');
const bin = path.join(root, 'bin', 'registry');
const REDIS_URL = process.env.TEST_REDIS_URL || 'redis://127.0.0.1:6379';

interface Replica {
  url: string;
  process: ChildProcess;
}

function startReplica(env: Record<string, string>): Promise<Replica> {
  const child = spawn(process.execPath, [bin, 'serve'], { cwd: root, env: { ...process.env, ...env, PORT: '0' } });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk) => {
      out += chunk;
      const match = /serving (http:\/\/\S+)/.exec(out);
      if (match) resolve({ url: match[1], process: child });
    });
    child.stderr!.on('data', (chunk) => (out += chunk));
    child.on('exit', (code) => reject(new Error(`replica exited ${code}: ${out}`)));
  });
}

async function stop(replica: Replica | undefined): Promise<void> {
  if (!replica || replica.process.exitCode !== null) return;
  const exited = new Promise((resolve) => replica.process.on('exit', resolve));
  replica.process.kill('SIGTERM');
  await exited;
}

async function ask(replica: Replica, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(replica.url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { age: response.headers.get('age'), body: (await response.json()) as any };
}

describe('two registry replicas on one database and one Redis', () => {
  const prefix = `registry-test-${randomBytes(6).toString('hex')}:`;
  let a: Replica;
  let b: Replica;
  let drop: () => Promise<void>;
  let env: Record<string, string>;
  let key: string;

  beforeAll(async () => {
    ({ env, drop } = await freshDatabase());
    env = { ...env, REDIS_URL, REGISTRY_CACHE_PREFIX: prefix };
    const created = spawnSync(process.execPath, [bin, 'keys', 'create', '--role', 'editor'], { cwd: root, env: { ...process.env, ...env }, encoding: 'utf8' });
    key = created.stdout.trim();
    a = await startReplica(env);
    b = await startReplica(env);
  });

  afterAll(async () => {
    await Promise.all([stop(a), stop(b)]);
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
    await drop();
  });

  const FORUMS = { query: '{ forums(first: 50) { totalCount nodes { slug } } }' };

  it('serves a response cached by one replica from the other', async () => {
    const first = await ask(a, FORUMS);
    expect(first.age).toBeNull();
    expect(first.body.data.forums.nodes).toEqual([{ slug: 'azerbaijan-russian-youth-forum-2021' }]);
    const second = await ask(b, FORUMS);
    expect(second.age).not.toBeNull();
    expect(second.body).toEqual(first.body);
  });

  it('shows a write through one replica at once through the other', async () => {
    const created = await ask(
      a,
      { query: 'mutation { forumCreate(input: { slug: "replica-forum-2023", title: { en: "Written through replica A" }, startsOn: "2023-05-01", endsOn: "2023-05-02" }) { forum { slug } userErrors { code } } }' },
      { authorization: `Bearer ${key}` },
    );
    expect(created.body.data.forumCreate).toEqual({ forum: { slug: 'replica-forum-2023' }, userErrors: [] });
    const after = await ask(b, FORUMS);
    expect(after.age).toBeNull();
    // The seed's forum has no dates, so it sorts after the dated one.
    expect(after.body.data.forums).toEqual({ totalCount: 2, nodes: [{ slug: 'replica-forum-2023' }, { slug: 'azerbaijan-russian-youth-forum-2021' }] });
  });

  it('serves a persisted query registered on one replica from the other', async () => {
    const query = '{ region(code: "AZ-BA") { code name(lang: RU) } }';
    const persistedQuery = { version: 1, sha256Hash: createHash('sha256').update(query).digest('hex') };
    const unknown = await ask(b, { extensions: { persistedQuery } });
    expect(unknown.body.errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');
    const registered = await ask(a, { query, extensions: { persistedQuery } });
    expect(registered.body.data).toEqual({ region: { code: 'AZ-BA', name: 'Баку' } });
    const byHash = await ask(b, { extensions: { persistedQuery } });
    expect(byHash.body.data).toEqual({ region: { code: 'AZ-BA', name: 'Баку' } });
  });

  it('keeps persisted queries to itself without Redis', async () => {
    const { REDIS_URL: _unused, ...local } = env;
    const alone = await startReplica(local);
    try {
      const query = '{ region(code: "RU") { code } }';
      const persistedQuery = { version: 1, sha256Hash: createHash('sha256').update(query).digest('hex') };
      await ask(a, { query, extensions: { persistedQuery } });
      const byHash = await ask(alone, { extensions: { persistedQuery } });
      expect(byHash.body.errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');
    } finally {
      await stop(alone);
    }
  });
});
