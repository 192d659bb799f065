import { Column, JoinColumn, ManyToOne } from 'typeorm';
import { Directive, Field, ID, InterfaceType } from 'type-graphql';
import { ApiKey } from '../auth/api-key';

/** What every registry record carries once read: its database key and its public identity. */
@InterfaceType('Node', {
  description: 'A record with a global id that `node(id)` and `nodes(ids)` resolve.',
  resolveType: (value: { __typename: string }) => value.__typename,
})
export abstract class Node {
  @Field(() => ID, { description: 'Opaque global id; pass it back to `node(id)`.' })
  id: string;

  /** GraphQL type name, set when the row is read. */
  __typename: string;
}

/** Federation entity key: other services resolve the type by its global id. */
export function EntityKey() {
  return Directive('@key(fields: "id")');
}

/**
 * A record the registry writes: every one keeps when and by which key it was
 * created and last changed (src/graphql/writes.ts, saveRecord). Storage only:
 * no field of the schema shows them.
 */
export abstract class AuditedNode extends Node {
  @Column('varchar', { name: 'created_at', length: 30, nullable: true })
  createdAt: string | null;

  @Column('varchar', { name: 'updated_at', length: 30, nullable: true })
  updatedAt: string | null;

  @Column('integer', { name: 'created_by_key_id', nullable: true })
  createdByKeyPk: number | null;

  @Column('integer', { name: 'updated_by_key_id', nullable: true })
  updatedByKeyPk: number | null;

  /** The foreign keys as the schema holds them; never loaded (the registry reads with plain SQL). */
  @ManyToOne(() => ApiKey)
  @JoinColumn({ name: 'created_by_key_id' })
  createdByKey?: ApiKey;

  @ManyToOne(() => ApiKey)
  @JoinColumn({ name: 'updated_by_key_id' })
  updatedByKey?: ApiKey;
}
