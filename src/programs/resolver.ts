import { Args, ArgsType, Arg, Ctx, Field, FieldResolver, Query, Resolver, Root, type ClassType } from 'type-graphql';
import type { SqlPart } from '../db/database';
import type { RegistryContext } from '../graphql/context';
import { CacheFor, MAX_AGE } from '../graphql/cache';
import { LangArg, Language, pickText } from '../graphql/language';
import { childConnection, rootConnection } from '../graphql/connections';
import { connectionType, ForwardPageArgs, PageArgs } from '../graphql/paging';
import { Organization } from '../organizations/organization';
import { organizersOfProgram } from '../organizations/loaders';
import { Region } from '../regions/region';
import { regionById } from '../regions/loaders';
import { sessionOrdering, sessionsOfProgramSource } from '../sessions/loaders';
import { SessionConnection } from '../sessions/resolver';
import { ProgramFilter, ProgramOrder, programConditions, programOrdering, programStatus } from './filter';
import { internshipsOfForumSource, ofType, participantOriginsOfProgram, programById, programBySlug, programSource } from './loaders';
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
  const where: SqlPart[] = [...(type ? [ofType(type)] : []), ...(await programConditions(args.filter, ctx))];
  return rootConnection(ctx, programSource(ctx.db, where), programOrdering(args.orderBy), args);
}

async function programOfType(ctx: RegistryContext, slug: string, type: ProgramType): Promise<Program | null> {
  const program = await programBySlug(ctx).load(slug);
  return program?.type === type ? program : null;
}

@Resolver(() => Program)
export class ProgramResolver {
  @Query(() => Forum, { nullable: true, description: 'The forum with this slug; null when there is none.' })
  forum(@Arg('slug', () => String, { description: 'The forum\'s slug.' }) slug: string, @Ctx() ctx: RegistryContext) {
    return programOfType(ctx, slug, ProgramType.FORUM);
  }

  @CacheFor(MAX_AGE.programs)
  @Query(() => ForumConnection, { description: 'Forums, paged in either direction.' })
  forums(@Args(() => ProgramListArgs) args: ProgramListArgs, @Ctx() ctx: RegistryContext) {
    return listPrograms(ctx, args, ProgramType.FORUM);
  }

  @Query(() => Internship, { nullable: true, description: 'The internship with this slug; null when there is none.' })
  internship(@Arg('slug', () => String, { description: 'The internship\'s slug.' }) slug: string, @Ctx() ctx: RegistryContext) {
    return programOfType(ctx, slug, ProgramType.INTERNSHIP);
  }

  @CacheFor(MAX_AGE.programs)
  @Query(() => InternshipConnection, { description: 'Internships, paged in either direction.' })
  internships(@Args(() => ProgramListArgs) args: ProgramListArgs, @Ctx() ctx: RegistryContext) {
    return listPrograms(ctx, args, ProgramType.INTERNSHIP);
  }

  @CacheFor(MAX_AGE.programs)
  @Query(() => ProgramConnection, { description: 'Forums and internships together.' })
  programs(@Args(() => ForwardProgramListArgs) args: ForwardProgramListArgs, @Ctx() ctx: RegistryContext) {
    return listPrograms(ctx, args);
  }

  @FieldResolver(() => String, { description: 'Title in the asked language.' })
  title(@Root() program: Program, @LangArg() lang: Language | null, @Ctx() ctx: RegistryContext): string {
    return pickText(program.title, lang, ctx.languages) ?? program.slug;
  }

  @FieldResolver(() => String, { nullable: true, description: 'What the program is about, in the asked language; null when the source says nothing.' })
  description(@Root() program: Program, @LangArg() lang: Language | null, @Ctx() ctx: RegistryContext): string | null {
    return pickText(program.description, lang, ctx.languages);
  }

  @FieldResolver(() => ProgramStatus, { description: "Upcoming, ongoing or archived, from the dates and today's date (UTC)." })
  status(@Root() program: Program, @Ctx() ctx: RegistryContext): ProgramStatus {
    return programStatus(program.startsOn, program.endsOn, ctx.today);
  }

  @FieldResolver(() => Region, { nullable: true, description: 'Where the program takes place; null when not known.' })
  location(@Root() program: Program, @Ctx() ctx: RegistryContext) {
    return program.locationPk == null ? null : regionById(ctx).load(program.locationPk);
  }

  @FieldResolver(() => [Organization], { description: 'Organizations that organize the program, in the order the source names them.' })
  organizers(@Root() program: Program, @Ctx() ctx: RegistryContext): Promise<Organization[]> {
    return organizersOfProgram(ctx).load(program.pk);
  }

  @FieldResolver(() => SessionConnection, { description: 'Activities of the program, in programme order.' })
  sessions(@Root() program: Program, @Args() args: ForwardPageArgs, @Ctx() ctx: RegistryContext) {
    return childConnection(ctx, 'program.sessions', sessionsOfProgramSource(ctx.db), sessionOrdering, args, program.pk);
  }
}

@Resolver(() => Forum)
export class ForumResolver {
  @FieldResolver(() => InternshipConnection, { description: 'Internships held as part of this forum, by start date.' })
  internships(@Root() forum: Forum, @Args() args: ForwardPageArgs, @Ctx() ctx: RegistryContext) {
    return childConnection(ctx, 'forum.internships', internshipsOfForumSource(ctx.db), programOrdering(), args, forum.pk);
  }
}

@Resolver(() => Internship)
export class InternshipResolver {
  @FieldResolver(() => String, { nullable: true, description: 'The advanced training programme the internship implements, e.g. "Organization of youth work in the CIS".' })
  trainingProgram(@Root() internship: Internship, @LangArg() lang: Language | null, @Ctx() ctx: RegistryContext): string | null {
    return pickText(internship.trainingProgram, lang, ctx.languages);
  }

  @FieldResolver(() => [String], { description: 'Who the internship is for: categories of participants, in the asked language.' })
  audience(@Root() internship: Internship, @LangArg() lang: Language | null, @Ctx() ctx: RegistryContext): string[] {
    const lists = internship.audience ?? {};
    const code = pickText(Object.fromEntries(Object.keys(lists).map((k) => [k, k])), lang, ctx.languages);
    return code ? (lists[code] ?? []) : [];
  }

  @FieldResolver(() => Forum, { nullable: true, description: 'The forum this internship is part of; null when it stands alone.' })
  forum(@Root() internship: Internship, @Ctx() ctx: RegistryContext) {
    return internship.forumPk == null ? null : programById(ctx).load(internship.forumPk);
  }

  @FieldResolver(() => [ParticipantOrigin], { description: 'Regions the participants came from, in the order the source names them.' })
  participantOrigins(@Root() internship: Internship, @Ctx() ctx: RegistryContext): Promise<ParticipantOrigin[]> {
    return participantOriginsOfProgram(ctx).load(internship.pk);
  }
}

@Resolver(() => ParticipantOrigin)
export class ParticipantOriginResolver {
  @FieldResolver(() => Region, { description: 'The region participants came from.' })
  region(@Root() origin: ParticipantOrigin, @Ctx() ctx: RegistryContext) {
    return regionById(ctx).load(origin.regionPk);
  }
}
