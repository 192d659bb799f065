import { badUserInput, CACHE_CONTROL_SDL, restrictHint, typeHint, withDynamicHint, type CacheHint, type FastPath, type FastResolver, type RegistryContext } from '../engine';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap';
import { printSchemaWithDirectives } from '@graphql-tools/utils';
import { execute, lexicographicSortSchema, parse, type GraphQLSchema } from 'graphql';
import gql from 'graphql-tag';
import { createResolversMap } from 'type-graphql';

/** Federation 2 features the registry's SDL uses. */
const FEDERATION_LINK = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.5", import: ["@key"])';

export type ReferenceResolver = (reference: { __typename: string; id: string }, ctx: RegistryContext) => Promise<unknown>;

/** What the subgraph's machinery is, for any client that introspects it (the explorer leaves it out of its map). */
const MACHINERY: Record<string, string> = {
  _Any: 'Federation: an entity representation a gateway sends to `_entities`, `{ __typename, id }`.',
  _Entity: "Federation: any of the registry's entity types, as `_entities` answers them.",
  _Service: 'Federation: this subgraph as gateways compose it.',
  link__Import: 'Federation: a name imported from a specification by `@link`.',
  link__Purpose: 'Federation: what a specification linked by `@link` is for.',
  federation__FieldSet: 'Federation: a selection of fields, as `@key(fields:)` takes it.',
  federation__Scope: 'Federation: an authorization scope of `@requiresScopes`.',
  CacheControlScope: 'Whether a cached answer may be shared by all callers (PUBLIC) or kept for one (PRIVATE).',
  'Query._service': 'Federation: the SDL gateways compose. Not for analysts.',
  'Query._entities': 'Federation: entities by their representations, in the order asked; null for an id that does not exist. Not for analysts.',
};

function describeMachinery(schema: GraphQLSchema): void {
  for (const [name, description] of Object.entries(MACHINERY)) {
    const [typeName, fieldName] = name.split('.');
    const type = schema.getType(typeName);
    const target = fieldName ? (type && 'getFields' in type ? type.getFields()[fieldName] : undefined) : type;
    if (target && !target.description) target.description = description;
  }
}

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
  const subgraph = buildSubgraphSchema([{ typeDefs, resolvers }]);
  guardEntities(subgraph, new Set(Object.keys(entities)));
  describeMachinery(subgraph);
  return subgraph;
}

/**
 * `_entities` takes any JSON as a representation; Apollo's resolver throws a
 * plain error (a 500 for every representation) when one has no entity type.
 * Each representation is checked first, and a bad one fails only its own
 * place in the list, as a BAD_USER_INPUT naming it.
 */
function guardEntities(subgraph: GraphQLSchema, entityTypes: ReadonlySet<string>): void {
  const field = subgraph.getQueryType()?.getFields()._entities;
  const resolve = field?.resolve;
  if (!field || !resolve) return;
  field.resolve = (source, args: { representations: unknown[] }, ctx, info) => {
    const { representations } = args;
    const answers: unknown[] = new Array(representations.length);
    const valid: Array<{ index: number; representation: unknown }> = [];
    representations.forEach((representation, index) => {
      const problem = representationProblem(representation, entityTypes);
      if (problem) answers[index] = badUserInput(problem, ['representations', index]);
      else valid.push({ index, representation });
    });
    if (valid.length) {
      const resolved = resolve(source, { ...args, representations: valid.map((v) => v.representation) }, ctx, info) as unknown[];
      valid.forEach(({ index }, i) => (answers[index] = resolved[i]));
    }
    return answers;
  };
}

function representationProblem(representation: unknown, entityTypes: ReadonlySet<string>): string | null {
  if (representation === null || typeof representation !== 'object' || Array.isArray(representation)) return 'A representation must be an object with __typename and id';
  const { __typename, id } = representation as { __typename?: unknown; id?: unknown };
  if (typeof __typename !== 'string' || !entityTypes.has(__typename)) {
    return `${JSON.stringify(String(__typename).slice(0, 60))} is not an entity type of this subgraph (${[...entityTypes].join(', ')})`;
  }
  if (typeof id !== 'string') return 'A representation needs the entity\'s id (its key) as a string';
  return null;
}

/**
 * `_entities` on the fast path (src/engine/fast-path.ts), so a gateway's
 * batch is answered without graphql-js: each representation through its
 * type's reference resolver, as Apollo's resolver calls it (the loaders
 * batch them into one statement per type); the node's own `__typename` is
 * the one Apollo gives it (the representation's type, or for the Program
 * interface the type the node resolves to). A representation the plain
 * path would refuse in its place leaves the whole request to it.
 */
export function withEntities(fast: FastPath, entities: Record<string, ReferenceResolver>, schema: GraphQLSchema): FastPath {
  const entityTypes = new Set(Object.keys(entities));
  const resolve: FastResolver = (_, { representations }: { representations: unknown[] }, ctx) => {
    if (representations.some((r) => representationProblem(r, entityTypes) !== null)) throw new Error('a representation the plain path reports in its place');
    return representations.map((r) => {
      const reference = r as { __typename: string; id: string };
      return entities[reference.__typename](reference, ctx);
    });
  };
  // Apollo's resolver restricts the field's hint by each representation's type; a field left without an age is not cached.
  const hints = new Map([...entityTypes].map((name) => [name, typeHint(schema.getType(name)!)]));
  const hintOf = ({ representations }: { representations: Array<{ __typename: string }> }): CacheHint => {
    const policy: CacheHint = {};
    for (const r of representations) restrictHint(policy, hints.get(r.__typename) ?? {});
    return policy.maxAge === undefined ? { ...policy, maxAge: 0 } : policy;
  };
  const queryType = schema.getQueryType()!.name;
  return { ...fast, fields: { ...fast.fields, [queryType]: { ...fast.fields[queryType], _entities: withDynamicHint(resolve, hintOf) } } };
}

/** The SDL the subgraph answers to `_service { sdl }`: what a gateway or router composes. */
export async function subgraphSdl(subgraph: GraphQLSchema): Promise<string> {
  const result = await execute({ schema: subgraph, document: parse('{ _service { sdl } }') });
  return (result.data as { _service: { sdl: string } })._service.sdl;
}
