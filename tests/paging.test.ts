import { ForumPageDocument, InternshipListDocument, type ForumPageQuery, type InternshipListQuery } from './gql/graphql';
import { startTestRegistry, type GraphQLResponse, type TestRegistry } from './support/registry';

let registry: TestRegistry;
let expected: Array<{ slug: string; starts_on: string | null; title_sort: string }>;

beforeAll(async () => {
  registry = await startTestRegistry({ synthetic: 'small' });
  // The order every forum list must follow, read straight from the table.
  expected = await registry.db.query(`SELECT slug, starts_on, title_sort FROM programs WHERE type = 'FORUM' ORDER BY COALESCE(starts_on, '9999-12-31'), id`);
});
afterAll(() => registry.stop());

const slugs = (page: { edges: Array<{ node: { slug: string } }> }) => page.edges.map((e) => e.node.slug);

describe('a dashboard pages through forums', () => {
  it('walks forwards through every forum exactly once, in start order', async () => {
    expect(expected.length).toBe(61);
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    for (;;) {
      const { data, errors }: GraphQLResponse<ForumPageQuery> = await registry.request(ForumPageDocument, { first: 25, after });
      expect(errors).toBeUndefined();
      const page: ForumPageQuery['forums'] = data!.forums;
      expect(page.totalCount).toBe(61);
      expect(page.pageInfo.hasPreviousPage).toBe(after !== null);
      seen.push(...slugs(page));
      pages++;
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor!;
    }
    expect(pages).toBe(3);
    expect(seen).toEqual(expected.map((f) => f.slug));
  });

  it('walks backwards from the end with last/before and meets the same order', async () => {
    const seen: string[] = [];
    let before: string | null = null;
    for (;;) {
      const { data }: GraphQLResponse<ForumPageQuery> = await registry.request(ForumPageDocument, { last: 20, before });
      const page: ForumPageQuery['forums'] = data!.forums;
      expect(page.pageInfo.hasNextPage).toBe(before !== null);
      seen.unshift(...slugs(page));
      if (!page.pageInfo.hasPreviousPage) break;
      before = page.pageInfo.startCursor!;
    }
    expect(seen).toEqual(expected.map((f) => f.slug));
  });

  it('answers an empty page past the end, with the edges of the list right', async () => {
    const last = await registry.request(ForumPageDocument, { last: 1 });
    const end = last.data!.forums.pageInfo.endCursor!;
    expect(slugs(last.data!.forums)).toEqual([expected[expected.length - 1].slug]);
    const { data } = await registry.request(ForumPageDocument, { first: 10, after: end });
    expect(data!.forums.edges).toEqual([]);
    expect(data!.forums.pageInfo).toEqual({ hasNextPage: false, hasPreviousPage: true, startCursor: null, endCursor: null });
  });

  it('answers first: 0 with no items but tells that items exist', async () => {
    const { data } = await registry.request(ForumPageDocument, { first: 0 });
    expect(data!.forums.edges).toEqual([]);
    expect(data!.forums.pageInfo.hasNextPage).toBe(true);
    expect(data!.forums.totalCount).toBe(61);
  });

  it('answers an empty list when the filter matches nothing', async () => {
    const { data } = await registry.request(ForumPageDocument, { first: 5, filter: { startsFrom: '2099-01-01' } });
    expect(data!.forums).toEqual({ totalCount: 0, edges: [], pageInfo: { hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null } });
  });

  it('orders by title in both directions', async () => {
    const byTitle = [...expected].sort((a, b) => (a.title_sort < b.title_sort ? -1 : a.title_sort > b.title_sort ? 1 : 0));
    const asc = await registry.request(ForumPageDocument, { first: 100, orderBy: { field: 'TITLE', direction: 'ASC' } });
    expect(slugs(asc.data!.forums)).toEqual(byTitle.map((f) => f.slug));
    const desc = await registry.request(ForumPageDocument, { first: 100, orderBy: { field: 'TITLE', direction: 'DESC' } });
    expect(slugs(desc.data!.forums)).toEqual(byTitle.map((f) => f.slug).reverse());
  });

  it('pages internships by start date descending without skipping or repeating', async () => {
    const all = await registry.db.query<{ slug: string }>(`SELECT slug FROM programs WHERE type = 'INTERNSHIP' ORDER BY COALESCE(starts_on, '9999-12-31') DESC, id DESC`);
    const seen: string[] = [];
    let after: string | null = null;
    do {
      const { data }: GraphQLResponse<InternshipListQuery> = await registry.request(InternshipListDocument, { first: 100, after, orderBy: { field: 'STARTS_ON', direction: 'DESC' } });
      seen.push(...data!.internships.nodes.map((n) => n.slug));
      after = data!.internships.pageInfo.hasNextPage ? data!.internships.pageInfo.endCursor! : null;
    } while (after);
    expect(seen).toEqual(all.map((r) => r.slug));
  });
});

describe('a dashboard that asks for a bad page is told what is wrong', () => {
  const cases: Array<[string, Record<string, unknown>, string, string]> = [
    ['first over 100', { first: 101 }, 'first', 'may not exceed 100'],
    ['last over 100', { last: 500 }, 'last', 'may not exceed 100'],
    ['a negative first', { first: -1 }, 'first', 'zero or more'],
    ['first and last together', { first: 5, last: 5 }, 'last', 'not both'],
    ['a cursor it never gave out', { first: 5, after: 'not-a-cursor' }, 'after', 'not a cursor'],
  ];
  it.each(cases)('%s', async (_, variables, argument, message) => {
    const response = await registry.request(ForumPageDocument, variables);
    expect(response.status).toBe(200);
    expect(response.data).toBeNull();
    expect(response.errors).toHaveLength(1);
    expect(response.errors![0].message).toContain(message);
    expect(response.errors![0].extensions).toEqual({ code: 'BAD_USER_INPUT', argumentPath: [argument] });
    expect(response.errors![0].path).toEqual(['forums']);
  });

  it('refuses a cursor of another ordering', async () => {
    const byTitle = await registry.request(ForumPageDocument, { first: 2, orderBy: { field: 'TITLE', direction: 'ASC' } });
    const response = await registry.request(ForumPageDocument, { first: 2, after: byTitle.data!.forums.pageInfo.endCursor });
    expect(response.errors![0].extensions).toEqual({ code: 'BAD_USER_INPUT', argumentPath: ['after'] });
  });

  it('refuses first over 100 on nested connections too', async () => {
    const response = await registry.request<any, any>('{ forums(first: 1) { nodes { internships(first: 101) { totalCount } } } }');
    expect(response.errors![0].extensions!.code).toBe('BAD_USER_INPUT');
    expect(response.errors![0].path).toEqual(['forums', 'nodes', 0, 'internships']);
  });
});

describe('nested connections page each parent on its own', () => {
  it('gives every forum its own first page of internships and a cursor to continue', async () => {
    const query = `query($after: String) { forums(first: 3) { nodes { slug internships(first: 2, after: $after) { totalCount pageInfo { hasNextPage hasPreviousPage endCursor } nodes { slug } } } } }`;
    const { data } = await registry.request<any, any>(query, {});
    for (const forum of data.forums.nodes) {
      const rows = await registry.db.query<{ slug: string }>(
        `SELECT i.slug FROM programs i JOIN programs f ON f.id = i.forum_id WHERE f.slug = $1 ORDER BY COALESCE(i.starts_on, '9999-12-31'), i.id`,
        [forum.slug],
      );
      expect(forum.internships.totalCount).toBe(rows.length);
      expect(forum.internships.nodes.map((n: { slug: string }) => n.slug)).toEqual(rows.slice(0, 2).map((r) => r.slug));
      expect(forum.internships.pageInfo.hasNextPage).toBe(rows.length > 2);
      const next = await registry.request<any, any>(`query($slug: String!, $after: String) { forum(slug: $slug) { internships(first: 2, after: $after) { pageInfo { hasPreviousPage } nodes { slug } } } }`, {
        slug: forum.slug,
        after: forum.internships.pageInfo.endCursor,
      });
      expect(next.data.forum.internships.nodes.map((n: { slug: string }) => n.slug)).toEqual(rows.slice(2, 4).map((r) => r.slug));
      expect(next.data.forum.internships.pageInfo.hasPreviousPage).toBe(true);
    }
  });
});
