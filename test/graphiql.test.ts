/// <reference lib="dom" />
/**
 * The GraphQL IDE at /graphql: outside production a browser gets GraphiQL, bundled (nothing from
 * another host), and runs a query with the explorer's key; in production there is no IDE.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { KeyRing } from '../src/api/auth';
import { startServer, type RunningServer } from '../src/api/server';
import { SqliteGraphStore } from '../src/store/sqlite/sqlite-store';
import { silentLogger } from '../src/util/logger';
import { ROOT, tempDir } from './helpers';
import { CHROMIUM, launchChromium } from './browser';
import { ink } from './pixels';

const ARTIFACTS = join(ROOT, 'test-artifacts');
const CONFIG = { dbPath: '', phoneRegion: 'MA', defaultCurrency: 'MAD' };

describe.skipIf(!existsSync(join(ROOT, 'dist', 'web', 'graphiql', 'index.html')))('the GraphQL IDE', () => {
  const tmp = tempDir('cg-ide-');
  let store: SqliteGraphStore;
  const servers = {} as Record<'development' | 'production', RunningServer>;

  beforeAll(async () => {
    store = new SqliteGraphStore(join(tmp.dir, 'ide.db'));
    await store.migrate();
    for (const mode of ['development', 'production'] as const) {
      servers[mode] = await startServer({ store, keys: KeyRing.fromEnv('investigator:ide-key'), config: CONFIG, logger: silentLogger, port: 0, production: mode === 'production' });
    }
  });

  afterAll(async () => {
    for (const s of Object.values(servers)) await s.close();
    await store.close();
    tmp.cleanup();
  });

  const openAsBrowser = (mode: 'development' | 'production', path = '/graphql') =>
    fetch(servers[mode].url.replace('/graphql', path), { headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' } });

  it('is served to a browser outside production, and the API still answers clients at the same path', async () => {
    const page = await openAsBrowser('development');
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('GraphQL IDE');
    const api = await fetch(servers.development.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer ide-key' }, body: '{"query":"{ viewer { role } }"}' });
    expect(await api.json()).toEqual({ data: { viewer: { role: 'INVESTIGATOR' } } });
  });

  it('is not served in production: neither the page nor its bundle', async () => {
    const page = await openAsBrowser('production');
    expect(await page.text()).not.toContain('GraphQL IDE');
    expect((await openAsBrowser('production', '/graphiql/main.js')).status).toBe(404);
    expect((await openAsBrowser('production', '/graphiql/index.html')).status).toBe(404);
  });

  describe.skipIf(!existsSync(CHROMIUM))('in headless Chromium', () => {
    let browser: Browser;
    beforeAll(async () => { browser = await launchChromium(); }, 60_000);
    afterAll(async () => { await browser?.close(); });

    it('loads from this server only and runs a query with the explorer\'s key', async () => {
      const page = await browser.newPage({ viewport: { width: 1366, height: 800 } });
      const base = servers.development.url.replace('/graphql', '');
      const elsewhere: string[] = [];
      const problems: string[] = [];
      page.on('request', (r) => { if (!r.url().startsWith(base) && !r.url().startsWith('data:') && !r.url().startsWith('blob:')) elsewhere.push(r.url()); });
      page.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()); });
      page.on('pageerror', (e) => problems.push(e.message));
      await page.goto(`${base}/`);
      await page.evaluate(() => sessionStorage.setItem('customs-graph-key', 'ide-key'));
      await page.goto(`${base}/graphql`);
      await page.waitForSelector('.graphiql-execute-button', { timeout: 30_000 });
      await page.click('.graphiql-execute-button');
      await page.waitForFunction(() => document.querySelector('.result-window')?.textContent?.includes('INVESTIGATOR'), undefined, { timeout: 30_000 });
      // The schema, read by introspection (allowed outside production), fills the documentation pane.
      await page.click('[aria-label="Show Documentation Explorer"]');
      await page.waitForSelector('.graphiql-doc-explorer-title', { timeout: 10_000 });
      mkdirSync(ARTIFACTS, { recursive: true });
      const shot = await page.screenshot({ path: join(ARTIFACTS, 'graphiql.png') });
      expect(ink(shot, { x: 0, y: 0, width: 1366, height: 800 }).colours).toBeGreaterThan(20);
      expect(elsewhere).toEqual([]);
      expect(problems).toEqual([]);
      await page.close();
    }, 90_000);
  });
});
