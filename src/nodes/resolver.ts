import { ID } from 'type-graphql';
import { badUserInput, classOfType, declareQueries, fromGlobalId, MAX_AGE, MAX_PAGE_SIZE, nodeOf, type RegistryContext } from '../engine';
import type { ReferenceResolver } from '../graphql/federation';
import { Node } from '../graphql/node';

/** Any node by its global id through the per-request loaders; null when it does not exist. */
export async function findNode(ctx: RegistryContext, id: string, argumentPath: Array<string | number>): Promise<Node | null> {
  const { typeName, pk } = fromGlobalId(id, argumentPath);
  return findNodeByPk(ctx, typeName, pk);
}

/** A node by type name and database key, through the loader its type declares (declareNode); null when it does not exist. */
export async function findNodeByPk(ctx: RegistryContext, typeName: string, pk: number): Promise<Node | null> {
  const type = classOfType(typeName);
  const finder = type && nodeOf(type);
  if (!finder) return null;
  const node = (await finder.byId(ctx).load(pk)) as Node | null;
  return node?.__typename === typeName ? node : null;
}

/** The entity types other services may resolve by key: the object types that declare how they are found, and the Program interface. */
export const ENTITY_TYPES = ['Region', 'Organization', 'Forum', 'Internship', 'Session', 'Call', 'Program'];

/**
 * Federation reference resolvers: `_entities` finds each representation
 * through the same loaders, so many representations cost one statement per type.
 */
export const entityReferences: Record<string, ReferenceResolver> = Object.fromEntries(
  ENTITY_TYPES.map((typeName) => [
    typeName,
    async (reference: { __typename: string; id: string }, ctx: RegistryContext) => {
      const node = await findNode(ctx, reference.id, ['representations']);
      const expected = typeName === 'Program' ? ['Forum', 'Internship'] : [typeName];
      return node && expected.includes(node.__typename) ? node : null;
    },
  ]),
);

declareQueries({
  node: {
    type: () => Node,
    nullable: true,
    description: 'Any record by its global id; null when it does not exist.',
    args: { id: { type: () => ID, description: 'A global id as served in `id` fields.' } },
    cacheFor: MAX_AGE.programs,
    reads: [],
    resolve: (_, { id }: { id: string }, ctx) => findNode(ctx, id, ['id']),
  },
  nodes: {
    type: () => [Node],
    nullable: 'items',
    description: 'Records by global ids, in the order asked; null for each that does not exist.',
    args: { ids: { type: () => [ID], description: 'Global ids as served in `id` fields.' } },
    cacheFor: MAX_AGE.programs,
    reads: [],
    validate: ({ ids }: { ids: string[] }) => {
      if (ids.length > MAX_PAGE_SIZE) throw badUserInput(`At most ${MAX_PAGE_SIZE} ids at once`, ['ids']);
    },
    // Each id on its own: a malformed one fails only its own place in the list (the fast path leaves such a request to graphql-js).
    resolve: (_, { ids }: { ids: string[] }, ctx) => ids.map((id, i) => findNode(ctx, id, ['ids', i])),
  },
});
