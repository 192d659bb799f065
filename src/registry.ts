import 'reflect-metadata';
import { buildSchema } from 'type-graphql';
import type { GraphQLSchema } from 'graphql';
import { printSchema, lexicographicSortSchema } from 'graphql';
import type { RegistryConfig } from './config';
import { openDatabase, type Database } from './db/database';
import { Initial1732800000000 } from './db/migrations/1732800000000-initial';
import { Writes1732850000000 } from './db/migrations/1732850000000-writes';
import { Search1732900000000 } from './db/migrations/1732900000000-search';
import { WriteGeneration1733000000000 } from './db/migrations/1733000000000-write-generation';
import { DropSearchText1733300000000 } from './db/migrations/1733300000000-drop-search-text';
import { ListIndexes1733400000000 } from './db/migrations/1733400000000-list-indexes';
import { Calls1733419000000 } from './db/migrations/1733419000000-calls';
import { CallSearch1733419100000 } from './db/migrations/1733419100000-call-search';
import { ProgramTallies1733500000000 } from './db/migrations/1733500000000-program-tallies';
import { CallOrder1733600000000 } from './db/migrations/1733600000000-call-order';
import { Call, CallRegion } from './calls/call';
import { CallMutations } from './calls/mutations';
import { ApiKey } from './auth/api-key';
import { declaredResolvers, deriveFastPath, type FastPath } from './engine';
import { buildSubgraph, subgraphSdl, withEntities } from './graphql/federation';
import { LiveResolver, unusedPubSub } from './live/resolver';
import { entityReferences } from './nodes/resolver';
import { Organization } from './organizations/organization';
import { ParticipantOrigin, Program, ProgramOrganizer } from './programs/program';
import { OrganizationMutations } from './organizations/mutations';
import { ProgramMutations } from './programs/mutations';
import { RegionMutations } from './regions/mutations';
import { SessionMutations } from './sessions/mutations';
import { Region } from './regions/region';
import { SearchResolver } from './search/resolver';
import { Session } from './sessions/session';
// Each domain declares its fields (src/engine/declare.ts) when it is loaded.
import './calls/resolver';
import './calls/stats';
import './languages/resolver';
import './organizations/resolver';
import './programs/resolver';
import './regions/resolver';
import './sessions/resolver';
import './stats/resolver';

/** The registry's parts, in one table of contents. */
export const entities = [ApiKey, Region, Organization, Program, ProgramOrganizer, ParticipantOrigin, Session, Call, CallRegion];
export const migrations = [Initial1732800000000, Writes1732850000000, Search1732900000000, WriteGeneration1733000000000, DropSearchText1733300000000, ListIndexes1733400000000, Calls1733419000000, CallSearch1733419100000, ProgramTallies1733500000000, CallOrder1733600000000];
/** Resolvers written by hand: what graphql-js alone answers (search) and the writes. The declared fields' come from the engine. */
export const resolvers = [SearchResolver, ProgramMutations, SessionMutations, OrganizationMutations, RegionMutations, CallMutations, LiveResolver] as const;

let schema: Promise<GraphQLSchema> | undefined;

/** The registry's GraphQL schema; built once per process. */
export function registrySchema(): Promise<GraphQLSchema> {
  schema ??= buildSchema({ resolvers: [...resolvers, ...declaredResolvers()] as unknown as [Function, ...Function[]], validate: false, pubSub: unusedPubSub }).then((built) => {
    // type-graphql has no option for describing the root type itself.
    built.getQueryType()!.description = 'Reading the registry: records by key or global id, paged lists, search and statistics.';
    const mutation = built.getMutationType();
    if (mutation) mutation.description = 'Writing the registry: each mutation needs an API key whose role allows it, runs in one transaction, and answers the object with `userErrors`.';
    const subscription = built.getSubscriptionType();
    if (subscription) subscription.description = 'Hearing of committed writes, over WebSocket (the graphql-ws protocol) at the same address as queries.';
    return built;
  });
  return schema;
}

let fast: Promise<FastPath> | undefined;

/**
 * What the fast path (src/engine/fast-path.ts) resolves, which columns it
 * may leave out and what the database can render: all derived from the
 * declarations and the schema. Operations selecting any other field take
 * the plain path.
 */
export function servedFastPath(): Promise<FastPath> {
  fast ??= registrySchema().then((schema) => withEntities(deriveFastPath(schema), entityReferences, schema));
  return fast;
}

let subgraph: Promise<GraphQLSchema> | undefined;

/** The schema the server runs: the registry's schema as an Apollo Federation 2 subgraph. */
export function servedSchema(): Promise<GraphQLSchema> {
  subgraph ??= registrySchema().then((schema) => buildSubgraph(schema, entityReferences));
  return subgraph;
}

/** The SDL other services compose, as `_service { sdl }` answers it; published as `schema/subgraph.graphql`. */
export async function printSubgraphSdl(): Promise<string> {
  return `${(await subgraphSdl(await servedSchema())).trim()}\n`;
}

/** The client-facing SDL as published in `schema/schema.graphql`. */
export async function printRegistrySchema(): Promise<string> {
  return `${printSchema(lexicographicSortSchema(await registrySchema()))}\n`;
}

/** Opens the configured database and brings its schema up to date; `bulk` lifts the statement deadline for commands whose statements may rightly be long. */
export function openRegistryDatabase(config: RegistryConfig, options: { migrate?: boolean; bulk?: boolean } = { migrate: true }): Promise<Database> {
  return openDatabase(config, { entities, migrations, migrate: options.migrate, statementDeadline: !options.bulk });
}
