import { Arg, Ctx, ID, Query, Resolver } from 'type-graphql';
import type { RegistryContext } from '../engine/context';
import { CacheFor, MAX_AGE } from '../graphql/cache';
import { badUserInput } from '../engine/errors';
import type { ReferenceResolver } from '../graphql/federation';
import type { FastFields } from '../engine/fast-path';
import { fromGlobalId } from '../engine/rules/ids';
import { MAX_PAGE_SIZE } from '../engine/paging';
import { Node } from '../graphql/node';
import { organizationById } from '../organizations/loaders';
import { programById } from '../programs/loaders';
import { regionById } from '../regions/loaders';
import { sessionById } from '../sessions/loaders';

type ByPk = (ctx: RegistryContext) => { load(pk: number): Promise<Node | null> };

/** Which loader finds each node type by its database key. */
const FINDERS: Record<string, ByPk> = {
  Region: regionById,
  Organization: organizationById,
  Forum: programById,
  Internship: programById,
  Session: sessionById,
};

/** Any node by its global id through the per-request loaders; null when it does not exist. */
export async function findNode(ctx: RegistryContext, id: string, argumentPath: Array<string | number>): Promise<Node | null> {
  const { typeName, pk } = fromGlobalId(id, argumentPath);
  return findNodeByPk(ctx, typeName, pk);
}

/** A node by type name and database key; null when it does not exist. */
export async function findNodeByPk(ctx: RegistryContext, typeName: string, pk: number): Promise<Node | null> {
  const find = FINDERS[typeName];
  if (!find) return null;
  const node = await find(ctx).load(pk);
  return node?.__typename === typeName ? node : null;
}

/**
 * Federation reference resolvers: `_entities` finds each representation
 * through the same loaders, so many representations cost one statement per type.
 */
export const entityReferences: Record<string, ReferenceResolver> = Object.fromEntries(
  ['Region', 'Organization', 'Forum', 'Internship', 'Session', 'Program'].map((typeName) => [
    typeName,
    async (reference: { __typename: string; id: string }, ctx: RegistryContext) => {
      const node = await findNode(ctx, reference.id, ['representations']);
      const expected = typeName === 'Program' ? ['Forum', 'Internship'] : [typeName];
      return node && expected.includes(node.__typename) ? node : null;
    },
  ]),
);

/** Each id on its own: a malformed one fails only its own place in the list. */
function findNodes(ctx: RegistryContext, ids: string[]): Array<Promise<Node | null>> {
  if (ids.length > MAX_PAGE_SIZE) throw badUserInput(`At most ${MAX_PAGE_SIZE} ids at once`, ['ids']);
  return ids.map((id, i) => findNode(ctx, id, ['ids', i]));
}

export const nodeFastFields: FastFields = {
  Query: {
    node: (_: unknown, { id }: { id: string }, ctx: RegistryContext) => findNode(ctx, id, ['id']),
    // The fast path takes whole lists: any bad id sends the operation to the plain path, which reports it in its place.
    nodes: (_: unknown, { ids }: { ids: string[] }, ctx: RegistryContext) => Promise.all(findNodes(ctx, ids)),
  },
};

@Resolver()
export class NodeResolver {
  @CacheFor(MAX_AGE.programs)
  @Query(() => Node, { nullable: true, description: 'Any record by its global id; null when it does not exist.' })
  node(@Arg('id', () => ID, { description: 'A global id as served in `id` fields.' }) id: string, @Ctx() ctx: RegistryContext) {
    return findNode(ctx, id, ['id']);
  }

  @CacheFor(MAX_AGE.programs)
  @Query(() => [Node], { nullable: 'items', description: 'Records by global ids, in the order asked; null for each that does not exist.' })
  nodes(@Arg('ids', () => [ID], { description: 'Global ids as served in `id` fields.' }) ids: string[], @Ctx() ctx: RegistryContext) {
    return findNodes(ctx, ids);
  }
}
