import fs from 'node:fs';
import path from 'node:path';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { startStandaloneServer } from '@apollo/server/standalone';
import { ApolloGateway, IntrospectAndCompose, RemoteGraphQLDataSource } from '@apollo/gateway';
import { buildSubgraphSchema } from '@apollo/subgraph';
import gql from 'graphql-tag';
import { toGlobalId } from '../src/engine/rules/ids';
import { printSubgraphSdl } from '../src/registry';
import { startTestRegistry, type TestRegistry } from './support/registry';

let registry: TestRegistry;
beforeAll(async () => {
  registry = await startTestRegistry({ synthetic: 'small', explain: true });
});
afterAll(() => registry.stop());

const ENTITIES = `query($representations: [_Any!]!) { _entities(representations: $representations) {
  __typename
  ... on Region { id code } ... on Organization { id slug } ... on Program { id slug } ... on Session { id title }
} }`;

async function pks(table: string, where: string, limit: number): Promise<number[]> {
  return (await registry.db.query<{ id: number }>(`SELECT id FROM ${table} WHERE ${where} ORDER BY id LIMIT ${limit}`)).map((r) => Number(r.id));
}

describe('another service composes the registry as a federation 2 subgraph', () => {
  it('publishes its SDL with @link and @key on every entity, as schema/subgraph.graphql holds it', async () => {
    const { data } = await registry.request<any, any>('{ _service { sdl } }');
    const sdl: string = data._service.sdl;
    expect(sdl).toContain('@link(url: "https://specs.apollo.dev/federation/v2.5", import: ["@key"])');
    for (const type of ['type Region', 'type Organization', 'type Forum', 'type Internship', 'type Session', 'type Call', 'interface Program']) {
      expect(sdl).toMatch(new RegExp(`${type}(\\s+implements [\\w &]+)?\\s+@key\\(fields: "id"\\)`));
    }
    expect(`${sdl.trim()}\n`).toBe(fs.readFileSync(path.join(__dirname, '..', 'schema', 'subgraph.graphql'), 'utf8'));
    expect(`${sdl.trim()}\n`).toBe(await printSubgraphSdl());
  });

  it('resolves a mix of representations in the order asked, null for a missing id, one statement per table', async () => {
    const [forum] = await pks('programs', `type = 'FORUM'`, 1);
    const [internship] = await pks('programs', `type = 'INTERNSHIP'`, 1);
    const representations = [
      { __typename: 'Session', id: toGlobalId('Session', 5) },
      { __typename: 'Region', id: toGlobalId('Region', 1) },
      { __typename: 'Internship', id: toGlobalId('Internship', internship) },
      { __typename: 'Organization', id: toGlobalId('Organization', 999999) },
      { __typename: 'Forum', id: toGlobalId('Forum', forum) },
      { __typename: 'Program', id: toGlobalId('Internship', internship) },
      { __typename: 'Region', id: toGlobalId('Region', 2) },
      { __typename: 'Organization', id: toGlobalId('Organization', 1) },
    ];
    const { data, errors, extensions } = await registry.request<any, any>(ENTITIES, { representations });
    expect(errors).toBeUndefined();
    expect(data._entities.map((e: any) => e && e.__typename)).toEqual(['Session', 'Region', 'Internship', null, 'Forum', 'Internship', 'Region', 'Organization']);
    expect(data._entities[1]).toEqual({ __typename: 'Region', id: toGlobalId('Region', 1), code: 'CIS' });
    expect(data._entities[7].slug).toBe('mirea');
    const tables = extensions!.explain!.sql.map((s) => /FROM (\w+)/.exec(s)![1]).sort();
    // One statement per table; regions come from the server's held copy, read at most once.
    expect(tables.filter((t) => t !== 'regions')).toEqual(['organizations', 'programs', 'sessions']);
    expect(tables.filter((t) => t === 'regions').length).toBeLessThanOrEqual(1);
  });

  it('resolves 100 organizations in one statement', async () => {
    const ids = await pks('organizations', 'synthetic = true', 100);
    const representations = ids.map((id) => ({ __typename: 'Organization', id: toGlobalId('Organization', id) }));
    const { data, extensions } = await registry.request<any, any>(ENTITIES, { representations });
    expect(data._entities).toHaveLength(100);
    expect(data._entities.map((e: any) => e.id)).toEqual(representations.map((r) => r.id));
    expect(extensions!.explain!.sql).toHaveLength(1);
  });

  it('answers a malformed id with a clear error and null in its place', async () => {
    const representations = [{ __typename: 'Region', id: toGlobalId('Region', 1) }, { __typename: 'Region', id: 'garbage' }];
    const { data, errors } = await registry.request<any, any>(ENTITIES, { representations });
    expect(data._entities[0].code).toBe('CIS');
    expect(data._entities[1]).toBeNull();
    expect(errors![0].message).toBe('"garbage" is not a registry id');
    expect(errors![0].extensions!.code).toBe('BAD_USER_INPUT');
  });
});

describe('a gateway composes the registry with a study-visits subgraph over HTTP', () => {
  let visits: { url: string; stop: () => Promise<void> };
  let gateway: { url: string; stop: () => Promise<void> };
  const registryResponses: Array<{ query: string; sql: string[] }> = [];

  beforeAll(async () => {
    const hostIds = await pks('organizations', 'synthetic = true', 100);
    const [baku] = await pks('regions', `code = 'AZ-BA'`, 1);
    const [omsk] = await pks('regions', `code = 'RU-OMS'`, 1);
    const climate: Record<string, string> = { [toGlobalId('Region', baku)]: 'subtropical', [toGlobalId('Region', omsk)]: 'continental' };
    // A second team's service: it adds `climate` to Region and references Organization as a visit's host.
    const visitsServer = new ApolloServer({
      plugins: [ApolloServerPluginInlineTraceDisabled()],
      schema: buildSubgraphSchema([
        {
          typeDefs: gql`
            extend schema @link(url: "https://specs.apollo.dev/federation/v2.5", import: ["@key", "@interfaceObject"])
            type Region @key(fields: "id") { id: ID! climate: String }
            type Program @key(fields: "id") @interfaceObject { id: ID! visitCount: Int! }
            type Organization @key(fields: "id", resolvable: false) { id: ID! }
            type StudyVisit { number: Int! host: Organization! region: Region! }
            type Query { studyVisits: [StudyVisit!]! }
          `,
          resolvers: {
            Query: {
              studyVisits: () =>
                hostIds.map((id, i) => {
                  const region = toGlobalId('Region', i % 2 ? baku : omsk);
                  return { number: i + 1, host: { __typename: 'Organization', id: toGlobalId('Organization', id) }, region: { id: region, climate: climate[region] } };
                }),
            },
            Region: { __resolveReference: (ref: { id: string }) => ({ id: ref.id, climate: climate[ref.id] ?? null }) },
            Program: { __resolveReference: (ref: { id: string }) => ({ id: ref.id, visitCount: ref.id.length }) },
          },
        },
      ]),
    });
    const started = await startStandaloneServer(visitsServer, { listen: { port: 0, host: '127.0.0.1' } });
    visits = { url: started.url, stop: () => visitsServer.stop() };

    const gatewayServer = new ApolloServer({
      gateway: new ApolloGateway({
        supergraphSdl: new IntrospectAndCompose({ subgraphs: [{ name: 'registry', url: registry.url }, { name: 'visits', url: visits.url }] }),
        buildService: ({ name, url }) =>
          new (class extends RemoteGraphQLDataSource {
            override async didReceiveResponse({ response, request }: any) {
              if (name === 'registry') registryResponses.push({ query: request.query, sql: response.extensions?.explain?.sql ?? [] });
              return response;
            }
          })({ url }),
      }),
    });
    const gatewayStarted = await startStandaloneServer(gatewayServer, { listen: { port: 0, host: '127.0.0.1' } });
    gateway = { url: gatewayStarted.url, stop: () => gatewayServer.stop() };
  });
  afterAll(async () => {
    await gateway?.stop();
    await visits?.stop();
  });

  const viaGateway = async (query: string) => {
    const response = await fetch(gateway.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
    return (await response.json()) as { data: any; errors?: unknown[] };
  };

  it('answers a query that starts in the registry and reaches into the other subgraph', async () => {
    const { data, errors } = await viaGateway('{ region(code: "AZ-BA") { code name climate } internship(slug: "baku-internship-2021") { location { name climate } } }');
    expect(errors).toBeUndefined();
    expect(data).toEqual({ region: { code: 'AZ-BA', name: 'Baku', climate: 'subtropical' }, internship: { location: { name: 'Baku', climate: 'subtropical' } } });
  });

  it('extends the Program interface from the other subgraph, for forums and internships alike', async () => {
    const { data, errors } = await viaGateway('{ programs(first: 2, filter: { organizerSlug: "mirea" }) { nodes { __typename slug visitCount } } forum(slug: "azerbaijan-russian-youth-forum-2021") { visitCount } }');
    expect(errors).toBeUndefined();
    const [internship] = await registry.request<any, any>('{ internship(slug: "baku-internship-2021") { id } forum(slug: "azerbaijan-russian-youth-forum-2021") { id } }').then((r) => [r.data]);
    expect(data.programs.nodes).toEqual([{ __typename: 'Internship', slug: 'baku-internship-2021', visitCount: internship.internship.id.length }]);
    expect(data.forum.visitCount).toBe(internship.forum.id.length);
  });

  it('resolves 100 hosts of the other subgraph through the registry in one statement', async () => {
    registryResponses.length = 0;
    const { data, errors } = await viaGateway('{ studyVisits { number host { slug name region { code } } region { code name climate } } }');
    expect(errors).toBeUndefined();
    expect(data.studyVisits).toHaveLength(100);
    const expected = await registry.db.query<{ slug: string; code: string | null }>(
      `SELECT o.slug, r.code FROM organizations o LEFT JOIN regions r ON r.id = o.region_id WHERE o.synthetic = true ORDER BY o.id LIMIT 100`,
    );
    expect(data.studyVisits.map((v: any) => [v.host.slug, v.host.region?.code ?? null])).toEqual(expected.map((e) => [e.slug, e.code]));
    expect(data.studyVisits[0].region).toEqual({ code: 'RU-OMS', name: 'Omsk region', climate: 'continental' });
    // Two _entities fetches, in parallel: all 100 hosts with their regions, and the visits' regions.
    const entityFetches = registryResponses.filter((r) => r.query.includes('_entities'));
    const tables = (fetch: { sql: string[] }) => fetch.sql.map((s) => /FROM (\w+)/.exec(s)![1]);
    expect(entityFetches).toHaveLength(2);
    const hosts = entityFetches.find((f) => f.query.includes('on Organization'))!;
    // Their regions come from the registry's held copy of the regions (read at most once, here or earlier).
    expect(tables(hosts).filter((t) => t !== 'regions')).toEqual(['organizations']);
    // The 100 ids are bound as one list parameter, so the statement text does not depend on how many there are.
    expect(hosts.sql[0]).toMatch(/o\.id (= ANY\(\$1\)|IN \(SELECT value FROM json_each\(\?\)\))/);
    expect(tables(entityFetches.find((f) => f.query.includes('on Region'))!).length).toBeLessThanOrEqual(1);
  });
});
