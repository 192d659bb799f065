'use strict';
// Reads a V8 .cpuprofile (node --cpu-prof) and tells where the time went:
// self time by category (GC, graphql-js, type-graphql, TypeORM, pg, Apollo, …)
// and the functions with the most self time, within a window of the run.
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..', '..');

const PACKAGES = [
  ['graphql', 'graphql-js (validation, execution)'],
  ['type-graphql', 'type-graphql (resolver wrappers, convertToType)'],
  ['typeorm', 'TypeORM'],
  ['pg', 'pg driver'],
  ['pg-protocol', 'pg driver'],
  ['pg-pool', 'pg driver'],
  ['pg-types', 'pg driver'],
  ['postgres-array', 'pg driver'],
  ['@apollo', 'Apollo Server and plugins'],
  ['dataloader', 'DataLoader'],
  ['pino', 'logging (pino)'],
  ['sonic-boom', 'logging (pino)'],
  ['better-sqlite3', 'better-sqlite3'],
  ['prom-client', 'metrics (prom-client)'],
];

function category(frame) {
  const { functionName, url } = frame;
  if (functionName === '(garbage collector)') return 'GC';
  if (functionName === '(idle)') return 'idle';
  if (functionName === '(program)') return 'V8 and native (program)';
  if (functionName === '(root)') return 'V8 and native (program)';
  if (!url) return 'V8 built-ins and native bindings (JSON, Promise jobs, socket writes, …)';
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + '/node_modules/'.length).split('/');
    const pkg = rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
    for (const [prefix, name] of PACKAGES) if (pkg === prefix || pkg.startsWith(`${prefix}/`)) return name;
    return `other packages (${pkg})`;
  }
  if (url.startsWith('node:') || !url.includes('/')) return 'Node.js core (http, streams, timers)';
  if (url.includes('/src/') || url.includes('/seeds/')) return 'registry code (src/)';
  return 'other';
}

function shortUrl(url) {
  if (!url) return '';
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) return url.slice(nm + '/node_modules/'.length);
  return url.replace(`file://${ROOT}/`, '').replace(`${ROOT}/`, '');
}

/**
 * Self time per category and per function. `window` ({ fromEndUs, toEndUs })
 * keeps the samples taken between those many microseconds before the
 * profile's end, to leave out start-up and shut-down.
 */
function summarise(file, window) {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8'));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const from = window ? profile.endTime - window.fromEndUs : -Infinity;
  const to = window ? profile.endTime - window.toEndUs : Infinity;
  const self = new Map();
  let t = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i];
    if (t < from || t > to) continue;
    const dt = profile.timeDeltas[i + 1] ?? profile.timeDeltas[i];
    self.set(profile.samples[i], (self.get(profile.samples[i]) ?? 0) + dt);
  }
  const categories = new Map();
  const functions = new Map();
  let total = 0;
  let idle = 0;
  for (const [id, us] of self) {
    const frame = byId.get(id).callFrame;
    const cat = category(frame);
    if (cat === 'idle') {
      idle += us;
      continue;
    }
    total += us;
    categories.set(cat, (categories.get(cat) ?? 0) + us);
    const key = `${frame.functionName || '(anonymous)'} ${shortUrl(frame.url)}${frame.url ? `:${frame.lineNumber + 1}` : ''}`;
    const f = functions.get(key) ?? { name: frame.functionName || '(anonymous)', where: frame.url ? `${shortUrl(frame.url)}:${frame.lineNumber + 1}` : '', category: cat, us: 0 };
    f.us += us;
    functions.set(key, f);
  }
  return {
    busyMs: total / 1000,
    idleMs: idle / 1000,
    categories: [...categories].map(([name, us]) => ({ name, ms: us / 1000, share: us / total })).sort((a, b) => b.ms - a.ms),
    functions: [...functions.values()].map((f) => ({ ...f, ms: f.us / 1000, share: f.us / total })).sort((a, b) => b.ms - a.ms),
  };
}

function markdown(summary, context, top = 30) {
  const pct = (x) => `${(100 * x).toFixed(1)}%`;
  return [
    '# Where the registry spends its time under the dashboard load',
    '',
    'Written by `npm run bench:profile` (see `bench/README.md`): the registry on PostgreSQL run with `node --cpu-prof`, under the dashboard load of `npm run bench`; only the samples of the loaded window are counted (start-up and shut-down left out). Shares are of busy (non-idle) CPU time of the server\'s main thread; self time, so a share is time spent in that code itself, not in what it calls.',
    '',
    ...context.map((line) => `- ${line}`),
    `- busy ${(summary.busyMs / 1000).toFixed(1)} s, idle ${(summary.idleMs / 1000).toFixed(1)} s of the window`,
    '',
    '## By category',
    '',
    '| category | self time | share |',
    '|---|---:|---:|',
    ...summary.categories.map((c) => `| ${c.name} | ${(c.ms / 1000).toFixed(2)} s | ${pct(c.share)} |`),
    '',
    `## Top ${top} functions by self time`,
    '',
    '| function | where | category | share |',
    '|---|---|---|---:|',
    ...summary.functions.slice(0, top).map((f) => `| \`${f.name.replace(/\|/g, '\\|')}\` | ${f.where.replace(/\|/g, '\\|')} | ${f.category} | ${pct(f.share)} |`),
    '',
  ].join('\n');
}

module.exports = { summarise, markdown, category };

if (require.main === module) {
  const summary = summarise(process.argv[2]);
  console.log(markdown(summary, [`profile ${process.argv[2]}`]));
}
