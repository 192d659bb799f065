import { Ctx, Field, FieldResolver, Arg, Int, ObjectType, Query, Resolver } from 'type-graphql';
import type { RegistryContext } from '../graphql/context';
import { whereClause } from '../graphql/loaders';
import { ProgramFilter, programConditions } from '../programs/filter';
import { Region } from '../regions/region';
import { regionById } from '../regions/loaders';

@ObjectType('ProgramsInYear', { simpleResolvers: true, description: 'How many programs started in one year.' })
export class ProgramsInYear {
  @Field(() => Int, { description: 'Calendar year of the start date.' })
  year: number;

  @Field(() => Int, { description: 'Programs (forums and internships) starting that year.' })
  count: number;
}

@ObjectType('ParticipantsFromRegion', { description: 'How many participants came from one region.' })
export class ParticipantsFromRegion {
  @Field(() => Region, { description: 'The region participants came from.' })
  region: Promise<Region | null>;

  @Field(() => Int, { nullable: true, description: 'Sum of the counted participants; null when no program gives a count for this region.' })
  count: number | null;
}

@ObjectType('RegistryStats', { description: 'Aggregates over the whole registry, computed in the database.' })
export class RegistryStats {}

@Resolver(() => RegistryStats)
export class StatsResolver {
  @Query(() => RegistryStats, { description: 'Aggregate statistics for analysts.' })
  stats(): RegistryStats {
    return new RegistryStats();
  }

  @FieldResolver(() => [ProgramsInYear], { description: 'Programs per year of their start date, oldest year first; programs without dates are not counted.' })
  async programsByYear(@Ctx() ctx: RegistryContext): Promise<ProgramsInYear[]> {
    const rows = await ctx.db.query<{ year: number | string; n: number | string }>(
      `SELECT CAST(SUBSTR(p.starts_on, 1, 4) AS INTEGER) AS "year", COUNT(*) AS "n" FROM programs p WHERE p.starts_on IS NOT NULL GROUP BY 1 ORDER BY 1`,
    );
    return rows.map((r) => ({ year: Number(r.year), count: Number(r.n) }));
  }

  @FieldResolver(() => [ParticipantsFromRegion], { description: 'Participants by the region they came from, over the programs the filter selects.' })
  async participantsByRegion(
    @Arg('filter', () => ProgramFilter, { nullable: true, description: 'Which programs to count.' }) filter: ProgramFilter | null,
    @Ctx() ctx: RegistryContext,
  ): Promise<ParticipantsFromRegion[]> {
    const where = await programConditions(filter, ctx);
    const rows = await ctx.db.run<{ region: number; n: number | string | null }>(
      (p) => `SELECT po.region_id AS "region", SUM(po.count) AS "n" FROM participant_origins po JOIN programs p ON p.id = po.program_id ${whereClause(where, p)} GROUP BY po.region_id ORDER BY po.region_id`,
    );
    const regions = regionById(ctx);
    return rows.map((r) => ({ region: regions.load(Number(r.region)), count: r.n == null ? null : Number(r.n) }));
  }
}
