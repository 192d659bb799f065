import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

// scripts/build-explorer.js is plain node (it runs before any TypeScript is built); its staleness check is what this test holds.
const { staleness } = require('../scripts/build-explorer.js') as {
  staleness(root?: string): string[];
};

describe('the explorer bundle', () => {
  it('is built from the current sources and packages, and nobody edited it by hand (npm run explorer:build rebuilds it)', () => {
    expect(staleness()).toEqual([]);
  });

  it('is found stale when a source changes, a new source appears, or an output is edited', () => {
    const root = path.resolve(__dirname, '..');
    const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'explorer-bundle-'));
    try {
      const manifest = JSON.parse(fs.readFileSync(path.join(root, 'explorer', 'bundle', 'manifest.json'), 'utf8')) as { inputs: Record<string, string> };
      // Only the registry's own inputs and the outputs are copied; the packages' files are checked where they are.
      for (const file of [...Object.keys(manifest.inputs).filter((f) => !f.startsWith('node_modules/')), 'explorer/bundle/manifest.json', 'explorer/bundle/explorer.js', 'explorer/bundle/explorer.css']) {
        fs.mkdirSync(path.dirname(path.join(copy, file)), { recursive: true });
        fs.copyFileSync(path.join(root, file), path.join(copy, file));
      }
      fs.symlinkSync(path.join(root, 'node_modules'), path.join(copy, 'node_modules'));
      expect(staleness(copy)).toEqual([]);
      fs.appendFileSync(path.join(copy, 'explorer', 'src', 'csv.ts'), '\n');
      fs.writeFileSync(path.join(copy, 'explorer', 'src', 'new-panel.tsx'), 'export {};\n');
      fs.appendFileSync(path.join(copy, 'explorer', 'bundle', 'explorer.css'), '/* by hand */');
      expect(staleness(copy).sort()).toEqual(['explorer/bundle/explorer.css was changed by hand', 'explorer/src/csv.ts changed', 'explorer/src/new-panel.tsx is new']);
    } finally {
      fs.rmSync(copy, { recursive: true, force: true });
    }
  });
});
