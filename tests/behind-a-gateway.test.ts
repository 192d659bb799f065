import { createKey } from '../src/auth/keys';
import { startTestRegistry, type TestRegistry } from './support/registry';

const REGION = '{ region(code: "AZ-BA") { code } }';

async function ask(registry: TestRegistry, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(registry.url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { status: response.status, cacheControl: response.headers.get('cache-control'), vary: response.headers.get('vary'), body: (await response.json()) as any };
}
const metricsOf = (registry: TestRegistry, headers: Record<string, string> = {}) => fetch(new URL('/metrics', registry.url), { headers });

describe('answers to key holders stay out of shared caches', () => {
  describe('with private reads (REGISTRY_PUBLIC_READ=false)', () => {
    let registry: TestRegistry;
    let viewer: string;
    beforeAll(async () => {
      registry = await startTestRegistry({ env: { REGISTRY_PUBLIC_READ: 'false' } });
      viewer = (await createKey(registry.db, 'viewer')).key;
    });
    afterAll(() => registry.stop());

    it('marks every keyed answer private and varying by Authorization', async () => {
      const answer = await ask(registry, { query: REGION }, { authorization: `Bearer ${viewer}` });
      expect(answer.body).toEqual({ data: { region: { code: 'AZ-BA' } } });
      expect(answer.cacheControl).toBe('max-age=86400, private');
      expect(answer.vary).toBe('accept-language, x-registry-explain, authorization');
      // From the response cache too.
      const again = await ask(registry, { query: REGION }, { authorization: `Bearer ${viewer}` });
      expect([again.body, again.cacheControl]).toEqual([answer.body, 'max-age=86400, private']);
    });

    it('refuses a read without a key, uncacheable', async () => {
      const answer = await ask(registry, { query: REGION });
      expect(answer.status).toBe(401);
      expect(answer.cacheControl).not.toMatch(/public/);
    });

    it('keeps /metrics to key holders', async () => {
      const open = await metricsOf(registry);
      expect(open.status).toBe(401);
      expect(open.headers.get('www-authenticate')).toBe('Bearer');
      expect(((await open.json()) as any).errors[0].extensions.code).toBe('UNAUTHENTICATED');
      expect((await metricsOf(registry, { authorization: 'Bearer reg_not-a-key' })).status).toBe(401);
      const keyed = await metricsOf(registry, { authorization: `Bearer ${viewer}` });
      expect(keyed.status).toBe(200);
      expect(await keyed.text()).toMatch(/^registry_graphql_requests_total\{operation="anonymous"\} \d+$/m);
    });
  });

  describe('with public reads (the default)', () => {
    let registry: TestRegistry;
    let editor: string;
    beforeAll(async () => {
      registry = await startTestRegistry();
      editor = (await createKey(registry.db, 'editor')).key;
    });
    afterAll(() => registry.stop());

    it('keeps public answers cacheable by anyone', async () => {
      const answer = await ask(registry, { query: REGION });
      expect([answer.cacheControl, answer.vary]).toEqual(['max-age=86400, public', 'accept-language, x-registry-explain']);
    });

    it('marks the answer to a request with a key private', async () => {
      const answer = await ask(registry, { query: REGION }, { authorization: `Bearer ${editor}` });
      expect(answer.body).toEqual({ data: { region: { code: 'AZ-BA' } } });
      expect([answer.cacheControl, answer.vary]).toEqual(['max-age=86400, private', 'accept-language, x-registry-explain, authorization']);
    });

    it('leaves /metrics open', async () => {
      expect((await metricsOf(registry)).status).toBe(200);
    });
  });
});

describe('/metrics behind a key of its own or a role', () => {
  let registry: TestRegistry;
  let keys: Record<'viewer' | 'editor' | 'admin', string>;
  const METRICS_KEY = 'scraper-secret-0123456789';
  beforeAll(async () => {
    registry = await startTestRegistry({ env: { REGISTRY_METRICS_KEY: METRICS_KEY, REGISTRY_METRICS_ROLE: 'admin' } });
    keys = { viewer: (await createKey(registry.db, 'viewer')).key, editor: (await createKey(registry.db, 'editor')).key, admin: (await createKey(registry.db, 'admin')).key };
  });
  afterAll(() => registry.stop());

  it('answers the metrics key and an admin key, and no one else', async () => {
    expect((await metricsOf(registry)).status).toBe(401);
    expect((await metricsOf(registry, { authorization: 'Bearer scraper-secret-0123456780' })).status).toBe(401);
    const editor = await metricsOf(registry, { authorization: `Bearer ${keys.editor}` });
    expect(editor.status).toBe(403);
    expect(((await editor.json()) as any).errors[0]).toEqual({ message: 'Metrics need the admin role; the key has the editor role', extensions: { code: 'FORBIDDEN' } });
    expect((await metricsOf(registry, { authorization: `Bearer ${METRICS_KEY}` })).status).toBe(200);
    expect((await metricsOf(registry, { authorization: `Bearer ${keys.admin}` })).status).toBe(200);
  });
});

describe('the rate limit behind a gateway', () => {
  const LIMIT = '6';
  // The limiter counts in minutes of the clock: start well inside one.
  beforeEach(async () => {
    const left = 60_000 - (Date.now() % 60_000);
    if (left < 5_000) await new Promise((resolve) => setTimeout(resolve, left + 100));
  });

  describe('with REGISTRY_TRUST_PROXY=1', () => {
    let registry: TestRegistry;
    beforeAll(async () => {
      registry = await startTestRegistry({ env: { REGISTRY_GUARD: '1', REGISTRY_RATE_PER_ADDRESS: LIMIT, REGISTRY_TRUST_PROXY: '1' } });
    });
    afterAll(() => registry.stop());

    it('counts each client the gateway forwards in a bucket of its own', async () => {
      const from = (address: string) => ask(registry, { query: REGION }, { 'x-forwarded-for': `198.51.100.200, ${address}` });
      for (let i = 0; i < 6; i++) expect((await from('203.0.113.1')).status).toBe(200);
      const limited = await from('203.0.113.1');
      expect(limited.status).toBe(429);
      expect(limited.body.errors[0].extensions.code).toBe('RATE_LIMITED');
      // Another client behind the same gateway (the same socket address) is not held back by the first.
      expect((await from('203.0.113.2')).status).toBe(200);
    });

    it('counts each operation of a batch', async () => {
      const client = { 'x-forwarded-for': '203.0.113.50' };
      const batch = await ask(registry, Array.from({ length: 5 }, () => ({ query: REGION })), client);
      expect(batch.status).toBe(200);
      expect(batch.body).toHaveLength(5);
      expect((await ask(registry, { query: REGION }, client)).status).toBe(200);
      // Six counted: the next batch of two is one too many.
      expect((await ask(registry, [{ query: REGION }, { query: REGION }], client)).status).toBe(429);
    });
  });

  describe('without it (the default)', () => {
    let registry: TestRegistry;
    beforeAll(async () => {
      registry = await startTestRegistry({ env: { REGISTRY_GUARD: '1', REGISTRY_RATE_PER_ADDRESS: LIMIT } });
    });
    afterAll(() => registry.stop());

    it('ignores X-Forwarded-For: a client cannot escape its bucket by making addresses up', async () => {
      for (let i = 0; i < 6; i++) expect((await ask(registry, { query: REGION }, { 'x-forwarded-for': `203.0.113.${i}` })).status).toBe(200);
      expect((await ask(registry, { query: REGION }, { 'x-forwarded-for': '203.0.113.99' })).status).toBe(429);
    });
  });
});
