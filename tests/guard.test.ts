
import { createKey } from '../src/auth/keys';
import { operationCost } from '../src/guard/rules';
import { DEFAULT_LIMITS } from '../src/guard/limits';
import { registrySchema } from '../src/registry';
import { DashboardDocument } from './gql/graphql';
import { startTestRegistry, type TestRegistry } from './support/registry';

let registry: TestRegistry;
beforeAll(async () => {
  registry = await startTestRegistry({ synthetic: 'small', env: { NODE_ENV: 'production' } });
});
afterAll(() => registry.stop());

const post = (body: unknown, headers: Record<string, string> = {}) =>
  fetch(registry.url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });

async function attack(query: string, variables?: Record<string, unknown>) {
  const response = await post({ query, variables });
  return { status: response.status, body: (await response.json()) as { data?: unknown; errors: Array<{ message: string; extensions: Record<string, unknown> }> } };
}

/** After every refusal the server must still answer an ordinary question. */
async function stillServes() {
  const { status, body } = await attack('{ internship(slug: "baku-internship-2021") { participantCount } }');
  expect(status).toBe(200);
  expect(body.data).toEqual({ internship: { participantCount: 27 } });
}

const nested = (levels: number) => `{ region(code: "AZ-BA") { ${'parent { '.repeat(levels)}code${' }'.repeat(levels)} } }`;
const pages = (n: number) => `{ forums(first: ${n}) { nodes { internships(first: ${n}) { nodes { sessions(first: ${n}) { nodes { title } } } } } } }`;

describe('the production server refuses hostile queries before any resolver runs, and keeps serving', () => {
  it('allows the dashboard query, whose cost is well inside the limit', async () => {
    const cost = operationCost(await registrySchema(), DashboardDocument, DashboardDocument.definitions[0] as any, { forums: 20, internships: 5, sessions: 5 });
    // About 12,800 items (12,541 before the closing-soon block): a quarter of the limit.
    expect(cost).toBe(12_842);
    expect(cost).toBeLessThan(DEFAULT_LIMITS.maxCost / 3);
    const response = await registry.request(DashboardDocument, { forums: 20 });
    expect(response.status).toBe(200);
    expect(response.errors).toBeUndefined();
    expect(response.data!.forums.edges).toHaveLength(20);
  });

  const attacks: Array<[string, () => Promise<{ status: number; body: any }>, number, string, RegExp]> = [
    ['a query 15 levels deep', () => attack(nested(13)), 400, 'GRAPHQL_VALIDATION_FAILED', /more than 12 levels deep/],
    ['100 x 100 x 100 nested pages', () => attack(pages(100)), 400, 'QUERY_TOO_COSTLY', /more than 50000 items/],
    ['the same, with the sizes in variables', () => attack('query($n: Int) { forums(first: $n) { nodes { internships(first: $n) { nodes { sessions(first: $n) { nodes { title } } } } } } }', { n: 100 }), 400, 'QUERY_TOO_COSTLY', /more than 50000 items/],
    ['101 aliases of __typename', () => attack(`{ ${Array.from({ length: 101 }, (_, i) => `a${i}: __typename`).join(' ')} }`), 400, 'GRAPHQL_VALIDATION_FAILED', /more than 30 aliases/],
    ['25 root fields', () => attack(`{ ${Array.from({ length: 25 }, (_, i) => `r${i}: region(code: "RU") { code }`).join(' ')} }`), 400, 'GRAPHQL_VALIDATION_FAILED', /25 root fields once its fragments are collected; at most 20/],
    ['25 root fields without aliases', () => attack(`{ ${'__typename '.repeat(25)}}`), 400, 'GRAPHQL_VALIDATION_FAILED', /25 root fields once its fragments are collected; at most 20/],
    ['500 repeated fields', () => attack(`{ region(code: "RU") { ${'code '.repeat(500)}} }`), 400, 'GRAPHQL_VALIDATION_FAILED', /more than 300 fields/],
    ['a flood of known directives', () => attack(`{ region(code: "RU") { ${Array.from({ length: 25 }, () => 'code @include(if: true)').join(' ')} } }`), 400, 'GRAPHQL_VALIDATION_FAILED', /more than 20 directives/],
    ['unknown directives', () => attack(`{ __typename ${Array.from({ length: 25 }, (_, i) => `@d${i}`).join(' ')} }`), 400, 'GRAPHQL_VALIDATION_FAILED', /@d0 is not one this server knows/],
    ['a document of 5,000 tokens', () => attack(`{ ${'__typename '.repeat(4000)}}`), 400, 'GRAPHQL_PARSE_FAILED', /more that 3000 tokens/],
    ['first over 100', () => attack('{ forums(first: 1000) { totalCount } }'), 200, 'BAD_USER_INPUT', /may not exceed 100/],
  ];

  it.each(attacks)('refuses %s', async (_, send, status, code, message) => {
    const { status: actual, body } = await send();
    expect(actual).toBe(status);
    // One refusal, the first limit passed: never one error per offending node.
    expect(body.errors).toHaveLength(1);
    const error = body.errors.find((e: any) => message.test(e.message));
    expect(error).toBeDefined();
    expect(error.extensions.code).toBe(code);
    expect(JSON.stringify(body)).not.toMatch(/Did you mean|stacktrace|SELECT /);
    await stillServes();
  });

  it('refuses a batch of more than 5 operations, and answers a small batch', async () => {
    const op = { query: '{ region(code: "RU") { code } }' };
    const large = await post(Array.from({ length: 6 }, () => op));
    expect(large.status).toBe(400);
    expect(((await large.json()) as any).errors[0].extensions.code).toBe('BATCH_TOO_LARGE');
    const small = await post([op, { query: '{ region(code: "AZ") { code } }' }]);
    expect(await small.json()).toEqual([{ data: { region: { code: 'RU' } } }, { data: { region: { code: 'AZ' } } }]);
    await stillServes();
  });

  it('refuses a body over 100 kB with 413', async () => {
    const response = await post({ query: '{ __typename }', variables: { pad: 'x'.repeat(150_000) } });
    expect(response.status).toBe(413);
    expect(((await response.json()) as any).errors[0].extensions.code).toBe('PAYLOAD_TOO_LARGE');
    await stillServes();
  });

  it('keeps CSRF prevention on: a form-like POST is refused', async () => {
    const response = await fetch(registry.url, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{"query":"{ __typename }"}' });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('Cross-Site Request Forgery');
    await stillServes();
  });

  it('hides schema suggestions', async () => {
    const { status, body } = await attack('{ internships(first: 1) { nodes { titl } } }');
    expect(status).toBe(400);
    expect(body.errors[0].message).toBe('Cannot query field "titl" on type "Internship".');
  });
});

describe('a client that sends too many requests is told when to come back', () => {
  it('answers 429 with Retry-After past the per-address limit, and counts key holders by key', async () => {
    const limited = await startTestRegistry({ env: { NODE_ENV: 'production', REGISTRY_RATE_PER_ADDRESS: '5', REGISTRY_RATE_PER_KEY: '8' } });
    try {
      const ask = (headers: Record<string, string> = {}) =>
        fetch(limited.url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query: '{ region(code: "RU") { code } }' }) });
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) statuses.push((await ask()).status);
      expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
      const refused = await ask();
      expect(refused.status).toBe(429);
      const retryAfter = Number(refused.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
      expect(((await refused.json()) as any).errors[0].extensions.code).toBe('RATE_LIMITED');

      const { key } = await createKey(limited.db, 'viewer');
      const withKey: number[] = [];
      for (let i = 0; i < 9; i++) withKey.push((await ask({ authorization: `Bearer ${key}` })).status);
      expect(withKey).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 429]);
      // An unknown key is no way around the address limit.
      expect((await ask({ authorization: 'Bearer reg_made-up' })).status).toBe(429);
    } finally {
      await limited.stop();
    }
  });
});

describe('outside production the guard stays out of the way', () => {
  it('lets a deep query through in development', async () => {
    const dev = await startTestRegistry();
    try {
      const response = await dev.request<any, any>(nested(13));
      expect(response.errors).toBeUndefined();
    } finally {
      await dev.stop();
    }
  });
});

