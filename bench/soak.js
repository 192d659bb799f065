'use strict';
// Soak: minutes of mixed reads and writes against one registry process, with
// its Redis stopped and started again in the middle. Reports, per window of
// 10 s: requests, errors (anything but a right answer), latency p50/p99/max,
// the server's resident memory, and whether Redis was up. Not part of npm test.
//
//   npm run bench:soak                                  # 3 minutes, Redis, SQLite
//   npm run bench:soak -- --cache memory --minutes 3     # the in-process cache (no Redis)
//   npm run bench:soak -- --database postgres            # PostgreSQL at 127.0.0.1:5432 (a database of its own, dropped after)
//   npm run bench:soak -- --root /path/to/checkout        # another build of the registry (its bin/registry, built)
const { execFileSync, spawn } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { Client } = require('pg');

function option(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
}

const ROOT = path.resolve(option('root', path.join(__dirname, '..')));
const MINUTES = Number(option('minutes', '3'));
const CACHE = option('cache', 'redis');
const DATABASE = option('database', 'sqlite');
const WORKERS = Number(option('workers', '8'));
const WINDOW_MS = 10_000;
const LABEL = option('label', `${CACHE}-${DATABASE}`);
const OUT = path.join(__dirname, '.data', 'soak');
const ADMIN_URL = process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const log = (line) => process.stderr.write(`${line}\n`);

async function freePort() {
  const server = net.createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A redis-server of the soak's own, so stopping it disturbs nobody else. */
async function startRedis(port, dir) {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  await new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk) => {
      out += chunk;
      if (out.includes('Ready to accept connections')) resolve();
    });
    child.on('exit', (code) => reject(new Error(`redis-server exited ${code}: ${out}`)));
  });
  child.removeAllListeners('exit');
  return child;
}

function cli(args, env) {
  return execFileSync(process.execPath, [path.join(ROOT, 'bin', 'registry'), ...args], { cwd: ROOT, env: { ...process.env, REGISTRY_LOG_LEVEL: 'silent', ...env }, encoding: 'utf8' }).trim();
}

function rssMb(pid) {
  try {
    const kb = Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))[1]);
    return Math.round(kb / 1024);
  } catch {
    return NaN;
  }
}

function percentile(sorted, p) {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** A small deterministic generator, so two runs send the same mix. */
function random(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

async function main() {
  fs.mkdirSync(OUT, { recursive: true });
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'registry-soak-'));
  const env = { REGISTRY_DATA_DIR: path.join(work, 'data'), DATABASE_URL: '' };
  let dropDatabase = async () => {};
  if (DATABASE === 'postgres') {
    const name = `registry_soak_${process.pid}`;
    const admin = new Client({ connectionString: ADMIN_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const url = new URL(ADMIN_URL);
    url.pathname = `/${name}`;
    env.DATABASE_URL = url.toString();
    dropDatabase = async () => {
      const c = new Client({ connectionString: ADMIN_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    };
  }
  log(`soak ${LABEL}: ${MINUTES} min, ${WORKERS} workers, registry at ${ROOT}`);
  // As `npm start` runs it: the compiled build, without the TypeScript compiler in memory.
  if (!process.argv.includes('--no-build')) execFileSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'inherit' });
  log(`  ${cli(['seed', '--synthetic', 'small'], env).split('\n').pop()}`);
  const key = cli(['keys', 'create', '--role', 'editor', '--label', 'soak'], env);

  let redis;
  let redisPort;
  if (CACHE === 'redis') {
    redisPort = await freePort();
    redis = await startRedis(redisPort, work);
    env.REDIS_URL = `redis://127.0.0.1:${redisPort}`;
  }
  const logFile = path.join(OUT, `${LABEL}.log`);
  const server = spawn(process.execPath, [path.join(ROOT, 'bin', 'registry'), 'serve'], {
    cwd: ROOT,
    env: { ...process.env, ...env, PORT: '0', REGISTRY_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const serverLog = fs.createWriteStream(logFile);
  server.stderr.pipe(serverLog);
  const url = await new Promise((resolve, reject) => {
    let out = '';
    server.stdout.on('data', (chunk) => {
      out += chunk;
      serverLog.write(chunk);
      const match = /registry serving (http:\/\/\S+)/.exec(out);
      if (match) resolve(match[1]);
    });
    server.on('exit', (code) => reject(new Error(`registry exited ${code}: ${out}`)));
  });

  const post = async (query, variables, headers = {}) => {
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query, variables }) });
    return { status: response.status, body: await response.json() };
  };
  const slugs = (await post('{ internships(first: 100) { nodes { slug } } }')).body.data.internships.nodes.map((n) => n.slug);

  // The mix: many distinct cacheable reads (so the response cache fills), nested reads, and writes read back.
  const operations = [
    { weight: 35, run: (r) => post('query($n: Int) { forums(first: $n) { totalCount nodes { slug title startsOn } } }', { n: 1 + Math.floor(r() * 50) }, { 'accept-language': r() < 0.5 ? 'ru' : 'en' }).then((a) => a.status === 200 && !a.body.errors && a.body.data.forums.nodes.length > 0) },
    { weight: 25, run: (r) => { const slug = slugs[Math.floor(r() * slugs.length)]; return post('query($slug: String!) { internship(slug: $slug) { slug title participantCount location { code name } } }', { slug }).then((a) => a.status === 200 && a.body.data?.internship?.slug === slug); } },
    { weight: 15, run: (r) => post('query($n: Int) { regions(first: $n) { nodes { code name children { code } } } }', { n: 1 + Math.floor(r() * 100) }).then((a) => a.status === 200 && !a.body.errors) },
    { weight: 15, run: () => post('{ forums(first: 5) { nodes { slug internships(first: 3) { nodes { slug sessions(first: 3) { nodes { title kind } } } } } } }').then((a) => a.status === 200 && !a.body.errors) },
    {
      weight: 10,
      run: async (r, i) => {
        const slug = `soak-${LABEL}-${i}-${Math.floor(r() * 1e9)}`;
        const created = await post('mutation($input: OrganizationCreateInput!) { organizationCreate(input: $input) { organization { slug } userErrors { code } } }', { input: { slug, name: { en: `Soak ${slug}` }, kind: 'NGO' } }, { authorization: `Bearer ${key}` });
        if (created.status !== 200 || created.body.data?.organizationCreate?.organization?.slug !== slug) return false;
        const read = await post('query($slug: String!) { organization(slug: $slug) { slug } }', { slug });
        return read.body.data?.organization?.slug === slug;
      },
    },
  ];
  const total = operations.reduce((sum, o) => sum + o.weight, 0);

  const started = Date.now();
  const durationMs = MINUTES * 60_000;
  const windows = [];
  let current = { requests: 0, errors: 0, latencies: [], writes: 0 };
  let redisState = CACHE === 'redis' ? 'up' : '-';
  let windowRedis = new Set([redisState]);
  const errorSamples = [];
  let stopped = false;
  let counter = 0;

  const worker = async (seed) => {
    const r = random(seed);
    while (!stopped) {
      let pick = r() * total;
      const op = operations.find((o) => (pick -= o.weight) < 0) ?? operations[0];
      const t0 = performance.now();
      let ok;
      try {
        ok = await op.run(r, counter++);
      } catch (error) {
        ok = false;
        if (errorSamples.length < 10) errorSamples.push(String(error.message));
      }
      current.requests++;
      current.latencies.push(performance.now() - t0);
      if (op.weight === 10) current.writes++;
      if (!ok) current.errors++;
    }
  };
  const workers = Array.from({ length: WORKERS }, (_, i) => worker(1000 + i));

  const windowTimer = setInterval(() => {
    const sorted = current.latencies.sort((a, b) => a - b);
    windows.push({
      t: Math.round((Date.now() - started) / 1000),
      requests: current.requests,
      writes: current.writes,
      errors: current.errors,
      p50: percentile(sorted, 50),
      p99: percentile(sorted, 99),
      max: sorted[sorted.length - 1] ?? NaN,
      rss: rssMb(server.pid),
      redis: [...windowRedis].join('→'),
    });
    const w = windows[windows.length - 1];
    log(`  ${String(w.t).padStart(4)} s  ${String(w.requests).padStart(6)} req  ${String(w.errors).padStart(4)} err  p99 ${w.p99.toFixed(1)} ms  max ${w.max.toFixed(0)} ms  rss ${w.rss} MB  redis ${w.redis}`);
    current = { requests: 0, errors: 0, latencies: [], writes: 0 };
    windowRedis = new Set([redisState]);
  }, WINDOW_MS);

  if (redis) {
    // Redis stops a little before the middle and comes back 20 s later.
    const stopAt = durationMs * 0.4;
    await sleep(stopAt);
    redisState = 'down';
    windowRedis.add('down');
    const exited = new Promise((resolve) => redis.once('exit', resolve));
    redis.kill('SIGTERM');
    await exited;
    log('  redis stopped');
    await sleep(20_000);
    redis = await startRedis(redisPort, work);
    redisState = 'up';
    windowRedis.add('up');
    log('  redis started again');
    await sleep(Math.max(0, durationMs - (Date.now() - started)));
  } else {
    await sleep(durationMs);
  }
  stopped = true;
  await Promise.all(workers);
  clearInterval(windowTimer);

  const metrics = await (await fetch(url.replace(/\/graphql$/, '/metrics'))).text();
  const pick = (name) => metrics.split('\n').filter((line) => line.startsWith(name)).join('\n');
  server.kill('SIGTERM');
  await new Promise((resolve) => server.once('exit', resolve));
  if (redis) redis.kill('SIGTERM');
  await dropDatabase();
  fs.rmSync(work, { recursive: true, force: true });

  const logText = fs.readFileSync(logFile, 'utf8');
  const lines = logText.split('\n').filter(Boolean);
  const summary = {
    label: LABEL,
    root: ROOT,
    minutes: MINUTES,
    workers: WORKERS,
    requests: windows.reduce((s, w) => s + w.requests, 0),
    errors: windows.reduce((s, w) => s + w.errors, 0),
    rssFirst: windows[0]?.rss,
    rssPeak: Math.max(...windows.map((w) => w.rss)),
    rssLast: windows[windows.length - 1]?.rss,
    logLines: lines.filter((l) => l.startsWith('{')).length,
    redisLogLines: lines.filter((l) => l.includes('"dependency":"redis"')).length,
    ioredisLines: lines.filter((l) => l.includes('[ioredis]')).length,
    errorSamples,
    windows,
  };
  fs.writeFileSync(path.join(OUT, `${LABEL}.json`), `${JSON.stringify(summary, null, 2)}\n`);

  const table = [
    `### ${LABEL}: ${MINUTES} min, ${WORKERS} workers, ${summary.requests} requests, ${summary.errors} errors`,
    '',
    '| t (s) | requests | writes | errors | p50 ms | p99 ms | max ms | RSS MB | Redis |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---|',
    ...windows.map((w) => `| ${w.t} | ${w.requests} | ${w.writes} | ${w.errors} | ${w.p50.toFixed(1)} | ${w.p99.toFixed(1)} | ${w.max.toFixed(0)} | ${w.rss} | ${w.redis} |`),
    '',
    `RSS first/peak/last window: ${summary.rssFirst}/${summary.rssPeak}/${summary.rssLast} MB. Server log: ${summary.logLines} JSON lines at warn and above, ${summary.redisLogLines} about Redis, ${summary.ioredisLines} "[ioredis]" lines.`,
    '',
    '```',
    pick('registry_dependency_'),
    pick('registry_response_cache_entries'),
    '```',
  ].join('\n');
  fs.writeFileSync(path.join(OUT, `${LABEL}.md`), `${table}\n`);
  process.stdout.write(`${table}\n`);
  if (errorSamples.length) log(`error samples: ${errorSamples.join(' | ')}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
