import { Args, ArgsType, Ctx, Field, FieldResolver, InputType, Query, Resolver, Root } from 'type-graphql';
import type { SqlPart } from '../db/database';
import type { RegistryContext } from '../engine/context';
import { CacheFor, MAX_AGE } from '../graphql/cache';
import { badUserInput } from '../engine/errors';
import { LangArg, Language } from '../graphql/language';
import { pickText } from '../engine/rules/language';
import { rootConnection } from '../engine/connections';
import type { FastFields, OptionalColumns } from '../engine/fast-path';
import type { RenderTypes } from '../engine/render';
import { connectionType, ForwardPageArgs, type Ordering } from '../engine/paging';
import { Organization } from '../organizations/organization';
import { organizationById, organizationBySlug } from '../organizations/loaders';
import { programById, programBySlug } from '../programs/loaders';
import { Program } from '../programs/program';
import { sessionSource } from './loaders';
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
const ordering: Ordering = { name: 'RECORDED', key: 's.id', keyType: 'integer', pk: 's.id', direction: 'ASC' };

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

/** Session fields as plain functions, for the resolvers below and the fast path. */
export const sessionFields = {
  title: (session: Session, { lang }: { lang?: Language | null }, ctx: RegistryContext): string => pickText(session.title, lang, ctx.languages) ?? '',
  program: (session: Session, _: unknown, ctx: RegistryContext): Promise<Program | null> => programById(ctx).load(session.programPk),
  host: (session: Session, _: unknown, ctx: RegistryContext): Promise<Organization | null> | null => (session.hostPk == null ? null : organizationById(ctx).load(session.hostPk)),
};

export const sessionFastFields: FastFields = {
  Query: { sessions: (_: unknown, args: SessionsArgs, ctx: RegistryContext) => listSessions(ctx, args) },
  Session: sessionFields,
};

/** The same fields in SQL, for sessions the database renders whole (see graphql/render.ts). */
export const sessionRenderTypes: RenderTypes = {
  Session: {
    entity: Session,
    node: true,
    fields: {
      title: (s) => `COALESCE(${s.text(`${s.row}.title`, s.args.lang)}, '')`,
      host: (s) => s.one((host) => `${host}.id = ${s.row}.host_id`),
    },
  },
};

/** Session columns read only by some fields (the slug only by the seed loader). */
export const sessionColumns: OptionalColumns = { table: 'sessions', types: ['Session'], readBy: { id: ['id'], title: ['title'], slug: [] } };

@Resolver(() => Session)
export class SessionResolver {
  @CacheFor(MAX_AGE.programs)
  @Query(() => SessionConnection, { description: 'Sessions of all programs, in the order they were recorded.' })
  sessions(@Args() args: SessionsArgs, @Ctx() ctx: RegistryContext) {
    return listSessions(ctx, args);
  }

  @FieldResolver(() => String, { description: 'Title of the session in the asked language.' })
  title(@Root() session: Session, @LangArg() lang: Language | null, @Ctx() ctx: RegistryContext): string {
    return sessionFields.title(session, { lang }, ctx);
  }

  @FieldResolver(() => Program, { description: 'The forum or internship this session is part of.' })
  program(@Root() session: Session, @Ctx() ctx: RegistryContext): Promise<Program | null> {
    return sessionFields.program(session, null, ctx);
  }

  @FieldResolver(() => Organization, { nullable: true, description: 'The organization that hosts the session; null when the source names none.' })
  host(@Root() session: Session, @Ctx() ctx: RegistryContext): Promise<Organization | null> | null {
    return sessionFields.host(session, null, ctx);
  }
}
