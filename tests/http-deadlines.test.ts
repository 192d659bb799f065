import net from 'node:net';
import { ConfigError, loadConfig } from '../src/config';
import { DEFAULT_DEADLINES } from '../src/ops/deadlines';
import { capturedLogger, sleep, timed } from './support/faults';
import { startTestRegistry, type TestRegistry } from './support/registry';

let registry: TestRegistry;
const log = capturedLogger();
beforeAll(async () => {
  registry = await startTestRegistry({ env: { REGISTRY_HEADERS_TIMEOUT_MS: '1000', REGISTRY_REQUEST_TIMEOUT_MS: '2000' }, logger: log.logger });
});
afterAll(() => registry.stop());

/**
 * A client that sends `head` at once and then one byte of `rest` every
 * `everyMs`, as a slow-loris attacker does; answers what the server sent
 * back and when it closed the connection.
 */
function trickle(head: string, rest: string, everyMs: number): Promise<{ answer: string; ms: number; sentBytes: number }> {
  const { port } = new URL(registry.url);
  const started = performance.now();
  return new Promise((resolve) => {
    const socket = net.connect(Number(port), '127.0.0.1');
    let answer = '';
    let sent = 0;
    socket.on('data', (chunk) => (answer += chunk.toString()));
    socket.on('error', () => {});
    socket.write(head);
    const timer = setInterval(() => {
      if (sent >= rest.length || socket.destroyed) return;
      socket.write(rest[sent++]);
    }, everyMs);
    socket.on('close', () => {
      clearInterval(timer);
      resolve({ answer, ms: performance.now() - started, sentBytes: sent });
    });
  });
}

describe('clients have deadlines too', () => {
  const body = JSON.stringify({ query: '{ internship(slug: "baku-internship-2021") { slug } }' });

  it('cuts a request body trickled a byte at a time with 408 when the request deadline passes', async () => {
    const head = `POST /graphql HTTP/1.1\r\nHost: registry\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`;
    const { answer, ms, sentBytes } = await trickle(head, body, 100);
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    // Cut after about 2 s (checked every second), long before the body was all sent, and far from node's 300 s.
    expect(sentBytes).toBeLessThan(body.length);
    expect(ms).toBeGreaterThanOrEqual(1_900);
    expect(ms).toBeLessThan(6_000);
  });

  it('cuts request headers trickled a byte at a time when the header deadline passes', async () => {
    const head = 'POST /graphql HTTP/1.1\r\n';
    const { answer, ms } = await trickle(head, 'X-Slow: ' + 'a'.repeat(200) + '\r\n', 50);
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(ms).toBeGreaterThanOrEqual(900);
    expect(ms).toBeLessThan(5_000);
  });

  it('keeps answering other clients while slow ones are cut', async () => {
    const head = `POST /graphql HTTP/1.1\r\nHost: registry\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`;
    const slow = Array.from({ length: 20 }, () => trickle(head, body, 200));
    await sleep(200);
    const { value, ms } = await timed(() => registry.request('{ internship(slug: "baku-internship-2021") { participantCount } }'));
    expect(value.data).toEqual({ internship: { participantCount: 27 } });
    // Not held up behind the slow clients (a bound on waiting, not a speed claim).
    expect(ms).toBeLessThan(1_500);
    for (const { answer } of await Promise.all(slow)) expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    // Cut connections are not server failures.
    expect(log.lines().filter((line) => line.level >= 50)).toEqual([]);
  });

  it('answers a body sent in pieces within the deadline', async () => {
    const head = `POST /graphql HTTP/1.1\r\nHost: registry\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`;
    const { answer } = await trickle(head, body, 1);
    expect(answer).toMatch(/^HTTP\/1\.1 200 /);
    expect(answer).toContain('{"data":{"internship":{"slug":"baku-internship-2021"}}}');
  });
});

describe('deadlines are configured once, with defaults', () => {
  it('defaults to seconds, not minutes', () => {
    expect(loadConfig({}).deadlines).toEqual({ dbConnectMs: 5_000, dbStatementMs: 10_000, readinessMs: 2_000, redisCommandMs: 500, headersMs: 10_000, requestMs: 15_000 });
    expect(DEFAULT_DEADLINES.requestMs).toBeLessThan(300_000);
  });

  it.each([
    [{ REGISTRY_DB_STATEMENT_TIMEOUT_MS: 'ten' }, 'REGISTRY_DB_STATEMENT_TIMEOUT_MS must be a whole number of milliseconds of at least 1, got "ten"'],
    [{ REGISTRY_REDIS_TIMEOUT_MS: '0' }, 'REGISTRY_REDIS_TIMEOUT_MS must be a whole number of milliseconds of at least 1, got "0"'],
    [{ REGISTRY_HEADERS_TIMEOUT_MS: '20000' }, 'REGISTRY_HEADERS_TIMEOUT_MS (20000) may not exceed REGISTRY_REQUEST_TIMEOUT_MS (15000)'],
  ])('refuses %o with one clear message', (env, message) => {
    expect(() => loadConfig(env)).toThrow(new ConfigError(message));
  });
});
