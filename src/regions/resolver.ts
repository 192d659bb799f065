import { ArgsType, Field, InputType } from 'type-graphql';
import type { SqlPart } from '../db/database';
import { connectionType, declareFields, declareNode, declareQueries, fieldsOf, ForwardPageArgs, MAX_AGE, pageRequest, rootConnection, type Ordering, type RegistryContext } from '../engine';
import { Region, RegionKind } from './region';
import { regionAndBelow, regionByCode, regionById, regionChildren, regionSource } from './loaders';

export const RegionConnection = connectionType('Region', Region, 'regions');

@InputType('RegionFilter', { description: 'Narrows a list of regions; all given conditions must hold.' })
export class RegionFilter {
  @Field(() => [RegionKind], { nullable: true, description: 'Only regions of these kinds.' })
  kind?: RegionKind[] | null;

  @Field(() => String, { nullable: true, description: 'Only regions below the region with this code (not the region itself).' })
  withinCode?: string | null;
}

@ArgsType()
class RegionsArgs extends ForwardPageArgs {
  @Field(() => RegionFilter, { nullable: true, description: 'Which regions to list.' })
  filter?: RegionFilter | null;
}

const byCode: Ordering = { name: 'CODE', key: 'r.code', keyType: 'text', pk: 'r.id', direction: 'ASC', unique: true };

function listRegions(ctx: RegistryContext, args: RegionsArgs) {
  const where: SqlPart[] = [];
  const { kind, withinCode } = args.filter ?? {};
  if (kind?.length) where.push((p) => `r.kind IN (${p.list(kind)})`);
  if (withinCode != null) where.push((p) => `r.id IN (${regionAndBelow(p.add(withinCode))}) AND r.code <> ${p.add(withinCode)}`);
  return rootConnection(ctx, { ...regionSource(ctx.db), where }, byCode, args);
}

declareNode(Region, { byId: regionById, source: regionSource });

const region = fieldsOf(Region);
declareFields(Region, {
  name: region.localized('name', { description: 'Name of the region in the asked language.', orElse: 'code' }),
  parent: region.toOne(() => Region, 'parentPk', { description: 'The region this one lies in; null for the top of the hierarchy.' }),
  // Read from the regions the server holds (src/regions/directory.ts); rendered from the table.
  children: region.children(() => Region, { foreignKey: 'parentPk', orderBy: ['code'], description: 'Regions directly below this one, ordered by code.', load: (r, ctx) => regionChildren(ctx).load(r.pk) }),
});

declareQueries({
  region: {
    type: () => Region,
    nullable: true,
    description: 'The region with this code (RU, RU-OMS, AZ-BA, CIS); null when there is none.',
    args: { code: { type: () => String, description: 'ISO 3166 code, or "CIS".' } },
    reads: [],
    resolve: (_, { code }: { code: string }, ctx) => regionByCode(ctx).load(code),
  },
  regions: {
    type: () => RegionConnection,
    description: 'Regions, ordered by code.',
    args: RegionsArgs,
    cacheFor: MAX_AGE.reference,
    reads: [],
    validate: (args: RegionsArgs) => void pageRequest(args, byCode),
    resolve: (_, args: RegionsArgs, ctx) => listRegions(ctx, args),
  },
});
