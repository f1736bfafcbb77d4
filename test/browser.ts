/** Headless Chromium for the page tests: Debian's chromium driven by playwright-core. */
import { chromium, type Browser, type Page } from 'playwright-core';

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
