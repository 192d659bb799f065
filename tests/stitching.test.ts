import { buildHTTPExecutor } from '@graphql-tools/executor-http';
import { makeExecutableSchema } from '@graphql-tools/schema';
import { stitchSchemas } from '@graphql-tools/stitch';
import { schemaFromExecutor } from '@graphql-tools/wrap';
import { graphql, type GraphQLSchema } from 'graphql';
import { startTestRegistry, type TestRegistry } from './support/registry';

let registry: TestRegistry;
let stitched: GraphQLSchema;
const ratingsAsked: string[][] = [];

beforeAll(async () => {
  registry = await startTestRegistry({ explain: true });
  const { data } = await registry.request<any, any>('{ organizations { nodes { id slug } } }');
  const ratings = new Map<string, number>(data.organizations.nodes.map((o: { id: string; slug: string }) => [o.id, o.slug.length % 5 + 1]));

  // A service of another team that rates organizations, keyed by the registry's ids.
  const ratingsSchema = makeExecutableSchema({
    typeDefs: `
      type Organization { id: ID! rating: Int }
      type Query { organizationsByIds(ids: [ID!]!): [Organization]! topRated: [Organization!]! }
    `,
    resolvers: {
      Query: {
        organizationsByIds: (_: unknown, { ids }: { ids: string[] }) => {
          ratingsAsked.push(ids);
          return ids.map((id) => ({ id, rating: ratings.get(id) ?? null }));
        },
        topRated: () => [...ratings].sort((a, b) => b[1] - a[1]).slice(0, 2).map(([id, rating]) => ({ id, rating })),
      },
    },
  });

  const executor = buildHTTPExecutor({ endpoint: registry.url });
  stitched = stitchSchemas({
    subschemas: [
      {
        schema: await schemaFromExecutor(executor),
        executor,
        batch: true,
        merge: {
          // The registry resolves its entities by key through federation's _entities.
          Organization: {
            selectionSet: '{ id }',
            fieldName: '_entities',
            key: ({ id }: { id: string }) => ({ __typename: 'Organization', id }),
            argsFromKeys: (representations: readonly unknown[]) => ({ representations }),
          },
        },
      },
      {
        schema: ratingsSchema,
        batch: true,
        merge: {
          Organization: { selectionSet: '{ id }', fieldName: 'organizationsByIds', key: ({ id }: { id: string }) => id, argsFromKeys: (ids: readonly string[]) => ({ ids }) },
        },
      },
    ],
  });
});
afterAll(() => registry.stop());

describe('a service stitches the registry into its own schema, merging types on the entity key', () => {
  it('answers registry fields and its own rating on the same organizations, batched', async () => {
    ratingsAsked.length = 0;
    const result = await graphql({ schema: stitched, source: '{ organizations { nodes { slug name rating } } }' });
    expect(result.errors).toBeUndefined();
    const nodes = (result.data as any).organizations.nodes;
    expect(nodes.map((n: any) => n.slug)).toEqual(['cis-basic-organization-for-youth', 'ministry-of-youth-and-sports-az', 'mirea', 'national-council-of-youth-organizations-az']);
    expect(nodes.map((n: any) => n.rating)).toEqual(nodes.map((n: any) => (n.slug.length % 5) + 1));
    expect(ratingsAsked).toHaveLength(1);
    expect(ratingsAsked[0]).toHaveLength(4);
  });

  it('starts from the other service and fetches registry fields by key', async () => {
    const result = await graphql({ schema: stitched, source: '{ topRated { rating name kind region { code } } }' });
    expect(result.errors).toBeUndefined();
    expect((result.data as any).topRated).toEqual([
      { rating: 3, name: 'Basic organization of the CIS Member States for work with youth', kind: 'INTERSTATE_BODY', region: { code: 'CIS' } },
      { rating: 3, name: 'National Council of Youth Organizations of Azerbaijan', kind: 'YOUTH_COUNCIL', region: { code: 'AZ' } },
    ]);
  });
});
