import { ArgsType, Field, InputType } from 'type-graphql';
import type { SqlPart } from '../db/database';
import { badUserInput, connectionType, declareFields, declareNode, declareQueries, fieldsOf, ForwardPageArgs, MAX_AGE, pageRequest, rootConnection, type RegistryContext } from '../engine';
import { Organization } from '../organizations/organization';
import { organizationBySlug } from '../organizations/loaders';
import { programBySlug } from '../programs/loaders';
import { Program } from '../programs/program';
import { recordedOrdering, sessionById, sessionSource } from './loaders';
import { Session, SessionKind } from './session';

export const SessionConnection = connectionType('Session', Session, 'sessions');

@InputType('SessionFilter', { description: 'Narrows a list of sessions; all given conditions must hold.' })
export class SessionFilter {
  @Field(() => String, { nullable: true, description: 'Only sessions of the program with this slug.' })
  programSlug?: string | null;

  @Field(() => [SessionKind], { nullable: true, description: 'Only sessions of these kinds.' })
  kind?: SessionKind[] | null;

  @Field(() => String, { nullable: true, description: 'Only sessions hosted by the organization with this slug.' })
  hostSlug?: string | null;
}

@ArgsType()
class SessionsArgs extends ForwardPageArgs {
  @Field(() => SessionFilter, { nullable: true, description: 'Which sessions to list.' })
  filter?: SessionFilter | null;
}

/** The root list runs in the order sessions were recorded. */
const ordering = recordedOrdering;

/** The root list of sessions, narrowed by a filter; unknown slugs are errors naming the filter field. */
async function listSessions(ctx: RegistryContext, args: SessionsArgs) {
  const where: SqlPart[] = [];
  const { programSlug, kind, hostSlug } = args.filter ?? {};
  if (programSlug != null) {
    const program = await programBySlug(ctx).load(programSlug);
    if (!program) throw badUserInput(`No program has the slug "${programSlug}"`, ['filter', 'programSlug']);
    where.push((p) => `s.program_id = ${p.add(program.pk)}`);
  }
  if (hostSlug != null) {
    const host = await organizationBySlug(ctx).load(hostSlug);
    if (!host) throw badUserInput(`No organization has the slug "${hostSlug}"`, ['filter', 'hostSlug']);
    where.push((p) => `s.host_id = ${p.add(host.pk)}`);
  }
  if (kind?.length) where.push((p) => `s.kind IN (${p.list(kind)})`);
  return rootConnection(ctx, sessionSource(ctx.db, where), ordering, args);
}

declareNode(Session, { byId: sessionById, source: sessionSource });

const session = fieldsOf(Session);
declareFields(Session, {
  title: session.localized('title', { description: 'Title of the session in the asked language.', orEmpty: true }),
  program: session.toOne(() => Program, 'programPk', { nullable: false, description: 'The forum or internship this session is part of.' }),
  host: session.toOne(() => Organization, 'hostPk', { description: 'The organization that hosts the session; null when the source names none.' }),
});

declareQueries({
  sessions: {
    type: () => SessionConnection,
    description: 'Sessions of all programs, in the order they were recorded.',
    args: SessionsArgs,
    cacheFor: MAX_AGE.programs,
    reads: [],
    validate: (args: SessionsArgs) => void pageRequest(args, ordering),
    resolve: (_, args: SessionsArgs, ctx) => listSessions(ctx, args),
  },
});
