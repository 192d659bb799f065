#!/usr/bin/env node
// Runs the whole jest suite again on PostgreSQL, each test registry in a fresh database that is dropped after.
// Unreachable PostgreSQL skips this pass, unless REGISTRY_REQUIRE_PG=1 (as in CI), which makes it fail.
const { spawnSync } = require('node:child_process');
const { Client } = require('pg');

const url = process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
const required = process.env.REGISTRY_REQUIRE_PG === '1';

(async () => {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.end();
  } catch (error) {
    const message = `PostgreSQL at ${url.replace(/\/\/[^@]*@/, '//')} is unreachable (${error.message})`;
    if (required) {
      console.error(`${message}; REGISTRY_REQUIRE_PG=1, so this fails.`);
      process.exit(1);
    }
    console.log(`${message}: the PostgreSQL pass is skipped (set REGISTRY_REQUIRE_PG=1 to fail instead).`);
    // npm test (scripts/test.js) tells a skipped pass from a passed one by this code.
    process.exit(Number(process.env.REGISTRY_PG_SKIPPED_EXIT || 0));
  }
  console.log('Running the suite on PostgreSQL');
  const jest = spawnSync(process.execPath, [require.resolve('jest/bin/jest'), ...process.argv.slice(2)], { stdio: 'inherit', env: { ...process.env, TEST_DATABASE_URL: url } });
  process.exit(jest.status ?? 1);
})();
