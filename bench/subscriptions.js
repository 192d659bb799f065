'use strict';
// npm run bench:subscriptions: subscription fan-out across replicas. Two
// registry processes on one PostgreSQL database (the small synthetic set);
// N graphql-ws clients, each on its own connection, subscribe on replica B
// to programChanged with a nested selection; a write goes through replica A;
// measured: time from sending the mutation until the last subscriber has
// the event, and B's resident memory. See bench/SUBSCRIPTIONS.md.
const fs = require('node:fs');
const path = require('node:path');
const { spawn, execFileSync } = require('node:child_process');
const { Client } = require('pg');
const { createClient } = require('graphql-ws');
const WebSocket = require('ws');

const ROOT = path.resolve(__dirname, '..');
const REGISTRY = path.join(ROOT, 'bin', 'registry');
const subscribers = Number(process.env.BENCH_SUBSCRIBERS || 1000);
const writes = Number(process.env.BENCH_WRITES || 7);
const admin = process.env.BENCH_PG_ADMIN_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
const dbName = process.env.BENCH_PG_DB || 'bench_subscriptions';
// postgres (LISTEN/NOTIFY, the default on PostgreSQL) or redis (pub/sub through BENCH_REDIS_URL).
const transport = process.env.BENCH_EVENTS || 'postgres';
const redisUrl = process.env.BENCH_REDIS_URL || 'redis://127.0.0.1:6379';
const log = (message) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}`);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const SUBSCRIPTION = 'subscription { programChanged { kind id generation program { slug title location { code name } organizers { slug } } } }';
const UPDATE = 'mutation($id: ID!, $series: String) { forumUpdate(id: $id, input: { series: $series }) { forum { id } userErrors { code } } }';

function rssMb(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)[1]) / 1024;
}

function start(env) {
  const child = spawn(process.execPath, [REGISTRY, 'serve'], { cwd: ROOT, env: { ...process.env, PORT: '0', REGISTRY_LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const match = /registry serving (http:\/\/\S+)/.exec(out);
      if (match) resolve({ child, url: match[1] });
    });
    child.on('exit', (code) => reject(new Error(`registry exited ${code}: ${out}`)));
  });
}

async function post(url, query, variables, key) {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: JSON.stringify({ query, variables }) });
  return response.json();
}

async function active(url) {
  const text = await (await fetch(url.replace(/\/graphql$/, '/metrics'))).text();
  const line = text.split('\n').find((l) => l.startsWith('registry_subscriptions_active '));
  return line ? Number(line.split(' ')[1]) : 0;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function main() {
  const pg = new Client({ connectionString: admin });
  await pg.connect();
  await pg.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  await pg.query(`CREATE DATABASE ${dbName}`);
  await pg.end();
  const url = new URL(admin);
  url.pathname = `/${dbName}`;
  const events = transport === 'redis' ? { REDIS_URL: redisUrl, REGISTRY_EVENTS: 'redis', REGISTRY_CACHE_PREFIX: `bench-subscriptions-${process.pid}:`, REGISTRY_RESPONSE_CACHE: '0' } : { REDIS_URL: '' };
  const env = { DATABASE_URL: url.toString(), ...events, NODE_ENV: 'production', REGISTRY_SUBSCRIPTIONS_PER_ADDRESS: String(subscribers + 10), REGISTRY_RATE_PER_ADDRESS: '1000000000', REGISTRY_RATE_PER_KEY: '1000000000' };
  const cli = (args) => execFileSync(process.execPath, [REGISTRY, ...args], { cwd: ROOT, env: { ...process.env, REGISTRY_LOG_LEVEL: 'silent', ...env }, encoding: 'utf8' }).trim();
  log('seeding the small synthetic set into PostgreSQL');
  cli(['migrate']);
  cli(['seed', '--synthetic', 'small']);
  const key = cli(['keys', 'create', '--role', 'editor']).split('\n').pop();
  const a = await start(env);
  const b = await start(env);
  const result = { subscribers, writes, transport, node: process.version, rssMb: {}, deliveryMs: [] };
  try {
    const forum = await post(a.url, '{ forums(first: 1) { nodes { id } } }', {}, key);
    const id = forum.data.forums.nodes[0].id;
    await sleep(500);
    result.rssMb.idle = rssMb(b.child.pid);
    log(`${subscribers} subscribers connecting to B`);
    const received = new Array(subscribers).fill(0);
    const clients = [];
    for (let i = 0; i < subscribers; i++) {
      const client = createClient({ url: b.url.replace(/^http/, 'ws'), webSocketImpl: WebSocket, retryAttempts: 0, lazy: true });
      clients.push(client);
      client.subscribe({ query: SUBSCRIPTION }, { next: (value) => { if (value.data) received[i]++; }, error: (e) => console.error('subscriber error', e), complete: () => {} });
      if (i % 100 === 99) await sleep(50);
    }
    for (let t = 0; (await active(b.url)) < subscribers; t++) {
      if (t > 600) throw new Error('subscribers did not all start in 60 s');
      await sleep(100);
    }
    await sleep(500);
    result.rssMb.subscribed = rssMb(b.child.pid);
    for (let n = 1; n <= writes; n++) {
      const started = process.hrtime.bigint();
      const answer = await post(a.url, UPDATE, { id, series: `Fan-out ${n}` }, key);
      if (answer.errors || answer.data.forumUpdate.userErrors.length) throw new Error(JSON.stringify(answer));
      let first;
      while (received.some((r) => r < n)) {
        if (first === undefined && received.some((r) => r >= n)) first = Number(process.hrtime.bigint() - started) / 1e6;
        await new Promise((resolve) => setImmediate(resolve));
      }
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      result.deliveryMs.push({ first: first ?? ms, last: ms });
      result.rssMb.peak = Math.max(result.rssMb.peak ?? 0, rssMb(b.child.pid));
      await sleep(300);
    }
    if (received.some((r) => r !== writes)) throw new Error(`not every subscriber heard each write exactly once: ${[...new Set(received)]}`);
    result.rssMb.after = rssMb(b.child.pid);
    await Promise.all(clients.map((c) => c.dispose()));
  } finally {
    a.child.kill('SIGTERM');
    b.child.kill('SIGTERM');
  }
  // The first write warms B's statements and JIT; the median is of the rest.
  const warm = result.deliveryMs.slice(1);
  result.summary = {
    lastMedianMs: Math.round(median(warm.map((d) => d.last)) * 10) / 10,
    lastMaxMs: Math.round(Math.max(...warm.map((d) => d.last)) * 10) / 10,
    firstMedianMs: Math.round(median(warm.map((d) => d.first)) * 10) / 10,
    coldLastMs: Math.round(result.deliveryMs[0].last * 10) / 10,
  };
  for (const key of Object.keys(result.rssMb)) result.rssMb[key] = Math.round(result.rssMb[key]);
  fs.writeFileSync(path.join(__dirname, `subscriptions-${transport}.json`), `${JSON.stringify(result, null, 2)}\n`);
  log(`fan-out to ${subscribers}: last subscriber after ${result.summary.lastMedianMs} ms (median of ${warm.length}; max ${result.summary.lastMaxMs}, cold ${result.summary.coldLastMs}); first after ${result.summary.firstMedianMs} ms`);
  // RSS moves with the garbage collector by more than 1,000 idle subscriptions hold: read it as a bound, not a per-subscriber cost.
  log(`replica B RSS: ${result.rssMb.idle} MB idle, ${result.rssMb.subscribed} MB with ${subscribers} subscribers, peak ${result.rssMb.peak} MB while fanning out`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
