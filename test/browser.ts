/** Headless Chromium for the page tests: Debian's chromium driven by playwright-core. */
import { chromium, type Browser, type Page } from 'playwright-core';
import { KeyRing } from '../src/api/auth';
import { startServer, type RunningServer } from '../src/api/server';
import type { SqliteGraphStore } from '../src/store/sqlite/sqlite-store';
import { silentLogger } from '../src/util/logger';

export const CHROMIUM = '/usr/bin/chromium';

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
}

/** Opens the explorer at `base` with a fresh session and signs in with `key` (the caller waits for what it expects). */
export async function signIn(page: Page, base: string, key: string): Promise<void> {
  await page.goto(base);
  await page.evaluate(() => sessionStorage.clear());
  await page.reload();
  await page.fill('#apikey', key);
  await page.press('#apikey', 'Enter');
}

export interface ServedPage {
  server: RunningServer;
  browser: Browser;
  page: Page;
  /** The explorer's address. */
  base: string;
  /** Closes the browser and the server (the store stays the caller's). */
  close(): Promise<void>;
}

/** Serves `store` on 127.0.0.1 with the keys given as `role:key,...` and opens a page in headless Chromium. */
export async function servedInBrowser(store: SqliteGraphStore, keys: string, viewport: { width: number; height: number }): Promise<ServedPage> {
  const server = await startServer({
    store, keys: KeyRing.fromEnv(keys), config: { dbPath: store.path, phoneRegion: 'MA', defaultCurrency: 'MAD' }, logger: silentLogger, port: 0,
  });
  const browser = await launchChromium();
  const page = await browser.newPage({ viewport });
  return {
    server, browser, page, base: server.url.replace('/graphql', '/'),
    async close() {
      await browser.close();
      await server.close();
    },
  };
}
