import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';
import { SortKey } from '../db/sort-keys';
import { Organization } from '../organizations/organization';
import { Region } from '../regions/region';
import { Field, Int, InterfaceType, ObjectType, registerEnumType } from 'type-graphql';
import { CacheFor, MAX_AGE, type Localized } from '../engine';
import { AuditedNode, EntityKey, Node } from '../graphql/node';
import { DateScalar } from '../graphql/scalars';

export enum ProgramStatus {
  UPCOMING = 'UPCOMING',
  ONGOING = 'ONGOING',
  ARCHIVED = 'ARCHIVED',
}

registerEnumType(ProgramStatus, {
  name: 'ProgramStatus',
  description: "Where a program stands on today's date (UTC), from what is known of its time: its own dates; else the first and last day of its internships; else its edition year against this year.",
  valuesConfig: {
    UPCOMING: { description: 'Starts after today (or in a later year), or nothing is known of its time yet.' },
    ONGOING: { description: 'Started on or before today and ends today or later; known only by its year, an edition of this year.' },
    ARCHIVED: { description: 'Ended before today; known only by its year, an edition of an earlier year.' },
  },
});

/** Which GraphQL type a program row is. */
export enum ProgramType {
  FORUM = 'FORUM',
  INTERNSHIP = 'INTERNSHIP',
}

export const PROGRAM_TYPE_NAME: Record<ProgramType, string> = {
  [ProgramType.FORUM]: 'Forum',
  [ProgramType.INTERNSHIP]: 'Internship',
};

/**
 * Forums and internships share one table, so that `programs` can page and
 * order both in one statement; each GraphQL type shows its own columns.
 */
@Entity('programs')
@Index('idx_programs_type_starts_on', ['type', 'startsOn'])
@Index('idx_programs_location_id', ['locationPk'])
@Index('idx_programs_forum_id_starts_on', ['forumPk', 'startsOn'])
// The orders of programme lists (src/db/migrations/1733400000000-list-indexes.ts); the start-date
// order is an expression, `COALESCE(starts_on, '9999-12-31')`, which TypeORM cannot declare.
@Index('idx_programs_type_title_sort_id', ['type', 'titleSort', 'pk'])
@Index('idx_programs_title_sort_id', ['titleSort', 'pk'])
@Index('idx_programs_type_starts_key', { synchronize: false })
@Index('idx_programs_starts_key', { synchronize: false })
@Index('idx_programs_forum_starts_key', { synchronize: false })
// The deadline order, `COALESCE(call_closes_at, …)` (src/db/migrations/1733600000000-call-order.ts).
@Index('idx_programs_type_closes_key', { synchronize: false })
@Index('idx_programs_closes_key', { synchronize: false })
@EntityKey()
@CacheFor(MAX_AGE.programs)
@InterfaceType('Program', {
  implements: Node,
  description: 'A forum or an internship: something people take part in, with dates, a place and organizers.',
  resolveType: (value: { __typename: string }) => value.__typename,
})
export abstract class Program extends AuditedNode {
  @PrimaryGeneratedColumn({ name: 'id' })
  pk: number;

  @Column('varchar', { length: 16 })
  type: ProgramType;

  @Field(() => String, { description: 'Stable, URL-safe handle, e.g. "baku-internship-2021".' })
  @SortKey()
  @Column('varchar', { length: 120, unique: true })
  slug: string;

  /** Title in each language; served by `title(lang)`. */
  @Column('simple-json')
  title: Localized;

  /** Lower-case title used for ordering by TITLE. */
  @SortKey()
  @Column('varchar', { name: 'title_sort', length: 300 })
  titleSort: string;

  /** The deadline of the programme's call, kept by triggers on `calls` (src/db/migrations/1733600000000-call-order.ts): the CLOSES_AT order's key. */
  @Column('varchar', { name: 'call_closes_at', length: 30, nullable: true })
  callClosesAt: string | null;

  /** Description in each language; served by `description(lang)`. */
  @Column('simple-json', { nullable: true })
  description: Localized | null;

  @Field(() => DateScalar, { nullable: true, description: 'First day; null when not yet known.' })
  @Column('varchar', { name: 'starts_on', length: 10, nullable: true })
  startsOn: string | null;

  @Field(() => DateScalar, { nullable: true, description: 'Last day (inclusive); null when not yet known.' })
  @Column('varchar', { name: 'ends_on', length: 10, nullable: true })
  endsOn: string | null;

  @Column('integer', { name: 'location_id', nullable: true })
  locationPk: number | null;

  /** The foreign key as the schema holds it; never loaded. */
  @ManyToOne(() => Region, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'location_id' })
  locationRef?: Region;

  @Column('varchar', { length: 200, nullable: true })
  series: string | null;

  @Column('integer', { nullable: true })
  year: number | null;

  @Column('simple-json', { name: 'training_program', nullable: true })
  trainingProgram: Localized | null;

  @Column('integer', { name: 'forum_id', nullable: true })
  forumPk: number | null;

  /** The foreign key as the schema holds it; never loaded. */
  @ManyToOne(() => Program, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'forum_id' })
  forumRef?: Program;

  @Column('integer', { name: 'participant_count', nullable: true })
  participantCount: number | null;

  /** Who the program is for, as a list of categories in each language. */
  @Column('simple-json', { nullable: true })
  audience: Partial<Record<string, string[]>> | null;

  /** True for generated test and benchmark records. */
  @Column('boolean', { default: () => 'false' })
  synthetic: boolean;
}

@EntityKey()
@CacheFor(MAX_AGE.programs)
@ObjectType('Forum', {
  simpleResolvers: true,
  implements: [Program, Node],
  description: 'A recurring event, such as an edition of the Azerbaijan-Russian Youth Forum.',
})
export class Forum extends Program {
  @Field(() => String, { nullable: true, description: 'The recurring event this edition belongs to, e.g. "Azerbaijan-Russian Youth Forum".' })
  override series: string | null;

  @Field(() => Int, { nullable: true, description: 'The edition year, e.g. 2021.' })
  override year: number | null;
}

@EntityKey()
@CacheFor(MAX_AGE.programs)
@ObjectType('Internship', {
  simpleResolvers: true,
  implements: [Program, Node],
  description: 'A training programme run at a place for a group of participants.',
})
export class Internship extends Program {
  @Field(() => Int, { nullable: true, description: 'How many people took part; null when unknown.' })
  override participantCount: number | null;
}

@Entity('program_organizers')
@Index('idx_program_organizers_organization_id_program_id', ['organizationPk', 'programPk'])
export class ProgramOrganizer {
  @PrimaryColumn('integer', { name: 'program_id' })
  programPk: number;

  @PrimaryColumn('integer', { name: 'organization_id' })
  organizationPk: number;

  /** The foreign keys as the schema holds them; never loaded. */
  @ManyToOne(() => Program, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'program_id' })
  programRef?: Program;

  @ManyToOne(() => Organization, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'organization_id' })
  organizationRef?: Organization;

  /** Order in which the source names the organizers. */
  @Column('integer', { default: 0 })
  position: number;
}

@Entity('participant_origins')
@Index('idx_participant_origins_region_id', ['regionPk'])
@CacheFor(MAX_AGE.programs)
@ObjectType('ParticipantOrigin', { simpleResolvers: true, description: 'Where participants of an internship came from.' })
export class ParticipantOrigin {
  @PrimaryColumn('integer', { name: 'program_id' })
  programPk: number;

  @PrimaryColumn('integer', { name: 'region_id' })
  regionPk: number;

  /** The foreign keys as the schema holds them; never loaded. */
  @ManyToOne(() => Program, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'program_id' })
  programRef?: Program;

  @ManyToOne(() => Region, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'region_id' })
  regionRef?: Region;

  @Field(() => Int, { nullable: true, description: 'How many participants came from the region; null when the source does not say.' })
  @Column('integer', { nullable: true })
  count: number | null;

  /** Order in which the source names the regions. */
  @Column('integer', { default: 0 })
  position: number;
}
