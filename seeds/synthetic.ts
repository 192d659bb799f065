import type { Database, SqlRunner } from '../src/db/database';
import { insertMany } from '../src/db/bulk';
import { titleSort } from '../src/programs/title';
import type { OnProgress } from '../src/ops/progress';

/**
 * Deterministic generated data for tests and benchmarks. Every record is
 * marked synthetic; none of it is a fact about a real programme.
 */
export const SYNTHETIC_SIZES = {
  small: { regions: 150, organizations: 400, forums: 60, internshipsPerForum: 5, sessionsPerInternship: 10 },
  medium: { regions: 300, organizations: 2000, forums: 1000, internshipsPerForum: 10, sessionsPerInternship: 10 },
  large: { regions: 600, organizations: 10000, forums: 5000, internshipsPerForum: 10, sessionsPerInternship: 10 },
} as const;

export type SyntheticSize = keyof typeof SYNTHETIC_SIZES;

/** mulberry32: a small seeded PRNG, so every run generates the same registry. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const THEMES: Array<[string, string]> = [
  ['Youth Leadership', 'молодежного лидерства'],
  ['Volunteering', 'добровольчества'],
  ['Civic Education', 'гражданского образования'],
  ['Youth Entrepreneurship', 'молодежного предпринимательства'],
  ['Digital Skills', 'цифровых навыков'],
  ['Intercultural Dialogue', 'межкультурного диалога'],
  ['Youth Policy', 'молодежной политики'],
  ['Student Science', 'студенческой науки'],
  ['Sport and Health', 'спорта и здоровья'],
  ['Creative Industries', 'творческих индустрий'],
];
const PLACES: Array<[string, string]> = [
  ['Synthetic City', 'Синтетический город'],
  ['Test Town', 'Тестовый город'],
  ['Sample District', 'Образцовый район'],
  ['Model Region', 'Модельный регион'],
];
const ORG_KINDS = ['UNIVERSITY', 'GOVERNMENT_BODY', 'YOUTH_COUNCIL', 'NGO', 'INTERSTATE_BODY', 'OTHER'];
const SESSION_KINDS = ['MEETING', 'LECTURE', 'GROUP_WORK', 'PRESENTATION', 'SITE_VISIT', 'DISCUSSION', 'CULTURAL_PROGRAM', 'OTHER'];
const SESSION_NAMES: Record<string, [string, string]> = {
  MEETING: ['Meeting with partners', 'Встреча с партнерами'],
  LECTURE: ['Lecture on youth work', 'Лекция о работе с молодежью'],
  GROUP_WORK: ['Group work', 'Групповая работа'],
  PRESENTATION: ['Presentation of practices', 'Презентация практик'],
  SITE_VISIT: ['Visit to a youth centre', 'Посещение молодежного центра'],
  DISCUSSION: ['Discussion', 'Дискуссия'],
  CULTURAL_PROGRAM: ['Cultural programme', 'Культурная программа'],
  OTHER: ['Closing session', 'Заключительная сессия'],
};

const pad = (n: number, width = 5) => String(n).padStart(width, '0');
const json = (value: unknown) => JSON.stringify(value);

function isoDate(day: number): string {
  return new Date(Date.UTC(2015, 0, 1) + day * 86_400_000).toISOString().slice(0, 10);
}

/** Removes every synthetic record, children first. */
export async function removeSynthetic(tx: SqlRunner): Promise<void> {
  await tx.query('DELETE FROM call_regions WHERE call_id IN (SELECT id FROM calls WHERE synthetic = $1)', [true]);
  await tx.query('DELETE FROM calls WHERE synthetic = $1', [true]);
  await tx.query('DELETE FROM sessions WHERE program_id IN (SELECT id FROM programs WHERE synthetic = $1) OR synthetic = $1', [true]);
  await tx.query('DELETE FROM participant_origins WHERE program_id IN (SELECT id FROM programs WHERE synthetic = $1)', [true]);
  await tx.query('DELETE FROM program_organizers WHERE program_id IN (SELECT id FROM programs WHERE synthetic = $1)', [true]);
  await tx.query('DELETE FROM programs WHERE synthetic = $1 AND forum_id IS NOT NULL', [true]);
  await tx.query('DELETE FROM programs WHERE synthetic = $1', [true]);
  await tx.query('DELETE FROM organizations WHERE synthetic = $1', [true]);
  await tx.query('DELETE FROM regions WHERE synthetic = $1 AND parent_id IN (SELECT id FROM regions WHERE synthetic = $1)', [true]);
  await tx.query('DELETE FROM regions WHERE synthetic = $1', [true]);
}

export interface SyntheticSummary {
  regions: number;
  organizations: number;
  forums: number;
  internships: number;
  sessions: number;
}

/** What a set of each size holds. */
export function syntheticSizeOf(size: SyntheticSize): SyntheticSummary {
  const spec = SYNTHETIC_SIZES[size];
  const internships = spec.forums * spec.internshipsPerForum;
  return { regions: spec.regions, organizations: spec.organizations, forums: spec.forums, internships, sessions: internships * spec.sessionsPerInternship };
}

/** `150 regions, 400 organizations, 60 forums, 300 internships, 3,000 sessions`. */
export function describeSynthetic(set: SyntheticSummary): string {
  const n = (value: number) => value.toLocaleString('en-US');
  return `${n(set.regions)} regions, ${n(set.organizations)} organizations, ${n(set.forums)} forums, ${n(set.internships)} internships, ${n(set.sessions)} sessions`;
}

/** The synthetic records the database holds now (all zero when none). */
export async function existingSynthetic(db: SqlRunner): Promise<SyntheticSummary> {
  const [row] = await db.query<Record<keyof SyntheticSummary, number | string>>(
    `SELECT (SELECT COUNT(*) FROM regions WHERE synthetic = $1) AS "regions", (SELECT COUNT(*) FROM organizations WHERE synthetic = $1) AS "organizations",
      (SELECT COUNT(*) FROM programs WHERE synthetic = $1 AND type = 'FORUM') AS "forums", (SELECT COUNT(*) FROM programs WHERE synthetic = $1 AND type = 'INTERNSHIP') AS "internships",
      (SELECT COUNT(*) FROM sessions WHERE synthetic = $1) AS "sessions"`,
    [true],
  );
  return { regions: Number(row.regions), organizations: Number(row.organizations), forums: Number(row.forums), internships: Number(row.internships), sessions: Number(row.sessions) };
}

const isEmpty = (set: SyntheticSummary) => Object.values(set).every((n) => n === 0);

/** A synthetic set exists and `replace` was not given: nothing was deleted or written. */
export class SyntheticSetExists extends Error {
  constructor(readonly existing: SyntheticSummary) {
    super(`the database already holds a synthetic set (${describeSynthetic(existing)})`);
  }
}

export interface SyntheticOptions {
  /** Seed of the generator; the same seed and size always give the same records. */
  seed?: number;
  /** Delete a synthetic set the database holds already; without it, such a set stops the generation (SyntheticSetExists). */
  replace?: boolean;
  /** Rows written so far, of the set's regions, organizations, programs and sessions. */
  onProgress?: OnProgress;
}

const CALL_ZONES = ['Europe/Moscow', 'Asia/Baku', 'Asia/Omsk', 'Europe/Kaliningrad', 'Asia/Almaty', 'UTC'];
const LANGUAGE_SETS = [['ru'], ['ru', 'en'], ['en'], ['ru', 'az']];
const CURRENCIES = ['RUB', 'EUR', 'AZN'];

/** 23:59 on `day` in `zone`, as an instant in UTC (the offset read from the runtime's zone data). */
function endOfDayIn(day: string, zone: string): string {
  const guess = Date.parse(`${day}T23:59:00.000Z`);
  const parts = Object.fromEntries(new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' }).formatToParts(new Date(guess)).map((p) => [p.type, p.value]));
  const shown = Date.parse(`${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:00.000Z`);
  return new Date(guess - (shown - guess)).toISOString();
}

/**
 * Calls for applications for about three programmes in five, from a generator
 * of their own (so adding them changed no other synthetic record): open 30 to
 * 400 days before the programme starts, closing 3 to 20 days before it at
 * 23:59 in one of a few zones, open to up to two regions (none: anyone).
 */
async function generateCalls(tx: SqlRunner, programs: Array<{ id: number; slug: string; startsOn: string }>, regions: number[], seed: number): Promise<void> {
  const random = prng(seed ^ 0x19ca11);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  const upper = await tx.query<{ id: number }>(`SELECT id FROM regions WHERE kind IN ('COUNTRY', 'INTERSTATE_UNION') AND synthetic = $1 ORDER BY code`, [false]);
  const upperIds = upper.map((r) => Number(r.id));
  const eligible = [...upperIds, ...regions];
  const callRows: unknown[][] = [];
  const chosenRegions: number[][] = [];
  for (const program of programs) {
    if (random() >= 0.6) continue;
    const start = Date.parse(`${program.startsOn}T00:00:00.000Z`);
    const day = (offset: number) => new Date(start - offset * 86_400_000).toISOString().slice(0, 10);
    const zone = pick(CALL_ZONES);
    const fee = random() < 0.5 ? null : Math.round(random() * 500_00);
    const notes = random() < 0.3 ? json({ en: 'Meals are provided; visa costs are reimbursed.', ru: 'Питание предоставляется; расходы на визу возмещаются.' }) : null;
    const covered = () => (random() < 0.2 ? null : random() < 0.5);
    callRows.push([program.id, day(30 + Math.floor(random() * 370)), endOfDayIn(day(3 + Math.floor(random() * 18)), zone), zone, `https://apply.example.org/${program.slug}`, random() < 0.2 ? null : 10 + Math.floor(random() * 40), json(pick(LANGUAGE_SETS)), fee, fee == null ? null : pick(CURRENCIES), covered(), covered(), notes, true]);
    const howMany = Math.floor(random() * 3);
    const chosen = new Set<number>();
    while (chosen.size < howMany) chosen.add(random() < 0.5 ? pick(upperIds) : pick(eligible));
    chosenRegions.push([...chosen]);
  }
  const columns = ['program_id', 'opens_on', 'closes_at', 'time_zone', 'apply_url', 'places', 'working_languages', 'fee_minor', 'fee_currency', 'travel_covered', 'accommodation_covered', 'cost_notes', 'synthetic'];
  const calls = (await insertMany<{ id: number }>(tx, 'calls', columns, callRows, 'id')).map((r) => Number(r.id));
  const regionRows = calls.flatMap((call, i) => chosenRegions[i].map((region, position) => [call, region, position]));
  await insertMany(tx, 'call_regions', ['call_id', 'region_id', 'position'], regionRows);
}

/**
 * Writes a freshly generated synthetic set of the given size, replacing the
 * one the database holds only when asked to; the same size always yields the
 * same records. Needs the base seed's countries (RU, AZ) to hang its regions under.
 */
export async function generateSynthetic(db: Database, size: SyntheticSize, options: SyntheticOptions = {}): Promise<SyntheticSummary> {
  const spec = SYNTHETIC_SIZES[size];
  const random = prng(options.seed ?? 2021);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  const expected = syntheticSizeOf(size);
  const total = expected.regions + expected.organizations + expected.forums + expected.internships + expected.sessions;
  let written = 0;
  const progress = (stage: string) => (count: number) => options.onProgress?.((written += count), total, stage);
  const summary = await db.transaction(async (tx) => {
    const existing = await existingSynthetic(tx);
    if (!isEmpty(existing)) {
      if (!options.replace) throw new SyntheticSetExists(existing);
      options.onProgress?.(0, total, 'deleting the synthetic set it replaces');
      await removeSynthetic(tx);
    }
    options.onProgress?.(0, total, 'regions');
    const countries = await tx.query<{ id: number; code: string }>(`SELECT id, code FROM regions WHERE kind = 'COUNTRY' AND synthetic = $1 ORDER BY code`, [false]);
    if (!countries.length) throw new Error('synthetic data needs the base seed: run `registry seed` first');

    const regionRows = Array.from({ length: spec.regions }, (_, i) => {
      const [en, ru] = PLACES[i % PLACES.length];
      const name = { en: `${en} ${i + 1}`, ru: `${ru} ${i + 1}` };
      return [`SYN-${pad(i + 1, 4)}`, json(name), i % 3 === 0 ? 'CITY' : 'SUBDIVISION', countries[i % countries.length].id, true];
    });
    const regions = (await insertMany<{ id: number }>(tx, 'regions', ['code', 'name', 'kind', 'parent_id', 'synthetic'], regionRows, 'id', progress('regions'))).map((r) => Number(r.id));

    const orgRows = Array.from({ length: spec.organizations }, (_, i) => {
      const [en, ru] = pick(THEMES);
      const name = { en: `Centre for ${en} No. ${i + 1}`, ru: `Центр ${ru} № ${i + 1}` };
      return [`synthetic-org-${pad(i + 1)}`, json(name), pick(ORG_KINDS), pick(regions), true];
    });
    const orgs = (await insertMany<{ id: number }>(tx, 'organizations', ['slug', 'name', 'kind', 'region_id', 'synthetic'], orgRows, 'id', progress('organizations'))).map((r) => Number(r.id));

    const programColumns = ['type', 'slug', 'title', 'title_sort', 'description', 'starts_on', 'ends_on', 'location_id', 'series', 'year', 'training_program', 'forum_id', 'participant_count', 'audience', 'synthetic'];
    const forumRows: unknown[][] = [];
    const forumDays: number[] = [];
    for (let i = 0; i < spec.forums; i++) {
      const [en, ru] = pick(THEMES);
      const day = Math.floor(random() * 365 * 14);
      const year = Number(isoDate(day).slice(0, 4));
      const title = { en: `Forum of ${en} ${year} No. ${i + 1}`, ru: `Форум ${ru} ${year} № ${i + 1}` };
      const description = { en: `A synthetic forum about ${en.toLowerCase()}.`, ru: `Синтетический форум ${ru}.` };
      forumDays.push(day);
      forumRows.push(['FORUM', `synthetic-forum-${pad(i + 1)}`, json(title), titleSort(title), json(description), isoDate(day), isoDate(day + 2 + Math.floor(random() * 5)), pick(regions), `Forum of ${en}`, year, null, null, null, null, true]);
    }
    const forums = (await insertMany<{ id: number }>(tx, 'programs', programColumns, forumRows, 'id', progress('forums'))).map((r) => Number(r.id));

    const internshipRows: unknown[][] = [];
    forums.forEach((forumId, f) => {
      for (let k = 0; k < spec.internshipsPerForum; k++) {
        const n = f * spec.internshipsPerForum + k + 1;
        const [en, ru] = pick(THEMES);
        const day = forumDays[f] + Math.floor(random() * 4);
        const title = { en: `Internship in ${en} No. ${n}`, ru: `Стажировка ${ru} № ${n}` };
        const training = { en: `Advanced training in ${en.toLowerCase()}`, ru: `Повышение квалификации в сфере ${ru}` };
        const count = random() < 0.2 ? null : 10 + Math.floor(random() * 40);
        internshipRows.push(['INTERNSHIP', `synthetic-internship-${pad(n, 6)}`, json(title), titleSort(title), null, isoDate(day), isoDate(day + 3), pick(regions), null, null, json(training), forumId, count, null, true]);
      }
    });
    const internships = (await insertMany<{ id: number }>(tx, 'programs', programColumns, internshipRows, 'id', progress('internships'))).map((r) => Number(r.id));

    const organizerRows: unknown[][] = [];
    const originRows: unknown[][] = [];
    for (const programId of [...forums, ...internships]) {
      const chosen = new Set<number>();
      const howMany = 1 + Math.floor(random() * 2);
      while (chosen.size < howMany) chosen.add(pick(orgs));
      [...chosen].forEach((org, position) => organizerRows.push([programId, org, position]));
    }
    for (const programId of internships) {
      const chosen = new Set<number>();
      const howMany = 1 + Math.floor(random() * 3);
      while (chosen.size < howMany) chosen.add(pick(regions));
      [...chosen].forEach((region, position) => originRows.push([programId, region, random() < 0.3 ? null : 1 + Math.floor(random() * 15), position]));
    }
    options.onProgress?.(written, total, 'organizers and participant origins');
    await insertMany(tx, 'program_organizers', ['program_id', 'organization_id', 'position'], organizerRows);
    await insertMany(tx, 'participant_origins', ['program_id', 'region_id', 'count', 'position'], originRows);

    const sessionRows: unknown[][] = [];
    for (const programId of internships) {
      for (let position = 0; position < spec.sessionsPerInternship; position++) {
        const kind = pick(SESSION_KINDS);
        const [en, ru] = SESSION_NAMES[kind];
        const title = { en: `${en} ${position + 1}`, ru: `${ru} ${position + 1}` };
        const host = random() < 0.25 ? null : pick(orgs);
        sessionRows.push([programId, `session-${position + 1}`, json(title), kind, host, null, null, position, true]);
      }
    }
    await insertMany(tx, 'sessions', ['program_id', 'slug', 'title', 'kind', 'host_id', 'starts_at', 'ends_at', 'position', 'synthetic'], sessionRows, undefined, progress('sessions'));
    options.onProgress?.(written, total, 'calls for applications');
    await generateCalls(tx, [...forumRows, ...internshipRows].map((row, i) => ({ id: [...forums, ...internships][i], slug: row[1] as string, startsOn: row[5] as string })), regions, options.seed ?? 2021);
    return { regions: regions.length, organizations: orgs.length, forums: forums.length, internships: internships.length, sessions: sessionRows.length };
  });
  // Fresh statistics, or SQLite's planner pages a forum's internships by scanning every internship.
  options.onProgress?.(total, total, 'updating the planner statistics (ANALYZE)');
  await db.query('ANALYZE');
  return summary;
}
