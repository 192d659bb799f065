import type { Browser, Page } from 'playwright-core';
import { createKey } from '../src/auth/keys';
import { describeInBrowser, launchChromium } from './support/browser';
import { startTestRegistry, type TestRegistry } from './support/registry';

// Debian's chromium, on the SQLite pass (see tests/explorer.test.ts).
describeInBrowser('the explorer runs a subscription in a real browser', (chromiumPath) => {
  let registry: TestRegistry;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    registry = await startTestRegistry();
    browser = await launchChromium(chromiumPath);
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, permissions: ['clipboard-read', 'clipboard-write'] });
    page = await context.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push(message.text());
    });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await registry?.stop();
  });

  it('shows each committed write as it comes, over the WebSocket at the same address', async () => {
    const sockets: string[] = [];
    page.on('websocket', (socket) => sockets.push(socket.url()));
    await page.goto(registry.url, { waitUntil: 'load' });
    await page.waitForSelector('.graphiql-execute-button', { timeout: 30_000 });
    await page.getByRole('button', { name: /new tab/i }).click();
    await page.locator('.graphiql-query-editor .view-lines').click();
    await page.keyboard.press('Control+a');
    const text = 'subscription LiveForums {\nprogramChanged { kind program { slug title(lang: EN) } }\n}';
    await page.evaluate((t) => (globalThis as unknown as { navigator: { clipboard: { writeText(t: string): Promise<void> } } }).navigator.clipboard.writeText(t), text);
    await page.keyboard.press('Control+v');
    await page.locator('.graphiql-tab-active', { hasText: 'LiveForums' }).waitFor({ timeout: 10_000 });
    await page.keyboard.press('Control+Enter');
    // The subscription is running once the registry counts it.
    for (let i = 0; i < 200; i++) {
      const metrics = await (await fetch(registry.url.replace(/\/graphql$/, '/metrics'))).text();
      if (/^registry_subscriptions_active 1$/m.test(metrics)) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const editor = (await createKey(registry.db, 'editor')).key;
    const created = await registry.request<any, any>(
      'mutation($input: ForumCreateInput!) { forumCreate(input: $input) { forum { slug } userErrors { code } } }',
      { input: { slug: 'explorer-live-forum-2024', title: { en: 'Explorer Live Forum' }, startsOn: '2024-05-01', endsOn: '2024-05-02' } },
      { authorization: `Bearer ${editor}` },
    );
    expect(created.data.forumCreate.userErrors).toEqual([]);
    await page.locator('.result-window').getByText('"explorer-live-forum-2024"').first().waitFor({ timeout: 15_000 });
    await page.locator('.result-window').getByText('"CREATED"').first().waitFor({ timeout: 5_000 });
    expect(sockets).toEqual([registry.url.replace(/^http/, 'ws')]);
    expect(pageErrors).toEqual([]);
  }, 90_000);
});
