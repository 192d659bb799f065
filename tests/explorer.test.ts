import fs from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { describeInBrowser, launchChromium } from './support/browser';
import { startTestRegistry, type TestRegistry } from './support/registry';

const ARTIFACTS = path.join(__dirname, 'artifacts');

// Debian's chromium (.ci/run installs it); skipped with a line on how to get it, or failed under REGISTRY_REQUIRE_BROWSER=1.
describeInBrowser('the explorer in a real browser, offline', (chromium) => {
  let registry: TestRegistry;
  let browser: Browser;

  beforeAll(async () => {
    registry = await startTestRegistry({ explain: true });
    browser = await launchChromium(chromium);
  });
  afterAll(async () => {
    await browser?.close();
    await registry?.stop();
  });

  it('opens GraphiQL from the registry alone, runs the Baku internship query and shows its answer and SQL', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    // Anything not served by the registry itself is refused and remembered: the page must not need the internet.
    const registryHost = new URL(registry.url).host;
    const outside: string[] = [];
    await page.route('**/*', (route) => {
      const url = new URL(route.request().url());
      if (url.host === registryHost || url.protocol === 'data:' || url.protocol === 'blob:') return route.continue();
      outside.push(url.href);
      return route.abort();
    });
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));

    const response = await page.goto(registry.url, { waitUntil: 'load' });
    expect(response!.status()).toBe(200);
    expect(response!.headers()['content-type']).toContain('text/html');
    await page.waitForSelector('.graphiql-execute-button', { timeout: 30_000 });

    // One tab per file of example operations, the internship page first.
    const operationFiles = fs.readdirSync(path.join(__dirname, '..', 'schema', 'operations')).filter((f) => f.endsWith('.graphql'));
    await expect(page.locator('.graphiql-tab').count()).resolves.toBe(operationFiles.length);
    await expect(page.locator('.graphiql-query-editor').textContent()).resolves.toMatch(/query[\s\u00a0]+InternshipPage/);

    const answered = page.waitForResponse((r) => r.request().method() === 'POST' && (r.request().postData() ?? '').includes('InternshipPage'));
    await page.click('.graphiql-execute-button');
    const body = (await (await answered).json()) as { data: any; extensions: { explain: { sql: string[] } } };
    expect(body.data.internship).toMatchObject({ slug: 'baku-internship-2021', participantCount: 27, title: 'Internship for youth workers in Baku' });
    // REGISTRY_EXPLAIN=1: the statements the query ran come with the answer the explorer shows.
    expect(body.extensions.explain.sql.some((sql) => /FROM "?programs"?/.test(sql))).toBe(true);
    const result = page.locator('.result-window');
    await result.getByText('"baku-internship-2021"').first().waitFor({ timeout: 30_000 });
    const shown = (await result.innerText()).replace(/[\s\u00a0]+/g, ' ');
    expect(shown).toContain('"slug": "baku-internship-2021"');
    expect(shown).toContain('"participantCount": 27');

    // The schema's own documentation is one click away.
    await page.getByRole('button', { name: /documentation explorer/i }).click();
    await page.locator('.graphiql-doc-explorer').getByText('Query', { exact: true }).first().waitFor({ timeout: 10_000 });

    fs.mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'explorer.png'), fullPage: true });
    expect(outside).toEqual([]);
    expect(pageErrors).toEqual([]);
  });

  it('still answers GraphQL clients on GET, which ask for JSON rather than a page', async () => {
    const response = await fetch(`${registry.url}?query=${encodeURIComponent('{ region(code: "AZ") { code } }')}`, { headers: { accept: 'application/json', 'apollo-require-preflight': '1' } });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ data: { region: { code: 'AZ' } } });
  });
});
