'use strict';
// Renders results (bench/results*.json) as bench/RESULTS.md: one table per run,
// ratios to the limit and to PostGraphile from the same run, the issue's aims,
// and a before/after comparison when bench/results-before.json exists.
const fs = require('node:fs');
const path = require('node:path');

const BENCH = path.resolve(__dirname, '..');

const SERVER_TITLES = {
  sqlite: 'registry, SQLite',
  pg: 'registry, PostgreSQL',
  naive: 'registry, PostgreSQL, loaders and fast path off (naive)',
  limit: 'hand-written limit (one SQL statement, JSON built in PostgreSQL)',
  postgraphile: 'PostGraphile 5',
};

const fmt = (n, digits = 1) => (n == null || Number.isNaN(n) ? '–' : n.toFixed(digits));
const ratio = (a, b) => (a != null && b ? `${(a / b).toFixed(2)}x` : '–');

function find(results, server, query) {
  return results.rows.find((r) => r.server === server && r.query === query && !r.skipped);
}

function table(results) {
  const lines = [
    '| server | query | req/s | p50 ms | p99 ms | peak RSS MB | vs limit | vs PostGraphile | failed | load avg |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---|',
  ];
  for (const row of results.rows) {
    const title = SERVER_TITLES[row.server] ?? row.server;
    if (row.skipped) {
      lines.push(`| ${title} | ${row.query} | – | – | – | – | – | – | skipped: ${row.skipped} | |`);
      continue;
    }
    const limit = find(results, 'limit', row.query);
    const peer = find(results, 'postgraphile', row.query);
    const failed = (row.non2xx ?? 0) + (row.errors ?? 0) + (row.timeouts ?? 0);
    lines.push(
      `| ${title} | ${row.query} | ${fmt(row.rps)} | ${fmt(row.p50, 0)} | ${fmt(row.p99, 0)} | ${fmt(row.rssPeakMB, 0)} | ${ratio(row.rps, limit?.rps)} | ${ratio(row.rps, peer?.rps)} | ${failed} | ${row.loadavg ? row.loadavg.map((x) => x.toFixed(1)).join(' → ') : ''} |`,
    );
  }
  return lines.join('\n');
}

function aims(results) {
  const pg = find(results, 'pg', 'dashboard');
  if (!pg) return '';
  const naive = find(results, 'naive', 'dashboard');
  const limit = find(results, 'limit', 'dashboard');
  const peer = find(results, 'postgraphile', 'dashboard');
  const check = (value, aim) => (value == null ? '–' : value >= aim ? 'met' : '**not met**');
  const rows = [
    ['registry on PostgreSQL vs naive baseline', naive?.rps ? pg.rps / naive.rps : null, 5],
    ['registry on PostgreSQL vs the limit', limit?.rps ? pg.rps / limit.rps : null, 0.5],
    ['registry on PostgreSQL vs PostGraphile 5', peer?.rps ? pg.rps / peer.rps : null, 1.0],
  ];
  return [
    '| dashboard aim (issue 6) | measured | aim | |',
    '|---|---:|---:|---|',
    ...rows.map(([what, value, aim]) => `| ${what} | ${value == null ? '–' : `${value.toFixed(2)}x`} | ≥ ${aim}x | ${check(value, aim)} |`),
  ].join('\n');
}

/** Issue 8's aims, each against the same run's other servers. */
function speedAims(results) {
  const row = (server, query) => find(results, server, query);
  const peer = (query) => row('postgraphile', query);
  const check = (ok) => (ok == null ? '–' : ok ? 'met' : '**not met**');
  const x = (a, b) => (a?.rps && b?.rps ? `${(a.rps / b.rps).toFixed(2)}x` : '–');
  const lines = ['| speed aim (issue 8) | measured | aim | |', '|---|---:|---:|---|'];
  const add = (what, measured, aim, ok) => lines.push(`| ${what} | ${measured} | ${aim} | ${check(ok)} |`);
  const pg = row('pg', 'dashboard');
  const sqlite = row('sqlite', 'dashboard');
  if (!pg) return '';
  add('dashboard, registry on PostgreSQL vs PostGraphile 5', x(pg, peer('dashboard')), '≥ 1x', peer('dashboard') ? pg.rps >= peer('dashboard').rps : null);
  add('dashboard, registry on PostgreSQL vs the limit', x(pg, row('limit', 'dashboard')), '≥ 0.5x', row('limit', 'dashboard') ? pg.rps >= 0.5 * row('limit', 'dashboard').rps : null);
  // Every PostgreSQL row: the registry's own, its naive baseline, PostGraphile and the hand-written limit.
  for (const other of ['pg', 'naive', 'postgraphile', 'limit']) {
    const them = row(other, 'dashboard');
    if (sqlite && them) add(`dashboard, registry on SQLite vs ${SERVER_TITLES[other] ?? other}`, x(sqlite, them), '> 1x', sqlite.rps > them.rps);
  }
  for (const query of ['node', 'list']) {
    for (const server of ['pg', 'sqlite']) {
      const mine = row(server, query);
      if (mine && peer(query)) add(`${query}, ${SERVER_TITLES[server]} vs PostGraphile 5`, x(mine, peer(query)), '≥ 1x', mine.rps >= peer(query).rps);
    }
  }
  for (const query of ['dashboard', 'node', 'list']) {
    for (const server of ['pg', 'sqlite']) {
      const mine = row(server, query);
      const theirs = peer(query);
      if (mine?.rssPeakMB && theirs?.rssPeakMB) add(`peak RSS under the ${query} load, ${SERVER_TITLES[server]}`, `${mine.rssPeakMB.toFixed(0)} MB`, `≤ ${theirs.rssPeakMB.toFixed(0)} MB (PostGraphile)`, mine.rssPeakMB <= theirs.rssPeakMB);
    }
  }
  return lines.join('\n');
}

function comparison(before, after) {
  const lines = [
    `| server | query | before req/s | after req/s | change | before p99 ms | after p99 ms | before RSS MB | after RSS MB |`,
    '|---|---|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const row of after.rows) {
    if (row.skipped) continue;
    const old = find(before, row.server, row.query);
    lines.push(
      `| ${SERVER_TITLES[row.server] ?? row.server} | ${row.query} | ${fmt(old?.rps)} | ${fmt(row.rps)} | ${ratio(row.rps, old?.rps)} | ${fmt(old?.p99, 0)} | ${fmt(row.p99, 0)} | ${fmt(old?.rssPeakMB, 0)} | ${fmt(row.rssPeakMB, 0)} |`,
    );
  }
  return lines.join('\n');
}

function describe(results) {
  const s = results.settings;
  const m = results.machine;
  return [
    `- date: ${results.date}${results.label ? `, label \`${results.label}\`` : ''}, commit ${results.commit ?? '?'}`,
    `- machine: ${m.cpus} × ${m.cpuModel}, ${m.memoryGB} GB, ${m.os}; PostgreSQL ${m.postgres ?? '?'}`,
    `- node ${m.node} (registry, limit, load); PostGraphile on node ${m.peerNode ?? '?'}`,
    `- data: synthetic \`${s.size}\` set (seed ${s.seedHash}); load: autocannon, ${s.connections} connections, ${s.warmup} s warm-up then ${s.duration} s measured, per server × query, from a separate process over loopback`,
    `- registry servers: NODE_ENV=production (guard on, rate limits raised), response cache off, request log to a file`,
  ].join('\n');
}

function render({ current, before }) {
  const parts = [
    '# Benchmark results',
    '',
    'Written by `npm run bench` (see `bench/README.md`); figures from one run on one machine. `vs limit` and `vs PostGraphile` divide requests per second by those of the same query in the same run. Peak RSS is the server process\'s largest resident set seen while that query ran. `load avg` is the machine\'s 1-minute load average before and after the row (the benchmark itself keeps about 2 to 3 busy on this 2-core machine; well above that, other work was competing for the CPU and the row reads low).',
    '',
    describe(current),
    '',
    table(current),
    '',
    aims(current),
    '',
    speedAims(current),
  ];
  if (before) {
    parts.push('', `## Before and after`, '', `Before: ${before.date}, commit ${before.commit ?? '?'} (\`bench/results-before.json\`); after: this run.`, '', comparison(before, current), '', '### Before, in full', '', describe(before), '', table(before), '', aims(before));
  }
  parts.push('', whereTimeGoes(readJson(path.join(BENCH, 'profile.json'))), '');
  // A hand-written reading of the last run, when someone has written one: figures above, words here.
  const reading = path.join(BENCH, 'READING.md');
  if (fs.existsSync(reading)) parts.push(fs.readFileSync(reading, 'utf8').trim(), '');
  return parts.join('\n');
}

/** The profile's categories, so the table and where its time goes are read together. */
function whereTimeGoes(prof) {
  if (!prof) return 'Where the time goes on the registry: run `npm run bench:profile` (writes `bench/PROFILE.md`).';
  const pct = (x) => `${(100 * x).toFixed(0)}%`;
  return [
    `## Where the registry's time goes (${prof.query ?? 'dashboard'} on ${prof.server === 'sqlite' ? 'SQLite' : 'PostgreSQL'})`,
    '',
    `From \`npm run bench:profile\` (${prof.date}, commit ${prof.commit ?? '?'}, ${prof.rps.toFixed(1)} req/s under the profiler); self time of the server's main thread, details in \`bench/PROFILE.md\`:`,
    '',
    ...prof.categories.filter((c) => c.share >= 0.005).map((c) => `- ${c.name}: ${pct(c.share)}`),
    '',
    'Top functions: ' + prof.functions.slice(0, 8).map((f) => `\`${f.name}\`${f.where ? ` (${f.where.replace(/:\d+$/, '')})` : ''} ${pct(f.share)}`).join(', ') + '.',
  ].join('\n');
}

function readJson(file) {
  return fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : null;
}

/** Rewrites RESULTS.md from results.json (and results-before.json when kept). */
function writeResultsMarkdown() {
  const current = readJson(path.join(BENCH, 'results.json'));
  const before = readJson(path.join(BENCH, 'results-before.json'));
  if (!current && !before) return null;
  const text = render({ current: current ?? before, before: current ? before : null });
  fs.writeFileSync(path.join(BENCH, 'RESULTS.md'), text);
  return text;
}

module.exports = { render, table, aims, writeResultsMarkdown, SERVER_TITLES };

if (require.main === module) {
  const text = writeResultsMarkdown();
  console.log(text ?? 'no bench/results.json yet: run npm run bench');
}
