import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { compareSchemas } from '../src/graphql/stewardship';
import { printRegistrySchema } from '../src/registry';

const root = path.join(__dirname, '..');

describe('services that depend on the schema are not broken without warning', () => {
  let current: string;
  beforeAll(async () => {
    current = await printRegistrySchema();
  });

  it('finds no unrecorded breaking change against the last release', async () => {
    const release = fs.readFileSync(path.join(root, 'schema', 'release.graphql'), 'utf8');
    const intended = JSON.parse(fs.readFileSync(path.join(root, 'schema', 'intended-changes.json'), 'utf8'));
    expect((await compareSchemas(release, current, intended.breaking)).unrecorded).toEqual([]);
  });

  it('fails on a field removed from a type, and passes once the removal is recorded as intended', async () => {
    // The "release" had a field that the current schema lacks: for its clients, a removal.
    const release = current.replace('type Forum implements Node & Program', 'type Forum implements Node & Program {\n  edition: Int\n}\n\nextend type Forum');
    const report = await compareSchemas(release, current, []);
    expect(report.unrecorded.map((c) => c.path)).toEqual(['Forum.edition']);
    expect((await compareSchemas(release, current, [{ change: 'Forum.edition', reason: 'replaced by year' }])).unrecorded).toEqual([]);
  });

  it('lists dangerous changes, such as a new enum value, without failing', async () => {
    const release = current.replace(/\n  """A cultural and excursion programme\."""\n  CULTURAL_PROGRAM\n/, '\n');
    const report = await compareSchemas(release, current, []);
    expect(report.unrecorded).toEqual([]);
    expect(report.dangerous.map((c) => c.path)).toEqual(['SessionKind.CULTURAL_PROGRAM']);
  });

  it('exits non-zero from the command line on an unrecorded breaking change', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'schema-check-'));
    try {
      const release = path.join(dir, 'release.graphql');
      fs.writeFileSync(release, current.replace('type Region implements Node', 'type Region implements Node {\n  population: Int\n}\n\nextend type Region'));
      const result = spawnSync(process.execPath, [path.join(root, 'bin', 'registry'), 'schema', 'check', '--release', release], { cwd: root, encoding: 'utf8' });
      expect(result.status).toBe(1);
      expect(result.stdout).toContain('1 breaking (1 not recorded as intended)');
      expect(result.stdout).toContain('Region.population');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
