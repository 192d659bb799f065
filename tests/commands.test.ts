import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { loadConfig } from '../src/config';
import { CommandProgress } from '../src/ops/progress';
import { openRegistryDatabase } from '../src/registry';
import { REGISTRY_BIN, registryCli } from './support/process';
import { dumpTables, freshDatabase } from './support/registry';

const onSqlite = process.env.TEST_DATABASE_URL ? it.skip : it;
const onPostgres = process.env.TEST_DATABASE_URL ? it : it.skip;

/** `label: 42% (1,234/5,678 unit), stage, 1.2 s` lines of a command's standard error, as numbers. */
function progressLines(stderr: string, label: string): Array<{ percent: number; done: number; total: number; stage: string }> {
  const pattern = new RegExp(`^${label}: (\\d+)% \\(([\\d,.]+)/([\\d,.]+) [a-zA-Z]+\\)(?:, (.+))?, \\d+\\.\\d s$`);
  return stderr
    .split('\n')
    .map((line) => pattern.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ percent: Number(m[1]), done: Number(m[2].replace(/,/g, '')), total: Number(m[3].replace(/,/g, '')), stage: m[4] ?? '' }));
}

async function dumpOf(env: Record<string, string>) {
  const db = await openRegistryDatabase(loadConfig(env), { migrate: false });
  try {
    return await dumpTables(db);
  } finally {
    await db.close();
  }
}

describe('an operator seeding and moving data', () => {
  let env: Record<string, string>;
  let drop: () => Promise<void>;
  beforeEach(async () => {
    ({ env, drop } = await freshDatabase());
  });
  afterEach(() => drop());

  it('sees a synthetic seed go, stage by stage, in lines when no terminal shows a bar', async () => {
    const seeded = await registryCli(['seed', '--synthetic', 'small'], { ...env, REGISTRY_PROGRESS_INTERVAL_MS: '0' });
    expect(seeded.code).toBe(0);
    expect(seeded.stdout).toContain('synthetic small: writing 150 regions, 400 organizations, 60 forums, 300 internships, 3,000 sessions');
    const lines = progressLines(seeded.stderr, 'synthetic small');
    // Every statement of 150 + 400 + 60 + 300 + 3,000 rows is a line at this interval; percentages only grow.
    expect(lines[0]).toEqual({ percent: 0, done: 0, total: 3910, stage: 'regions' });
    expect(lines[lines.length - 1]).toMatchObject({ percent: 100, done: 3910, total: 3910 });
    expect(lines.map((l) => l.done)).toEqual([...lines.map((l) => l.done)].sort((a, b) => a - b));
    expect([...new Set(lines.map((l) => l.stage))]).toEqual(['regions', 'organizations', 'forums', 'internships', 'organizers and participant origins', 'sessions', 'calls for applications', 'updating the planner statistics (ANALYZE)']);

    // At the default interval (2 s), a short run says only where it starts and that it ended.
    const exported = await registryCli(['export', path.join(env.REGISTRY_DATA_DIR, 'all.jsonl')], env);
    expect(exported.code).toBe(0);
    const exportLines = progressLines(exported.stderr, 'export');
    expect(exportLines[0]).toMatchObject({ percent: 0, done: 0, stage: 'api_keys' });
    expect(exportLines[exportLines.length - 1]).toMatchObject({ percent: 100, stage: 'call_regions' });
    expect(exportLines[exportLines.length - 1].total).toBe(fs.readFileSync(path.join(env.REGISTRY_DATA_DIR, 'all.jsonl'), 'utf8').trim().split('\n').length - 1);
  });

  it('is told what a synthetic seed would replace, and must ask with --replace', async () => {
    expect((await registryCli(['seed', '--synthetic', 'small'], env)).code).toBe(0);
    const before = await dumpOf(env);
    const refused = await registryCli(['seed', '--synthetic', 'medium'], env);
    expect(refused.code).toBe(1);
    expect(refused.stderr.trim().split('\n').pop()).toBe(
      'registry: the database already holds a synthetic set (150 regions, 400 organizations, 60 forums, 300 internships, 3,000 sessions); nothing was changed. `registry seed --synthetic medium --replace` deletes it and writes the medium set (300 regions, 2,000 organizations, 1,000 forums, 10,000 internships, 100,000 sessions)',
    );
    expect(refused.stdout).toBe('');
    expect(await dumpOf(env)).toEqual(before);

    const replaced = await registryCli(['seed', '--synthetic', 'small', '--replace'], env);
    expect(replaced.code).toBe(0);
    expect(replaced.stdout).toContain('synthetic small: replacing the synthetic set (150 regions, 400 organizations, 60 forums, 300 internships, 3,000 sessions) with 150 regions, 400 organizations, 60 forums, 300 internships, 3,000 sessions');
    expect((await registryCli(['seed', '--replace'], env)).stderr.trim()).toBe('registry: --replace goes with --synthetic SIZE: it replaces a synthetic set');
  });

  it('hears "nothing to do" from a seed that changes nothing, and what changed otherwise', async () => {
    expect((await registryCli(['seed'], env)).stdout).toContain('added or changed: 2 languages, 9 regions, 4 organizations, 2 programs, 9 sessions');
    expect((await registryCli(['seed'], env)).stdout.trim()).toBe('seed: nothing to do; the database already holds seeds/ as it is (9 regions, 4 organizations, 2 programs, 9 sessions from 1 file(s))');
    const db = await openRegistryDatabase(loadConfig(env), { migrate: false });
    try {
      await db.query(`UPDATE programs SET year = 2020 WHERE slug = 'azerbaijan-russian-youth-forum-2021'`);
      await db.query(`DELETE FROM participant_origins WHERE region_id = (SELECT id FROM regions WHERE code = 'AZ-BA')`);
      await db.query(`UPDATE sessions SET kind = 'OTHER' WHERE position = 0`);
    } finally {
      await db.close();
    }
    expect((await registryCli(['seed'], env)).stdout.trim()).toBe('seeded 9 regions, 4 organizations, 2 programs, 9 sessions from 1 file(s); added or changed: 2 programs, 1 sessions');
    expect((await registryCli(['seed'], env)).stdout).toContain('seed: nothing to do');
  });

  it('pipes an export into a reader that stops early without an error or a stack', async () => {
    expect((await registryCli(['seed', '--synthetic', 'small'], env)).code).toBe(0);
    // As `registry export - | head -n 3`: the reader takes a few lines and closes the pipe.
    const child = spawn(process.execPath, [REGISTRY_BIN, 'export', '-'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const firstLines = await new Promise<string>((resolve) => child.stdout.once('data', (chunk: Buffer) => resolve(chunk.toString('utf8'))));
    child.stdout.destroy();
    const code = await new Promise<number | null>((resolve) => child.on('exit', (exitCode) => resolve(exitCode)));
    expect(JSON.parse(firstLines.split('\n')[0])).toMatchObject({ format: 'program-registry-export', version: 1 });
    expect(code).toBe(0);
    expect(stderr).not.toMatch(/EPIPE|Error|\n\s+at /);
  });

  it('gets one line saying what to do when a file or folder is wrong', async () => {
    const missing = path.join(env.REGISTRY_DATA_DIR, 'no-such-folder');
    const exported = await registryCli(['export', path.join(missing, 'registry.jsonl')], env);
    expect([exported.code, exported.stderr]).toEqual([1, `registry: cannot write the export to ${missing}/registry.jsonl: the folder ${missing} does not exist; create it first (mkdir -p ${missing})\n`]);
    const imported = await registryCli(['import', path.join(missing, 'registry.jsonl')], env);
    expect([imported.code, imported.stderr]).toEqual([1, `registry: cannot import ${missing}/registry.jsonl: there is no such file\n`]);
    expect(fs.existsSync(missing)).toBe(false);
  });

  onSqlite('backs up with progress, and into a missing folder says in one line to create it', async () => {
    expect((await registryCli(['seed'], env)).code).toBe(0);
    const missing = path.join(env.REGISTRY_DATA_DIR, 'backups');
    const refused = await registryCli(['backup', path.join(missing, 'registry.sqlite')], env);
    expect([refused.code, refused.stderr]).toEqual([1, `registry: cannot write the backup to ${missing}/registry.sqlite: the folder ${missing} does not exist; create it first (mkdir -p ${missing})\n`]);
    fs.mkdirSync(missing);
    const backedUp = await registryCli(['backup', path.join(missing, 'registry.sqlite')], env);
    expect(backedUp.code).toBe(0);
    expect(backedUp.stdout).toMatch(/^backed up \S+registry\.sqlite to \S+\/backups\/registry\.sqlite \(\d+ bytes\)\n$/);
    const lines = progressLines(backedUp.stderr, 'backup');
    expect(lines[0]).toMatchObject({ percent: 0, done: 0 });
    expect(lines[lines.length - 1]).toMatchObject({ percent: 100 });
    expect(lines[lines.length - 1].total).toBeGreaterThan(0);
    const again = await registryCli(['backup', path.join(missing, 'registry.sqlite')], env);
    expect(again.stderr).toBe(`registry: ${path.join(missing, 'registry.sqlite')} exists; a backup never overwrites: choose a new file name\n`);
  });

  onPostgres('backup on PostgreSQL says in one line what to use instead', async () => {
    const result = await registryCli(['backup', path.join(env.REGISTRY_DATA_DIR, 'copy.sqlite')], env);
    expect([result.code, result.stderr]).toEqual([1, 'registry: backup copies the embedded SQLite file; for PostgreSQL use pg_dump, or `registry export FILE`\n']);
  });
});

describe('progress on a terminal', () => {
  it('draws a bar (cli-progress) with the stage, and ends it at 100%', () => {
    let drawn = '';
    const terminal = Object.assign(
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          drawn += chunk.toString('utf8');
          done();
        },
      }),
      { isTTY: true, columns: 120 },
    );
    const progress = new CommandProgress('synthetic small', 'rows', { stream: terminal });
    progress.report(0, 3910, 'regions');
    progress.report(1955, 3910, 'sessions');
    progress.finish();
    // eslint-disable-next-line no-control-regex
    const frames = drawn.split('\u001b[1G').map((frame) => frame.replace(/\u001b\[[0-9;?]*[A-Za-z]|\u001b[78]/g, '').trim()).filter(Boolean);
    expect(frames[0]).toMatch(/^synthetic small \[░{30}\] 0% \| 0\/3,910 rows \| regions \| \d+s$/);
    expect(frames).toContainEqual(expect.stringMatching(/^synthetic small \[█{15}░{15}\] 50% \| 1,955\/3,910 rows \| sessions \| \d+s$/));
    expect(frames[frames.length - 1]).toMatch(/^synthetic small \[█{30}\] 100% \| 3,910\/3,910 rows \| sessions \| \d+s$/);
  });
});
