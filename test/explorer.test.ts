/// <reference lib="dom" />
/**
 * The explorer in real headless Chromium (Debian's chromium, driven by playwright-core) against
 * a served store with planted rings.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Graph from 'graphology';
import { parse as parseGexf } from 'graphology-gexf';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type { SqliteGraphStore } from '../src/store/sqlite/sqlite-store';
import type { SynthResult } from '../src/synth/generate';
import { analysedSyntheticStore, ROOT, tempDir } from './helpers';
import { CHROMIUM, servedInBrowser, signIn as signInAt, type ServedPage } from './browser';
import { ink } from './pixels';

const ARTIFACTS = join(ROOT, 'test-artifacts');

describe.skipIf(!existsSync(CHROMIUM) || !existsSync(join(ROOT, 'dist', 'web', 'app.js')))('investigator explorer in headless Chromium', () => {
  const tmp = tempDir('cg-ui-');
  let store: SqliteGraphStore;
  let ui: ServedPage;
  let page: Page;
  let synth: SynthResult;
  let base: string;

  beforeAll(async () => {
    ({ synth, store } = await analysedSyntheticStore(tmp.dir, 'ui.db', { traders: 600, seed: 13 }));
    ui = await servedInBrowser(store, 'investigator:ui-investigator,scorer:ui-scorer', { width: 1366, height: 800 });
    ({ page, base } = ui);
  }, 120_000);

  afterAll(async () => {
    await ui?.close();
    await store?.close();
    tmp.cleanup();
  });

  const signIn = (key: string) => signInAt(page, base, key);

  it('signs in, finds a planted ring member, expands it, opens its ring, shows reasons and exports GEXF', async () => {
    await signIn('ui-investigator');
    await page.waitForSelector('#session:not([hidden])');
    const member = synth.truth.rings.find((r) => r.type === 'shell')!.members[0]!;
    await page.fill('#q', member);
    await page.press('#q', 'Enter');
    await page.waitForSelector('#results button');
    await page.click('#results button');
    await page.waitForFunction(() => (window as any).__cg.draws > 0);
    const before = await page.evaluate(() => (window as any).__cg.graph.order as number);
    expect(before).toBeGreaterThan(1);
    expect(await page.textContent('#details h2')).toBeTruthy();
    expect(await page.locator('#details .reason').count()).toBeGreaterThan(0); // the reasons behind its risk

    // Expand a neighbour by double-click on the canvas, where sigma drew it.
    const target = await page.evaluate(() => {
      const cg = (window as any).__cg;
      const g = cg.graph;
      const id = g.nodes().find((n: string) => g.getNodeAttribute(n, 'kind') === 'PHONE' || g.getNodeAttribute(n, 'kind') === 'SUPPLIER') ?? g.nodes()[1];
      const p = cg.sigma.graphToViewport(g.getNodeAttributes(id));
      const box = document.getElementById('graph')!.getBoundingClientRect();
      return { x: box.left + p.x, y: box.top + p.y, draws: cg.draws };
    });
    await page.mouse.dblclick(target.x, target.y);
    await page.waitForFunction((d) => (window as any).__cg.draws > d, target.draws, { timeout: 10_000 });
    expect(await page.textContent('#status')).toMatch(/Expanded/);

    // Click the member itself, then open its ring from its details.
    const memberAt = await page.evaluate(() => {
      const cg = (window as any).__cg;
      const p = cg.sigma.graphToViewport(cg.graph.getNodeAttributes(cg.focusId));
      const box = document.getElementById('graph')!.getBoundingClientRect();
      return { x: box.left + p.x, y: box.top + p.y };
    });
    await page.mouse.click(memberAt.x, memberAt.y);
    await page.waitForSelector('#details button[data-ring]', { timeout: 10_000 });
    await page.click('#details button[data-ring]');
    await page.waitForSelector('#details h2:has-text("Ring #")');
    expect(await page.locator('#details .reason').count()).toBeGreaterThan(0);
    await page.waitForTimeout(300);
    mkdirSync(ARTIFACTS, { recursive: true });
    const shot = await page.screenshot({ path: join(ARTIFACTS, 'ring-view.png') });
    // Not blank: the graph area holds many coloured pixels.
    const { inked, colours } = ink(shot, (await page.locator('#graph').boundingBox())!);
    expect(inked).toBeGreaterThan(200);
    expect(colours).toBeGreaterThan(10);

    await page.click('button[data-export="GEXF"]');
    await page.waitForFunction(() => typeof (window as any).__cg.lastExport === 'string');
    const gexf = await page.evaluate(() => (window as any).__cg.lastExport as string);
    const g = parseGexf(Graph, gexf);
    expect(g.order).toBeGreaterThan(2);
    writeFileSync(join(ARTIFACTS, 'ring-view.gexf'), gexf);
  });

  it('draws a 500-node subgraph (time to first draw is logged, not asserted)', async () => {
    const hub = store.db.prepare('SELECT broker_ref FROM declarations GROUP BY broker_ref ORDER BY COUNT(*) DESC LIMIT 1').pluck().get() as number;
    const t0 = Date.now();
    await signIn('ui-investigator');
    await page.waitForSelector('#session:not([hidden])');
    const drawn = await page.evaluate(async (id) => {
      const cg = (window as any).__cg;
      await cg.openEntity(String(id), 500);
      return { order: cg.loaded as number, at: cg.drawnAt as number, visible: cg.graph.order as number };
    }, hub);
    const ms = Date.now() - t0;
    process.stdout.write(`explorer: page load + sign-in + 500-node subgraph drawn in ${ms} ms (${drawn.order} nodes)\n`);
    expect(drawn.order).toBe(500);
    // A busy broker's first 500 nodes are its declarations: they are shown rather than leave it alone.
    expect(drawn.visible).toBeGreaterThan(10);
  });

  it('tells a scorer that its role may not explore, and an unknown key to sign in again', async () => {
    await signIn('ui-scorer');
    await page.waitForSelector('#session:not([hidden])');
    await page.fill('#q', 'Atlas');
    await page.press('#q', 'Enter');
    await page.waitForFunction(() => /Not allowed for your role/.test(document.getElementById('status')!.textContent ?? ''));
    await page.evaluate(() => sessionStorage.setItem('customs-graph-key', 'expired'));
    await page.click('#show-rings');
    await page.waitForFunction(() => /sign in again/.test(document.getElementById('status')!.textContent ?? ''));
    expect(await page.isVisible('#signin')).toBe(true);
  });
});
