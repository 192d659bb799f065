import { Directive, Field, ID, InterfaceType } from 'type-graphql';

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
