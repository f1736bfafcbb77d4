/// <reference lib="dom" />
/**
 * The run report people look at, in real headless Chromium: the HTML page `customs-graph report
 * --html` writes (offline, every chart drawn) and the report inside the explorer. Screenshots go
 * to test-artifacts/ and are checked not blank, chart by chart.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { DEFAULT_PARAMS, runAnalysis } from '../src/analysis/run';
import { SqliteGraphStore } from '../src/store/sqlite/sqlite-store';
import { generateSynthetic } from '../src/synth/generate';
import { ingestInto, ROOT, runCli, tempDir } from './helpers';
import { CHROMIUM, servedInBrowser, signIn, type ServedPage } from './browser';
import { ink } from './pixels';

const ARTIFACTS = join(ROOT, 'test-artifacts');
const CHARTS = ['precision-capacity', 'calibration', 'selection-fraud', 'score-drift', 'run-history', 'data-quality-trend'];

describe.skipIf(!existsSync(CHROMIUM) || !existsSync(join(ROOT, 'dist', 'web', 'app.js')))('the run report in headless Chromium', () => {
  const tmp = tempDir('cg-report-page-');
  let store: SqliteGraphStore;
  let ui: ServedPage;
  let page: Page;
  const db = () => join(tmp.dir, 'r.db');

  beforeAll(async () => {
    // A world with a planted label bias, analysed twice (so the drift charts compare two runs).
    const synth = await generateSynthetic(join(tmp.dir, 'synth'), { traders: 2000, seed: 5, biasOrigin: { country: 'TR', share: 0.3 } });
    store = new SqliteGraphStore(db());
    await store.migrate();
    await ingestInto(store, [synth.declarationsFile], tmp.dir);
    await runAnalysis(store, { ...DEFAULT_PARAMS, seed: 42 });
    await runAnalysis(store, { ...DEFAULT_PARAMS, seed: 43 });
    ui = await servedInBrowser(store, 'investigator:rp-investigator,scorer:rp-scorer', { width: 1280, height: 900 });
    ({ page } = ui);
    mkdirSync(ARTIFACTS, { recursive: true });
  }, 240_000);

  afterAll(async () => {
    await ui?.close();
    await store?.close();
    tmp.cleanup();
  });

  async function everyChartDrawn(): Promise<void> {
    for (const id of CHARTS) {
      const chart = page.locator(`figure[data-chart="${id}"] svg`);
      await chart.scrollIntoViewIfNeeded();
      const shot = await chart.screenshot();
      const box = { x: 0, y: 0, width: 10_000, height: 10_000 };
      const { inked, colours } = ink(shot, box);
      expect(inked, id).toBeGreaterThan(300);
      expect(colours, id).toBeGreaterThan(5);
      expect(Number(await page.locator(`figure[data-chart="${id}"]`).getAttribute('data-points')), id).toBeGreaterThan(0);
    }
  }

  it('renders the HTML page `report --html` writes, offline, with every chart drawn', async () => {
    const file = join(tmp.dir, 'report.html');
    const r = runCli(['report', '--db', db(), '--html', file]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/origin_country\s+TR/);
    const html = readFileSync(file, 'utf8');
    expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org)/); // nothing to fetch, nothing to run
    const requests: string[] = [];
    page.on('request', (req) => requests.push(req.url()));
    await page.goto(`file://${file}`);
    expect(requests.filter((u) => !u.startsWith('file://'))).toEqual([]);
    await everyChartDrawn();
    expect(await page.textContent('.cg-report')).toContain('origin_country TR');
    await page.screenshot({ path: join(ARTIFACTS, 'run-report.png'), fullPage: true });
    await page.emulateMedia({ media: 'print' });
    const pdf = await page.pdf({ format: 'A4' });
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    await page.emulateMedia({ media: 'screen' });
  });

  it('shows the same report in the explorer, and refuses it to a scorer', async () => {
    const { base } = ui;
    await signIn(page, base, 'rp-investigator');
    await page.waitForSelector('#session:not([hidden])');
    await page.click('#show-report');
    await page.waitForSelector('#report:not([hidden]) figure[data-chart]', { timeout: 60_000 });
    expect(await page.isVisible('#graph')).toBe(false);
    await everyChartDrawn();
    await page.locator('#report').evaluate((el) => { el.scrollTop = 0; });
    await page.screenshot({ path: join(ARTIFACTS, 'explorer-report.png') });
    await page.click('#close-report');
    expect(await page.isVisible('#graph')).toBe(true);

    await signIn(page, base, 'rp-scorer');
    await page.waitForSelector('#session:not([hidden])');
    await page.click('#show-report');
    await page.waitForFunction(() => /Not allowed for your role/.test(document.getElementById('status')!.textContent ?? ''));
    expect(await page.isVisible('#report')).toBe(false);
  });
});
