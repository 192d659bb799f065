import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { SortKey } from '../db/sort-keys';
import { Field, ObjectType, registerEnumType } from 'type-graphql';
import { CacheFor, MAX_AGE, type Localized } from '../engine';
import { AuditedNode, EntityKey, Node } from '../graphql/node';

export enum RegionKind {
  INTERSTATE_UNION = 'INTERSTATE_UNION',
  COUNTRY = 'COUNTRY',
  SUBDIVISION = 'SUBDIVISION',
  CITY = 'CITY',
}

registerEnumType(RegionKind, {
  name: 'RegionKind',
  description: 'What kind of place a region is.',
  valuesConfig: {
    INTERSTATE_UNION: { description: 'A union of states, such as the CIS.' },
    COUNTRY: { description: 'A sovereign state.' },
    SUBDIVISION: { description: 'A first-level subdivision of a country (an oblast, a federal subject).' },
    CITY: { description: 'A city, including cities with the status of a subdivision (Moscow, Baku).' },
  },
});

@Entity('regions')
@Index('idx_regions_parent_id', ['parentPk'])
@EntityKey()
@CacheFor(MAX_AGE.reference)
@ObjectType('Region', {
  simpleResolvers: true,
  implements: Node,
  description: 'A place in the hierarchy CIS > country > subdivision or city.',
})
export class Region extends AuditedNode {
  @PrimaryGeneratedColumn({ name: 'id' })
  pk: number;

  @Field(() => String, {
    description: 'ISO 3166-1 alpha-2 for countries (RU, AZ), ISO 3166-2 for subdivisions (RU-OMS, AZ-BA), "CIS" for the Commonwealth.',
  })
  @SortKey()
  @Column('varchar', { length: 32, unique: true })
  code: string;

  /** Name in each language; served by `name(lang)`. */
  @Column('simple-json')
  name: Localized;

  @Field(() => RegionKind, { description: 'What kind of place this is.' })
  @Column('varchar', { length: 20 })
  kind: RegionKind;

  @Column('integer', { name: 'parent_id', nullable: true })
  parentPk: number | null;

  /** The foreign key as the schema holds it; never loaded. */
  @ManyToOne(() => Region, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'parent_id' })
  parentRef?: Region;

  /** True for generated test and benchmark records. */
  @Column('boolean', { default: () => 'false' })
  synthetic: boolean;
}
