import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, Unique } from 'typeorm';
import { Organization } from '../organizations/organization';
import { Program } from '../programs/program';
import { Field, ObjectType, registerEnumType } from 'type-graphql';
import { CacheFor, MAX_AGE, type Localized } from '../engine';
import { AuditedNode, EntityKey, Node } from '../graphql/node';
import { DateTimeScalar } from '../graphql/scalars';

export enum SessionKind {
  MEETING = 'MEETING',
  LECTURE = 'LECTURE',
  GROUP_WORK = 'GROUP_WORK',
  PRESENTATION = 'PRESENTATION',
  SITE_VISIT = 'SITE_VISIT',
  DISCUSSION = 'DISCUSSION',
  CULTURAL_PROGRAM = 'CULTURAL_PROGRAM',
  OTHER = 'OTHER',
}

registerEnumType(SessionKind, {
  name: 'SessionKind',
  description: 'What kind of activity a session is.',
  valuesConfig: {
    MEETING: { description: 'A meeting with representatives of an organization.' },
    LECTURE: { description: 'A lecture.' },
    GROUP_WORK: { description: 'Work in groups.' },
    PRESENTATION: { description: 'A presentation of practices or projects.' },
    SITE_VISIT: { description: 'A visit to a site, such as a youth centre.' },
    DISCUSSION: { description: 'A discussion.' },
    CULTURAL_PROGRAM: { description: 'A cultural and excursion programme.' },
    OTHER: { description: 'Any other activity.' },
  },
});

@Entity('sessions')
@Unique('uq_sessions_program_slug', ['programPk', 'slug'])
// The orders of sessions' lists (src/db/migrations/1733400000000-list-indexes.ts).
@Index('idx_sessions_program_id_position_id', ['programPk', 'position', 'pk'])
@Index('idx_sessions_program_id_id', ['programPk', 'pk'])
@Index('idx_sessions_host_id_id', ['hostPk', 'pk'])
@EntityKey()
@CacheFor(MAX_AGE.programs)
@ObjectType('Session', {
  simpleResolvers: true,
  implements: Node,
  description: 'One activity inside a program: a meeting, a lecture, group work, a visit.',
})
export class Session extends AuditedNode {
  @PrimaryGeneratedColumn({ name: 'id' })
  pk: number;

  @Column('integer', { name: 'program_id' })
  programPk: number;

  /** The foreign keys as the schema holds them; never loaded. */
  @ManyToOne(() => Program, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'program_id' })
  programRef?: Program;

  /** Stable handle within its program, used by the seed loader to stay idempotent. */
  @Column('varchar', { length: 120 })
  slug: string;

  /** Title in each language; served by `title(lang)`. */
  @Column('simple-json')
  title: Localized;

  @Field(() => SessionKind, { description: 'What kind of activity this is.' })
  @Column('varchar', { length: 20 })
  kind: SessionKind;

  @Column('integer', { name: 'host_id', nullable: true })
  hostPk: number | null;

  @ManyToOne(() => Organization, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'host_id' })
  hostRef?: Organization;

  @Field(() => DateTimeScalar, { nullable: true, description: 'When it starts; null when the source gives no time.' })
  @Column('varchar', { name: 'starts_at', length: 30, nullable: true })
  startsAt: string | null;

  @Field(() => DateTimeScalar, { nullable: true, description: 'When it ends; null when the source gives no time.' })
  @Column('varchar', { name: 'ends_at', length: 30, nullable: true })
  endsAt: string | null;

  /** Order within the program. */
  @Column('integer', { default: 0 })
  position: number;

  /** True for generated test and benchmark records. */
  @Column('boolean', { default: () => 'false' })
  synthetic: boolean;
}
