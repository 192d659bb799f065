import fc from 'fast-check';
import { createKey } from '../src/auth/keys';
import { EXPLAIN_HEADER, explainFor } from '../src/graphql/explain-request';
import { dumpTables, startTestRegistry, type TestRegistry } from './support/registry';

const FORUM = '{ forum(slug: "azerbaijan-russian-youth-forum-2021") { slug title } }';
type Explain = { sql: string[]; ms: Array<number | null>; executor: string };

/** A request as the explorer sends it, with the raw answer's headers. */
async function post(registry: TestRegistry, query: string, headers: Record<string, string> = {}) {
  const response = await fetch(registry.url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query }) });
  const body = (await response.json()) as { data?: any; errors?: Array<{ message: string; extensions?: { code?: string } }>; extensions?: { explain?: Explain } };
  return { status: response.status, headers: response.headers, ...body };
}

function expectTimed(explain: Explain | undefined): Explain {
  expect(explain).toBeDefined();
  expect(explain!.ms).toHaveLength(explain!.sql.length);
  for (const ms of explain!.ms) expect(typeof ms === 'number' && ms >= 0 && ms < 60_000).toBe(true);
  return explain!;
}

describe('an analyst asks one request for its statements, on a server in development', () => {
  let registry: TestRegistry;
  beforeAll(async () => {
    registry = await startTestRegistry();
  });
  afterAll(() => registry.stop());

  it('gets each statement with its time, only when the header asks, and never a cached answer', async () => {
    const plain = await post(registry, FORUM);
    expect(plain.extensions).toBeUndefined();
    expect(plain.data.forum.slug).toBe('azerbaijan-russian-youth-forum-2021');
    // Asked again, the answer comes from the response cache: no statement runs for it.
    const cached = await post(registry, FORUM);
    expect(cached.headers.get('age')).not.toBeNull();

    const explained = await post(registry, FORUM, { [EXPLAIN_HEADER]: '1' });
    expect(explained.status).toBe(200);
    expect(explained.data).toEqual(plain.data);
    expect(explained.headers.get('age')).toBeNull();
    expect(explained.headers.get('cache-control')).toBe('no-store');
    const explain = expectTimed(explained.extensions?.explain);
    expect(explain.sql).toEqual([expect.stringMatching(/FROM programs p WHERE/)]);
    expect(explain.executor).toBe('fast');

    // Its answer was not stored either: a second explained request runs the statement again.
    const again = await post(registry, FORUM, { [EXPLAIN_HEADER]: 'true' });
    expect(expectTimed(again.extensions?.explain).sql).toEqual(explain.sql);
    // And the cached answer is still served to everyone else.
    expect((await post(registry, FORUM, { [EXPLAIN_HEADER]: '0' })).headers.get('age')).not.toBeNull();
  });

  it('times the statements a write runs through TypeORM, in a transaction', async () => {
    const { key } = await createKey(registry.db, 'admin', 'explain test');
    const written = await post(registry, 'mutation { regionCreate(input: { code: "RU-TOM", kind: SUBDIVISION, parentCode: "RU", name: { en: "Tomsk region" } }) { region { code } userErrors { code } } }', {
      authorization: `Bearer ${key}`,
      [EXPLAIN_HEADER]: '1',
    });
    expect(written.errors).toBeUndefined();
    expect(written.data.regionCreate).toEqual({ region: { code: 'RU-TOM' }, userErrors: [] });
    const explain = expectTimed(written.extensions?.explain);
    expect(explain.sql.some((sql) => /^INSERT INTO "?regions"?/i.test(sql.trim()))).toBe(true);
  });

  it('refuses a header value it does not understand, with a code, running nothing', async () => {
    const before = await dumpTables(registry.db);
    const refused = await post(registry, 'mutation { regionCreate(input: { code: "RU-NVS", kind: SUBDIVISION, name: { en: "Novosibirsk" } }) { region { code } } }', { [EXPLAIN_HEADER]: 'please' });
    expect(refused.status).toBe(400);
    expect(refused.data).toBeUndefined();
    expect(refused.errors).toEqual([{ message: expect.stringContaining(EXPLAIN_HEADER), extensions: { code: 'BAD_REQUEST' } }]);
    expect(await dumpTables(registry.db)).toEqual(before);
  });
});

describe('in production, statements are shown to keyed callers only', () => {
  let registry: TestRegistry;
  beforeAll(async () => {
    registry = await startTestRegistry({ env: { NODE_ENV: 'production' } });
  });
  afterAll(() => registry.stop());

  it('refuses an anonymous ask with UNAUTHENTICATED and runs nothing, and answers plain requests as always', async () => {
    const before = await dumpTables(registry.db);
    const refused = await post(registry, FORUM, { [EXPLAIN_HEADER]: '1' });
    expect(refused.status).toBe(401);
    expect(refused.data).toBeUndefined();
    expect(refused.errors).toEqual([{ message: expect.stringMatching(/API key/), extensions: { code: 'UNAUTHENTICATED' } }]);
    const write = await post(registry, 'mutation { regionCreate(input: { code: "RU-NVS", kind: SUBDIVISION, name: { en: "Novosibirsk" } }) { region { code } } }', { [EXPLAIN_HEADER]: '1' });
    expect(write.status).toBe(401);
    expect(await dumpTables(registry.db)).toEqual(before);

    const plain = await post(registry, FORUM);
    expect(plain.status).toBe(200);
    expect(plain.data.forum.slug).toBe('azerbaijan-russian-youth-forum-2021');
    expect(plain.extensions).toBeUndefined();
  });

  it('explains for any valid key (a viewer too), and refuses a revoked or unknown one', async () => {
    const { key } = await createKey(registry.db, 'viewer', 'analyst');
    const explained = await post(registry, FORUM, { authorization: `Bearer ${key}`, [EXPLAIN_HEADER]: '1' });
    expect(explained.status).toBe(200);
    expect(expectTimed(explained.extensions?.explain).sql).toHaveLength(1);

    const unknown = await post(registry, FORUM, { authorization: 'Bearer reg_not-a-key-of-this-registry', [EXPLAIN_HEADER]: '1' });
    expect(unknown.status).toBe(401);
    expect(unknown.errors![0]).toEqual({ message: expect.stringMatching(/unknown or revoked/), extensions: { code: 'UNAUTHENTICATED' } });
  });
});

describe('the explain decision, for any header value', () => {
  const anonymous = undefined;
  const keyed = { keyId: 1, role: 'viewer' as const };

  it('records only on 1/true/on/yes (any case, spaced), stays as the server says on 0/false/off/no or nothing, and refuses anything else', () => {
    const yes = fc.constantFrom('1', 'true', 'TRUE', ' on ', 'Yes');
    const no = fc.constantFrom('', '0', 'false', 'Off', 'no', ' ');
    fc.assert(
      fc.property(yes, fc.boolean(), fc.boolean(), (value, production, hasKey) => {
        const decision = explainFor({ explain: false, production }, value, hasKey ? keyed : anonymous);
        if (production && !hasKey) expect(decision).toEqual({ refuse: expect.objectContaining({ status: 401, code: 'UNAUTHENTICATED' }) });
        else expect(decision).toEqual({ record: true });
      }),
      { seed: 20, numRuns: 200 },
    );
    fc.assert(
      fc.property(no, fc.boolean(), fc.boolean(), (value, serverWide, production) => {
        expect(explainFor({ explain: serverWide, production }, value, anonymous)).toEqual({ record: serverWide });
      }),
      { seed: 20, numRuns: 200 },
    );
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), fc.boolean(), (value, production) => {
        fc.pre(!/^(1|true|on|yes|0|false|off|no|)$/.test(value.trim().toLowerCase()));
        const decision = explainFor({ explain: false, production }, value, keyed);
        expect(decision).toEqual({ refuse: expect.objectContaining({ status: 400, code: 'BAD_REQUEST' }) });
      }),
      { seed: 20, numRuns: 500 },
    );
  });

  it('lets REGISTRY_EXPLAIN=1 explain anonymous requests in production too, as it always did', () => {
    expect(explainFor({ explain: true, production: true }, '1', anonymous)).toEqual({ record: true });
    expect(explainFor({ explain: true, production: true }, undefined, anonymous)).toEqual({ record: true });
  });
});
