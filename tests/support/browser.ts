import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';

const HOW_TO_GET_IT = 'install it (Debian: apt-get install chromium) or set CHROMIUM_PATH';

/** The browser to drive: CHROMIUM_PATH, else chromium (Debian's) or a Chrome on PATH; undefined when there is none. */
export function findChromium(): string | undefined {
  const explicit = process.env.CHROMIUM_PATH;
  if (explicit) return fs.existsSync(explicit) ? explicit : undefined;
  for (const dir of (process.env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    for (const name of ['chromium', 'chromium-browser', 'google-chrome-stable', 'google-chrome']) {
      const file = path.join(dir, name);
      if (fs.existsSync(file)) return file;
    }
  }
  return undefined;
}

/** Headless, with nothing of its own going to the network: the tests see only what the pages ask for. */
export function launchChromium(executablePath: string): Promise<Browser> {
  return chromium.launch({
    executablePath,
    headless: true,
    timeout: 30_000,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--no-default-browser-check', '--disable-extensions'],
  });
}

/**
 * A describe block for tests that drive a real browser, on the SQLite pass
 * only (the pages are the same on either database). Without chromium it is
 * skipped with one line on how to get it, unless REGISTRY_REQUIRE_BROWSER=1
 * (CI), which makes the missing browser a failure.
 */
export function describeInBrowser(name: string, body: (executablePath: string) => void): void {
  if (process.env.TEST_DATABASE_URL) {
    describe.skip(name, () => body(''));
    return;
  }
  const found = findChromium();
  if (found) {
    describe(name, () => body(found));
    return;
  }
  const where = process.env.CHROMIUM_PATH ? `CHROMIUM_PATH=${process.env.CHROMIUM_PATH} does not exist` : 'no chromium on PATH';
  if (process.env.REGISTRY_REQUIRE_BROWSER === '1') {
    describe(name, () => {
      it('finds a browser to drive', () => {
        throw new Error(`${where}: ${HOW_TO_GET_IT} (REGISTRY_REQUIRE_BROWSER=1 makes this a failure)`);
      });
    });
    return;
  }
  process.stderr.write(`Skipping the browser tests "${name}": ${where}; ${HOW_TO_GET_IT}.\n`);
  describe.skip(name, () => body(''));
}
