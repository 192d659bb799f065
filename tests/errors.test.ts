import { startTestRegistry, type TestRegistry } from './support/registry';

let registry: TestRegistry;
beforeAll(async () => {
  registry = await startTestRegistry({ env: { NODE_ENV: 'production' } });
});
afterAll(() => registry.stop());

const post = (body: string, headers: Record<string, string> = { 'content-type': 'application/json' }) => fetch(registry.url, { method: 'POST', headers, body });

describe('a client that sends a bad request gets a clear, coded error and no internals', () => {
  it('an unknown field is a validation error without "did you mean" hints in production', async () => {
    const response = await registry.request<any, any>('{ internship(slug: "baku-internship-2021") { titel } }');
    expect(response.status).toBe(400);
    expect(response.errors![0].extensions!.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(response.errors![0].message).not.toContain('Did you mean');
  });

  it('a syntax error is a parse error', async () => {
    const response = await registry.request<any, any>('{ forums(first: 1) { ');
    expect(response.status).toBe(400);
    expect(response.errors![0].extensions!.code).toBe('GRAPHQL_PARSE_FAILED');
  });

  it('a body that is not JSON is a 400, not a 500', async () => {
    const response = await post('{ not json');
    expect(response.status).toBe(400);
    expect(((await response.json()) as any).errors[0].extensions.code).toBe('BAD_REQUEST');
  });

  it('a body over the size limit is a 413', async () => {
    const response = await post(JSON.stringify({ query: `{ __typename }`, pad: 'x'.repeat(1_100_000) }));
    expect(response.status).toBe(413);
  });

  it('a database failure reaches the client as a bare internal error: no SQL, no stack', async () => {
    await registry.db.query('ALTER TABLE sessions RENAME TO sessions_gone');
    const original = console.error;
    console.error = () => {};
    try {
      const response = await registry.request<any, any>('{ internship(slug: "baku-internship-2021") { sessions { totalCount } } }');
      const text = JSON.stringify(response.errors);
      expect(response.errors![0]).toEqual({ message: 'Internal server error', locations: [{ line: 1, column: 46 }], path: ['internship', 'sessions'], extensions: { code: 'INTERNAL_SERVER_ERROR' } });
      expect(text).not.toMatch(/SELECT|sessions_gone|no such table|at \w+ \(/);
    } finally {
      console.error = original;
      await registry.db.query('ALTER TABLE sessions_gone RENAME TO sessions');
    }
  });

  it('an unknown path is a 404 that says where GraphQL is', async () => {
    const response = await fetch(registry.url.replace('/graphql', '/nope'));
    expect(response.status).toBe(404);
  });

  it('still answers a normal query afterwards', async () => {
    const response = await registry.request<any, any>('{ region(code: "AZ") { code } }');
    expect(response.data).toEqual({ region: { code: 'AZ' } });
  });
});
