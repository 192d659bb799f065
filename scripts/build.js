#!/usr/bin/env node
// The compiled build in dist/, and whether it is current: bin/registry runs it when no source under src/ or seeds/ is
// newer than its stamp, and `npm start` (scripts/start.js) builds first only when one is. `npm run build` runs this.
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const root = path.join(__dirname, '..');
const dist = path.join(root, 'dist');
const stamp = path.join(dist, '.built');

function newestSource(dir) {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(file));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, fs.statSync(file).mtimeMs);
  }
  return newest;
}

/** True when dist/ was built after every TypeScript source of src/ and seeds/ last changed. */
function buildIsCurrent() {
  if (process.env.REGISTRY_FROM_SOURCE === '1' || !fs.existsSync(stamp)) return false;
  const built = fs.statSync(stamp).mtimeMs;
  return ['src', 'seeds'].every((dir) => newestSource(path.join(root, dir)) <= built);
}

/** Compiles src/ and seeds/ to dist/ and stamps it; returns false (tsc has printed why) when the compiler fails. */
function build() {
  fs.rmSync(dist, { recursive: true, force: true });
  const tsc = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', path.join(root, 'tsconfig.build.json')], { cwd: root, stdio: 'inherit' });
  if (tsc.status !== 0) return false;
  fs.writeFileSync(stamp, `${new Date().toISOString()}\n`);
  return true;
}

module.exports = { buildIsCurrent, build };

if (require.main === module) process.exit(build() ? 0 : 1);
