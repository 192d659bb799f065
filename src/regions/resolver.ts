import { Args, ArgsType, Arg, Ctx, Field, FieldResolver, InputType, Query, Resolver, Root } from 'type-graphql';
import type { RegistryContext } from '../engine/context';
import { CacheFor, MAX_AGE } from '../graphql/cache';
import { LangArg, Language } from '../graphql/language';
import { pickText } from '../engine/rules/language';
import { connectionType, ForwardPageArgs, type Ordering } from '../engine/paging';
import { rootConnection } from '../engine/connections';
import type { FastFields, OptionalColumns } from '../engine/fast-path';
import type { RenderTypes } from '../engine/render';
import type { SqlPart } from '../db/database';
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

const byCode: Ordering = { name: 'CODE', key: 'r.code', keyType: 'text', pk: 'r.id', direction: 'ASC' };

function listRegions(ctx: RegistryContext, args: RegionsArgs) {
  const where: SqlPart[] = [];
  const { kind, withinCode } = args.filter ?? {};
  if (kind?.length) where.push((p) => `r.kind IN (${p.list(kind)})`);
  if (withinCode != null) where.push((p) => `r.id IN (${regionAndBelow(p.add(withinCode))}) AND r.code <> ${p.add(withinCode)}`);
  return rootConnection(ctx, { ...regionSource(ctx.db), where }, byCode, args);
}

/** Region fields as plain functions, for the resolvers below and the fast path. */
export const regionFields = {
  name: (region: Region, { lang }: { lang?: Language | null }, ctx: RegistryContext): string => pickText(region.name, lang, ctx.languages) ?? region.code,
  parent: (region: Region, _: unknown, ctx: RegistryContext): Promise<Region | null> | null => (region.parentPk == null ? null : regionById(ctx).load(region.parentPk)),
  children: (region: Region, _: unknown, ctx: RegistryContext): Promise<Region[]> => regionChildren(ctx).load(region.pk),
};

export const regionFastFields: FastFields = {
  Query: {
    region: (_: unknown, { code }: { code: string }, ctx: RegistryContext) => regionByCode(ctx).load(code),
    regions: (_: unknown, args: RegionsArgs, ctx: RegistryContext) => listRegions(ctx, args),
  },
  Region: regionFields,
};

/** The same fields in SQL, for regions the database renders whole (see graphql/render.ts). */
export const regionRenderTypes: RenderTypes = {
  Region: {
    entity: Region,
    node: true,
    fields: {
      name: (s) => `COALESCE(${s.text(`${s.row}.name`, s.args.lang)}, ${s.row}.code)`,
      parent: (s) => s.one((parent) => `${parent}.id = ${s.row}.parent_id`),
      children: (s) => s.many({ where: (child) => `${child}.parent_id = ${s.row}.id`, order: (child) => `${child}.code` }),
    },
  },
};

/** Region names are read only by `name`, and the global id only by `id` (it is encoded only then). */
export const regionColumns: OptionalColumns = { table: 'regions', types: ['Region'], readBy: { id: ['id'], name: ['name'] } };

@Resolver(() => Region)
export class RegionResolver {
  @Query(() => Region, { nullable: true, description: 'The region with this code (RU, RU-OMS, AZ-BA, CIS); null when there is none.' })
  region(@Arg('code', () => String, { description: 'ISO 3166 code, or "CIS".' }) code: string, @Ctx() ctx: RegistryContext): Promise<Region | null> {
    return regionByCode(ctx).load(code);
  }

  @CacheFor(MAX_AGE.reference)
  @Query(() => RegionConnection, { description: 'Regions, ordered by code.' })
  regions(@Args() args: RegionsArgs, @Ctx() ctx: RegistryContext) {
    return listRegions(ctx, args);
  }

  @FieldResolver(() => String, { description: 'Name of the region in the asked language.' })
  name(@Root() region: Region, @LangArg() lang: Language | null, @Ctx() ctx: RegistryContext): string {
    return regionFields.name(region, { lang }, ctx);
  }

  @FieldResolver(() => Region, { nullable: true, description: 'The region this one lies in; null for the top of the hierarchy.' })
  parent(@Root() region: Region, @Ctx() ctx: RegistryContext): Promise<Region | null> | null {
    return regionFields.parent(region, null, ctx);
  }

  @FieldResolver(() => [Region], { description: 'Regions directly below this one, ordered by code.' })
  children(@Root() region: Region, @Ctx() ctx: RegistryContext): Promise<Region[]> {
    return regionFields.children(region, null, ctx);
  }
}
