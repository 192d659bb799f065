import { childrenByParent, keyedQuery, nodeTable, plainTable, recordsByKey, type ChildSource, type RegistryContext, type Source } from '../engine';
import type { Database, SqlPart } from '../db/database';
import { ParticipantOrigin, Program, PROGRAM_TYPE_NAME, ProgramType } from './program';
import type { DateSpan } from './status';

/** A program's GraphQL type, Forum or Internship, from its row. */
const programTypeName = (alias: string) => `CASE ${alias}.type ${Object.entries(PROGRAM_TYPE_NAME).map(([type, name]) => `WHEN '${type}' THEN '${name}'`).join(' ')} END`;

export function programSource(db: Database, where: SqlPart[] = []): Source<Program> {
  return { table: nodeTable<Program>(db, Program, programTypeName), alias: 'p', where };
}

export const ofType = (type: ProgramType): SqlPart => (p) => `p.type = ${p.name(type)}`;

export const programById = (ctx: RegistryContext) => ctx.loaders.use('program.byId', (db) => recordsByKey<number, Program>(db, programSource(db), 'p.id'));

export const programBySlug = (ctx: RegistryContext) => ctx.loaders.use('program.bySlug', (db) => recordsByKey<string, Program>(db, programSource(db), 'p.slug'));

export function internshipsOfForumSource(db: Database): ChildSource<Program> {
  return { ...programSource(db, [ofType(ProgramType.INTERNSHIP)]), parent: 'p.forum_id' };
}

/** The programs each organization organizes, narrowed by a filter's conditions. */
export function programsOfOrganizationSource(db: Database, where: SqlPart[]): ChildSource<Program> {
  return { ...programSource(db, where), from: 'programs p JOIN program_organizers org ON org.program_id = p.id', parent: 'org.organization_id', linked: true };
}

export const participantOriginsOfProgram = (ctx: RegistryContext) =>
  ctx.loaders.use('program.participantOrigins', (db) =>
    childrenByParent(db, { table: plainTable<ParticipantOrigin>(db, ParticipantOrigin), alias: 'po', parent: 'po.program_id' }, 'po.position, po.region_id'),
  );

/** First and last known day of each forum's internships (null when it has none with a date): what a forum without dates of its own is known by. */
export const internshipSpanOfForum = (ctx: RegistryContext) =>
  ctx.loaders.use('program.internshipSpan', (db) =>
    keyedQuery<number, DateSpan | null>(
      db,
      'programs',
      async (db, forums) => {
        const rows = await db.run<DateSpan & { forum: number }>(
          (p) => `SELECT i.forum_id AS "forum", MIN(i.starts_on) AS "startsOn", MAX(COALESCE(i.ends_on, i.starts_on)) AS "endsOn" FROM programs i WHERE ${p.in('i.forum_id', forums)} GROUP BY i.forum_id`,
        );
        return new Map(rows.map((r) => [Number(r.forum), { startsOn: r.startsOn, endsOn: r.endsOn }]));
      },
      null,
    ),
  );
