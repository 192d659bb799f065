import { NodeByIdDocument, NodesByIdsDocument } from './gql/graphql';
import { toGlobalId } from '../src/engine/rules/ids';
import { startTestRegistry, type TestRegistry } from './support/registry';

let registry: TestRegistry;
beforeAll(async () => {
  registry = await startTestRegistry({ explain: true });
});
afterAll(() => registry.stop());

describe('a client refetches any record by its global id', () => {
  it('round-trips every type through node(id)', async () => {
    const { data } = await registry.request<any, any>(`{
      region(code: "RU-OMS") { id code }
      organization(slug: "mirea") { id slug }
      forum(slug: "azerbaijan-russian-youth-forum-2021") { id slug }
      internship(slug: "baku-internship-2021") { id slug sessions(first: 1) { nodes { id title } } }
    }`);
    const expected: Array<[string, string, Record<string, unknown>]> = [
      [data.region.id, 'Region', { code: 'RU-OMS' }],
      [data.organization.id, 'Organization', { slug: 'mirea' }],
      [data.forum.id, 'Forum', { slug: 'azerbaijan-russian-youth-forum-2021' }],
      [data.internship.id, 'Internship', { slug: 'baku-internship-2021' }],
      [data.internship.sessions.nodes[0].id, 'Session', { title: data.internship.sessions.nodes[0].title }],
    ];
    for (const [id, typeName, fields] of expected) {
      const response = await registry.request(NodeByIdDocument, { id });
      expect(response.data!.node).toEqual({ __typename: typeName, id, ...fields });
    }
  });

  it('answers nodes(ids) in the order asked, null for a missing one, in one statement per table', async () => {
    const ids = [toGlobalId('Region', 1), toGlobalId('Internship', 999999), toGlobalId('Organization', 1), toGlobalId('Region', 2), toGlobalId('Session', 3)];
    const { data, extensions } = await registry.request(NodesByIdsDocument, { ids });
    expect(data!.nodes.map((n) => n && n.__typename)).toEqual(['Region', null, 'Organization', 'Region', 'Session']);
    expect(data!.nodes[0]).toMatchObject({ code: 'CIS' });
    expect(data!.nodes[3]).toMatchObject({ code: 'RU' });
    // Programs, organizations and sessions one statement each; regions come from the server's held copy (read at most once).
    const sql = extensions!.explain!.sql.filter((s) => !s.includes('FROM regions'));
    expect(sql).toHaveLength(3);
    expect(extensions!.explain!.sql.filter((s) => s.includes('FROM regions')).length).toBeLessThanOrEqual(1);
  });

  it('answers null for an id of the wrong type and an error for a malformed id', async () => {
    const forumPk = (await registry.db.query<{ id: number }>(`SELECT id FROM programs WHERE type = 'FORUM'`))[0].id;
    expect((await registry.request(NodeByIdDocument, { id: toGlobalId('Internship', forumPk) })).data!.node).toBeNull();
    const bad = await registry.request(NodeByIdDocument, { id: 'not an id' });
    expect(bad.errors![0].extensions).toEqual({ code: 'BAD_USER_INPUT', argumentPath: ['id'] });
    const badInList = await registry.request(NodesByIdsDocument, { ids: [toGlobalId('Region', 1), 'Zm9v'] });
    expect(badInList.errors![0].extensions).toEqual({ code: 'BAD_USER_INPUT', argumentPath: ['ids', 1] });
  });
});
