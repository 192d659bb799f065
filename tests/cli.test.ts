import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../src/config';
import { migrations, openRegistryDatabase } from '../src/registry';
import { dumpTables, freshDatabase } from './support/registry';

const root = path.join(__dirname, '..');
const bin = path.join(root, 'bin', 'registry');

function registry(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [bin, ...args], { cwd: root, env: { ...process.env, ...env }, encoding: 'utf8', timeout: 60_000 });
}

/** Every row, read through the registry's own connection to whichever database the CLI wrote. */
async function dump(env: Record<string, string>): Promise<Record<string, unknown[]>> {
  const db = await openRegistryDatabase(loadConfig(env), { migrate: false });
  try {
    return await dumpTables(db);
  } finally {
    await db.close();
  }
}

describe('the registry command line', () => {
  let env: Record<string, string>;
  let drop: () => Promise<void>;
  beforeEach(async () => {
    ({ env, drop } = await freshDatabase());
  });
  afterEach(() => drop());

  it('migrates, then seeds idempotently: a second seed changes nothing', async () => {
    const migrate = registry(['migrate'], env);
    expect(migrate.stderr).toBe('');
    expect(migrate.stdout).toContain(`database schema up to date (${migrations.length} migrations applied)`);
    const first = registry(['seed'], env);
    expect(first.status).toBe(0);
    expect(first.stdout).toContain('seeded 9 regions, 4 organizations, 2 programs, 9 sessions');
    const before = await dump(env);
    const second = registry(['seed'], env);
    expect(second.status).toBe(0);
    expect(second.stdout.trim()).toBe('seed: nothing to do; the database already holds seeds/ as it is (9 regions, 4 organizations, 2 programs, 9 sessions from 1 file(s))');
    expect(await dump(env)).toEqual(before);
  });

  it('generates the same synthetic set every time it is asked', async () => {
    const first = registry(['seed', '--synthetic', 'small'], env);
    expect(first.status).toBe(0);
    expect(first.stdout).toMatch(/synthetic small: 150 regions, 400 organizations, 60 forums, 300 internships, 3,000 sessions in \d+\.\d s/);
    const before = await dump(env);
    // A set is there: replacing it must be asked for.
    expect(registry(['seed', '--synthetic', 'small'], env).status).toBe(1);
    expect(await dump(env)).toEqual(before);
    expect(registry(['seed', '--synthetic', 'small', '--replace'], env).status).toBe(0);
    const after = await dump(env);
    const strip = (rows: unknown[]) => rows.map((r) => ({ ...(r as object), id: undefined, program_id: undefined, organization_id: undefined, region_id: undefined, parent_id: undefined, forum_id: undefined, location_id: undefined, host_id: undefined, call_id: undefined }));
    for (const table of Object.keys(before)) expect(strip(after[table])).toEqual(strip(before[table]));
    expect((before.programs as Array<{ synthetic: unknown }>).filter((p) => Boolean(p.synthetic)).length).toBe(360);
    expect(registry(['seed', '--synthetic', 'huge'], env).stderr).toContain('choose one of small, medium, large');
  });

  it('prints the published SDL', () => {
    const printed = registry(['schema', 'print']);
    expect(printed.status).toBe(0);
    expect(printed.stdout).toBe(fs.readFileSync(path.join(root, 'schema', 'schema.graphql'), 'utf8'));
  });

  it('stops on a bad setting with one clear line', () => {
    const result = registry(['serve'], { ...env, PORT: 'forty' });
    expect(result.status).toBe(2);
    expect(result.stderr.trim()).toBe('registry: PORT must be a number from 0 to 65535, got "forty"');
  });

  /** Starts `registry serve`, checks it answers from its seeded database, stops it with SIGTERM; returns its start line. */
  async function serveAndStop(extraEnv: Record<string, string>): Promise<string> {
    const child = spawn(process.execPath, [bin, 'serve'], { cwd: root, env: { ...process.env, ...env, PORT: '0', ...extraEnv } });
    let out = '';
    try {
      const url = await new Promise<string>((resolve, reject) => {
        child.stdout.on('data', (chunk) => {
          out += chunk;
          const match = /serving (http:\/\/\S+)/.exec(out);
          if (match) resolve(match[1]);
        });
        child.on('exit', (code) => reject(new Error(`exited ${code}`)));
      });
      const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ internship(slug: "baku-internship-2021") { participantCount location { code } } }' }) });
      expect(await response.json()).toEqual({ data: { internship: { participantCount: 27, location: { code: 'AZ-BA' } } } });
      expect((await fetch(url.replace('/graphql', '/healthz'))).status).toBe(200);
      expect((await fetch(url.replace('/graphql', '/readyz'))).status).toBe(200);
    } finally {
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    }
    return out.split('\n').find((line) => line.includes('serving'))!;
  }

  it('serves a fresh checkout seeded on first start, and stops cleanly on SIGTERM', async () => {
    expect(await serveAndStop({ REGISTRY_FROM_SOURCE: '1' })).toMatch(/; TypeScript sources\)$/);
  });

  it('serves from the compiled build once `npm run build` has written it, as `npm start` does', async () => {
    const build = spawnSync('npm', ['run', 'build', '--silent'], { cwd: root, encoding: 'utf8', timeout: 120_000 });
    expect(build.status).toBe(0);
    expect(fs.existsSync(path.join(root, 'dist', 'src', 'cli.js'))).toBe(true);
    expect(await serveAndStop({})).toMatch(/; compiled build\)$/);
  }, 120_000);
});
