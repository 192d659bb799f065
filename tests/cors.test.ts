import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import type { Browser } from 'playwright-core';
import { ConfigError, loadConfig } from '../src/config';
import { describeInBrowser, launchChromium } from './support/browser';
import { startTestRegistry, type TestRegistry } from './support/registry';

const DASHBOARD = fs.readFileSync(path.join(__dirname, '..', 'schema', 'operations', 'dashboard.graphql'), 'utf8');

/** A dashboard's page: its own script runs the dashboard operation against the registry named in its address, and shows what it got. */
const PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>Forums dashboard</title></head>
<body><h1>Forums</h1><p id="status">loading</p><ul id="forums"></ul>
<script>
  const registry = new URLSearchParams(location.search).get('registry');
  fetch(registry, { method: 'POST', headers: { 'content-type': 'application/json', 'accept-language': 'ru' }, body: JSON.stringify({ query: window.DASHBOARD, variables: { forums: 5 } }) })
    .then((response) => response.json().then((body) => ({ response, body })))
    .then(({ response, body }) => {
      for (const edge of body.data.forums.edges) {
        const item = document.createElement('li');
        item.textContent = edge.node.slug + ' | ' + edge.node.title + ' | ' + edge.node.status + ' | ' + edge.node.internships.nodes.map((i) => i.slug + ' ' + i.sessions.totalCount).join(',');
        document.getElementById('forums').appendChild(item);
      }
      document.getElementById('status').textContent = 'loaded ' + response.status + ' ' + body.data.forums.totalCount + ' request ' + response.headers.get('x-request-id');
    })
    .catch((error) => { document.getElementById('status').textContent = 'failed: ' + error.name + ': ' + error.message; });
</script></body></html>`;

/** A second tiny web server: a dashboard's own origin. */
async function servePage(): Promise<{ origin: string; close(): Promise<void> }> {
  const script = `<script>window.DASHBOARD = ${JSON.stringify(DASHBOARD).replace(/</g, '\\u003c')};</script>`;
  const server = http.createServer((req, res) => {
    if (req.url?.startsWith('/dashboard')) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(PAGE.replace('<script>', `${script}\n<script>`));
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The server's request log, line by line: what reached it. */
function requestLog() {
  const lines: Array<{ method: string; path: string; status: number; operation?: string }> = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
        const entry = JSON.parse(line);
        if (entry.msg === 'request') lines.push(entry);
      }
      done();
    },
  });
  return { lines, logger: pino({ level: 'info' }, stream) };
}

describeInBrowser('a dashboard on another origin, in a real browser', (chromium) => {
  let browser: Browser;
  let registry: TestRegistry;
  let allowed: Awaited<ReturnType<typeof servePage>>;
  let other: Awaited<ReturnType<typeof servePage>>;
  const log = requestLog();

  beforeAll(async () => {
    allowed = await servePage();
    other = await servePage();
    registry = await startTestRegistry({ env: { REGISTRY_CORS_ORIGINS: `https://dashboards.example.org, ${allowed.origin}` }, logger: log.logger });
    browser = await launchChromium(chromium);
  });
  afterAll(async () => {
    await browser?.close();
    await registry?.stop();
    await allowed?.close();
    await other?.close();
  });

  it('runs the dashboard operation through fetch from a listed origin', async () => {
    const page = await browser.newPage();
    await page.goto(`${allowed.origin}/dashboard?registry=${encodeURIComponent(registry.url)}`);
    await page.waitForFunction("document.getElementById('status').textContent !== 'loading'", undefined, { timeout: 20_000 });
    const status = await page.locator('#status').textContent();
    expect(status).toMatch(/^loaded 200 1 request [\w-]+$/);
    // The forum in Russian, archived, with its Baku internship and its nine sessions.
    expect(await page.locator('#forums li').allTextContents()).toEqual(['azerbaijan-russian-youth-forum-2021 | Азербайджано-российский молодежный форум 2021 | ARCHIVED | baku-internship-2021 9']);
    // The browser asked first (OPTIONS), then sent the operation.
    const preflight = log.lines.find((l) => l.method === 'OPTIONS');
    expect(preflight).toMatchObject({ path: '/graphql', status: 204 });
    expect(log.lines.filter((l) => l.operation === 'Dashboard')).toHaveLength(1);
    await page.close();
  });

  it('is refused from an origin not on the list: the browser keeps the answer from the page and the operation never runs', async () => {
    const before = log.lines.length;
    const page = await browser.newPage();
    await page.goto(`${other.origin}/dashboard?registry=${encodeURIComponent(registry.url)}`);
    await page.waitForFunction("document.getElementById('status').textContent !== 'loading'", undefined, { timeout: 20_000 });
    expect(await page.locator('#status').textContent()).toBe('failed: TypeError: Failed to fetch');
    expect(await page.locator('#forums li').count()).toBe(0);
    const seen = log.lines.slice(before);
    expect(seen.map((l) => [l.method, l.status])).toEqual([['OPTIONS', 403]]);
    await page.close();
  });
});

describe('CORS over plain HTTP', () => {
  let registry: TestRegistry;
  const dashboard = 'https://dashboards.example.org';
  beforeAll(async () => {
    registry = await startTestRegistry({ env: { REGISTRY_CORS_ORIGINS: `${dashboard} http://localhost:8080` } });
  });
  afterAll(() => registry.stop());

  const preflight = (url: string, origin: string, headers = 'content-type') =>
    fetch(url, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': headers } });

  it('answers a listed origin\'s preflight with what it may send, keys included, and for how long', async () => {
    const response = await preflight(registry.url, dashboard, 'content-type,authorization');
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe(dashboard);
    expect(response.headers.get('access-control-allow-credentials')).toBe('true');
    expect(response.headers.get('access-control-allow-methods')).toBe('GET, POST');
    expect(response.headers.get('access-control-allow-headers')!.split(', ')).toEqual(expect.arrayContaining(['content-type', 'authorization', 'accept-language', 'apollo-require-preflight']));
    expect(response.headers.get('access-control-max-age')).toBe('600');
    expect(response.headers.get('vary')).toContain('origin');
  });

  it('tags the answer for a listed origin, and no other', async () => {
    const body = JSON.stringify({ query: '{ region(code: "AZ") { code } }' });
    const listed = await fetch(registry.url, { method: 'POST', headers: { origin: dashboard, 'content-type': 'application/json' }, body });
    expect(listed.status).toBe(200);
    expect(listed.headers.get('access-control-allow-origin')).toBe(dashboard);
    expect(listed.headers.get('access-control-expose-headers')).toContain('x-request-id');
    expect(listed.headers.get('vary')).toBe('origin, accept-language, x-registry-explain');
    expect(await listed.json()).toEqual({ data: { region: { code: 'AZ' } } });

    const stranger = await fetch(registry.url, { method: 'POST', headers: { origin: 'https://evil.example.com', 'content-type': 'application/json' }, body });
    expect(stranger.headers.get('access-control-allow-origin')).toBeNull();
    expect(stranger.headers.get('access-control-allow-credentials')).toBeNull();
  });

  it('refuses an unlisted origin\'s preflight with a 403 that says why', async () => {
    const response = await preflight(registry.url, 'https://evil.example.com');
    expect(response.status).toBe(403);
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    expect(await response.json()).toEqual({
      errors: [{ message: 'The origin https://evil.example.com may not call this registry from a browser; an operator can add it to REGISTRY_CORS_ORIGINS', extensions: { code: 'CORS_ORIGIN_NOT_ALLOWED' } }],
    });
  });

  it('keeps CSRF prevention on for everything but the preflight, listed origins included', async () => {
    // A form post needs no preflight, so Apollo's CSRF prevention must still stop it.
    const form = await fetch(registry.url, { method: 'POST', headers: { origin: dashboard, 'content-type': 'text/plain' }, body: JSON.stringify({ query: '{ __typename }' }) });
    expect(form.status).toBe(400);
    expect(await form.text()).toContain('CSRF');
    const get = await fetch(`${registry.url}?query=${encodeURIComponent('{ __typename }')}`, { headers: { origin: dashboard } });
    expect(get.status).toBe(400);
  });
});

describe('CORS for any origin ("*")', () => {
  let registry: TestRegistry;
  beforeAll(async () => {
    registry = await startTestRegistry({ env: { REGISTRY_CORS_ORIGINS: '*' } });
  });
  afterAll(() => registry.stop());

  it('lets any page read, never with credentials or keys', async () => {
    const response = await fetch(registry.url, { method: 'OPTIONS', headers: { origin: 'https://anyone.example.net', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,authorization' } });
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(response.headers.get('access-control-allow-credentials')).toBeNull();
    expect(response.headers.get('access-control-allow-headers')!.split(', ')).not.toContain('authorization');
    const read = await fetch(registry.url, { method: 'POST', headers: { origin: 'https://anyone.example.net', 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ region(code: "RU") { code } }' }) });
    expect(read.headers.get('access-control-allow-origin')).toBe('*');
    expect(read.headers.get('access-control-allow-credentials')).toBeNull();
    expect(await read.json()).toEqual({ data: { region: { code: 'RU' } } });
  });
});

describe('REGISTRY_CORS_ORIGINS is checked at start', () => {
  const load = (env: Record<string, string>) => () => loadConfig({ REGISTRY_DATA_DIR: '/tmp/unused', ...env });

  it('takes a list of origins, separated by commas or spaces', () => {
    expect([...loadConfig({ REGISTRY_CORS_ORIGINS: 'https://a.example.org,http://localhost:3000  https://b.example.org/' }).cors!.origins]).toEqual([
      'https://a.example.org',
      'http://localhost:3000',
      'https://b.example.org',
    ]);
    expect(loadConfig({}).cors).toBeUndefined();
  });

  it('allows "*" only while reads are public, and never in a list', () => {
    expect(load({ REGISTRY_CORS_ORIGINS: '*', REGISTRY_PUBLIC_READ: 'false' })).toThrow(ConfigError);
    expect(load({ REGISTRY_CORS_ORIGINS: '*', REGISTRY_PUBLIC_READ: 'false' })).toThrow(/needs public reads/);
    expect(load({ REGISTRY_CORS_ORIGINS: '*, https://a.example.org' })).toThrow(/either "\*" or a list/);
  });

  it('names an entry that is not an origin', () => {
    expect(load({ REGISTRY_CORS_ORIGINS: 'https://a.example.org/dashboard' })).toThrow('REGISTRY_CORS_ORIGINS holds "https://a.example.org/dashboard", which is not an origin');
    expect(load({ REGISTRY_CORS_ORIGINS: 'dashboards.example.org' })).toThrow(/not an origin/);
    expect(load({ REGISTRY_CORS_ORIGINS: 'ftp://files.example.org' })).toThrow(/not an origin/);
  });
});
