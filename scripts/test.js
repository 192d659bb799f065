#!/usr/bin/env node
// `npm test` (after codegen, its pretest): the type check and the schema check, which stop here when they fail, then the
// jest suite on SQLite and again on PostgreSQL. The PostgreSQL half runs even when the SQLite half failed, so one run
// tells both; the command fails if either did. Arguments go to both jest runs (`npm test -- tests/cors.test.ts`).
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const root = path.join(__dirname, '..');
const args = process.argv.slice(2);
/** test-postgres.js exits with this when PostgreSQL is unreachable and not required (its pass is skipped). */
const SKIPPED = 75;
const run = (command) => {
  const result = spawnSync(process.execPath, command, { cwd: root, stdio: 'inherit', env: { ...process.env, REGISTRY_PG_SKIPPED_EXIT: String(SKIPPED) } });
  if (result.signal) process.kill(process.pid, result.signal);
  return result.status ?? 1;
};

for (const [what, command] of [
  ['type check', [require.resolve('typescript/bin/tsc'), '--noEmit']],
  ['schema check', [path.join(root, 'bin', 'registry'), 'schema', 'check']],
]) {
  if (run(command) !== 0) {
    console.error(`npm test: the ${what} failed; the suite did not run.`);
    process.exit(1);
  }
}

const sqlite = run([require.resolve('jest/bin/jest'), ...args]);
const postgres = run([path.join(__dirname, 'test-postgres.js'), ...args]);
const verdict = (code) => (code === 0 ? 'passed' : code === SKIPPED ? 'skipped (unreachable)' : `FAILED (exit ${code})`);
console.log(`npm test: SQLite ${verdict(sqlite)}; PostgreSQL ${verdict(postgres)}.`);
process.exit(sqlite === 0 && (postgres === 0 || postgres === SKIPPED) ? 0 : 1);
