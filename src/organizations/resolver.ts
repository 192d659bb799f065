import { ArgsType, Field, InputType } from 'type-graphql';
import type { SqlPart } from '../db/database';
import { badUserInput, childConnection, connectionType, declareFields, declareNode, declareQueries, fieldsOf, ForwardPageArgs, MAX_AGE, pageRequest, rootConnection, type Ordering, type RegistryContext } from '../engine';
import { ProgramFilter, programConditions, programOrdering } from '../programs/filter';
import { programsOfOrganizationSource } from '../programs/loaders';
import { ProgramConnection } from '../programs/resolver';
import { Region } from '../regions/region';
import { regionSubtree } from '../regions/loaders';
import { recordedOrdering, sessionsHostedBySource } from '../sessions/loaders';
import { SessionConnection } from '../sessions/resolver';
import { organizationById, organizationBySlug, organizationSource } from './loaders';
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

const bySlug: Ordering = { name: 'SLUG', key: 'o.slug', keyType: 'text', pk: 'o.id', direction: 'ASC', unique: true };

async function listOrganizations(ctx: RegistryContext, args: OrganizationsArgs) {
  const where: SqlPart[] = [];
  const { kind, regionCode } = args.filter ?? {};
  if (kind?.length) where.push((p) => `o.kind IN (${p.list(kind)})`);
  if (regionCode != null) {
    const regions = await regionSubtree(ctx).load(regionCode);
    if (!regions) throw badUserInput(`No region has the code "${regionCode}"`, ['filter', 'regionCode']);
    where.push((p) => p.ids('o.region_id', regions));
  }
  return rootConnection(ctx, { ...organizationSource(ctx.db), where }, bySlug, args);
}

declareNode(Organization, { byId: organizationById, source: organizationSource });

const organization = fieldsOf(Organization);
declareFields(Organization, {
  name: organization.localized('name', { description: 'Name in the asked language, in its official form.', orElse: 'slug' }),
  region: organization.toOne(() => Region, 'regionPk', { description: 'Where the organization is based; null when the source does not say.' }),
  hostedSessions: organization.page(() => SessionConnection, { source: sessionsHostedBySource, ordering: recordedOrdering, description: 'Sessions this organization hosts, in the order they were recorded.' }),
  // Unfiltered, the database renders the page with the organization; a filter's lookups (region subtrees, organizer slugs) come first, in JavaScript.
  programs: organization.computed({
    type: () => ProgramConnection,
    description: 'Programs this organization organizes, by start date.',
    args: OrganizedProgramsArgs,
    // As long as programmes are kept, empty pages too: so the answer's age never depends on which pages hold a programme, and the database can render it.
    cacheFor: MAX_AGE.programs,
    reads: [],
    validate: (args: OrganizedProgramsArgs) => void pageRequest(args, programOrdering()),
    resolve: async (o, args: OrganizedProgramsArgs, ctx) => {
      const where = await programConditions(args.filter, ctx);
      return childConnection(ctx, 'organization.programs', programsOfOrganizationSource(ctx.db, where), programOrdering(), args, o.pk, JSON.stringify(args.filter ?? null));
    },
    sql: (s) => (s.args.filter == null ? s.connection(programsOfOrganizationSource(s.db, []), programOrdering()) : s.decline('filter')),
  }),
});

declareQueries({
  organization: {
    type: () => Organization,
    nullable: true,
    description: 'The organization with this slug; null when there is none.',
    args: { slug: { type: () => String, description: "The organization's slug." } },
    reads: [],
    resolve: (_, { slug }: { slug: string }, ctx) => organizationBySlug(ctx).load(slug),
  },
  organizations: {
    type: () => OrganizationConnection,
    description: 'Organizations, ordered by slug.',
    args: OrganizationsArgs,
    cacheFor: MAX_AGE.directory,
    reads: [],
    validate: (args: OrganizationsArgs) => void pageRequest(args, bySlug),
    resolve: (_, args: OrganizationsArgs, ctx) => listOrganizations(ctx, args),
  },
});
