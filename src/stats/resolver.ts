import { declareFields, declareQueries, keyedQuery, whereClause, type ArgSpec, type RegistryContext } from '../engine';
import { Field, Int, ObjectType } from 'type-graphql';
import type { SqlPart } from '../db/database';
import { HeldForGeneration } from '../db/generation';
import { organizationById } from '../organizations/loaders';
import { Organization } from '../organizations/organization';
import { checkProgramFilter, ProgramFilter, programConditions, programStatusExpression } from '../programs/filter';
import { ProgramStatus } from '../programs/program';
import { Region } from '../regions/region';
import { regionById } from '../regions/loaders';

@ObjectType('ProgramsInYear', { simpleResolvers: true, description: 'How many programs started in one year.' })
export class ProgramsInYear {
  @Field(() => Int, { description: 'Calendar year of the start date.' })
  year: number;

  @Field(() => Int, { description: 'Programs (forums and internships) starting that year.' })
  count: number;
}

@ObjectType('ParticipantsFromRegion', { simpleResolvers: true, description: 'How many participants came from one region.' })
export class ParticipantsFromRegion {
  @Field(() => Region, { description: 'The region participants came from.' })
  region: Promise<Region | null>;

  @Field(() => Int, { nullable: true, description: 'Sum of the counted participants; null when no program gives a count for this region.' })
  count: number | null;
}

@ObjectType('ProgramsInRegion', { simpleResolvers: true, description: 'How many programs take place in one region.' })
export class ProgramsInRegion {
  @Field(() => Region, { description: 'The region.' })
  region: Region | null | Promise<Region | null>;

  @Field(() => Int, { description: 'Programs located in the region (and, when sub-regions are included, anywhere below it).' })
  count: number;
}

@ObjectType('ProgramsByOrganizer', { simpleResolvers: true, description: 'How many programs one organization organizes.' })
export class ProgramsByOrganizer {
  @Field(() => Organization, { description: 'The organizer.' })
  organization: Promise<Organization | null>;

  @Field(() => Int, { description: 'Programs it organizes, alone or with others.' })
  count: number;
}

@ObjectType('ProgramsInStatus', { simpleResolvers: true, description: 'How many programs are in one status today.' })
export class ProgramsInStatus {
  @Field(() => ProgramStatus, { description: 'The status.' })
  status: ProgramStatus;

  @Field(() => Int, { description: 'Programs in that status.' })
  count: number;
}

@ObjectType('RegistryStats', { description: 'Aggregates over the whole registry, computed in the database.' })
export class RegistryStats {}

/** The arguments of the statistics: which programmes to count, and whether sub-regions count into their parents. */
interface StatsArgs {
  filter?: ProgramFilter | null;
  includeSubregions?: boolean;
}

const filterArg: ArgSpec = { type: () => ProgramFilter, nullable: true, description: 'Which programs to count; all of them when not given.' };
const subregionsArg: ArgSpec = {
  type: () => Boolean,
  defaultValue: false,
  description: 'Count each program also into every region above its own, so "RU" includes Omsk; regions are then listed wherever something is counted.',
};

/** A filter wrong on its face (dates the wrong way round, an empty query) is refused before anything is read, on either path. */
const checkFilter = (args: StatsArgs) => checkProgramFilter(args.filter);

/** Pairs every region with itself and every region above it, so a GROUP BY on `ancestor_id` counts sub-regions into parents. */
const REGION_ANCESTORS = `WITH RECURSIVE up(region_id, ancestor_id) AS (SELECT id, id FROM regions UNION ALL SELECT up.region_id, r.parent_id FROM up JOIN regions r ON r.id = up.ancestor_id WHERE r.parent_id IS NOT NULL)`;

/**
 * The tallies of one dimension the triggers keep (src/db/migrations/1733500000000-program-tallies.ts),
 * as rows `(key, n)` under the alias `t`: what the unfiltered statistics read instead of grouping every programme.
 */
const tallies = (dimension: Dimension) => `(SELECT tally_key AS "key", n FROM program_tallies WHERE dimension = '${dimension}' AND n > 0) t`;
type Dimension = 'year' | 'location' | 'organizer';
interface Tally {
  key: number;
  n: number;
}

/** The tallies of the dimensions a request asks for in one tick, in one statement, by key. */
const talliesOf = (ctx: RegistryContext) =>
  ctx.loaders.use('stats.tallies', (db) =>
    keyedQuery<Dimension, Tally[]>(
      db,
      'program_tallies',
      async (runner, dimensions) => {
        const rows = await runner.run<{ dimension: Dimension; key: number | string; n: number | string }>(
          (p) => `SELECT dimension AS "dimension", tally_key AS "key", n AS "n" FROM program_tallies WHERE ${p.in('dimension', dimensions)} AND n > 0 ORDER BY tally_key`,
        );
        const found = new Map<Dimension, Tally[]>(dimensions.map((d) => [d, []]));
        for (const row of rows) found.get(row.dimension)?.push({ key: Number(row.key), n: Number(row.n) });
        return found;
      },
      [],
    ),
  );

/**
 * Unfiltered statistics as of a write generation, held by the server between
 * requests as the regions are (src/regions/directory.ts): a write through any
 * replica bumps the generation the next request reads, so it counts afresh;
 * a write made outside the registry (which the triggers count too) shows
 * within a minute. Outside a server (no generation) each request counts.
 */
const heldStats = new WeakMap<object, HeldForGeneration>();

async function held<T>(ctx: RegistryContext, key: string, compute: () => Promise<T>): Promise<T> {
  if (!ctx.generation) return compute();
  const generation = await ctx.generation();
  let stats = heldStats.get(ctx.db.dataSource);
  if (!stats) heldStats.set(ctx.db.dataSource, (stats = new HeldForGeneration()));
  return stats.answer(generation, key, compute);
}

/**
 * Programmes per region from the location tallies, each also counted into
 * every region above its own when asked: the regions come from the ones the
 * server holds (src/regions/directory.ts), so no statement walks the
 * hierarchy. Most first, ties by code, as the grouped statement orders them.
 */
async function regionCounts(ctx: RegistryContext, includeSubregions: boolean): Promise<ProgramsInRegion[]> {
  const tallied = await talliesOf(ctx).load('location');
  // Every region a count reaches, a level of the hierarchy per batch (held by the server, they cost no statement).
  const known = new Map<number, Region | null>();
  for (let wanted = tallied.map((t) => t.key); wanted.length; ) {
    const loaded = await regionById(ctx).loadMany(wanted);
    wanted.forEach((id, i) => known.set(id, loaded[i] instanceof Error ? null : (loaded[i] as Region | null)));
    wanted = includeSubregions ? [...new Set(wanted.map((id) => known.get(id)?.parentPk).filter((id): id is number => id != null && !known.has(id)))] : [];
  }
  const totals = new Map<number, number>();
  for (const { key, n } of tallied) {
    for (let at: number | null | undefined = key; at != null; at = includeSubregions ? known.get(at)?.parentPk : null) totals.set(at, (totals.get(at) ?? 0) + n);
  }
  // A location whose region is gone (nothing the foreign key allows) is not listed, as the joined statement would not list it.
  const listed = [...totals].map(([pk, count]) => ({ region: known.get(pk) ?? null, count })).filter((c): c is { region: Region; count: number } => c.region !== null);
  return listed.sort((a, b) => b.count - a.count || (a.region.code < b.region.code ? -1 : a.region.code > b.region.code ? 1 : 0));
}

/** Counts are bigint on PostgreSQL; every count leaves the database as an integer. */
const count = (expression = '*') => `CAST(COUNT(${expression}) AS INTEGER)`;

declareQueries({
  stats: {
    type: () => RegistryStats,
    description: 'Aggregate statistics for analysts, all computed in the database.',
    reads: [],
    resolve: () => new RegistryStats(),
  },
});

declareFields<RegistryStats>(RegistryStats, {
  programsByYear: {
    type: () => [ProgramsInYear],
    description: 'Programs per year of their start date, oldest year first; programs without dates are not counted.',
    args: { filter: filterArg },
    reads: [],
    validate: checkFilter,
    resolve: async (_, { filter }: StatsArgs, ctx): Promise<ProgramsInYear[]> => {
      const conditions = await programConditions(filter, ctx);
      const where: Array<SqlPart | string> = [...conditions, 'p.starts_on IS NOT NULL'];
      if (!conditions.length) return held(ctx, 'year', async () => (await talliesOf(ctx).load('year')).map((t) => ({ year: t.key, count: t.n })));
      const rows = await ctx.db.run<{ year: number | string; n: number | string }>(
        (p) => `SELECT CAST(SUBSTR(p.starts_on, 1, 4) AS INTEGER) AS "year", ${count()} AS "n" FROM programs p ${whereClause(where, p)} GROUP BY 1 ORDER BY 1`,
      );
      return rows.map((r) => ({ year: Number(r.year), count: Number(r.n) }));
    },
  },
  programsByRegion: {
    type: () => [ProgramsInRegion],
    description: 'Programs per region they take place in, most first (ties by region code); programs without a location are not counted.',
    args: { filter: filterArg, includeSubregions: subregionsArg },
    reads: [],
    validate: checkFilter,
    resolve: async (_, { filter, includeSubregions = false }: StatsArgs, ctx): Promise<ProgramsInRegion[]> => {
      const where = await programConditions(filter, ctx);
      if (!where.length) return held(ctx, `region:${includeSubregions}`, () => regionCounts(ctx, includeSubregions));
      const rows = await ctx.db.run<{ region: number; n: number | string }>((p) =>
        includeSubregions
          ? `${REGION_ANCESTORS} SELECT up.ancestor_id AS "region", ${count()} AS "n" FROM programs p JOIN up ON up.region_id = p.location_id JOIN regions r ON r.id = up.ancestor_id ${whereClause(where, p)} GROUP BY up.ancestor_id, r.code ORDER BY 2 DESC, r.code`
          : `SELECT p.location_id AS "region", ${count()} AS "n" FROM programs p JOIN regions r ON r.id = p.location_id ${whereClause(where, p)} GROUP BY p.location_id, r.code ORDER BY 2 DESC, r.code`,
      );
      const regions = regionById(ctx);
      return rows.map((r) => ({ region: regions.load(Number(r.region)), count: Number(r.n) }));
    },
  },
  programsByOrganizer: {
    type: () => [ProgramsByOrganizer],
    description: 'Programs per organizing organization, most first (ties by slug); a program with two organizers counts for both.',
    args: { filter: filterArg },
    reads: [],
    validate: checkFilter,
    resolve: async (_, { filter }: StatsArgs, ctx): Promise<ProgramsByOrganizer[]> => {
      const where = await programConditions(filter, ctx);
      const rows = await ctx.db.run<{ organization: number; n: number | string }>((p) =>
        where.length
          ? `SELECT po.organization_id AS "organization", ${count()} AS "n" FROM program_organizers po JOIN programs p ON p.id = po.program_id JOIN organizations o ON o.id = po.organization_id ${whereClause(where, p)} GROUP BY po.organization_id, o.slug ORDER BY 2 DESC, o.slug`
          : `SELECT t."key" AS "organization", t.n AS "n" FROM ${tallies('organizer')} JOIN organizations o ON o.id = t."key" ORDER BY 2 DESC, o.slug`,
      );
      const organizations = organizationById(ctx);
      return rows.map((r) => ({ organization: organizations.load(Number(r.organization)), count: Number(r.n) }));
    },
  },
  programsByStatus: {
    type: () => [ProgramsInStatus],
    description: 'Programs per status as of today: UPCOMING, ONGOING, ARCHIVED, each listed even when none.',
    args: { filter: filterArg },
    reads: [],
    validate: checkFilter,
    resolve: async (_, { filter }: StatsArgs, ctx): Promise<ProgramsInStatus[]> => {
      const where = await programConditions(filter, ctx);
      const status = programStatusExpression(ctx.today);
      const rows = await ctx.db.run<{ status: ProgramStatus; n: number | string }>(
        (p) => `SELECT s.status AS "status", ${count()} AS "n" FROM (SELECT ${status(p)} AS status FROM programs p ${whereClause(where, p)}) s GROUP BY s.status`,
      );
      const counts = new Map(rows.map((r) => [r.status, Number(r.n)]));
      return [ProgramStatus.UPCOMING, ProgramStatus.ONGOING, ProgramStatus.ARCHIVED].map((s) => ({ status: s, count: counts.get(s) ?? 0 }));
    },
  },
  participantsByRegion: {
    type: () => [ParticipantsFromRegion],
    description: 'Participants by the region they came from, over the programs the filter selects, in region order.',
    args: { filter: filterArg, includeSubregions: subregionsArg },
    reads: [],
    validate: checkFilter,
    resolve: async (_, { filter, includeSubregions = false }: StatsArgs, ctx): Promise<ParticipantsFromRegion[]> => {
      const where = await programConditions(filter, ctx);
      const rows = await ctx.db.run<{ region: number; n: number | string | null }>((p) =>
        includeSubregions
          ? `${REGION_ANCESTORS} SELECT up.ancestor_id AS "region", CAST(SUM(po.count) AS INTEGER) AS "n" FROM participant_origins po JOIN programs p ON p.id = po.program_id JOIN up ON up.region_id = po.region_id ${whereClause(where, p)} GROUP BY up.ancestor_id ORDER BY up.ancestor_id`
          : `SELECT po.region_id AS "region", CAST(SUM(po.count) AS INTEGER) AS "n" FROM participant_origins po JOIN programs p ON p.id = po.program_id ${whereClause(where, p)} GROUP BY po.region_id ORDER BY po.region_id`,
      );
      const regions = regionById(ctx);
      return rows.map((r) => ({ region: regions.load(Number(r.region)), count: r.n == null ? null : Number(r.n) }));
    },
  },
});
