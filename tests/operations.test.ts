import { DashboardDocument } from './gql/graphql';
import { startTestRegistry, type TestRegistry } from './support/registry';

let registry: TestRegistry;
const base = () => registry.url.replace(/\/graphql$/, '');

beforeAll(async () => {
  registry = await startTestRegistry({ synthetic: 'small' });
});
afterAll(() => registry.stop());

/** The value of one Prometheus sample, or undefined when the series is absent. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const labelText = /\{(.*)\}/.exec(line)?.[1] ?? '';
    if (wanted.every((pair) => labelText.split(',').includes(pair))) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

describe('health', () => {
  it('answers /healthz while the process lives', async () => {
    const response = await fetch(`${base()}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: 'ok', version: '0.1.0' });
  });

  it('is ready only when the database answers and every migration is applied', async () => {
    const ready = await fetch(`${base()}/readyz`);
    expect([ready.status, await ready.json()]).toEqual([200, { status: 'ready' }]);

    // Forget the newest migration, as a database one release behind would look.
    const [latest] = await registry.db.query<Record<string, unknown>>('SELECT * FROM migrations ORDER BY timestamp DESC LIMIT 1');
    await registry.db.query('DELETE FROM migrations WHERE id = $1', [latest.id]);
    try {
      const pending = await fetch(`${base()}/readyz`);
      expect([pending.status, await pending.json()]).toEqual([503, { status: 'migrations pending' }]);
    } finally {
      await registry.db.query('INSERT INTO migrations (id, timestamp, name) VALUES ($1, $2, $3)', [latest.id, latest.timestamp, latest.name]);
    }
    expect((await fetch(`${base()}/readyz`)).status).toBe(200);
  });

  it('answers other paths with 404 and says where GraphQL is', async () => {
    const response = await fetch(`${base()}/nothing-here`);
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: 'Not found. GraphQL is served at /graphql.' });
  });
});

describe('request ids', () => {
  it('returns a new id per request, and keeps a well-formed id the caller sent', async () => {
    const first = await registry.request('{ region(code: "AZ") { code } }');
    const second = await registry.request('{ region(code: "AZ") { code } }');
    expect(first.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(second.headers.get('x-request-id')).not.toBe(first.headers.get('x-request-id'));
    const kept = await registry.request('{ region(code: "AZ") { code } }', undefined, { 'x-request-id': 'dashboard-7f3a' });
    expect(kept.headers.get('x-request-id')).toBe('dashboard-7f3a');
    const replaced = await registry.request('{ region(code: "AZ") { code } }', undefined, { 'x-request-id': 'bad id with spaces' });
    expect(replaced.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('/metrics', () => {
  const scrape = async () => {
    const response = await fetch(`${base()}/metrics`);
    expect(response.headers.get('content-type')).toContain('text/plain');
    return response.text();
  };

  it('counts requests and their latency per operation name', async () => {
    const before = await scrape();
    const count = (text: string) => sample(text, 'registry_graphql_requests_total', { operation: 'RegionLookup' }) ?? 0;
    for (let i = 0; i < 3; i++) await registry.request('query RegionLookup { region(code: "AZ") { code } }');
    await registry.request('{ region(code: "RU") { code } }');
    const after = await scrape();
    expect(count(after) - count(before)).toBe(3);
    expect(sample(after, 'registry_graphql_requests_total', { operation: 'anonymous' })).toBeGreaterThanOrEqual(1);
    expect(sample(after, 'registry_graphql_duration_seconds_count', { operation: 'RegionLookup' })).toBe(count(after));
    expect(sample(after, 'registry_graphql_duration_seconds_sum', { operation: 'RegionLookup' })).toBeGreaterThan(0);
  });

  it('counts errors by their code', async () => {
    const code = (text: string, c: string) => sample(text, 'registry_graphql_errors_total', { code: c }) ?? 0;
    const before = await scrape();
    await registry.request('{ region(code: "AZ") { noSuchField } }');
    await registry.request('{ forums(first: 1000) { totalCount } }');
    await registry.request('{ forums(first: 1000) { totalCount } }');
    const after = await scrape();
    expect(code(after, 'GRAPHQL_VALIDATION_FAILED') - code(before, 'GRAPHQL_VALIDATION_FAILED')).toBe(1);
    expect(code(after, 'BAD_USER_INPUT') - code(before, 'BAD_USER_INPUT')).toBe(2);
  });

  it('shows the size of each loader batch: one batch of 20 forums asks for their internships at once', async () => {
    const before = await scrape();
    // The database renders the 20 forums whole, internships and all, in one batch.
    const series = { loader: 'render', table: 'programs' };
    const response = await registry.request(DashboardDocument, { forums: 20, internships: 5, sessions: 5 });
    expect(response.data!.forums.edges).toHaveLength(20);
    const after = await scrape();
    const delta = (name: string) => (sample(after, name, series) ?? 0) - (sample(before, name, series) ?? 0);
    expect(delta('registry_loader_batch_size_count')).toBe(1);
    expect(delta('registry_loader_batch_size_sum')).toBe(20);
  });

  it('includes the process metrics Prometheus users expect', async () => {
    const text = await scrape();
    expect(text).toMatch(/^process_resident_memory_bytes \d+/m);
    expect(text).toMatch(/^nodejs_eventloop_lag_seconds /m);
  });
});
