import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { SortKey } from '../db/sort-keys';
import { Region } from '../regions/region';
import { Field, ObjectType, registerEnumType } from 'type-graphql';
import { CacheFor, MAX_AGE, type Localized } from '../engine';
import { AuditedNode, EntityKey, Node } from '../graphql/node';

export enum OrganizationKind {
  UNIVERSITY = 'UNIVERSITY',
  GOVERNMENT_BODY = 'GOVERNMENT_BODY',
  YOUTH_COUNCIL = 'YOUTH_COUNCIL',
  NGO = 'NGO',
  INTERSTATE_BODY = 'INTERSTATE_BODY',
  OTHER = 'OTHER',
}

registerEnumType(OrganizationKind, {
  name: 'OrganizationKind',
  description: 'What kind of body an organization is.',
  valuesConfig: {
    UNIVERSITY: { description: 'A university or other institution of higher education.' },
    GOVERNMENT_BODY: { description: 'A ministry, agency or other state body.' },
    YOUTH_COUNCIL: { description: 'A national or regional council of youth organizations.' },
    NGO: { description: 'A non-governmental organization.' },
    INTERSTATE_BODY: { description: 'A body of an interstate union, such as a base organization of the CIS.' },
    OTHER: { description: 'Any other kind.' },
  },
});

@Entity('organizations')
@Index('idx_organizations_region_id', ['regionPk'])
@EntityKey()
@CacheFor(MAX_AGE.directory)
@ObjectType('Organization', {
  simpleResolvers: true,
  implements: Node,
  description: 'A body that organizes programs or hosts sessions.',
})
export class Organization extends AuditedNode {
  @PrimaryGeneratedColumn({ name: 'id' })
  pk: number;

  @Field(() => String, { description: 'Stable, URL-safe handle, e.g. "mirea".' })
  @SortKey()
  @Column('varchar', { length: 100, unique: true })
  slug: string;

  /** Name in each language; served by `name(lang)`. */
  @Column('simple-json')
  name: Localized;

  @Field(() => OrganizationKind, { description: 'What kind of body this is.' })
  @Column('varchar', { length: 20 })
  kind: OrganizationKind;

  @Column('integer', { name: 'region_id', nullable: true })
  regionPk: number | null;

  /** The foreign key as the schema holds it; never loaded. */
  @ManyToOne(() => Region, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'region_id' })
  regionRef?: Region;

  /** True for generated test and benchmark records. */
  @Column('boolean', { default: () => 'false' })
  synthetic: boolean;
}
