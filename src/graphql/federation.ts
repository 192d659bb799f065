import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap';
import { printSchemaWithDirectives } from '@graphql-tools/utils';
import { execute, lexicographicSortSchema, parse, type GraphQLSchema } from 'graphql';
import gql from 'graphql-tag';
import { createResolversMap } from 'type-graphql';
import type { RegistryContext } from './context';
import { CACHE_CONTROL_SDL } from './cache';

/** Federation 2 features the registry's SDL uses. */
const FEDERATION_LINK = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.5", import: ["@key"])';

export type ReferenceResolver = (reference: { __typename: string; id: string }, ctx: RegistryContext) => Promise<unknown>;

/**
 * Turns the type-graphql schema into an Apollo Federation 2 subgraph: the
 * printed SDL keeps type-graphql's directives (`@key`, `@cacheControl`), and
 * each entity gets a reference resolver that goes through the request's loaders.
 */
export function buildSubgraph(schema: GraphQLSchema, entities: Record<string, ReferenceResolver>): GraphQLSchema {
  // Sorted, so the published SDL changes only when the schema does.
  const typeDefs = gql(`${FEDERATION_LINK}\n${CACHE_CONTROL_SDL}\n${printSchemaWithDirectives(lexicographicSortSchema(schema))}`);
  const resolvers = createResolversMap(schema) as GraphQLResolverMap<RegistryContext>;
  for (const [typeName, resolveReference] of Object.entries(entities)) {
    resolvers[typeName] = { ...resolvers[typeName], __resolveReference: resolveReference } as GraphQLResolverMap<RegistryContext>[string];
  }
  return buildSubgraphSchema([{ typeDefs, resolvers }]);
}

/** The SDL the subgraph answers to `_service { sdl }`: what a gateway or router composes. */
export async function subgraphSdl(subgraph: GraphQLSchema): Promise<string> {
  const result = await execute({ schema: subgraph, document: parse('{ _service { sdl } }') });
  return (result.data as { _service: { sdl: string } })._service.sdl;
}
