import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { migrations } from '../src/registry';
import { registryCli, spawnRegistry, type RegistryProcess } from './support/process';
import { freshDatabase, startTestRegistry } from './support/registry';

const ROOT = path.join(__dirname, '..');

/** A copy of the checkout (without .git, dist/ or data/; node_modules linked), so that building it touches nothing the other tests run. */
function copyOfCheckout(): string {
  const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'registry-checkout-'));
  for (const entry of ['package.json', 'tsconfig.json', 'tsconfig.build.json', 'bin', 'scripts', 'src', 'seeds']) {
    fs.cpSync(path.join(ROOT, entry), path.join(copy, entry), { recursive: true });
  }
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(copy, 'node_modules'), 'dir');
  return copy;
}

interface NpmStart {
  npm: ChildProcess;
  url: string;
  /** The server's own process, as it prints it. */
  serverPid: number;
  output(): string;
  /** Milliseconds from spawning `npm start` to the first answer from /healthz. */
  firstAnswerMs: number;
  exited: Promise<number | string>;
}

/** Runs `npm start` in `dir` as an operator would, and waits for its first answer. */
async function npmStart(dir: string, env: Record<string, string>): Promise<NpmStart> {
  const started = Date.now();
  const npm = spawn('npm', ['start'], { cwd: dir, env: { ...process.env, PORT: '0', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  npm.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
  npm.stderr!.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
  const exited = new Promise<number | string>((resolve) => npm.on('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`npm start did not serve in 120 s:\n${out}`)), 120_000);
    const watch = () => {
      const match = /registry serving (http:\/\/\S+)/.exec(out);
      if (!match) return;
      clearTimeout(timer);
      resolve(match[1]);
    };
    npm.stdout!.on('data', watch);
    void exited.then((code) => reject(new Error(`npm start exited (${code}):\n${out}`)));
  });
  expect((await fetch(url.replace('/graphql', '/healthz'))).status).toBe(200);
  return { npm, url, serverPid: Number(/, process (\d+),/.exec(out)![1]), output: () => out, firstAnswerMs: Date.now() - started, exited };
}

async function refused(url: string): Promise<boolean> {
  try {
    await fetch(url.replace('/graphql', '/healthz'), { signal: AbortSignal.timeout(2000) });
    return false;
  } catch (error) {
    return /ECONNREFUSED/.test(String((error as { cause?: unknown }).cause ?? error));
  }
}

/** The process's standard output once it holds `text` (lines after "registry serving" may come a moment later). */
async function untilPrinted(running: RegistryProcess, text: string): Promise<string> {
  for (let waited = 0; !running.stdout().includes(text); waited += 50) {
    if (waited > 10_000) throw new Error(`"${text}" was not printed:\n${running.stdout()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return running.stdout();
}

// Starting and stopping processes does not depend on the database: tried once, on the SQLite pass.
const onSqlitePass = process.env.TEST_DATABASE_URL ? describe.skip : describe;

onSqlitePass('npm start, as an operator runs it', () => {
  let copy: string;
  let dataDir: string;
  beforeAll(() => {
    copy = copyOfCheckout();
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'registry-start-'));
  });
  afterAll(() => {
    fs.rmSync(copy, { recursive: true, force: true });
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const servers: number[] = [];
  afterEach(() => {
    // A server left behind by a failed run would hold the port and this test run open.
    for (const pid of servers.splice(0)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone, as it should be.
      }
    }
  });

  it('builds only when a source is newer than the build, and stops the server itself on SIGTERM to npm', async () => {
    const first = await npmStart(copy, { REGISTRY_DATA_DIR: dataDir });
    servers.push(first.serverPid);
    expect(first.serverPid).not.toBe(first.npm.pid);
    expect(first.output()).toContain('a source is newer than the build in dist/; building it');
    first.npm.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    // npm forwarded the signal to the server (its own child, no shell between), which stopped cleanly and closed its port.
    expect(first.output()).toMatch(/registry stopping on SIGTERM[\s\S]*registry stopped/);
    expect(await refused(first.url)).toBe(true);

    const second = await npmStart(copy, { REGISTRY_DATA_DIR: dataDir });
    servers.push(second.serverPid);
    expect(second.output()).not.toContain('building');
    expect(second.output()).toContain('from the compiled build');
    expect(second.output()).toContain('schema up to date (no migration to apply); not seeded (it already holds programs');
    console.info(`npm start: first answer ${first.firstAnswerMs} ms with a build, ${second.firstAnswerMs} ms without`);
    second.npm.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    expect(await refused(second.url)).toBe(true);

    // A source changed after the build: the build is stale again, and the next start would build.
    const { buildIsCurrent } = require(path.join(copy, 'scripts', 'build.js')) as { buildIsCurrent(): boolean };
    expect(buildIsCurrent()).toBe(true);
    const later = new Date(Date.now() + 5000);
    fs.utimesSync(path.join(copy, 'src', 'cors.ts'), later, later);
    expect(buildIsCurrent()).toBe(false);
  }, 240_000);
});

describe('what a start tells the operator', () => {
  it('prints where it serves, the database, the explorer, and what it migrated and seeded', async () => {
    const { env, drop } = await freshDatabase();
    const started: RegistryProcess[] = [];
    try {
      const first = await spawnRegistry(env);
      started.push(first);
      const lines = (await untilPrinted(first, 'stop: ')).split('\n');
      const database = lines.find((l) => l.startsWith('database: '))!;
      expect(database).toMatch(env.DATABASE_URL ? /^database: PostgreSQL at postgres:\/\/\S+; / : /^database: SQLite file \S+registry\.sqlite; /);
      // Every migration the registry lists, by name, in order.
      expect(database).toContain(`applied ${migrations.length} migration(s): ${migrations.map((m) => m.name).join(', ')}`);
      expect(database).toContain('seeded the empty database from seeds/: 9 regions, 4 organizations, 2 programs, 9 sessions');
      expect(lines).toContain(`explorer: open ${first.url} in a browser`);
      expect(lines[0]).toMatch(/^registry 0\.1\.0 \(commit [0-9a-f]{12}\), Node\.js \d+\.\d+\.\d+, process \d+, from the (compiled build|TypeScript sources)$/);
      first.child.kill('SIGTERM');
      expect(await first.exited).toBe(0);

      const again = await spawnRegistry(env);
      started.push(again);
      expect(again.stdout()).toContain('schema up to date (no migration to apply); not seeded (it already holds programs');
      again.child.kill('SIGTERM');
      await again.exited;
    } finally {
      for (const running of started) running.child.kill('SIGKILL');
      await drop();
    }
  });

  it('names the version and commit: `registry --version`, /healthz and the registry_build_info metric', async () => {
    let head: string | undefined;
    try {
      head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT, encoding: 'utf8', timeout: 5000 }).trim();
    } catch {
      head = undefined; // No git here: the commit read from .git's files is still checked for its form.
    }
    const version = await registryCli(['--version'], {});
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toMatch(/^registry 0\.1\.0 \(commit [0-9a-f]{12}\)$/);
    if (head) expect(version.stdout.trim()).toBe(`registry 0.1.0 (commit ${head.slice(0, 12)})`);

    const registry = await startTestRegistry();
    try {
      const base = registry.url.replace('/graphql', '');
      const health = (await (await fetch(`${base}/healthz`)).json()) as { status: string; version: string; commit: string };
      expect(health).toEqual({ status: 'ok', version: '0.1.0', commit: head ?? expect.stringMatching(/^[0-9a-f]{40}$/) });
      const metrics = await (await fetch(`${base}/metrics`)).text();
      expect(metrics).toContain(`registry_build_info{version="0.1.0",commit="${health.commit}",node="${process.versions.node}"} 1`);
    } finally {
      await registry.stop();
    }
  });

  it('REGISTRY_COMMIT names the commit where there is no .git', async () => {
    const version = await registryCli(['--version'], { REGISTRY_COMMIT: '0123456789abcdef0123456789abcdef01234567' });
    expect(version.stdout.trim()).toBe('registry 0.1.0 (commit 0123456789ab)');
  });

  it('writes readable log lines for a terminal with REGISTRY_LOG_FORMAT=pretty, JSON otherwise', async () => {
    const { env, drop } = await freshDatabase();
    try {
      for (const format of ['pretty', 'json']) {
        const running = await spawnRegistry({ ...env, REGISTRY_LOG_FORMAT: format, REGISTRY_LOG_LEVEL: 'info' });
        try {
          await fetch(running.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: 'query Hello { region(code: "AZ") { code } }' }) });
          const request = (await untilPrinted(running, 'Hello')).split('\n').find((l) => l.includes('Hello'))!;
          if (format === 'pretty') expect(request).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: POST \/graphql 200 Hello \d+\.\d ms \{"reqId":"[\w-]+","path":"\/graphql"\}$/);
          else expect(JSON.parse(request)).toMatchObject({ level: 30, msg: 'request', method: 'POST', path: '/graphql', status: 200, operation: 'Hello' });
        } finally {
          running.child.kill('SIGTERM');
          await running.exited;
        }
      }
      const wrong = await registryCli(['serve'], { ...env, REGISTRY_LOG_FORMAT: 'fancy' });
      expect([wrong.code, wrong.stderr.trim()]).toEqual([2, 'registry: REGISTRY_LOG_FORMAT must be one of json, pretty, got "fancy"']);
    } finally {
      await drop();
    }
  });
});
