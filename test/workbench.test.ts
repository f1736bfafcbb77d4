/// <reference lib="dom" />
/**
 * The investigator's way from a score to the declarations behind it, in real headless Chromium
 * against a served store: from a ranked ring to a seized declaration's panel and back in four
 * clicks, readable evidence that opens the right panel, and a view that lives in the URL (a reload
 * and a second investigator open the same one).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { SqliteGraphStore } from '../src/store/sqlite/sqlite-store';
import { CHROMIUM, servedInBrowser, signIn, type ServedPage } from './browser';
import { analysedSyntheticStore, ROOT, tempDir } from './helpers';

const ARTIFACTS = join(ROOT, 'test-artifacts');

describe.skipIf(!existsSync(CHROMIUM) || !existsSync(join(ROOT, 'dist', 'web', 'app.js')))('the investigator workbench in headless Chromium', () => {
  const tmp = tempDir('cg-workbench-');
  let store: SqliteGraphStore;
  let ui: ServedPage;
  let browser: Browser;
  let page: Page;
  let base: string;
  /** The highest-ranked ring with a member seized on record, and that member. */
  let ring: { community: number; rank: number; id: string };
  let seizedMember: string;

  beforeAll(async () => {
    ({ store } = await analysedSyntheticStore(tmp.dir, 'wb.db', { traders: 600, seed: 13 }));
    for (const c of await store.topCommunities(30)) {
      const scores = await store.getScores(c.members.slice(0, 200));
      const seized = scores.find((s) => s.kind === 'Trader' && s.signals.some((r) => r.name === 'seizures' && r.evidence.length > 0));
      if (seized) {
        ring = { community: c.community, rank: c.rank, id: `Ring:${await store.currentRunId()}:${c.community}` };
        seizedMember = seized.entityId;
        break;
      }
    }
    ui = await servedInBrowser(store, 'investigator:wb-inv-1,investigator:wb-inv-2,scorer:wb-scorer', { width: 1366, height: 850 });
    ({ browser, page, base } = ui);
    mkdirSync(ARTIFACTS, { recursive: true });
  }, 180_000);

  afterAll(async () => {
    await ui?.close();
    await store?.close();
    tmp.cleanup();
  });

  it('goes from a ranked ring to a seized declaration\'s panel and back in four clicks', async () => {
    expect(ring).toBeDefined();
    await signIn(page, base, 'wb-inv-1');
    await page.waitForSelector('#session:not([hidden])');
    await page.click('#show-rings');
    await page.click(`#rings button[data-ring="${ring.id}"]`); // the list: where an investigator starts
    await page.waitForSelector(`#details h2:has-text("Ring #${ring.rank}")`);
    const order = await page.evaluate(() => (window as any).__cg.graph.order as number);
    let clicks = 0;
    await page.click(`#details button[data-open="Entity:${seizedMember}"]`); clicks++;
    await page.waitForSelector('#details button.ref[data-declaration]');
    const seizure = page.locator('#details button.ref[data-declaration]', { hasText: 'seized' }).first();
    const text = (await seizure.textContent())!;
    expect(text).toMatch(/^Declaration \S+\/\d+ of \d{4}-\d{2}-\d{2}: HS \d+.* [\d,]+ MAD, seized/);
    const t0 = Date.now();
    await seizure.click(); clicks++;
    await page.waitForSelector('#details h2:has-text("Declaration")');
    process.stdout.write(`workbench: declaration panel shown ${Date.now() - t0} ms after the click (panel work ${await page.evaluate(() => Math.round((window as any).__cg.panelMs))} ms)\n`);
    const panel = (await page.textContent('#details'))!;
    for (const part of ['Lodged', 'Goods', 'Value', 'Unit value', 'seizure', 'Parties', 'trader:']) expect(panel, part).toContain(part);
    expect(panel).toMatch(/× the median of HS/);
    expect(await page.evaluate(() => (window as any).__cg.graph.order as number)).toBe(order); // the ring stays drawn
    await page.screenshot({ path: join(ARTIFACTS, 'declaration-panel.png') });
    await page.click('#details button[data-back]'); clicks++;
    await page.waitForSelector('#details button.ref[data-declaration]');
    await page.goBack(); clicks++;
    await page.waitForSelector(`#details h2:has-text("Ring #${ring.rank}")`);
    expect(clicks).toBeLessThanOrEqual(4);
    expect(await page.evaluate(() => (window as any).__cg.graph.order as number)).toBe(order);
  });

  it('opens the right panel from each kind of evidence', async () => {
    const member = (await store.getScores((await store.getCommunity(ring.community))!.members)).find((s) => s.signals.some((r) => r.name === 'shared_identifier_ring'));
    await page.goto(`${base}#ring=${encodeURIComponent(ring.id)}&selected=${encodeURIComponent(`Entity:${member?.entityId ?? seizedMember}`)}`);
    await page.waitForSelector('#details .reason');
    if (member) {
      await page.locator('#details button.ref[data-ring]').first().click();
      await page.waitForSelector('#details h2:has-text("Ring #")');
    }
    // A party of a declaration opens its entity; an attribute's record names its broker or supplier.
    await page.goto(`${base}#ring=${encodeURIComponent(ring.id)}&selected=${encodeURIComponent(`Entity:${seizedMember}`)}`);
    await page.locator('#details button.ref[data-declaration]').first().click();
    await page.waitForSelector('#details h3:has-text("Parties")');
    const party = page.locator('#details li:has-text("supplier:") button').first();
    const name = (await party.textContent())!;
    await party.click();
    await page.waitForSelector(`#details h2:has-text("${name.replace(/"/g, '\\"')}")`);
  });

  it('keeps the view in the URL: a reload and a second investigator open the same view', async () => {
    await page.goto(`${base}#ring=${encodeURIComponent(ring.id)}&selected=${encodeURIComponent(`Entity:${seizedMember}`)}`);
    await page.waitForSelector('#details button.ref[data-declaration]');
    await page.locator('#details button.ref[data-declaration]').first().click();
    await page.waitForSelector('#details h2:has-text("Declaration")');
    const url = page.url();
    const heading = await page.textContent('#details h2');
    expect(url).toContain('declaration=');
    await page.reload();
    await page.waitForSelector(`#details h2:has-text("${heading!}")`);
    expect(await page.evaluate(() => (window as any).__cg.graph.order as number)).toBeGreaterThan(1);
    // Another investigator, in a browser of their own, opening the link.
    const other = await browser.newPage({ viewport: { width: 1366, height: 850 } });
    await other.goto(url);
    await other.fill('#apikey', 'wb-inv-2');
    await other.press('#apikey', 'Enter');
    await other.waitForSelector(`#details h2:has-text("${heading!}")`);
    expect(await other.evaluate(() => (window as any).__cg.graph.order as number)).toBeGreaterThan(1);
    await other.close();
  });

  it('filters by lodging date: the parties with no declaration in range leave the view', async () => {
    await page.goto(`${base}#ring=${encodeURIComponent(ring.id)}`);
    await page.waitForSelector(`#details h2:has-text("Ring #${ring.rank}")`);
    await page.waitForFunction(() => (window as any).__cg.layouts > 0);
    const all = await page.evaluate(() => (window as any).__cg.graph.nodes() as string[]);
    await page.screenshot({ path: join(ARTIFACTS, 'ring-readable.png') });
    // The last month of the data: keep only what has a declaration lodged then.
    const c = (await store.getCommunity(ring.community))!;
    const lastDay = (await store.declarationsPerDay()).pop()!.day;
    const from = `${lastDay.slice(0, 7)}-01`;
    // A link of an earlier version names the current run's ring by its community number: it still opens.
    await page.goto(`${base}#ring=${ring.community}&from=${from}`);
    await page.waitForFunction((n) => (window as any).__cg.graph.order < n, all.length);
    const kept = new Set(await page.evaluate(() => (window as any).__cg.graph.nodes() as string[]));
    for (const id of c.members.filter((m) => all.includes(m))) {
      const recent = (await store.entityDeclarations(id, { limit: 1000 })).some((d) => d.lodged_at >= from);
      const kind = (await store.getEntities([id]))[0]!.kind;
      if (['Trader', 'Supplier', 'Consignee', 'Broker', 'Carrier'].includes(kind) && !recent) expect(kept.has(id), id).toBe(false);
    }
    expect(kept.size).toBeGreaterThan(0);
    expect(await page.inputValue('#f-from')).not.toBe('0');
    await page.screenshot({ path: join(ARTIFACTS, 'ring-last-month.png') });
  });

  it('exports a PNG with a title, the date, who exported it and a legend', async () => {
    await page.goto(`${base}#ring=${encodeURIComponent(ring.id)}`);
    await page.waitForFunction(() => (window as any).__cg.layouts > 0);
    const download = page.waitForEvent('download');
    await page.click('button[data-export="PNG"]');
    const file = await (await download).path();
    const { PNG } = await import('pngjs');
    const png = PNG.sync.read(readFileSync(file!));
    const graphHeight = await page.evaluate(() => document.getElementById('graph')!.getBoundingClientRect().height);
    expect(png.height).toBeGreaterThan(Math.round(graphHeight) + 60); // a title band and a legend band
    expect(await page.evaluate(() => (window as any).__cg.pngLegend as string[])).toContain('TRADER');
  });

  it('opens a case, fills, annotates and exports it, and another investigator reopens it; a scorer cannot', async () => {
    await page.goto(`${base}#ring=${encodeURIComponent(ring.id)}`);
    await page.waitForSelector(`#details h2:has-text("Ring #${ring.rank}")`);
    await page.fill('#case-title', 'Shell importers, Casablanca');
    await page.click('#new-case');
    await page.waitForSelector('#details h2:has-text("Case")');
    const caseUrl = page.url();
    expect(caseUrl).toMatch(/#case=/);
    // Back to the ring: add it, then a member's seized declaration, each with a note.
    await page.goto(`${base}#ring=${encodeURIComponent(ring.id)}&incase=${caseUrl.split('case=')[1]!.split('&')[0]!}`);
    await page.waitForSelector('#details button[data-add-kind="RING"]');
    await page.fill('#case-item-note', 'ranked ring with seizures');
    await page.click('#details button[data-add-kind="RING"]');
    await page.waitForFunction(() => /Added to case/.test(document.getElementById('status')!.textContent ?? ''));
    await page.click(`#details button[data-open="Entity:${seizedMember}"]`);
    await page.locator('#details button.ref[data-declaration]', { hasText: 'seized' }).first().click();
    await page.waitForSelector('#details button[data-add-kind="DECLARATION"]');
    await page.fill('#case-item-note', 'the seizure');
    await page.click('#details button[data-add-kind="DECLARATION"]');
    await page.waitForFunction(() => /Added to case/.test(document.getElementById('status')!.textContent ?? ''));
    // The case: annotate, export (the report page with the graph's picture, printed to PDF).
    await page.goto(caseUrl);
    await page.waitForSelector('#details .case-items li button');
    expect(await page.locator('#details .case-items li').count()).toBe(2);
    await page.fill('#case-note', 'Same director as the broker of case 12');
    await page.click('#details button[data-case-note]');
    await page.waitForSelector('#details .case-notes li:has-text("Same director")');
    await page.click('#details button[data-case-report]');
    await page.waitForFunction(() => typeof (window as any).__cg.lastCaseReport === 'string');
    const report = await page.evaluate(() => (window as any).__cg.lastCaseReport as string);
    for (const part of ['Shell importers, Casablanca', 'the seizure', 'Same director as the broker of case 12', 'data:image/png;base64,', 'annotated']) expect(report).toContain(part);
    const printable = await browser.newPage();
    await printable.setContent(report);
    await printable.screenshot({ path: join(ARTIFACTS, 'case-report.png'), fullPage: true });
    const pdf = await printable.pdf({ format: 'A4' });
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    await printable.close();
    await page.screenshot({ path: join(ARTIFACTS, 'case-view.png') });
    // Another investigator opens the link.
    const other = await browser.newPage({ viewport: { width: 1366, height: 850 } });
    await other.goto(caseUrl);
    await other.fill('#apikey', 'wb-inv-2');
    await other.press('#apikey', 'Enter');
    await other.waitForSelector('#details .case-notes li:has-text("Same director")');
    expect(await other.locator('#details .case-items li').count()).toBe(2);
    await other.close();
    // A scorer cannot.
    const scorer = await browser.newPage();
    await scorer.goto(caseUrl);
    await scorer.fill('#apikey', 'wb-scorer');
    await scorer.press('#apikey', 'Enter');
    await scorer.waitForFunction(() => /Not allowed for your role/.test(document.getElementById('status')!.textContent ?? ''));
    expect(await scorer.locator('#details .case-items').count()).toBe(0);
    await scorer.close();
  });

  it('shows what ties two entities, from the link', async () => {
    const decl = (await store.entityDeclarations(seizedMember, { limit: 1 }))[0]!;
    const supplier = (await store.getDeclarations([decl.id]))[0]!.parties.find((p) => p.rel === 'SUPPLIED_BY')!.entityId;
    const figures = await store.linkFigures(seizedMember, supplier);
    await page.goto(`${base}#ring=${encodeURIComponent(ring.id)}&link=${encodeURIComponent(`Entity:${seizedMember},Entity:${supplier}`)}`);
    await page.waitForSelector('#details h2:has-text(" — ")');
    expect(await page.textContent('#details p')).toContain(`${figures.declarations} declaration`);
    expect(await page.locator('#details ol li').count()).toBe(Math.min(20, figures.declarations));
  });
});
