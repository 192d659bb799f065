import fs from 'node:fs';
import path from 'node:path';
import type { Database, SqlRunner } from '../src/db/database';
import { titleSort } from '../src/programs/title';
import { PROJECT_ROOT } from '../src/paths';
import type { OnProgress } from '../src/ops/progress';

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
  /** Records this load added or changed (a program whose organizers or origins changed counts once); all zero when it found nothing to do. */
  changed: { languages: number; regions: number; organizations: number; programs: number; sessions: number };
}

export const SEED_DIR = path.join(PROJECT_ROOT, 'seeds');

async function idOf(tx: SqlRunner, table: string, column: string, value: string | null | undefined, what: string): Promise<number | null> {
  if (value == null) return null;
  const [row] = await tx.run<{ id: number }>((p) => `SELECT id FROM ${table} WHERE ${column} = ${p.add(value)}`);
  if (!row) throw new Error(`seed: ${what} "${value}" is not defined`);
  return Number(row.id);
}

const json = (value: unknown) => (value == null ? null : JSON.stringify(value));

/**
 * Adds a row, or brings the row with the same `key` up to date. The update
 * runs only when a value differs, so the answer tells whether anything
 * changed: the returned row (`returning`) when it did, none when it did not.
 */
async function upsert(tx: SqlRunner, table: string, key: string[], values: Record<string, unknown>, update: string[], returning: string): Promise<Array<{ id?: number }>> {
  const columns = Object.keys(values);
  return tx.run<{ id?: number }>(
    (p) => `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${p.list(Object.values(values))})
      ON CONFLICT (${key.join(', ')}) DO UPDATE SET ${update.map((c) => `${c} = excluded.${c}`).join(', ')}
      WHERE ${update.map((c) => `${table}.${c} IS DISTINCT FROM excluded.${c}`).join(' OR ')}
      RETURNING ${returning}`,
  );
}

/** Replaces a program's rows of a join table when they differ from `wanted` (in order); true when they did. */
async function replaceLinks(tx: SqlRunner, table: string, programId: number, columns: string[], wanted: unknown[][]): Promise<boolean> {
  const existing = await tx.run<Record<string, unknown>>((p) => `SELECT ${columns.join(', ')} FROM ${table} WHERE program_id = ${p.add(programId)} ORDER BY position`);
  const same = existing.length === wanted.length && existing.every((row, i) => columns.every((c, j) => (row[c] == null ? null : Number(row[c])) === wanted[i][j]));
  if (same) return false;
  await tx.run((p) => `DELETE FROM ${table} WHERE program_id = ${p.add(programId)}`);
  for (const values of wanted) await tx.run((p) => `INSERT INTO ${table} (program_id, ${columns.join(', ')}) VALUES (${p.list([programId, ...values])})`);
  return true;
}

async function loadFile(tx: SqlRunner, seed: SeedFile, summary: SeedSummary, advance: () => void): Promise<void> {
  const { changed } = summary;
  for (const r of seed.regions) {
    const parent = await idOf(tx, 'regions', 'code', r.parent, 'parent region');
    const rows = await upsert(tx, 'regions', ['code'], { code: r.code, name: json(r.name), kind: r.kind, parent_id: parent, synthetic: false }, ['name', 'kind', 'parent_id'], 'id');
    changed.regions += rows.length;
    summary.regions++;
    advance();
  }
  for (const o of seed.organizations) {
    const region = await idOf(tx, 'regions', 'code', o.region, 'region');
    const rows = await upsert(tx, 'organizations', ['slug'], { slug: o.slug, name: json(o.name), kind: o.kind, region_id: region, synthetic: false }, ['name', 'kind', 'region_id'], 'id');
    changed.organizations += rows.length;
    summary.organizations++;
    advance();
  }
  for (const pr of seed.programs) {
    const location = await idOf(tx, 'regions', 'code', pr.location, 'location');
    const forum = await idOf(tx, 'programs', 'slug', pr.forum, 'forum');
    const values = {
      type: pr.type, slug: pr.slug, title: json(pr.title), title_sort: titleSort(pr.title), description: json(pr.description), starts_on: pr.startsOn, ends_on: pr.endsOn,
      location_id: location, series: pr.series ?? null, year: pr.year ?? null, training_program: json(pr.trainingProgram), forum_id: forum,
      participant_count: pr.participantCount ?? null, audience: json(pr.audience), synthetic: false,
    };
    const update = Object.keys(values).filter((c) => c !== 'slug' && c !== 'synthetic');
    const written = await upsert(tx, 'programs', ['slug'], values, update, 'id');
    const programId = written.length ? Number(written[0].id) : (await idOf(tx, 'programs', 'slug', pr.slug, 'program'))!;
    let programChanged = written.length > 0;
    const organizers: unknown[][] = [];
    for (const [position, slug] of pr.organizers.entries()) organizers.push([await idOf(tx, 'organizations', 'slug', slug, 'organizer'), position]);
    if (await replaceLinks(tx, 'program_organizers', programId, ['organization_id', 'position'], organizers)) programChanged = true;
    const origins: unknown[][] = [];
    for (const [position, origin] of (pr.participantOrigins ?? []).entries()) origins.push([await idOf(tx, 'regions', 'code', origin.region, 'origin region'), origin.count, position]);
    if (await replaceLinks(tx, 'participant_origins', programId, ['region_id', 'count', 'position'], origins)) programChanged = true;
    for (const [position, s] of (pr.sessions ?? []).entries()) {
      const host = await idOf(tx, 'organizations', 'slug', s.host, 'session host');
      const session = { program_id: programId, slug: s.slug, title: json(s.title), kind: s.kind, host_id: host, starts_at: s.startsAt ?? null, ends_at: s.endsAt ?? null, position, synthetic: false };
      changed.sessions += (await upsert(tx, 'sessions', ['program_id', 'slug'], session, ['title', 'kind', 'host_id', 'starts_at', 'ends_at', 'position'], 'id')).length;
      summary.sessions++;
      advance();
    }
    if (programChanged) changed.programs++;
    summary.programs++;
    advance();
  }
}

/** The languages the registry holds text in; adding one (Azerbaijani) is a line here plus its texts in the seed. */
export const LANGUAGES_FILE = 'languages.json';

export interface LanguagesFile {
  languages: Array<{ code: string; nativeName: string; name: Localized }>;
}

async function loadLanguages(tx: SqlRunner, file: string, summary: SeedSummary): Promise<void> {
  const { languages } = JSON.parse(fs.readFileSync(file, 'utf8')) as LanguagesFile;
  for (const [position, l] of languages.entries()) {
    const rows = await upsert(tx, 'languages', ['code'], { code: l.code, name: json(l.name), native_name: l.nativeName, position }, ['name', 'native_name', 'position'], 'code');
    summary.changed.languages += rows.length;
  }
}

/** How many records the seed files hold, for progress. */
function recordsIn(seed: SeedFile): number {
  return seed.regions.length + seed.organizations.length + seed.programs.reduce((n, p) => n + 1 + (p.sessions?.length ?? 0), 0);
}

/**
 * Loads the languages and every other `*.json` seed file in one transaction;
 * loading twice leaves the same data, and the summary's `changed` counts say
 * what a load added or changed (nothing, the second time).
 */
export async function loadSeeds(db: Database, dir = SEED_DIR, onProgress?: OnProgress): Promise<SeedSummary> {
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.json') && f !== LANGUAGES_FILE).sort();
  const seeds = files.map((file) => JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as SeedFile);
  const total = seeds.reduce((n, seed) => n + recordsIn(seed), 0);
  const summary: SeedSummary = { files: files.length, regions: 0, organizations: 0, programs: 0, sessions: 0, changed: { languages: 0, regions: 0, organizations: 0, programs: 0, sessions: 0 } };
  let done = 0;
  onProgress?.(0, total, 'seeds/');
  await db.transaction(async (tx) => {
    if (fs.existsSync(path.join(dir, LANGUAGES_FILE))) await loadLanguages(tx, path.join(dir, LANGUAGES_FILE), summary);
    for (const [i, seed] of seeds.entries()) await loadFile(tx, seed, summary, () => onProgress?.(++done, total, files[i]));
  });
  return summary;
}
