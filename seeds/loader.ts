import fs from 'node:fs';
import path from 'node:path';
import type { Database, SqlRunner } from '../src/db/database';
import { titleSort } from '../src/programs/title';
import { PROJECT_ROOT } from '../src/paths';

type Localized = Partial<Record<string, string>>;

interface SeedSession {
  slug: string;
  kind: string;
  host: string | null;
  title: Localized;
  startsAt?: string | null;
  endsAt?: string | null;
}

interface SeedProgram {
  type: 'FORUM' | 'INTERNSHIP';
  slug: string;
  title: Localized;
  description?: Localized | null;
  startsOn: string | null;
  endsOn: string | null;
  location: string | null;
  organizers: string[];
  series?: string | null;
  year?: number | null;
  forum?: string | null;
  trainingProgram?: Localized | null;
  participantCount?: number | null;
  audience?: Partial<Record<string, string[]>> | null;
  participantOrigins?: Array<{ region: string; count: number | null }>;
  sessions?: SeedSession[];
}

export interface SeedFile {
  source: string;
  regions: Array<{ code: string; kind: string; parent: string | null; name: Localized }>;
  organizations: Array<{ slug: string; kind: string; region: string | null; name: Localized }>;
  programs: SeedProgram[];
}

export interface SeedSummary {
  files: number;
  regions: number;
  organizations: number;
  programs: number;
  sessions: number;
}

export const SEED_DIR = path.join(PROJECT_ROOT, 'seeds');

async function idOf(tx: SqlRunner, table: string, column: string, value: string | null | undefined, what: string): Promise<number | null> {
  if (value == null) return null;
  const [row] = await tx.run<{ id: number }>((p) => `SELECT id FROM ${table} WHERE ${column} = ${p.add(value)}`);
  if (!row) throw new Error(`seed: ${what} "${value}" is not defined`);
  return Number(row.id);
}

const json = (value: unknown) => (value == null ? null : JSON.stringify(value));

async function loadFile(tx: SqlRunner, seed: SeedFile, summary: SeedSummary): Promise<void> {
  for (const r of seed.regions) {
    const parent = await idOf(tx, 'regions', 'code', r.parent, 'parent region');
    await tx.run(
      (p) => `INSERT INTO regions (code, name, kind, parent_id, synthetic)
        VALUES (${p.list([r.code, json(r.name), r.kind, parent, false])})
        ON CONFLICT (code) DO UPDATE SET name = excluded.name, kind = excluded.kind, parent_id = excluded.parent_id`,
    );
    summary.regions++;
  }
  for (const o of seed.organizations) {
    const region = await idOf(tx, 'regions', 'code', o.region, 'region');
    await tx.run(
      (p) => `INSERT INTO organizations (slug, name, kind, region_id, synthetic)
        VALUES (${p.list([o.slug, json(o.name), o.kind, region, false])})
        ON CONFLICT (slug) DO UPDATE SET name = excluded.name, kind = excluded.kind, region_id = excluded.region_id`,
    );
    summary.organizations++;
  }
  for (const pr of seed.programs) {
    const location = await idOf(tx, 'regions', 'code', pr.location, 'location');
    const forum = await idOf(tx, 'programs', 'slug', pr.forum, 'forum');
    const values = [
      pr.type, pr.slug, json(pr.title), titleSort(pr.title), json(pr.description), pr.startsOn, pr.endsOn, location,
      pr.series ?? null, pr.year ?? null, json(pr.trainingProgram), forum, pr.participantCount ?? null, json(pr.audience), false,
    ];
    const [row] = await tx.run<{ id: number }>(
      (p) => `INSERT INTO programs (type, slug, title, title_sort, description, starts_on, ends_on, location_id, series, year, training_program, forum_id, participant_count, audience, synthetic)
        VALUES (${p.list(values)})
        ON CONFLICT (slug) DO UPDATE SET type = excluded.type, title = excluded.title, title_sort = excluded.title_sort, description = excluded.description,
          starts_on = excluded.starts_on, ends_on = excluded.ends_on, location_id = excluded.location_id, series = excluded.series, year = excluded.year,
          training_program = excluded.training_program, forum_id = excluded.forum_id, participant_count = excluded.participant_count,
          audience = excluded.audience
        RETURNING id`,
    );
    const programId = Number(row.id);
    // Join rows are replaced whole, which leaves the same rows when the seed has not changed.
    await tx.run((p) => `DELETE FROM program_organizers WHERE program_id = ${p.add(programId)}`);
    for (const [position, slug] of pr.organizers.entries()) {
      const org = await idOf(tx, 'organizations', 'slug', slug, 'organizer');
      await tx.run((p) => `INSERT INTO program_organizers (program_id, organization_id, position) VALUES (${p.list([programId, org, position])})`);
    }
    await tx.run((p) => `DELETE FROM participant_origins WHERE program_id = ${p.add(programId)}`);
    for (const [position, origin] of (pr.participantOrigins ?? []).entries()) {
      const region = await idOf(tx, 'regions', 'code', origin.region, 'origin region');
      await tx.run((p) => `INSERT INTO participant_origins (program_id, region_id, count, position) VALUES (${p.list([programId, region, origin.count, position])})`);
    }
    for (const [position, s] of (pr.sessions ?? []).entries()) {
      const host = await idOf(tx, 'organizations', 'slug', s.host, 'session host');
      await tx.run(
        (p) => `INSERT INTO sessions (program_id, slug, title, kind, host_id, starts_at, ends_at, position, synthetic)
          VALUES (${p.list([programId, s.slug, json(s.title), s.kind, host, s.startsAt ?? null, s.endsAt ?? null, position, false])})
          ON CONFLICT (program_id, slug) DO UPDATE SET title = excluded.title, kind = excluded.kind, host_id = excluded.host_id,
            starts_at = excluded.starts_at, ends_at = excluded.ends_at, position = excluded.position`,
      );
      summary.sessions++;
    }
    summary.programs++;
  }
}

/** The languages the registry holds text in; adding one (Azerbaijani) is a line here plus its texts in the seed. */
export const LANGUAGES_FILE = 'languages.json';

export interface LanguagesFile {
  languages: Array<{ code: string; nativeName: string; name: Localized }>;
}

async function loadLanguages(tx: SqlRunner, file: string): Promise<void> {
  const { languages } = JSON.parse(fs.readFileSync(file, 'utf8')) as LanguagesFile;
  for (const [position, l] of languages.entries()) {
    await tx.run(
      (p) => `INSERT INTO languages (code, name, native_name, position) VALUES (${p.list([l.code, json(l.name), l.nativeName, position])})
        ON CONFLICT (code) DO UPDATE SET name = excluded.name, native_name = excluded.native_name, position = excluded.position`,
    );
  }
}

/** Loads the languages and every other `*.json` seed file in one transaction; loading twice leaves the same data. */
export async function loadSeeds(db: Database, dir = SEED_DIR): Promise<SeedSummary> {
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.json') && f !== LANGUAGES_FILE).sort();
  const summary: SeedSummary = { files: files.length, regions: 0, organizations: 0, programs: 0, sessions: 0 };
  await db.transaction(async (tx) => {
    if (fs.existsSync(path.join(dir, LANGUAGES_FILE))) await loadLanguages(tx, path.join(dir, LANGUAGES_FILE));
    for (const file of files) {
      const seed = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as SeedFile;
      await loadFile(tx, seed, summary);
    }
  });
  return summary;
}
