import { getDirective } from '@graphql-tools/utils';
import { GraphQLDirective, GraphQLInt, DirectiveLocation, type GraphQLSchema } from 'graphql';
import { loadConfig } from '../src/config';
import { startHttpServer } from '../src/http';
import { registrySchema, servedSchema } from '../src/registry';
import { startTestRegistry, type TestRegistry } from './support/registry';

let registry: TestRegistry;
beforeAll(async () => {
  registry = await startTestRegistry();
});
afterAll(() => registry.stop());

const cacheHeader = async (query: string) => (await registry.request<any, any>(query)).headers.get('cache-control');

describe('responses tell caches how long they stay fresh', () => {
  it('lets reference data live a day', async () => {
    expect(await cacheHeader('{ regions { nodes { code name children { code } } } }')).toBe('max-age=86400, public');
    expect(await cacheHeader('{ region(code: "RU") { name } }')).toBe('max-age=86400, public');
  });

  it('keeps organizations an hour and programmes five minutes', async () => {
    expect(await cacheHeader('{ organizations { nodes { slug region { code } } } }')).toBe('max-age=3600, public');
    expect(await cacheHeader('{ forums(first: 2) { totalCount nodes { title internships { nodes { title } } } } }')).toBe('max-age=300, public');
  });

  it('takes the shortest life of everything in the answer', async () => {
    expect(await cacheHeader('{ region(code: "AZ") { code } internship(slug: "baku-internship-2021") { location { code } } }')).toBe('max-age=300, public');
  });

  it('serves an answer the database rendered again from the response cache, byte for byte', async () => {
    const query = '{ forums(first: 2) { totalCount nodes { slug title internships { totalCount nodes { slug sessions(first: 3) { nodes { title kind } } } } } } }';
    const send = async (url: string) => {
      const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
      return { age: response.headers.get('age'), cacheControl: response.headers.get('cache-control'), text: await response.text() };
    };
    // How many batches the database has rendered: the first answer is rendered, the second comes from the cache.
    const renders = async () => {
      const text = await (await fetch(new URL('/metrics', registry.url))).text();
      return Number(/^registry_loader_batch_size_count\{loader="render",table="programs"\} (\d+)/m.exec(text)?.[1] ?? 0);
    };
    const before = await renders();
    const first = await send(registry.url);
    const second = await send(registry.url);
    expect((await renders()) - before).toBe(1);
    expect(first.age).toBeNull();
    expect(second.age).not.toBeNull();
    expect(second.text).toBe(first.text);
    expect(first.cacheControl).toBe('max-age=300, public');
    // The same bytes as the fast path gives when it builds every object itself, with no cache.
    const unrendered = await startHttpServer(loadConfig({ ...registry.env, PORT: '0', REGISTRY_RENDER: '0', REGISTRY_RESPONSE_CACHE: '0' }), registry.db);
    try {
      expect((await send(unrendered.url)).text).toBe(first.text);
    } finally {
      await unrendered.close();
    }
    const forum = JSON.parse(first.text).data.forums.nodes[0];
    expect(forum.slug).toBe('azerbaijan-russian-youth-forum-2021');
    expect(forum.internships.nodes[0].slug).toBe('baku-internship-2021');
    expect(forum.internships.nodes[0].sessions.nodes).toHaveLength(3);
  });

  it('does not let an answer with errors be cached', async () => {
    expect(await cacheHeader('{ forums(first: 500) { totalCount } }')).toBe('no-store');
  });
});

describe('cache hints survive both schema builds', () => {
  const cacheControl = new GraphQLDirective({ name: 'cacheControl', locations: [DirectiveLocation.OBJECT, DirectiveLocation.FIELD_DEFINITION], args: { maxAge: { type: GraphQLInt } } });
  const hint = (schema: GraphQLSchema, typeName: string) => getDirective(schema, schema.getType(typeName)!, cacheControl.name)?.[0];

  it('are on the types of the type-graphql schema and of the federation subgraph', async () => {
    for (const schema of [await registrySchema(), await servedSchema()]) {
      expect(hint(schema, 'Region')).toEqual({ maxAge: 86400 });
      expect(hint(schema, 'Organization')).toEqual({ maxAge: 3600 });
      expect(hint(schema, 'Forum')).toEqual({ maxAge: 300 });
      expect(hint(schema, 'ForumConnection')).toEqual({ inheritMaxAge: true });
    }
  });
});
