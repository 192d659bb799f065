#!/usr/bin/env node
// `npm start`: builds dist/ only when a source is newer than the last build, then serves in this very process. npm runs
// it with `exec`, so no shell stands between: this process is npm's child and gets the SIGTERM or Ctrl-C npm forwards.
const { build, buildIsCurrent } = require('./build');

if (!buildIsCurrent()) {
  const started = Date.now();
  console.log('registry: a source is newer than the build in dist/; building it (a few seconds, once per change)');
  if (!build()) {
    console.error('registry: the build failed (the compiler said why above); fix it, or serve the TypeScript sources with `npx registry serve`');
    process.exit(1);
  }
  console.log(`registry: built dist/ in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
process.argv.splice(2, 0, 'serve');
require('../bin/registry');
