import { ArgsType, Field, type ClassType } from 'type-graphql';
import {
  connectionType,
  declareFields,
  declareNode,
  declareQueries,
  fieldsOf,
  ForwardPageArgs,
  LANG_ARG,
  MAX_AGE,
  PageArgs,
  pageRequest,
  pickText,
  rootConnection,
  type Language,
  type RegistryContext,
} from '../engine';
import { Organization } from '../organizations/organization';
import { Region } from '../regions/region';
import { sessionOrdering, sessionsOfProgramSource } from '../sessions/loaders';
import { SessionConnection } from '../sessions/resolver';
import { checkProgramFilter, ProgramFilter, ProgramOrder, programFilterSql, programOrdering } from './filter';
import { hasOwnDates, programStatus, programStatusCase } from './status';
import { firstSentence } from './summary';
import { internshipSpanOfForum, internshipsOfForumSource, ofType, programById, programBySlug, programSource } from './loaders';
import { Forum, Internship, ParticipantOrigin, Program, ProgramOrganizer, ProgramStatus, ProgramType } from './program';

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

type SlugArgs = { slug: string };

/** A list's arguments, checked before anything is read. */
function checkListing(args: ForwardProgramListArgs & Partial<PageArgs>): void {
  pageRequest(args, programOrdering(args.orderBy));
  checkProgramFilter(args.filter);
}

declareNode(Program, { byId: programById, source: programSource, always: ['type'] });

const program = fieldsOf(Program);
declareFields(Program, {
  title: program.localized('title', { description: 'Title in the asked language.', orElse: 'slug' }),
  description: program.localized('description', { description: 'What the program is about, in the asked language; null when the source says nothing.' }),
  status: program.computed({
    type: () => ProgramStatus,
    description: "Upcoming, ongoing or archived on today's date (UTC): from the program's dates, else its internships' dates, else its edition year.",
    reads: ['startsOn', 'endsOn', 'year'],
    // Only a program without dates of its own needs its internships' (one batched statement per level).
    resolve: (p, _, ctx) =>
      hasOwnDates(p) ? programStatus(p, ctx.today) : internshipSpanOfForum(ctx).load(p.pk).then((internships) => programStatus({ ...p, internships }, ctx.today)),
    sql: (s) => programStatusCase(s.row, s.today()),
  }),
  location: program.toOne(() => Region, 'locationPk', { description: 'Where the program takes place; null when not known.' }),
  organizers: program.through(() => Organization, {
    link: ProgramOrganizer,
    from: 'programPk',
    to: 'organizationPk',
    orderBy: ['position'],
    description: 'Organizations that organize the program, in the order the source names them.',
  }),
  sessions: program.page(() => SessionConnection, { source: sessionsOfProgramSource, ordering: sessionOrdering, description: 'Activities of the program, in programme order.' }),
});

declareFields(Forum, {
  internships: fieldsOf(Forum).page(() => InternshipConnection, { source: internshipsOfForumSource, ordering: programOrdering(), description: 'Internships held as part of this forum, by start date.' }),
});

const internship = fieldsOf(Internship);
declareFields(Internship, {
  trainingProgram: internship.localized('trainingProgram', { description: 'The advanced training programme the internship implements, e.g. "Organization of youth work in the CIS".' }),
  audience: internship.computed({
    type: () => [String],
    description: 'Who the internship is for: categories of participants, in the asked language.',
    args: { lang: LANG_ARG },
    reads: ['audience'],
    resolve: (i, { lang }: { lang?: Language | null }, ctx) => {
      const lists = i.audience ?? {};
      const code = pickText(Object.fromEntries(Object.keys(lists).map((k) => [k, k])), lang, ctx.languages);
      return code ? (lists[code] ?? []) : [];
    },
  }),
  summary: internship.computed({
    type: () => String,
    nullable: true,
    description: 'The first sentence of the description, in the asked language; null when there is no description.',
    args: { lang: LANG_ARG },
    reads: ['description'],
    resolve: (i, { lang }: { lang?: Language | null }, ctx) => firstSentence(pickText(i.description, lang, ctx.languages)),
  }),
  forum: internship.toOne(() => Forum, 'forumPk', { description: 'The forum this internship is part of; null when it stands alone.' }),
  participantOrigins: internship.children(() => ParticipantOrigin, {
    foreignKey: 'programPk',
    orderBy: ['position', 'regionPk'],
    description: 'Regions the participants came from, in the order the source names them.',
  }),
});

declareFields(ParticipantOrigin, {
  region: fieldsOf(ParticipantOrigin).toOne(() => Region, 'regionPk', { nullable: false, description: 'The region participants came from.' }),
});

declareQueries({
  forum: {
    type: () => Forum,
    nullable: true,
    description: 'The forum with this slug; null when there is none.',
    args: { slug: { type: () => String, description: "The forum's slug." } },
    reads: [],
    resolve: (_, { slug }: SlugArgs, ctx) => programOfType(ctx, slug, ProgramType.FORUM),
  },
  forums: {
    type: () => ForumConnection,
    description: 'Forums, paged in either direction.',
    args: ProgramListArgs,
    cacheFor: MAX_AGE.programs,
    reads: [],
    validate: checkListing,
    resolve: (_, args: ProgramListArgs, ctx) => listPrograms(ctx, args, ProgramType.FORUM),
  },
  internship: {
    type: () => Internship,
    nullable: true,
    description: 'The internship with this slug; null when there is none.',
    args: { slug: { type: () => String, description: "The internship's slug." } },
    reads: [],
    resolve: (_, { slug }: SlugArgs, ctx) => programOfType(ctx, slug, ProgramType.INTERNSHIP),
  },
  internships: {
    type: () => InternshipConnection,
    description: 'Internships, paged in either direction.',
    args: ProgramListArgs,
    cacheFor: MAX_AGE.programs,
    reads: [],
    validate: checkListing,
    resolve: (_, args: ProgramListArgs, ctx) => listPrograms(ctx, args, ProgramType.INTERNSHIP),
  },
  programs: {
    type: () => ProgramConnection,
    description: 'Forums and internships together.',
    args: ForwardProgramListArgs,
    cacheFor: MAX_AGE.programs,
    reads: [],
    validate: checkListing,
    resolve: (_, args: ForwardProgramListArgs, ctx) => listPrograms(ctx, args),
  },
});
