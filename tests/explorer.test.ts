import fs from 'node:fs';
import path from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import type { Browser, Locator, Page } from 'playwright-core';
import { exampleTabs } from '../src/ops/explorer';
import { describeInBrowser, launchChromium } from './support/browser';
import { startTestRegistry, type TestRegistry } from './support/registry';

const ARTIFACTS = path.join(__dirname, 'artifacts');

/** What an editor shows, as text (Monaco draws spaces as no-break spaces). */
async function editorText(editor: Locator): Promise<string> {
  return (await editor.locator('.view-lines').innerText()).replace(/\u00a0/g, ' ');
}

/** Waits until `read` gives the same value three times running (Monaco redraws its markers as its workers answer). */
async function settled<T>(read: () => Promise<T>, accept: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  let same = 0;
  for (;;) {
    const value = await read();
    same = accept(value) && JSON.stringify(value) === JSON.stringify(last) ? same + 1 : 0;
    last = value;
    if (same >= 2 || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** The same byte count the Cost panel shows, formatted as it formats it. */
const shownSize = (n: number) => (n < 1024 ? `${n} B` : n < 1024 * 1024 ? `${(n / 1024).toFixed(1)} KB` : `${(n / 1024 / 1024).toFixed(2)} MB`);

// Debian's chromium (.ci/run installs it); on the SQLite pass, skipped with a line on how to get it, or failed under REGISTRY_REQUIRE_BROWSER=1.
describeInBrowser('the analyst\'s explorer in a real browser, offline', (chromiumPath) => {
  let registry: TestRegistry;
  let browser: Browser;
  let page: Page;
  const outside: string[] = [];
  const pageErrors: string[] = [];
  let step = 0;
  const screenshot = async (name: string) => {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    const file = path.join(ARTIFACTS, `explorer-${String(++step).padStart(2, '0')}-${name}`);
    await page.screenshot({ path: `${file}.png` });
    // A small copy, of the kind docs/explorer/ keeps for the README.
    await page.screenshot({ path: `${file}.jpg`, type: 'jpeg', quality: 60 });
  };

  beforeAll(async () => {
    // Synthetic records give the statistics many years, regions and organizers; the server runs as in development, without server-wide explain.
    registry = await startTestRegistry({ synthetic: 'small' });
    browser = await launchChromium(chromiumPath);
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, acceptDownloads: true, permissions: ['clipboard-read', 'clipboard-write'] });
    page = await context.newPage();
    // Anything not served by the registry itself is refused and remembered: the page must not need the internet.
    const registryHost = new URL(registry.url).host;
    await page.route('**/*', (route) => {
      const url = new URL(route.request().url());
      if (url.host === registryHost || url.protocol === 'data:' || url.protocol === 'blob:') return route.continue();
      outside.push(url.href);
      return route.abort();
    });
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error' && /Content Security Policy|Refused to/i.test(message.text())) pageErrors.push(message.text());
    });
  });
  afterAll(async () => {
    await browser?.close();
    await registry?.stop();
  });
  afterEach(() => {
    expect(outside).toEqual([]);
    expect(pageErrors).toEqual([]);
  });

  /** Pastes as a person does (Monaco closes brackets and quotes as they are typed, not as they are pasted). */
  const paste = async (text: string) => {
    await page.evaluate((t) => (globalThis as unknown as { navigator: { clipboard: { writeText(t: string): Promise<void> } } }).navigator.clipboard.writeText(t), text);
    await page.keyboard.press('Control+v');
  };
  const tabs = () => page.locator('.graphiql-tab');
  const queryEditor = () => page.locator('.graphiql-query-editor');
  const variablesEditor = () => page.locator('.graphiql-editor-tool .graphiql-editor').filter({ visible: true });
  const squiggles = () => variablesEditor().locator('.squiggly-error, .squiggly-warning');
  /** Clicks a tab, waits until it shows its operation, and reads its variables as a person would once the editor has them. */
  const openTab = async (index: number, operation: string): Promise<unknown> => {
    await tabs().nth(index).click();
    await settled(() => tabs().nth(index).getAttribute('aria-selected'), (selected) => selected === 'true');
    await queryEditor().getByText(operation).first().waitFor({ timeout: 10_000 });
    return settled(
      async () => {
        try {
          return JSON.parse(await editorText(variablesEditor())) as unknown;
        } catch {
          return undefined;
        }
      },
      (variables) => variables !== undefined,
    );
  };

  it('opens from the registry alone, with one tab per file of example operations', async () => {
    const response = await page.goto(registry.url, { waitUntil: 'load' });
    expect(response!.status()).toBe(200);
    expect(response!.headers()['content-type']).toContain('text/html');
    expect(response!.headers()['content-security-policy']).toContain("default-src 'none'");
    await page.waitForSelector('.graphiql-execute-button', { timeout: 30_000 });
    const expected = await exampleTabs(registry.db);
    await expect(tabs().count()).resolves.toBe(expected.length);
    const titles = await tabs().allInnerTexts();
    expect(titles.map((t) => t.trim())).toEqual(expected.map((t) => /(?:query|mutation)\s+(\w+)/.exec(t.query)![1]));
    await screenshot('opened');
  });

  it('switches tabs with the mouse, each with its own editor and only the variables its operations use', async () => {
    const expected = await exampleTabs(registry.db);
    // Right to left, so every click moves away from the tab before.
    for (const index of [...expected.keys()].reverse()) {
      const tab = tabs().nth(index);
      await tab.click();
      await expect(tab.getAttribute('aria-selected')).resolves.toBe('true');
      const operation = /(?:query|mutation)\s+(\w+)/.exec(expected[index].query)![1];
      await queryEditor().getByText(operation).first().waitFor({ timeout: 10_000 });
      expect((await editorText(queryEditor())).replace(/\s+/g, ' ')).toContain(`query ${operation}`);
      // The tab stays where it was: a click is not a drag.
      expect(await tabs().evaluateAll((elements) => elements.map((e) => (e as unknown as { style: { transform: string } }).style.transform || 'none'))).toEqual(expected.map(() => 'none'));
      expect(JSON.parse(await editorText(variablesEditor()))).toEqual(JSON.parse(expected[index].variables));

      // An unknown variable is underlined as unused, and it is the only one: the tab's own variables are all used.
      const editor = variablesEditor();
      await editor.locator('.view-lines').click();
      await page.keyboard.press('Control+End');
      await page.keyboard.press('ArrowUp');
      await page.keyboard.press('End');
      await paste(',\n"notUsedHere": 1');
      const marked = await settled(
        () => squiggles().evaluateAll((marks) => marks.map((mark) => Math.round(mark.getBoundingClientRect().top))),
        (tops) => tops.length > 0,
      );
      const line = await editor.locator('.view-line', { hasText: 'notUsedHere' }).evaluate((e) => [e.getBoundingClientRect().top, e.getBoundingClientRect().bottom]);
      expect({ tab: index, marked: marked.length }).toEqual({ tab: index, marked: 1 });
      expect(marked[0]).toBeGreaterThanOrEqual(Math.floor(line[0]));
      expect(marked[0]).toBeLessThanOrEqual(Math.ceil(line[1]));
      if (index === expected.length - 1) await screenshot('unused-variable');
      // Put back as it was: select all, paste the tab's variables.
      await page.keyboard.press('Control+a');
      await paste(expected[index].variables);
      await settled(() => squiggles().count(), (n) => n === 0);
      expect(JSON.parse(await editorText(variablesEditor()))).toEqual(JSON.parse(expected[index].variables));
    }
    await screenshot('tabs');
  });

  it('keeps each tab\'s variables as edited, across tabs and a reload', async () => {
    const expected = await exampleTabs(registry.db);
    const lists = expected.findIndex((t) => t.file === 'lists.graphql');
    await openTab(lists, 'ForumPage');
    const editor = variablesEditor();
    await editor.locator('.view-lines').click();
    await page.keyboard.press('Control+a');
    const edited = { ...JSON.parse(expected[lists].variables), first: 3 };
    await paste(JSON.stringify(edited, null, 2));
    // GraphiQL saves an edit into its tab 100 ms after the last change; a switch within that loses it (GraphiQL 5.4), and no person is that quick.
    await page.waitForTimeout(300);
    expect(await openTab(0, 'InternshipPage')).toEqual(JSON.parse(expected[0].variables));
    expect(await openTab(lists, 'ForumPage')).toEqual(edited);

    // GraphiQL writes its tabs to storage 500 ms after a change.
    await page.waitForTimeout(800);
    await page.reload({ waitUntil: 'load' });
    await page.waitForSelector('.graphiql-execute-button', { timeout: 30_000 });
    await expect(tabs().count()).resolves.toBe(expected.length);
    await expect(tabs().nth(lists).getAttribute('aria-selected')).resolves.toBe('true');
    await queryEditor().getByText('ForumPage').first().waitFor({ timeout: 10_000 });
    expect(JSON.parse(await editorText(variablesEditor()))).toEqual(edited);
    expect(await openTab(0, 'InternshipPage')).toEqual(JSON.parse(expected[0].variables));
    await screenshot('reloaded');
  });

  it('runs the Baku internship query and shows, in the Cost panel, the statements extensions.explain holds', async () => {
    await expect(tabs().nth(0).getAttribute('aria-selected')).resolves.toBe('true');
    const answered = page.waitForResponse((r) => r.request().method() === 'POST' && (r.request().postData() ?? '').includes('InternshipPage'));
    await page.click('.graphiql-execute-button');
    const response = await answered;
    // In development the explorer asks for every run's statements.
    expect(response.request().headers()['x-registry-explain']).toBe('1');
    const text = await response.text();
    const body = JSON.parse(text) as { data: any; extensions: { explain: { sql: string[]; ms: number[]; executor: string } } };
    expect(body.data.internship).toMatchObject({ slug: 'baku-internship-2021', participantCount: 27, title: 'Internship for youth workers in Baku' });
    const { explain } = body.extensions;
    expect(explain.sql.some((sql) => /FROM "?programs"?/.test(sql))).toBe(true);
    await page.locator('.result-window').getByText('"baku-internship-2021"').first().waitFor({ timeout: 30_000 });

    await page.getByRole('button', { name: /cost of the last run/i }).click();
    const panel = page.getByRole('region', { name: 'Cost of the last run' });
    await panel.locator('[data-fact="operation"]', { hasText: 'InternshipPage' }).waitFor();
    await expect(panel.locator('[data-fact="statements"]').innerText()).resolves.toBe(String(explain.sql.length));
    await expect(panel.locator('[data-fact="executor"]').innerText()).resolves.toBe(explain.executor);
    await expect(panel.locator('[data-fact="bytes"]').innerText()).resolves.toBe(shownSize(Buffer.byteLength(text)));
    const statements = panel.locator('.registry-statements > li');
    await expect(statements.count()).resolves.toBe(explain.sql.length);
    for (const [i, sql] of explain.sql.entries()) {
      const item = statements.nth(i);
      await expect(item.locator('pre').innerText()).resolves.toBe(sql);
      await expect(item.locator('.registry-statement-ms').innerText()).resolves.toMatch(/^\d+\.\d+ ms$/);
      expect(typeof explain.ms[i]).toBe('number');
    }
    await screenshot('cost');
  });

  it('shows a list of the answer as a table that sorts, and downloads it as CSV with Cyrillic intact', async () => {
    // A new tab, and a statistics query written there, as an analyst would.
    await page.getByRole('button', { name: /new tab/i }).click();
    await queryEditor().locator('.view-lines').click();
    await page.keyboard.press('Control+a');
    await paste('query RegionsAndYears {\nstats {\nprogramsByRegion(includeSubregions: true) { region { code name(lang: RU) } count }\nprogramsByYear { year count }\n}\n}');
    // Run once GraphiQL has read the operation (the tab takes its name); before that it would send the last tab's operation name.
    await page.locator('.graphiql-tab-active', { hasText: 'RegionsAndYears' }).waitFor({ timeout: 10_000 });
    const answered = page.waitForResponse((r) => r.request().method() === 'POST' && (r.request().postData() ?? '').includes('RegionsAndYears'));
    await page.keyboard.press('Control+Enter');
    const body = (await (await answered).json()) as { errors?: unknown; data: { stats: { programsByRegion: Array<{ region: { code: string; name: string }; count: number }>; programsByYear: Array<{ year: number; count: number }> } } };
    expect(body.errors).toBeUndefined();
    const byRegion = body.data.stats.programsByRegion;
    expect(byRegion.length).toBeGreaterThan(5);

    await page.getByRole('button', { name: /results as tables/i }).click();
    const panel = page.getByRole('region', { name: 'Results as tables' });
    await panel.getByRole('combobox').selectOption('stats.programsByRegion');
    const table = panel.locator('table');
    await expect(table.locator('thead th').allInnerTexts()).resolves.toEqual(['region.code', 'region.name', 'count']);
    const rowsShown = async () => (await table.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? ''))));
    expect(await rowsShown()).toEqual(byRegion.map((r) => [r.region.code, r.region.name, String(r.count)]));

    // Sorted by count, most first: one click ascending, a second descending; equal counts keep the answer's order.
    await table.getByRole('button', { name: 'count' }).click();
    await table.getByRole('button', { name: /count/ }).click();
    await expect(table.locator('th[aria-sort="descending"]').innerText()).resolves.toContain('count');
    const descending = byRegion.map((r, i) => ({ r, i })).sort((a, b) => b.r.count - a.r.count || a.i - b.i).map(({ r }) => [r.region.code, r.region.name, String(r.count)]);
    expect(await rowsShown()).toEqual(descending);
    await screenshot('table');

    const downloaded = page.waitForEvent('download');
    await panel.getByRole('button', { name: 'Download CSV' }).click();
    const file = fs.readFileSync((await (await downloaded).path())!);
    expect([...file.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const rows = parseCsv(file, { bom: true }) as string[][];
    expect(rows).toEqual([['region.code', 'region.name', 'count'], ...descending]);
    expect(rows.some(([code, name]) => code === 'AZ' && name === 'Азербайджанская Республика')).toBe(true);
  });

  it('draws statistics by year as bars, one per year', async () => {
    const panel = page.getByRole('region', { name: 'Results as tables' });
    await panel.getByRole('combobox').selectOption('stats.programsByYear');
    const years = (await panel.locator('tbody tr').count());
    expect(years).toBeGreaterThan(5);
    await panel.getByRole('button', { name: 'Chart' }).click();
    const canvas = panel.locator('.registry-chart canvas');
    await canvas.waitFor();
    await expect(canvas.getAttribute('data-bars')).resolves.toBe(String(years));
    // And in the picture itself: along a line just above the axis, the bars' colour comes in one run per bar.
    const runs = await canvas.evaluate((element) => {
      const c = element as unknown as { width: number; height: number; getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } };
      const pixels = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      const isBar = (x: number, y: number) => {
        const i = (y * c.width + x) * 4;
        return Math.abs(pixels[i] - 225) < 12 && pixels[i + 1] < 20 && Math.abs(pixels[i + 2] - 152) < 12;
      };
      let lowest = -1;
      for (let y = c.height - 1; y >= 0 && lowest < 0; y--) for (let x = 0; x < c.width; x++) if (isBar(x, y)) (lowest = y), (x = c.width);
      const y = lowest - 1;
      let count = 0;
      for (let x = 0, inside = false; x < c.width; x++) {
        const bar = isBar(x, y);
        if (bar && !inside) count++;
        inside = bar;
      }
      return count;
    });
    expect(runs).toBe(years);
    await expect(canvas.getAttribute('aria-label')).resolves.toMatch(/^count by year: \d{4} \d+/);
    await screenshot('chart');
  });

  it('lists the queries run in History, and opens one again', async () => {
    await page.getByRole('button', { name: /show history/i }).click();
    const item = (name: string) => page.locator('.graphiql-history-item-label', { hasText: new RegExp(`^${name}$`) });
    await item('RegionsAndYears').waitFor();
    await expect(item('InternshipPage').count()).resolves.toBe(1);
    await screenshot('history');
    await item('InternshipPage').click();
    await queryEditor().getByText('InternshipPage').first().waitFor({ timeout: 10_000 });
    expect((await editorText(queryEditor())).replace(/\s+/g, ' ')).toContain('query InternshipPage($slug: String!, $lang: Language)');
    expect(JSON.parse(await editorText(variablesEditor()))).toEqual({ slug: 'baku-internship-2021', lang: 'EN' });
  });

  it('documents the registry\'s types and leaves out the federation\'s and the cache\'s machinery', async () => {
    await page.getByRole('button', { name: /show documentation explorer/i }).click();
    const docs = page.locator('.graphiql-doc-explorer');
    // The map's first page lists every type: the registry's, none of the machinery.
    await docs.getByText('All Schema Types').waitFor({ timeout: 10_000 });
    const types = await docs.locator('.graphiql-doc-explorer-type-name').allInnerTexts();
    expect(types).toEqual(expect.arrayContaining(['Forum', 'Internship', 'Region', 'RegistryStats', 'ProgramsInYear']));
    expect(types.filter((name) => name.startsWith('_') || name.includes('__') || name === 'CacheControlScope')).toEqual([]);
    // Searching the map for the machinery finds nothing.
    await docs.locator('[data-cy="doc-explorer-input"]').click();
    await page.keyboard.insertText('CacheControl');
    await docs.getByText('No results found').waitFor({ timeout: 5_000 });
    await page.keyboard.press('Escape');
    await docs.getByText('Query', { exact: true }).first().click();
    await docs.getByText('programs', { exact: true }).first().waitFor({ timeout: 10_000 });
    const fields = await docs.locator('.graphiql-doc-explorer-field-name').allInnerTexts();
    expect(fields).toEqual(expect.arrayContaining(['node', 'forums', 'internship', 'search', 'stats']));
    expect(fields.filter((name) => name.startsWith('_'))).toEqual([]);
    await screenshot('docs');
  });

  it('still answers GraphQL clients on GET, which ask for JSON rather than a page', async () => {
    const response = await fetch(`${registry.url}?query=${encodeURIComponent('{ region(code: "AZ") { code } }')}`, { headers: { accept: 'application/json', 'apollo-require-preflight': '1' } });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ data: { region: { code: 'AZ' } } });
  });
});
