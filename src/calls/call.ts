import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';
import { Field, Float, Int, ObjectType, registerEnumType } from 'type-graphql';
import { CacheFor, CacheLikeParent, MAX_AGE, type Localized } from '../engine';
import { AuditedNode, EntityKey, Node } from '../graphql/node';
import { DateScalar, DateTimeScalar } from '../graphql/scalars';
import { Program } from '../programs/program';
import { Region } from '../regions/region';

export enum CallStatus {
  NOT_YET_OPEN = 'NOT_YET_OPEN',
  OPEN = 'OPEN',
  CLOSED = 'CLOSED',
}

registerEnumType(CallStatus, {
  name: 'CallStatus',
  description: 'Where a call for applications stands now: from its opening day (UTC) and its deadline (an instant).',
  valuesConfig: {
    NOT_YET_OPEN: { description: 'Its opening day is after today (UTC) and its deadline has not passed.' },
    OPEN: { description: 'Opened today or earlier (UTC) and its deadline is still ahead.' },
    CLOSED: { description: 'Its deadline has passed.' },
  },
});

/**
 * A call for applications to a programme: when it opens and closes, who may
 * apply (by region of residence), how many places, in which languages it is
 * held and what it costs. A programme has at most one call (the SALTO-style
 * calendar this follows has one per activity); its deadline orders programmes.
 */
@Entity('calls')
@Index('idx_calls_closes_at', ['closesAt'])
@EntityKey()
@CacheFor(MAX_AGE.programs)
@ObjectType('Call', {
  simpleResolvers: true,
  implements: Node,
  description: 'A call for applications to a forum or internship: dates, eligibility by region of residence, places, languages and costs.',
})
export class Call extends AuditedNode {
  @PrimaryGeneratedColumn({ name: 'id' })
  pk: number;

  @Column('integer', { name: 'program_id', unique: true })
  programPk: number;

  /** The foreign key as the schema holds it; never loaded. */
  @ManyToOne(() => Program, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'program_id' })
  programRef?: Program;

  @Field(() => DateScalar, { description: 'First day applications are taken (UTC date).' })
  @Column('varchar', { name: 'opens_on', length: 10 })
  opensOn: string;

  @Field(() => DateTimeScalar, { description: 'The deadline, as an instant in UTC; `timeZone` says where it was set (23:59 in Moscow is 20:59Z).' })
  @Column('varchar', { name: 'closes_at', length: 30 })
  closesAt: string;

  @Field(() => String, { description: 'IANA time zone the deadline was set in, e.g. "Europe/Moscow"; calendar feeds show the deadline in it.' })
  @Column('varchar', { name: 'time_zone', length: 64 })
  timeZone: string;

  @Field(() => String, { description: 'Where to apply: an http(s) address.' })
  @Column('varchar', { name: 'apply_url', length: 500 })
  applyUrl: string;

  @Field(() => Int, { nullable: true, description: 'How many participants will be selected; null when the call does not say.' })
  @Column('integer', { nullable: true })
  places: number | null;

  /** ISO 639-1 codes of the languages the programme is held in, in the order given. */
  @Column('simple-json', { name: 'working_languages' })
  workingLanguages: string[];

  /** Participation fee in hundredths of the currency unit; null when there is none or it is not known. */
  @Column('integer', { name: 'fee_minor', nullable: true })
  feeMinor: number | null;

  /** ISO 4217 code of the fee's currency. */
  @Column('varchar', { name: 'fee_currency', length: 3, nullable: true })
  feeCurrency: string | null;

  /** Whether travel is paid for; null when the call does not say. */
  @Column('boolean', { name: 'travel_covered', nullable: true })
  travelCovered: boolean | null;

  /** Whether accommodation is paid for; null when the call does not say. */
  @Column('boolean', { name: 'accommodation_covered', nullable: true })
  accommodationCovered: boolean | null;

  /** Notes on costs in each language; served by `costs { notes(lang) }`. */
  @Column('simple-json', { name: 'cost_notes', nullable: true })
  costNotes: Localized | null;

  /** True for generated test and benchmark records. */
  @Column('boolean', { default: () => 'false' })
  synthetic: boolean;
}

/** A region whose residents may apply to a call (with everything below it). */
@Entity('call_regions')
@Index('idx_call_regions_region_id', ['regionPk'])
export class CallRegion {
  @PrimaryColumn('integer', { name: 'call_id' })
  callPk: number;

  @PrimaryColumn('integer', { name: 'region_id' })
  regionPk: number;

  /** The foreign keys as the schema holds them; never loaded. */
  @ManyToOne(() => Call, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'call_id' })
  callRef?: Call;

  @ManyToOne(() => Region, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'region_id' })
  regionRef?: Region;

  /** Order in which the call names the regions. */
  @Column('integer', { default: 0 })
  position: number;
}

@CacheLikeParent()
@ObjectType('Money', { simpleResolvers: true, description: 'An amount of money in a currency.' })
export class Money {
  @Field(() => Float, { description: 'The amount, e.g. 25.5.' })
  amount: number;

  @Field(() => String, { description: 'ISO 4217 currency code, e.g. "EUR", "RUB".' })
  currency: string;
}

@CacheLikeParent()
@ObjectType('CallCosts', { simpleResolvers: true, description: 'What taking part costs and what the organizers pay for.' })
export class CallCosts {
  @Field(() => Money, { nullable: true, description: 'Participation fee; null when there is none or the call does not say.' })
  fee: Money | null;

  @Field(() => Boolean, { nullable: true, description: 'Whether travel is paid for; null when the call does not say.' })
  travelCovered: boolean | null;

  @Field(() => Boolean, { nullable: true, description: 'Whether accommodation is paid for; null when the call does not say.' })
  accommodationCovered: boolean | null;

  /** Notes in each language; served by `notes(lang)`. */
  notes: Localized | null;
}
