/// <reference lib="dom" />
/**
 * The explorer's alert inbox in headless Chromium: alerts of a real second run arrive while the
 * page is open (pushed over WebSocket), an investigator opens one, reads its evidence down to
 * the declaration (day, goods, amount, outcome), acknowledges it; the screenshot is kept.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_PARAMS, runAnalysis } from '../src/analysis/run';
import type { SqliteGraphStore } from '../src/store/sqlite/sqlite-store';
import { CHROMIUM, servedInBrowser, signIn, type ServedPage } from './browser';
import { analysedSyntheticStore, ingestInto, ROOT, row, tempDir, toCsv } from './helpers';
import { ink } from './pixels';

const ARTIFACTS = join(ROOT, 'test-artifacts');

describe.skipIf(!existsSync(CHROMIUM) || !existsSync(join(ROOT, 'dist', 'web', 'app.js')))('alert inbox in headless Chromium', () => {
  const tmp = tempDir('cg-inbox-');
  let store: SqliteGraphStore;
  let ui: ServedPage;
  let page: Page;
  let base: string;

  beforeAll(async () => {
    ({ store } = await analysedSyntheticStore(tmp.dir, 'inbox.db', { traders: 400, seed: 21 }));
    ui = await servedInBrowser(store, 'investigator:in-inv,scorer:in-sco', { width: 1366, height: 800 });
    ({ page, base } = ui);
  }, 180_000);

  afterAll(async () => {
    await ui?.close();
    await store?.close();
    tmp.cleanup();
  });

  it('pushes the alerts of a new run into the open inbox; one opens down to its declarations and is acknowledged', async () => {
    await signIn(page, base, 'in-inv');
    await page.waitForSelector('#session:not([hidden])');
    await page.waitForSelector('#alert-list li');
    expect(await page.textContent('#alert-list')).toContain('No alert');

    // New declarations: a new trader shares the phone of a known-bad trader and buys from its supplier; then the next run.
    const bad = (await store.topEntities({ kind: 'Trader', limit: 400 })).filter((s) => s.knownBad);
    let phone: string | undefined;
    let badKey = '';
    for (const s of bad) {
      const sub = await store.neighbourhood([s.entityId], { hops: 1, limit: 50 });
      phone = sub.nodes.find((n) => n.kind === 'Phone')?.key;
      badKey = sub.nodes.find((n) => n.id === s.entityId)!.key;
      if (phone) break;
    }
    expect(phone).toBeDefined();
    const file = join(tmp.dir, 'day.csv');
    writeFileSync(file, toCsv(Array.from({ length: 6 }, (_, i) => row({
      declaration_id: `NEWDAY-${i}`, lodged_at: '2025-12-2' + String(i), trader_id: 'NEWCOMER', trader_name: 'Newcomer Trading SARL', trader_phone: phone!,
      declared_value: String(40_000 + i * 1000), hs_code: '870899', origin_country: 'TR',
    }))));
    await ingestInto(store, [file], tmp.dir);
    await runAnalysis(store, { ...DEFAULT_PARAMS, seed: 42 });
    const raised = await store.countAlerts({});
    expect(raised).toBeGreaterThan(0);
    // Pushed: the badge and the list follow without a click.
    await page.waitForFunction(() => !document.getElementById('alert-badge')!.hidden, undefined, { timeout: 5000 });
    expect(Number(await page.textContent('#alert-badge'))).toBe(raised);
    // The session line follows the run the API serves now.
    await page.waitForFunction(() => document.getElementById('who')!.textContent!.endsWith('analysis run 2'), undefined, { timeout: 5000 });

    // The newcomer joined the known-bad trader's ring through the shared phone: the ring's growth reports it.
    const [grew] = await store.listAlerts({ types: ['ring_grew'], limit: 1 });
    expect(grew, `the ring of known-bad trader ${badKey} grew`).toBeDefined();
    await page.click(`#alert-list button[data-alert="Alert:${grew!.id}"]`);
    await page.waitForSelector('#details .alert-actions');
    const panel = (await page.textContent('#details'))!;
    expect(panel).toContain('ring grew');
    expect(panel).toMatch(/Newcomer Trading SARL\s*trader\s*joined/);
    expect(panel).toMatch(/Runs compared\s*\d+ → \d+/);
    expect(panel).toMatch(/ring #\d+ of run 1 \(\d+ members\)\s*as it was/);
    const shot = await page.screenshot({ path: join(ARTIFACTS, 'alert-inbox.png') });
    // The main entity's network is drawn beside the alert: the picture is not blank.
    expect(ink(shot, (await page.locator('#graph').boundingBox())!).colours).toBeGreaterThan(3);

    await page.click('#details button[data-alert-act="ack"]');
    await page.waitForSelector('#details .case-history li:nth-child(2)');
    expect(await page.textContent('#details')).toMatch(/State\s*acknowledged/);
    expect((await store.getAlert(grew!.id))!.state).toBe('acknowledged');
  }, 180_000);

  it('a watchlist hit opens down to the declaration that named it, with its day, goods, amount and outcome', async () => {
    await store.upsertWatchlist([{ kind: 'Trader', key: 'NEWCOMER', reason: 'front company', source: 'intel', severity: 0.9, listedAt: '2025-01-01' }]);
    const file = join(tmp.dir, 'hit.csv');
    writeFileSync(file, toCsv([row({ declaration_id: 'HIT-1', lodged_at: '2025-12-29', trader_id: 'newcomer', trader_name: 'Newcomer Trading SARL', declared_value: '77000', hs_code: '870899' })]));
    await ingestInto(store, [file], tmp.dir);
    const [hit] = await store.listAlerts({ types: ['watchlist_hit'], limit: 1 });
    await page.waitForSelector(`#alert-list button[data-alert="Alert:${hit!.id}"]`, { timeout: 5000 });
    await page.click(`#alert-list button[data-alert="Alert:${hit!.id}"]`);
    await page.waitForSelector('#details button.ref[data-declaration]');
    const line = (await page.textContent('#details button.ref[data-declaration]'))!;
    expect(line).toMatch(/^Declaration HIT-1\/1 of 2025-12-29: HS 870899, 77,000 MAD, /);
    await page.click('#details button.ref[data-declaration]');
    await page.waitForSelector('#details h2:has-text("Declaration")');
  }, 60_000);

  it('gives a scorer no inbox', async () => {
    await signIn(page, base, 'in-sco');
    await page.waitForSelector('#session:not([hidden])');
    expect(await page.isHidden('#alerts')).toBe(true);
  }, 60_000);
});
