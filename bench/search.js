#!/usr/bin/env node
// Search latency on the medium synthetic set: seeds a fresh registry in a temporary data folder
// (or a fresh PostgreSQL database with --postgres), serves it, and sends 1,000 search queries one
// after another over loopback HTTP: words taken from the data with a seeded PRNG, Cyrillic and
// Latin, whole words, prefixes and two-word queries. Prints the median and p99 per kind of query.
// Not a test: `npm run bench:search [-- --postgres] [-- --queries 1000] [-- --size medium]`.
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.join(__dirname, '..');
const registryBin = path.join(root, 'bin', 'registry');
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? args[at + 1] : fallback;
};
const postgres = args.includes('--postgres');
const size = option('size', 'medium');
const queries = Number(option('queries', '1000'));
const adminUrl = process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';

/** mulberry32, as seeds/synthetic.ts uses: the same queries on every run. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];

async function main() {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'registry-bench-search-'));
  const env = { ...process.env, REGISTRY_DATA_DIR: dataDir, REGISTRY_RESPONSE_CACHE: '0', REGISTRY_EXPLAIN: '0', REGISTRY_GUARD: '0', NODE_ENV: 'development' };
  delete env.DATABASE_URL;
  let dropDatabase = async () => {};
  const { Client } = require('pg');
  if (postgres) {
    const name = `registry_bench_search_${process.pid}`;
    const admin = new Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    env.DATABASE_URL = url.toString();
    dropDatabase = async () => {
      const c = new Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    };
  }
  let server;
  try {
    const seedStarted = Date.now();
    const seeded = spawnSync(process.execPath, [registryBin, 'seed', '--synthetic', size], { env, encoding: 'utf8' });
    if (seeded.status !== 0) throw new Error(`seeding failed: ${seeded.stderr || seeded.stdout}`);
    const seedMs = Date.now() - seedStarted;
    console.log(seeded.stdout.trim());

    // Words from the data itself: titles of programmes and sessions, names of organizations, both languages.
    const texts = await readTexts(env);
    const words = { cyrillic: new Set(), latin: new Set() };
    for (const text of texts) {
      for (const word of text.toLowerCase().match(/[\p{L}]{4,}/gu) ?? []) (/[а-яё]/.test(word) ? words.cyrillic : words.latin).add(word);
    }
    const cyrillic = [...words.cyrillic].sort();
    const latin = [...words.latin].sort();
    const random = prng(2021);
    const pick = (list) => list[Math.floor(random() * list.length)];
    const prefix = (word) => word.slice(0, Math.max(3, Math.ceil(word.length * (0.4 + random() * 0.4))));
    const kinds = [
      ['latin word', () => pick(latin)],
      ['cyrillic word', () => pick(cyrillic)],
      ['latin prefix', () => prefix(pick(latin))],
      ['cyrillic prefix', () => prefix(pick(cyrillic))],
      ['two words', () => `${prefix(pick(random() < 0.5 ? latin : cyrillic))} ${pick(random() < 0.5 ? latin : cyrillic)}`],
    ];
    const plan = Array.from({ length: queries }, (_, i) => {
      const [kind, make] = kinds[i % kinds.length];
      return { kind, query: make() };
    });

    const port = 41000 + (process.pid % 1000);
    server = spawn(process.execPath, [registryBin, 'serve'], { env: { ...env, PORT: String(port) }, stdio: ['ignore', 'ignore', 'inherit'] });
    const url = `http://127.0.0.1:${port}/graphql`;
    await waitForServer(`http://127.0.0.1:${port}/healthz`);

    const document = `query($query: String!) { search(query: $query, first: 20) { totalCount edges { relevance matchedField snippet node { id ... on Program { slug } } } } }`;
    const send = async (query) => {
      const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: document, variables: { query } }) });
      const body = await response.json();
      if (body.errors) throw new Error(`"${query}": ${JSON.stringify(body.errors)}`);
      return body.data.search.totalCount;
    };
    for (const { query } of plan.slice(0, 50)) await send(query); // warm-up, not measured

    const timings = new Map(kinds.map(([kind]) => [kind, []]));
    const hits = [];
    const all = [];
    for (const { kind, query } of plan) {
      const started = process.hrtime.bigint();
      hits.push(await send(query));
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      timings.get(kind).push(ms);
      all.push(ms);
    }
    const row = (name, list) => {
      const sorted = [...list].sort((a, b) => a - b);
      return `| ${name} | ${list.length} | ${percentile(sorted, 50).toFixed(2)} | ${percentile(sorted, 99).toFixed(2)} | ${sorted[sorted.length - 1].toFixed(2)} |`;
    };
    const sortedHits = [...hits].sort((a, b) => a - b);
    console.log('');
    console.log(`Search latency, ${size} synthetic set on ${postgres ? 'PostgreSQL' : 'SQLite'}, ${queries} queries over HTTP, one at a time (ms)`);
    console.log(`seeding: ${(seedMs / 1000).toFixed(1)} s; words from the data: ${latin.length} Latin, ${cyrillic.length} Cyrillic; hits per query: median ${percentile(sortedHits, 50)}, max ${sortedHits[sortedHits.length - 1]}`);
    console.log('');
    console.log('| queries | n | median | p99 | max |');
    console.log('|---|---|---|---|---|');
    for (const [kind] of kinds) console.log(row(kind, timings.get(kind)));
    console.log(row('all', all));
  } finally {
    if (server) server.kill('SIGTERM');
    await dropDatabase();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Titles and names in every language, read straight from the database the CLI seeded. */
async function readTexts(env) {
  const sql = `SELECT title AS t FROM programs UNION ALL SELECT title FROM sessions WHERE id % 20 = 0 UNION ALL SELECT name FROM organizations`;
  let rows;
  if (env.DATABASE_URL) {
    const { Client } = require('pg');
    const client = new Client({ connectionString: env.DATABASE_URL });
    await client.connect();
    rows = (await client.query(sql)).rows;
    await client.end();
  } else {
    const Database = require('better-sqlite3');
    const db = new Database(path.join(env.REGISTRY_DATA_DIR, 'registry.sqlite'), { readonly: true });
    rows = db.prepare(sql).all();
    db.close();
  }
  return rows.flatMap((r) => Object.values(JSON.parse(r.t)));
}

async function waitForServer(url) {
  for (let i = 0; i < 300; i++) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {}
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the registry did not start at ${url}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
