import { Args, ArgsType, Arg, Ctx, Field, FieldResolver, Query, Resolver, Root, type ClassType } from 'type-graphql';
import type { RegistryContext } from '../engine/context';
import { CacheFor, MAX_AGE } from '../graphql/cache';
import { LangArg, Language } from '../graphql/language';
import { pickText } from '../engine/rules/language';
import { childConnection, rootConnection } from '../engine/connections';
import type { FastFields, OptionalColumns } from '../engine/fast-path';
import type { RenderField, RenderTypes } from '../engine/render';
import { connectionType, ForwardPageArgs, PageArgs } from '../engine/paging';
import { Organization } from '../organizations/organization';
import { organizersOfProgram } from '../organizations/loaders';
import { Region } from '../regions/region';
import { regionById } from '../regions/loaders';
import { sessionOrdering, sessionsOfProgramSource } from '../sessions/loaders';
import { SessionConnection } from '../sessions/resolver';
import { ProgramFilter, ProgramOrder, programFilterSql, programOrdering } from './filter';
import { hasOwnDates, programStatus, programStatusCase } from './status';
import { internshipSpanOfForum, internshipsOfForumSource, ofType, participantOriginsOfProgram, programById, programBySlug, programSource } from './loaders';
import { Forum, Internship, ParticipantOrigin, Program, ProgramStatus, ProgramType } from './program';

export const ProgramConnection = connectionType('Program', Program, 'programs');
export const ForumConnection = connectionType('Forum', Forum, 'forums');
export const InternshipConnection = connectionType('Internship', Internship, 'internships');

/** Adds the program filter and ordering to a set of paging arguments. */
function withProgramListing<TBase extends ClassType<ForwardPageArgs>>(Base: TBase) {
  @ArgsType()
  class ProgramListing extends Base {
    @Field(() => ProgramFilter, { nullable: true, description: 'Which programs to list.' })
    filter?: ProgramFilter | null;

    @Field(() => ProgramOrder, { nullable: true, description: 'How to order them; by start date, earliest first, when not given.' })
    orderBy?: ProgramOrder | null;
  }
  return ProgramListing;
}

const ProgramListArgs = withProgramListing(PageArgs);
type ProgramListArgs = InstanceType<typeof ProgramListArgs> & PageArgs;
const ForwardProgramListArgs = withProgramListing(ForwardPageArgs);
type ForwardProgramListArgs = InstanceType<typeof ForwardProgramListArgs>;

/** A root list of programs of one type (or both): filter, order, page, count lazily. */
async function listPrograms(ctx: RegistryContext, args: ForwardProgramListArgs & Partial<PageArgs>, type?: ProgramType) {
  const { where, prepare, lookups } = programFilterSql(args.filter, ctx);
  for (const step of prepare) await step();
  const connection = rootConnection(ctx, programSource(ctx.db, [...(type ? [ofType(type)] : []), ...where]), programOrdering(args.orderBy), args);
  // An unknown region or organizer makes an empty page: only then are they looked up, to report the mistake.
  if (lookups.length && !(await connection.hasItems())) for (const lookup of lookups) await lookup();
  return connection;
}

async function programOfType(ctx: RegistryContext, slug: string, type: ProgramType): Promise<Program | null> {
  const program = await programBySlug(ctx).load(slug);
  return program?.type === type ? program : null;
}

type LangArgs = { lang?: Language | null };
type SlugArgs = { slug: string };

/**
 * Every resolved field of programs as a plain function: the type-graphql
 * resolvers below call these, and the fast path calls them directly.
 */
export const programFields = {
  title: (program: Program, { lang }: LangArgs, ctx: RegistryContext): string => pickText(program.title, lang, ctx.languages) ?? program.slug,
  description: (program: Program, { lang }: LangArgs, ctx: RegistryContext): string | null => pickText(program.description, lang, ctx.languages),
  // Only a program without dates of its own needs its internships' (one batched statement per level).
  status: (program: Program, _: unknown, ctx: RegistryContext): ProgramStatus | Promise<ProgramStatus> =>
    hasOwnDates(program) ? programStatus(program, ctx.today) : internshipSpanOfForum(ctx).load(program.pk).then((internships) => programStatus({ ...program, internships }, ctx.today)),
  location: (program: Program, _: unknown, ctx: RegistryContext) => (program.locationPk == null ? null : regionById(ctx).load(program.locationPk)),
  organizers: (program: Program, _: unknown, ctx: RegistryContext): Promise<Organization[]> => organizersOfProgram(ctx).load(program.pk),
  sessions: (program: Program, args: ForwardPageArgs, ctx: RegistryContext) =>
    childConnection(ctx, 'program.sessions', sessionsOfProgramSource(ctx.db), sessionOrdering, args, program.pk),
};

export const forumFields = {
  internships: (forum: Forum, args: ForwardPageArgs, ctx: RegistryContext) =>
    childConnection(ctx, 'forum.internships', internshipsOfForumSource(ctx.db), programOrdering(), args, forum.pk),
};

export const internshipFields = {
  trainingProgram: (internship: Internship, { lang }: LangArgs, ctx: RegistryContext): string | null => pickText(internship.trainingProgram, lang, ctx.languages),
  audience: (internship: Internship, { lang }: LangArgs, ctx: RegistryContext): string[] => {
    const lists = internship.audience ?? {};
    const code = pickText(Object.fromEntries(Object.keys(lists).map((k) => [k, k])), lang, ctx.languages);
    return code ? (lists[code] ?? []) : [];
  },
  forum: (internship: Internship, _: unknown, ctx: RegistryContext) => (internship.forumPk == null ? null : programById(ctx).load(internship.forumPk)),
  participantOrigins: (internship: Internship, _: unknown, ctx: RegistryContext): Promise<ParticipantOrigin[]> => participantOriginsOfProgram(ctx).load(internship.pk),
};

export const participantOriginFields = {
  region: (origin: ParticipantOrigin, _: unknown, ctx: RegistryContext) => regionById(ctx).load(origin.regionPk),
};

export const programQueries = {
  forum: (_: unknown, { slug }: SlugArgs, ctx: RegistryContext) => programOfType(ctx, slug, ProgramType.FORUM),
  forums: (_: unknown, args: ProgramListArgs, ctx: RegistryContext) => listPrograms(ctx, args, ProgramType.FORUM),
  internship: (_: unknown, { slug }: SlugArgs, ctx: RegistryContext) => programOfType(ctx, slug, ProgramType.INTERNSHIP),
  internships: (_: unknown, args: ProgramListArgs, ctx: RegistryContext) => listPrograms(ctx, args, ProgramType.INTERNSHIP),
  programs: (_: unknown, args: ForwardProgramListArgs, ctx: RegistryContext) => listPrograms(ctx, args),
};

export const programFastFields: FastFields = {
  Query: programQueries,
  Program: programFields,
  Forum: forumFields,
  Internship: internshipFields,
  ParticipantOrigin: participantOriginFields,
};

/** The same fields in SQL, for objects the database renders whole (see graphql/render.ts). */
const programRender: Record<string, RenderField> = {
  title: (s) => `COALESCE(${s.text(`${s.row}.title`, s.args.lang)}, ${s.row}.slug)`,
  description: (s) => s.text(`${s.row}.description`, s.args.lang),
  status: (s) => programStatusCase(s.row, s.today()),
  location: (s) => s.one((region) => `${region}.id = ${s.row}.location_id`),
  organizers: (s) =>
    s.many({
      join: (organization, link) => `program_organizers ${link} ON ${link}.organization_id = ${organization}.id`,
      where: (_, link) => `${link}.program_id = ${s.row}.id`,
      order: (organization, link) => `${link}.position, ${organization}.id`,
    }),
  sessions: (s) => s.connection(sessionsOfProgramSource(s.db), sessionOrdering),
};

export const programRenderTypes: RenderTypes = {
  Forum: {
    entity: Program,
    node: true,
    fields: { ...programRender, internships: (s) => s.connection(internshipsOfForumSource(s.db), programOrdering()) },
  },
  Internship: {
    entity: Program,
    node: true,
    fields: {
      ...programRender,
      trainingProgram: (s) => s.text(`${s.row}.training_program`, s.args.lang),
      forum: (s) => s.one((forum) => `${forum}.id = ${s.row}.forum_id`),
      participantOrigins: (s) => s.many({ where: (origin) => `${origin}.program_id = ${s.row}.id`, order: (origin) => `${origin}.position, ${origin}.region_id` }),
    },
  },
  ParticipantOrigin: { entity: ParticipantOrigin, fields: { region: (s) => s.one((region) => `${region}.id = ${s.row}.region_id`) } },
};

/** Program columns read only by some fields; the fast path selects them only when those are asked for. */
export const programColumns: OptionalColumns = {
  table: 'programs',
  types: ['Forum', 'Internship'],
  readBy: { id: ['id'], title: ['title'], description: ['description'], trainingProgram: ['trainingProgram'], audience: ['audience'], titleSort: [] },
};

@Resolver(() => Program)
export class ProgramResolver {
  @Query(() => Forum, { nullable: true, description: 'The forum with this slug; null when there is none.' })
  forum(@Arg('slug', () => String, { description: 'The forum\'s slug.' }) slug: string, @Ctx() ctx: RegistryContext) {
    return programQueries.forum(null, { slug }, ctx);
  }

  @CacheFor(MAX_AGE.programs)
  @Query(() => ForumConnection, { description: 'Forums, paged in either direction.' })
  forums(@Args(() => ProgramListArgs) args: ProgramListArgs, @Ctx() ctx: RegistryContext) {
    return programQueries.forums(null, args, ctx);
  }

  @Query(() => Internship, { nullable: true, description: 'The internship with this slug; null when there is none.' })
  internship(@Arg('slug', () => String, { description: 'The internship\'s slug.' }) slug: string, @Ctx() ctx: RegistryContext) {
    return programQueries.internship(null, { slug }, ctx);
  }

  @CacheFor(MAX_AGE.programs)
  @Query(() => InternshipConnection, { description: 'Internships, paged in either direction.' })
  internships(@Args(() => ProgramListArgs) args: ProgramListArgs, @Ctx() ctx: RegistryContext) {
    return programQueries.internships(null, args, ctx);
  }

  @CacheFor(MAX_AGE.programs)
  @Query(() => ProgramConnection, { description: 'Forums and internships together.' })
  programs(@Args(() => ForwardProgramListArgs) args: ForwardProgramListArgs, @Ctx() ctx: RegistryContext) {
    return programQueries.programs(null, args, ctx);
  }

  @FieldResolver(() => String, { description: 'Title in the asked language.' })
  title(@Root() program: Program, @LangArg() lang: Language | null, @Ctx() ctx: RegistryContext): string {
    return programFields.title(program, { lang }, ctx);
  }

  @FieldResolver(() => String, { nullable: true, description: 'What the program is about, in the asked language; null when the source says nothing.' })
  description(@Root() program: Program, @LangArg() lang: Language | null, @Ctx() ctx: RegistryContext): string | null {
    return programFields.description(program, { lang }, ctx);
  }

  @FieldResolver(() => ProgramStatus, { description: "Upcoming, ongoing or archived on today's date (UTC): from the program's dates, else its internships' dates, else its edition year." })
  status(@Root() program: Program, @Ctx() ctx: RegistryContext): ProgramStatus | Promise<ProgramStatus> {
    return programFields.status(program, null, ctx);
  }

  @FieldResolver(() => Region, { nullable: true, description: 'Where the program takes place; null when not known.' })
  location(@Root() program: Program, @Ctx() ctx: RegistryContext) {
    return programFields.location(program, null, ctx);
  }

  @FieldResolver(() => [Organization], { description: 'Organizations that organize the program, in the order the source names them.' })
  organizers(@Root() program: Program, @Ctx() ctx: RegistryContext): Promise<Organization[]> {
    return programFields.organizers(program, null, ctx);
  }

  @FieldResolver(() => SessionConnection, { description: 'Activities of the program, in programme order.' })
  sessions(@Root() program: Program, @Args() args: ForwardPageArgs, @Ctx() ctx: RegistryContext) {
    return programFields.sessions(program, args, ctx);
  }
}

@Resolver(() => Forum)
export class ForumResolver {
  @FieldResolver(() => InternshipConnection, { description: 'Internships held as part of this forum, by start date.' })
  internships(@Root() forum: Forum, @Args() args: ForwardPageArgs, @Ctx() ctx: RegistryContext) {
    return forumFields.internships(forum, args, ctx);
  }
}

@Resolver(() => Internship)
export class InternshipResolver {
  @FieldResolver(() => String, { nullable: true, description: 'The advanced training programme the internship implements, e.g. "Organization of youth work in the CIS".' })
  trainingProgram(@Root() internship: Internship, @LangArg() lang: Language | null, @Ctx() ctx: RegistryContext): string | null {
    return internshipFields.trainingProgram(internship, { lang }, ctx);
  }

  @FieldResolver(() => [String], { description: 'Who the internship is for: categories of participants, in the asked language.' })
  audience(@Root() internship: Internship, @LangArg() lang: Language | null, @Ctx() ctx: RegistryContext): string[] {
    return internshipFields.audience(internship, { lang }, ctx);
  }

  @FieldResolver(() => Forum, { nullable: true, description: 'The forum this internship is part of; null when it stands alone.' })
  forum(@Root() internship: Internship, @Ctx() ctx: RegistryContext) {
    return internshipFields.forum(internship, null, ctx);
  }

  @FieldResolver(() => [ParticipantOrigin], { description: 'Regions the participants came from, in the order the source names them.' })
  participantOrigins(@Root() internship: Internship, @Ctx() ctx: RegistryContext): Promise<ParticipantOrigin[]> {
    return internshipFields.participantOrigins(internship, null, ctx);
  }
}

@Resolver(() => ParticipantOrigin)
export class ParticipantOriginResolver {
  @FieldResolver(() => Region, { description: 'The region participants came from.' })
  region(@Root() origin: ParticipantOrigin, @Ctx() ctx: RegistryContext) {
    return participantOriginFields.region(origin, null, ctx);
  }
}
