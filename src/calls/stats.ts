import { declareFields, whereClause } from '../engine';
import { Field, Int, ObjectType } from 'type-graphql';
import { checkProgramFilter, ProgramFilter, programConditions } from '../programs/filter';
import { regionById } from '../regions/loaders';
import { Region } from '../regions/region';
import { RegistryStats } from '../stats/resolver';
import { CallStatus } from './call';
import { callStatusIn } from './status';

@ObjectType('OpenCallsInRegion', { simpleResolvers: true, description: 'How many calls for applications open now name one region as where applicants may live.' })
export class OpenCallsInRegion {
  @Field(() => Region, { description: 'The region a call names (its residents, and those of every region below it, may apply).' })
  region: Promise<Region | null>;

  @Field(() => Int, { description: 'Open calls naming the region.' })
  count: number;
}

/** Statistics of calls for applications, beside the registry's other aggregates (src/stats). */
declareFields<RegistryStats>(RegistryStats, {
  openCallsByRegion: {
    type: () => [OpenCallsInRegion],
    description:
      'Calls for applications open now, per region they name, most first (ties by region code); a call naming two regions counts for both, and one with no condition of residence for none.',
    args: { filter: { type: () => ProgramFilter, nullable: true, description: 'Which programmes to count the calls of; all of them when not given.' } },
    reads: [],
    validate: (args: { filter?: ProgramFilter | null }) => checkProgramFilter(args.filter),
    resolve: async (_, { filter }: { filter?: ProgramFilter | null }, ctx): Promise<OpenCallsInRegion[]> => {
      const where = await programConditions(filter, ctx);
      const rows = await ctx.db.run<{ region: number | string; n: number | string }>(
        (p) =>
          `SELECT cr.region_id AS "region", CAST(COUNT(*) AS INTEGER) AS "n" FROM calls c JOIN programs p ON p.id = c.program_id JOIN call_regions cr ON cr.call_id = c.id JOIN regions r ON r.id = cr.region_id ${whereClause(
            [...where, (q) => callStatusIn('c', q.add(ctx.now), [CallStatus.OPEN])],
            p,
          )} GROUP BY cr.region_id, r.code ORDER BY 2 DESC, r.code`,
      );
      const regions = regionById(ctx);
      return rows.map((r) => ({ region: regions.load(Number(r.region)), count: Number(r.n) }));
    },
  },
});
