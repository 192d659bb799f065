import { getDirective } from '@graphql-tools/utils';
import { GraphQLDirective, GraphQLInt, DirectiveLocation, type GraphQLSchema } from 'graphql';
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
