import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createKey } from '../src/auth/keys';
import { loadConfig } from '../src/config';
import { openRegistryDatabase } from '../src/registry';
import { loadSeeds } from '../seeds/loader';
import { generateSynthetic } from '../seeds/synthetic';
import { freshDatabase } from './support/registry';

const root = path.join(__dirname, '..');
const registry = (args: string[], env: Record<string, string>) =>
  spawnSync(process.execPath, [path.join(root, 'bin', 'registry'), ...args], { cwd: root, env: { ...process.env, ...env }, encoding: 'utf8', timeout: 120_000 });

describe('an operator moves a whole registry from SQLite to another database and back', () => {
  it('loses nothing: the export of the copy is the export of the original, byte for byte', async () => {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'registry-transfer-'));
    const source = { REGISTRY_DATA_DIR: path.join(work, 'source') };
    const target = await freshDatabase();
    try {
      const db = await openRegistryDatabase(loadConfig(source));
      await loadSeeds(db);
      await generateSynthetic(db, 'small');
      await createKey(db, 'editor', 'moved along');
      // A region whose parent was created after it, so the import must fill parents in a second pass.
      await db.query(`INSERT INTO regions (code, name, kind, synthetic) VALUES ('XA', '{"en":"Late parent"}', 'COUNTRY', $1)`, [true]);
      await db.query(`UPDATE regions SET parent_id = (SELECT id FROM regions WHERE code = 'XA') WHERE code = 'SYN-0001'`);
      await db.close();

      const first = path.join(work, 'first.jsonl');
      expect(registry(['export', first], source).status).toBe(0);
      const imported = registry(['import', first], target.env);
      // Standard error holds its progress, and nothing else.
      expect(imported.stderr).toMatch(/^(import: \d+% \([\d.]+\/[\d.]+ MB\).*\n)+$/);
      expect(imported.stdout).toMatch(/imported 1 api_keys, 2 languages, 160 regions, 404 organizations, 362 programs, \d+ program_organizers, \d+ participant_origins, 3009 sessions, 2\d\d calls, \d+ call_regions/);
      const second = path.join(work, 'second.jsonl');
      expect(registry(['export', second], target.env).status).toBe(0);
      expect(fs.readFileSync(second, 'utf8')).toBe(fs.readFileSync(first, 'utf8'));

      // The copy keeps working: new records continue after the imported ids.
      const copy = await openRegistryDatabase(loadConfig(target.env));
      const [{ id }] = await copy.query<{ id: number }>(`INSERT INTO organizations (slug, name, kind, synthetic) VALUES ('after-import', '{"en":"After"}', 'NGO', $1) RETURNING id`, [false]);
      const [{ max }] = await copy.query<{ max: number }>(`SELECT MAX(id) AS "max" FROM organizations WHERE slug <> 'after-import'`);
      expect(Number(id)).toBeGreaterThan(Number(max));
      await copy.close();

      expect(registry(['import', first], target.env).stderr).toContain('import needs an empty registry');
    } finally {
      await target.drop();
      fs.rmSync(work, { recursive: true, force: true });
    }
  }, 180_000);
});
