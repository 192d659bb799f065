import { Arg, Args, ArgsType, Ctx, Field, FieldResolver, InputType, Query, Resolver, Root } from 'type-graphql';
import type { SqlPart } from '../db/database';
import type { RegistryContext } from '../engine/context';
import { CacheFor, MAX_AGE } from '../graphql/cache';
import { badUserInput } from '../engine/errors';
import { LangArg, Language } from '../graphql/language';
import { pickText } from '../engine/rules/language';
import { childConnection, rootConnection } from '../engine/connections';
import type { FastFields, OptionalColumns } from '../engine/fast-path';
import type { RenderTypes } from '../engine/render';
import { connectionType, ForwardPageArgs, type Ordering } from '../engine/paging';
import { ProgramFilter, programConditions, programOrdering } from '../programs/filter';
import { programsOfOrganizationSource } from '../programs/loaders';
import { ProgramConnection } from '../programs/resolver';
import { Region } from '../regions/region';
import { regionById, regionSubtree } from '../regions/loaders';
import { organizationBySlug, organizationSource } from './loaders';
import { Organization, OrganizationKind } from './organization';

export const OrganizationConnection = connectionType('Organization', Organization, 'organizations');

@InputType('OrganizationFilter', { description: 'Narrows a list of organizations; all given conditions must hold.' })
export class OrganizationFilter {
  @Field(() => [OrganizationKind], { nullable: true, description: 'Only organizations of these kinds.' })
  kind?: OrganizationKind[] | null;

  @Field(() => String, { nullable: true, description: 'Only organizations based in this region or anywhere below it.' })
  regionCode?: string | null;
}

@ArgsType()
class OrganizationsArgs extends ForwardPageArgs {
  @Field(() => OrganizationFilter, { nullable: true, description: 'Which organizations to list.' })
  filter?: OrganizationFilter | null;
}

@ArgsType()
class OrganizedProgramsArgs extends ForwardPageArgs {
  @Field(() => ProgramFilter, { nullable: true, description: 'Which of its programs to list.' })
  filter?: ProgramFilter | null;
}

const bySlug: Ordering = { name: 'SLUG', key: 'o.slug', keyType: 'text', pk: 'o.id', direction: 'ASC' };

async function listOrganizations(ctx: RegistryContext, args: OrganizationsArgs) {
  const where: SqlPart[] = [];
  const { kind, regionCode } = args.filter ?? {};
  if (kind?.length) where.push((p) => `o.kind IN (${p.list(kind)})`);
  if (regionCode != null) {
    const regions = await regionSubtree(ctx).load(regionCode);
    if (!regions) throw badUserInput(`No region has the code "${regionCode}"`, ['filter', 'regionCode']);
    where.push((p) => p.in('o.region_id', regions));
  }
  return rootConnection(ctx, { ...organizationSource(ctx.db), where }, bySlug, args);
}

/** Organization fields as plain functions, for the resolvers below and the fast path. */
export const organizationFields = {
  name: (organization: Organization, { lang }: { lang?: Language | null }, ctx: RegistryContext): string => pickText(organization.name, lang, ctx.languages) ?? organization.slug,
  region: (organization: Organization, _: unknown, ctx: RegistryContext) => (organization.regionPk == null ? null : regionById(ctx).load(organization.regionPk)),
  programs: async (organization: Organization, args: OrganizedProgramsArgs, ctx: RegistryContext) => {
    const where = await programConditions(args.filter, ctx);
    return childConnection(ctx, 'organization.programs', programsOfOrganizationSource(ctx.db, where), programOrdering(), args, organization.pk, JSON.stringify(args.filter ?? null));
  },
};

export const organizationFastFields: FastFields = {
  Query: {
    organization: (_: unknown, { slug }: { slug: string }, ctx: RegistryContext) => organizationBySlug(ctx).load(slug),
    organizations: (_: unknown, args: OrganizationsArgs, ctx: RegistryContext) => listOrganizations(ctx, args),
  },
  Organization: organizationFields,
};

/** The same fields in SQL, for organizations the database renders whole (see graphql/render.ts); `programs` is left to the fast path. */
export const organizationRenderTypes: RenderTypes = {
  Organization: {
    entity: Organization,
    node: true,
    fields: {
      name: (s) => `COALESCE(${s.text(`${s.row}.name`, s.args.lang)}, ${s.row}.slug)`,
      region: (s) => s.one((region) => `${region}.id = ${s.row}.region_id`),
    },
  },
};

/** Organization names are read only by `name`, and the global id only by `id` (it is encoded only then). */
export const organizationColumns: OptionalColumns = { table: 'organizations', types: ['Organization'], readBy: { id: ['id'], name: ['name'] } };

@Resolver(() => Organization)
export class OrganizationResolver {
  @Query(() => Organization, { nullable: true, description: 'The organization with this slug; null when there is none.' })
  organization(@Arg('slug', () => String, { description: "The organization's slug." }) slug: string, @Ctx() ctx: RegistryContext) {
    return organizationBySlug(ctx).load(slug);
  }

  @CacheFor(MAX_AGE.directory)
  @Query(() => OrganizationConnection, { description: 'Organizations, ordered by slug.' })
  organizations(@Args() args: OrganizationsArgs, @Ctx() ctx: RegistryContext) {
    return listOrganizations(ctx, args);
  }

  @FieldResolver(() => String, { description: 'Name in the asked language, in its official form.' })
  name(@Root() organization: Organization, @LangArg() lang: Language | null, @Ctx() ctx: RegistryContext): string {
    return organizationFields.name(organization, { lang }, ctx);
  }

  @FieldResolver(() => Region, { nullable: true, description: 'Where the organization is based; null when the source does not say.' })
  region(@Root() organization: Organization, @Ctx() ctx: RegistryContext) {
    return organizationFields.region(organization, null, ctx);
  }

  @FieldResolver(() => ProgramConnection, { description: 'Programs this organization organizes, by start date.' })
  programs(@Root() organization: Organization, @Args() args: OrganizedProgramsArgs, @Ctx() ctx: RegistryContext) {
    return organizationFields.programs(organization, args, ctx);
  }
}
