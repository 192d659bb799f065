'use strict';
// The benchmark's data: the medium synthetic set, seeded once into SQLite and
// copied into PostgreSQL with the registry's own export/import, so both hold
// the same rows with the same ids. Kept between runs while the seed is unchanged.
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { Client } = require('pg');

const ROOT = path.resolve(__dirname, '..', '..');
const REGISTRY = path.join(ROOT, 'bin', 'registry');

/** Everything that decides what the seeded database holds (export/import is lossless, tests/transfer.test.ts). */
function seedHash(size) {
  const hash = crypto.createHash('sha256').update(`size:${size}\n`);
  const files = [
    ...['seeds', 'src/db/migrations'].flatMap((dir) =>
      fs.readdirSync(path.join(ROOT, dir)).sort().map((f) => path.join(dir, f)),
    ),
  ];
  for (const file of files) {
    const full = path.join(ROOT, file);
    if (fs.statSync(full).isFile()) hash.update(`${file}\n`).update(fs.readFileSync(full));
  }
  return hash.digest('hex').slice(0, 16);
}

function registry(args, env, log) {
  const started = Date.now();
  const out = execFileSync(process.execPath, [REGISTRY, ...args], {
    cwd: ROOT,
    env: { ...process.env, REGISTRY_LOG_LEVEL: 'silent', ...env },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 64 * 1024 * 1024,
  });
  log(`  registry ${args.join(' ')}: ${out.trim().split('\n').pop()} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
}

function withDatabase(url, name) {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

async function pgSeedMark(adminUrl, dbName) {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rows } = await client.query(
      'SELECT shobj_description(oid, $2) AS mark FROM pg_database WHERE datname = $1',
      [dbName, 'pg_database'],
    );
    return rows.length ? { exists: true, mark: rows[0].mark } : { exists: false, mark: null };
  } finally {
    await client.end();
  }
}

async function pgAdmin(adminUrl, statements) {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    for (const sql of statements) await client.query(sql);
  } finally {
    await client.end();
  }
}

/**
 * Makes sure the SQLite folder and the PostgreSQL database hold the seeded set.
 * Returns where they are. Only the database named by BENCH_PG_DB is ever
 * created or dropped, and only when its seed mark is missing or stale.
 */
async function prepareData({ dataDir, size, pgAdminUrl, pgDb, log }) {
  const hash = seedHash(size);
  const mark = `registry-bench seed ${size} ${hash}`;
  const sqliteDir = path.join(dataDir, `sqlite-${size}`);
  const markFile = path.join(sqliteDir, 'seed-mark');
  const exportFile = path.join(dataDir, `export-${size}.jsonl`);

  const sqliteFresh = fs.existsSync(markFile) && fs.readFileSync(markFile, 'utf8') === mark;
  if (!sqliteFresh) {
    log(`seeding ${size} into SQLite (${sqliteDir}); this takes a while once`);
    fs.rmSync(sqliteDir, { recursive: true, force: true });
    fs.mkdirSync(sqliteDir, { recursive: true });
    registry(['migrate'], { REGISTRY_DATA_DIR: sqliteDir, DATABASE_URL: '' }, log);
    registry(['seed', '--synthetic', size], { REGISTRY_DATA_DIR: sqliteDir, DATABASE_URL: '' }, log);
    fs.rmSync(exportFile, { force: true });
    fs.writeFileSync(markFile, mark);
  } else {
    log(`SQLite ${size} set is cached (${hash})`);
  }

  const pgUrl = withDatabase(pgAdminUrl, pgDb);
  const pg = await pgSeedMark(pgAdminUrl, pgDb);
  if (!pg.exists || pg.mark !== mark) {
    log(`copying the ${size} set into PostgreSQL database ${pgDb}`);
    if (!fs.existsSync(exportFile)) {
      registry(['export', exportFile], { REGISTRY_DATA_DIR: sqliteDir, DATABASE_URL: '' }, log);
    }
    if (pg.exists) {
      if (!pg.mark || !pg.mark.startsWith('registry-bench seed')) {
        throw new Error(`database ${pgDb} exists and was not made by the benchmark; set BENCH_PG_DB to another name`);
      }
      await pgAdmin(pgAdminUrl, [`DROP DATABASE "${pgDb}" WITH (FORCE)`]);
    }
    await pgAdmin(pgAdminUrl, [`CREATE DATABASE "${pgDb}"`, `COMMENT ON DATABASE "${pgDb}" IS 'registry-bench seed pending'`]);
    registry(['migrate'], { DATABASE_URL: pgUrl }, log);
    registry(['import', exportFile], { DATABASE_URL: pgUrl }, log);
    const client = new Client({ connectionString: pgUrl });
    await client.connect();
    await client.query('VACUUM ANALYZE');
    await client.end();
    await pgAdmin(pgAdminUrl, [`COMMENT ON DATABASE "${pgDb}" IS '${mark}'`]);
  } else {
    log(`PostgreSQL ${pgDb} is cached (${hash})`);
  }
  return { sqliteDir, pgUrl, hash };
}

module.exports = { prepareData, seedHash, withDatabase };
