import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import Sqlite from 'better-sqlite3';
import { freshDatabase } from './support/registry';
import { post, registryCli, spawnRegistry, type RegistryProcess } from './support/process';

/** The SQLite file's own properties (crash safety, backup) are tested on the SQLite pass only. */
const onSqlite = process.env.TEST_DATABASE_URL ? describe.skip : describe;

const ORG_CREATE = 'mutation($input: OrganizationCreateInput!) { organizationCreate(input: $input) { organization { slug } userErrors { code } } }';

describe('configuration is checked once at start', () => {
  // A data folder below a plain file can be neither made nor written, even by root.
  const blocker = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'registry-config-')), 'not-a-folder');
  fs.writeFileSync(blocker, '');
  const cases: Array<[string, Record<string, string>, RegExp]> = [
    ['a port that is not a number', { PORT: 'forty' }, /^registry: PORT must be a number from 0 to 65535, got "forty"$/],
    ['a malformed DATABASE_URL', { DATABASE_URL: 'mysql://localhost/registry' }, /^registry: DATABASE_URL must be a postgres:\/\/ URL/],
    ['a data folder that cannot be made', { REGISTRY_DATA_DIR: `${blocker}/data` }, /^registry: the data folder .*\/not-a-folder\/data cannot be created or written \(set REGISTRY_DATA_DIR/],
    ['a flag that is not a boolean', { REGISTRY_EXPLAIN: 'maybe' }, /^registry: REGISTRY_EXPLAIN must be a boolean/],
  ];
  it.each(cases)('stops on %s with one clear line and no stack trace', async (_name, env, message) => {
    const { code, stdout, stderr } = await registryCli(['serve'], { DATABASE_URL: '', REGISTRY_DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'registry-config-')), PORT: '0', ...env });
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(stderr.trimEnd()).toMatch(message);
  });
});

describe('a running registry process', () => {
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  let registry: RegistryProcess;

  beforeAll(async () => {
    database = await freshDatabase();
    registry = await spawnRegistry({ ...database.env, REGISTRY_LOG_LEVEL: 'info', REGISTRY_SHUTDOWN_GRACE_MS: '20000' });
  });
  afterAll(async () => {
    if (registry.child.exitCode === null) registry.child.kill('SIGKILL');
    await registry.exited;
    await database.drop();
  });

  it('logs one JSON line per request with its id, operation name and duration, never its variables', async () => {
    const secret = 'variable-value-that-must-not-be-logged';
    const { status, headers } = await post(registry.url, 'query InternshipBySlug($slug: String!) { internship(slug: $slug) { slug } }', { slug: secret }, { 'x-request-id': 'operator-test-1' });
    expect(status).toBe(200);
    expect(headers.get('x-request-id')).toBe('operator-test-1');
    await new Promise((resolve) => setTimeout(resolve, 200));
    const lines = registry
      .stdout()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const line = lines.find((entry) => entry.reqId === 'operator-test-1');
    expect(line).toMatchObject({ msg: 'request', method: 'POST', path: '/graphql', status: 200, operation: 'InternshipBySlug', service: 'program-registry' });
    expect(typeof line!.ms).toBe('number');
    expect(registry.stdout()).not.toContain(secret);
  });

  it('on SIGTERM stops accepting, answers the request in flight, and exits 0', async () => {
    // A request whose body is still arriving when the signal comes: in flight by any measure.
    const body = JSON.stringify({ query: '{ internship(slug: "baku-internship-2021") { slug participantCount } }' });
    const half = Math.floor(body.length / 2);
    const { port } = new URL(registry.url);
    const answer = new Promise<{ status: number; text: string }>((resolve, reject) => {
      const request = http.request(
        { host: '127.0.0.1', port, path: '/graphql', method: 'POST', agent: false, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
        (response) => {
          let text = '';
          response.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
          response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
        },
      );
      request.on('error', reject);
      request.write(body.slice(0, half));
      setTimeout(() => {
        registry.child.kill('SIGTERM');
        setTimeout(async () => {
          // Draining: a new client is turned away while the old one is still served.
          await expect(fetch(registry.url, { method: 'POST', body: '{}' })).rejects.toThrow();
          request.end(body.slice(half));
        }, 500);
      }, 300);
    });
    const { status, text } = await answer;
    expect(status).toBe(200);
    expect(JSON.parse(text)).toEqual({ data: { internship: { slug: 'baku-internship-2021', participantCount: 27 } } });
    expect(await registry.exited).toBe(0);
    expect(registry.stdout()).toContain('registry stopping on SIGTERM');
    expect(registry.stdout()).toContain('registry stopped');
  });
});

onSqlite('the SQLite file under crashes and backups', () => {
  let dataDir: string;
  let editorKey: string;

  beforeEach(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'registry-durability-'));
    const created = await registryCli(['keys', 'create', '--role', 'editor', '--label', 'durability test'], { REGISTRY_DATA_DIR: dataDir, DATABASE_URL: '' });
    expect(created.code).toBe(0);
    editorKey = created.stdout.trim();
  });
  afterEach(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  /** Writes organizations on `workers` connections until told to stop or refused; returns the slugs the server acknowledged. */
  function writeStream(url: string, prefix: string, workers = 4) {
    const acknowledged: string[] = [];
    let stopped = false;
    let next = 0;
    const work = async () => {
      while (!stopped) {
        const slug = `${prefix}-${next++}`;
        try {
          const { body } = await post(url, ORG_CREATE, { input: { slug, name: { en: `Organization ${slug}` }, kind: 'NGO' } }, { authorization: `Bearer ${editorKey}` });
          if (body.data?.organizationCreate?.organization?.slug === slug) acknowledged.push(slug);
        } catch {
          return; // the server is gone
        }
      }
    };
    const done = Promise.all(Array.from({ length: workers }, work));
    return { acknowledged, stop: () => ((stopped = true), done), done };
  }

  it('survives SIGKILL in the middle of a stream of writes: intact, with every acknowledged write', async () => {
    const registry = await spawnRegistry({ REGISTRY_DATA_DIR: dataDir, DATABASE_URL: '' });
    const stream = writeStream(registry.url, 'crash');
    while (stream.acknowledged.length < 200) await new Promise((resolve) => setTimeout(resolve, 20));
    registry.child.kill('SIGKILL');
    expect(await registry.exited).toBe('SIGKILL');
    await stream.done;
    const acknowledged = [...stream.acknowledged];

    const file = new Sqlite(path.join(dataDir, 'registry.sqlite'));
    try {
      expect(file.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(file.pragma('foreign_key_check')).toEqual([]);
      const stored = new Set((file.prepare("SELECT slug FROM organizations WHERE slug LIKE 'crash-%'").all() as Array<{ slug: string }>).map((row) => row.slug));
      expect(acknowledged.filter((slug) => !stored.has(slug))).toEqual([]);
      expect(stored.size).toBeGreaterThanOrEqual(acknowledged.length);
    } finally {
      file.close();
    }

    // And the registry starts again on it.
    const again = await spawnRegistry({ REGISTRY_DATA_DIR: dataDir, DATABASE_URL: '' });
    const { body } = await post(again.url, '{ organization(slug: "crash-0") { slug } }');
    expect(body).toEqual({ data: { organization: { slug: 'crash-0' } } });
    again.child.kill('SIGTERM');
    expect(await again.exited).toBe(0);
  });

  it('`registry backup` writes a consistent copy while the server keeps writing', async () => {
    const registry = await spawnRegistry({ REGISTRY_DATA_DIR: dataDir, DATABASE_URL: '' });
    const stream = writeStream(registry.url, 'backup', 2);
    while (stream.acknowledged.length < 50) await new Promise((resolve) => setTimeout(resolve, 20));
    const target = path.join(dataDir, 'copy.sqlite');
    const backup = await registryCli(['backup', target], { REGISTRY_DATA_DIR: dataDir, DATABASE_URL: '' });
    const acknowledgedBeforeEnd = stream.acknowledged.length;
    await stream.stop();
    expect(backup.code).toBe(0);
    expect(backup.stdout).toMatch(/^backed up .*registry\.sqlite to .*copy\.sqlite \(\d+ bytes\)/);

    const copy = new Sqlite(target, { readonly: true });
    try {
      expect(copy.pragma('integrity_check', { simple: true })).toBe('ok');
      const copied = (copy.prepare("SELECT COUNT(*) AS n FROM organizations WHERE slug LIKE 'backup-%'").get() as { n: number }).n;
      // A snapshot taken mid-stream: at least what was acknowledged before it started, at most what was by its end plus those in flight.
      expect(copied).toBeGreaterThanOrEqual(50);
      expect(copied).toBeLessThanOrEqual(acknowledgedBeforeEnd + 2);
      expect((copy.prepare("SELECT participant_count AS n FROM programs WHERE slug = 'baku-internship-2021'").get() as { n: number }).n).toBe(27);
    } finally {
      copy.close();
    }

    const again = await registryCli(['backup', target], { REGISTRY_DATA_DIR: dataDir, DATABASE_URL: '' });
    expect(again.code).toBe(1);
    expect(again.stderr.trim()).toMatch(/copy\.sqlite exists; a backup never overwrites: choose a new file name$/);
    registry.child.kill('SIGTERM');
    expect(await registry.exited).toBe(0);
  });
});
