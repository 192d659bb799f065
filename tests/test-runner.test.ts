import { spawn } from 'node:child_process';
import path from 'node:path';

const ROOT = path.join(__dirname, '..');

/** Runs `npm test`'s runner (scripts/test.js) as npm would, on a fixture suite; resolves with its exit code and output. */
function runTests(args: string[], env: Record<string, string | undefined>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'scripts', 'test.js'), ...args], { cwd: ROOT, env: env as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.on('close', (code) => resolve({ code, output }));
  });
}

// The runner is the same whichever database a pass uses: it is tried once, on the SQLite pass.
const onSqlitePass = process.env.TEST_DATABASE_URL ? describe.skip : describe;

onSqlitePass('npm test on a new contributor\'s machine', () => {
  it('runs the PostgreSQL half even when the SQLite half failed, and fails the command', async () => {
    const { TEST_DATABASE_URL: _url, REGISTRY_REQUIRE_PG: _required, ...env } = process.env;
    const { code, output } = await runTests(['--config', path.join('tests', 'fixtures', 'runner', 'jest.config.js')], env);
    expect(code).toBe(1);
    // PostgreSQL is on this project's machines; on one without it the pass is skipped, and says so.
    const pgHalf = /Running the suite on PostgreSQL/.test(output) ? 'ran' : /the PostgreSQL pass is skipped/.test(output) ? 'skipped' : 'missing';
    expect(pgHalf).not.toBe('missing');
    expect(output).toMatch(pgHalf === 'ran' ? /npm test: SQLite FAILED \(exit 1\); PostgreSQL passed\./ : /npm test: SQLite FAILED \(exit 1\); PostgreSQL skipped \(unreachable\)\./);
  }, 120_000);
});
