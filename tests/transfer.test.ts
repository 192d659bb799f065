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
      // The statistics' tallies equal a count of the tables, and, counted again after the rows went in, fill no more
      // room than a fresh copy of them (the triggers' row-by-row updates left a dead version per imported row).
      const counted = await copy.query<{ dimension: string; key: number; n: number }>(
        `SELECT 'year' AS "dimension", CAST(SUBSTR(starts_on, 1, 4) AS INTEGER) AS "key", COUNT(*) AS "n" FROM programs WHERE starts_on IS NOT NULL GROUP BY 2
         UNION ALL SELECT 'location', location_id, COUNT(*) FROM programs WHERE location_id IS NOT NULL GROUP BY 2
         UNION ALL SELECT 'organizer', organization_id, COUNT(*) FROM program_organizers GROUP BY 2 ORDER BY 1, 2`,
      );
      const tallies = await copy.query<{ dimension: string; key: number; n: number }>(`SELECT dimension AS "dimension", tally_key AS "key", n AS "n" FROM program_tallies WHERE n > 0 ORDER BY 1, 2`);
      const numbers = (rows: Array<{ dimension: string; key: number; n: number }>) => rows.map((r) => [r.dimension, Number(r.key), Number(r.n)]);
      expect(numbers(tallies)).toEqual(numbers(counted));
      expect(tallies.length).toBeGreaterThan(300);
      if (copy.dialect === 'postgres') {
        await copy.query('CREATE TEMPORARY TABLE fresh_tallies AS SELECT * FROM program_tallies');
        const [{ held, fresh }] = await copy.query<{ held: number; fresh: number }>(`SELECT pg_relation_size('program_tallies') AS "held", pg_relation_size('fresh_tallies') AS "fresh"`);
        expect(Number(held)).toBeLessThanOrEqual(Number(fresh) * 1.2);
      }
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
