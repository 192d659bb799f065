#!/usr/bin/env node
'use strict';
// Two builds of the registry side by side, on one database, asked the same queries in alternation: a paired
// comparison that a busy machine cannot tilt, since whatever load there is falls on both sides of every pair.
//
//   node bench/ab.js <checkout A> <checkout B>     (each built: `npm run build` in it)
//
// AB_DATABASE_URL (default: the benchmark's PostgreSQL database, postgres://postgres@127.0.0.1:5432/bench_registry)
// or AB_SQLITE_DIR (a registry data directory) names the data both serve; AB_ROUNDS (default 400) is how many pairs
// per query, AB_QUERIES (default: all) which of bench/lib/queries.js, AB_SHAPES (default: none) which of
// bench/lib/shapes.js by name, comma-separated (PostgreSQL only: their variables are read from it). Prints, per query, each side's median and p90
// latency over the pairs and B's median over A's with the share of pairs B won.
const { spawn } = require('node:child_process');
const path = require('node:path');
const { queries } = require('./lib/queries');
const { shapes } = require('./lib/shapes');

const [dirA, dirB] = process.argv.slice(2).map((d) => path.resolve(d));
if (!dirA || !dirB) {
  console.error('usage: node bench/ab.js <checkout A> <checkout B>');
  process.exit(2);
}
const rounds = Number(process.env.AB_ROUNDS || 400);
const only = (process.env.AB_QUERIES || '').split(',').filter(Boolean);
const shapeNames = (process.env.AB_SHAPES || '').split(',').filter(Boolean);
const data = process.env.AB_SQLITE_DIR
  ? { DATABASE_URL: '', REGISTRY_DATA_DIR: path.resolve(process.env.AB_SQLITE_DIR) }
  : { DATABASE_URL: process.env.AB_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/bench_registry' };

function serve(dir, port) {
  const child = spawn(process.execPath, [path.join(dir, 'bin', 'registry'), 'serve'], {
    cwd: dir,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: {
      ...process.env,
      ...data,
      PORT: String(port),
      NODE_ENV: 'production',
      REGISTRY_RESPONSE_CACHE: '0',
      REGISTRY_RATE_PER_ADDRESS: '1000000000',
      REGISTRY_RATE_PER_KEY: '1000000000',
    },
  });
  return { child, url: `http://127.0.0.1:${port}/graphql` };
}

async function ready(url) {
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      const r = await fetch(url.replace('/graphql', '/readyz'));
      if (r.ok) return;
    } catch {}
    if (Date.now() > deadline) throw new Error(`${url} did not become ready in 60 s`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function ask(url, body) {
  const started = process.hrtime.bigint();
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  const text = await response.text();
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (!response.ok || text.includes('"errors"')) throw new Error(`${url}: ${response.status} ${text.slice(0, 300)}`);
  return { ms, text };
}

const quantile = (xs, q) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))];

async function main() {
  const a = serve(dirA, 4791);
  const b = serve(dirB, 4792);
  try {
    await Promise.all([ready(a.url), ready(b.url)]);
    const rows = [];
    const asked = [
      ...queries().filter((q) => !only.length || only.includes(q.name)),
      ...shapes().filter((q) => shapeNames.includes(q.name)),
    ];
    for (const q of asked) {
      const given = q.registry.variables;
      const variables = typeof given === 'function' ? await given({ pgUrl: data.DATABASE_URL }) : { ...given };
      if (q.name === 'node') {
        const found = JSON.parse((await ask(a.url, JSON.stringify({ query: '{ internships(first: 1) { nodes { id } } }' }))).text);
        variables.id = found.data.internships.nodes[0].id;
      }
      const body = JSON.stringify({ operationName: q.registry.operationName, query: q.registry.query, variables });
      const first = await Promise.all([ask(a.url, body), ask(b.url, body)]);
      const same = first[0].text === first[1].text;
      for (let i = 0; i < 20; i++) await Promise.all([ask(a.url, body), ask(b.url, body)]); // warm-up
      const times = { a: [], b: [] };
      let bWon = 0;
      for (let i = 0; i < rounds; i++) {
        // Alternate who goes first, so neither side always meets a warmer database.
        const order = i % 2 ? [b, a] : [a, b];
        const [x, y] = [await ask(order[0].url, body), await ask(order[1].url, body)];
        const [ta, tb] = i % 2 ? [y.ms, x.ms] : [x.ms, y.ms];
        times.a.push(ta);
        times.b.push(tb);
        if (tb < ta) bWon++;
      }
      const [ma, mb] = [quantile(times.a, 0.5), quantile(times.b, 0.5)];
      rows.push(`| ${q.name} | ${ma.toFixed(2)} / ${quantile(times.a, 0.9).toFixed(2)} | ${mb.toFixed(2)} / ${quantile(times.b, 0.9).toFixed(2)} | ${(ma / mb).toFixed(2)}x | ${Math.round((100 * bWon) / rounds)}% | ${same ? 'same' : 'DIFFERENT'} |`);
      console.error(rows[rows.length - 1]);
    }
    console.log(`A: ${dirA}\nB: ${dirB}\n${rounds} pairs per query, sequential, alternating; ${data.DATABASE_URL ? 'PostgreSQL' : 'SQLite'}\n`);
    console.log('| query | A p50 / p90 ms | B p50 / p90 ms | B speed vs A (A p50 / B p50) | pairs B was faster | answers |');
    console.log('|---|---:|---:|---:|---:|---|');
    for (const row of rows) console.log(row);
  } finally {
    a.child.kill('SIGTERM');
    b.child.kill('SIGTERM');
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
