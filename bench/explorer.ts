/// <reference lib="dom" />
/**
 * The explorer in headless Chromium (Debian's chromium, playwright-core) against a served
 * synthetic store: page load + sign-in + the top ring drawn and laid out; the layout of a 500-node
 * subgraph; the evidence panel after a click; the frame rate of pan and zoom at 2,000 nodes. Each
 * figure is printed beside its goal. The frame rate is what headless Chromium's software renderer
 * gives (no GPU here): a floor for a workstation, not its figure.
 *
 *   npm run bench:explorer                    # 3,000 traders
 *   npm run bench:explorer -- --traders 1000
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';
import { DEFAULT_PARAMS, runAnalysis } from '../src/analysis/run';
import { KeyRing } from '../src/api/auth';
import { startServer } from '../src/api/server';
import { table } from '../src/cli/output';
import { runIngest } from '../src/ingest/ingest';
import { planIngest } from '../src/ingest/plan';
import { SqliteGraphStore } from '../src/store/sqlite/sqlite-store';
import { generateSynthetic } from '../src/synth/generate';
import { silentLogger } from '../src/util/logger';

const ROOT = resolve(__dirname, '..', '..');
const CHROMIUM = '/usr/bin/chromium';

async function store(traders: number): Promise<SqliteGraphStore> {
  const dir = join(ROOT, 'bench-data', 'explorer', String(traders));
  const db = join(dir, 'store.db');
  if (existsSync(db)) return new SqliteGraphStore(db);
  mkdirSync(dir, { recursive: true });
  const synth = await generateSynthetic(join(dir, 'synth'), { traders, seed: 9 });
  const s = new SqliteGraphStore(join(dir, 'store.db'));
  await s.migrate();
  await runIngest(s, await planIngest([synth.declarationsFile]), { rejectsPath: join(dir, 'rejects.csv'), phoneRegion: 'MA', defaultCurrency: 'MAD' });
  await runAnalysis(s, { ...DEFAULT_PARAMS, seed: 42 });
  return s;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium`);
  const args = process.argv.slice(2);
  const traders = Number(args[args.indexOf('--traders') + 1] ?? 0) || 3000;
  const s = await store(traders);
  await s.migrate();
  const server = await startServer({
    store: s, keys: KeyRing.fromEnv('investigator:bench-inv'), config: { dbPath: s.path, phoneRegion: 'MA', defaultCurrency: 'MAD' }, logger: silentLogger, port: 0,
  });
  const base = server.url.replace('/graphql', '/');
  const top = (await s.topCommunities(1))[0]!;
  const hub = s.db.prepare('SELECT broker_ref FROM declarations GROUP BY broker_ref ORDER BY COUNT(*) DESC LIMIT 1').pluck().get() as number;
  // No GPU on these machines: WebGL falls back to software (SwiftShader flags measured slower here).
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  try {
    const loads: number[] = [];
    let ringNodes = 0;
    for (let i = 0; i < 3; i++) {
      const page = await browser.newPage({ viewport: { width: 1366, height: 850 } });
      const t0 = Date.now();
      await page.goto(`${base}#ring=${top.community}`);
      await page.fill('#apikey', 'bench-inv');
      await page.press('#apikey', 'Enter');
      await page.waitForFunction(() => (window as any).__cg.layouts > 0, undefined, { timeout: 30_000 });
      loads.push(Date.now() - t0);
      ringNodes = await page.evaluate(() => (window as any).__cg.loaded as number);
      await page.close();
    }
    const page = await browser.newPage({ viewport: { width: 1366, height: 850 } });
    await page.goto(base);
    await page.fill('#apikey', 'bench-inv');
    await page.press('#apikey', 'Enter');
    await page.waitForSelector('#session:not([hidden])');
    // The layout alone, on a 500-node subgraph with every node shown.
    const layouts: number[] = [];
    for (let i = 0; i < 3; i++) {
      layouts.push(await page.evaluate(async (id) => {
        const cg = (window as any).__cg;
        cg.forget();
        await cg.openEntity(id, 500);
        return cg.layoutMs as number;
      }, String(hub)));
    }
    const laidOut = await page.evaluate(() => (window as any).__cg.graph.order as number);
    // The evidence panel: a seized declaration of a ring member, opened from its reason.
    const member = (await s.getScores(top.members)).find((x) => x.signals.some((r) => r.name === 'seizures' && r.evidence.length))?.entityId ?? top.members[0]!;
    const panels: number[] = [];
    for (let i = 0; i < 5; i++) {
      await page.goto(`${base}#ring=${top.community}&selected=${encodeURIComponent(member)}`);
      await page.waitForSelector('#details button.ref[data-declaration]', { timeout: 30_000 });
      const t0 = Date.now();
      await page.locator('#details button.ref[data-declaration]').first().click();
      await page.waitForSelector('#details h2:has-text("Declaration")');
      panels.push(Date.now() - t0);
    }
    // Pan and zoom at 2,000 nodes: a synthetic graph drawn by the page's sigma, the camera animated for 3 s.
    const fps = await page.evaluate(async () => {
      const cg = (window as any).__cg;
      const g = cg.graph;
      g.clear();
      for (let i = 0; i < 2000; i++) g.addNode(`n${i}`, { x: Math.cos(i) * (i % 97), y: Math.sin(i) * (i % 89), size: 3 + (i % 7), color: '#1f77b4', label: `node ${i}`, borderColor: '#fff', borderSize: 0.1 });
      for (let i = 0; i < 4000; i++) g.addEdge(`n${i % 2000}`, `n${(i * 7919) % 2000}`, { size: 1 });
      cg.sigma.refresh();
      const camera = cg.sigma.getCamera();
      let frames = 0;
      let running = true;
      const count = () => { frames++; if (running) requestAnimationFrame(count); };
      requestAnimationFrame(count);
      const t0 = performance.now();
      for (let k = 0; k < 6; k++) {
        await camera.animate({ x: 0.3 + 0.4 * Math.random(), y: 0.3 + 0.4 * Math.random(), ratio: k % 2 ? 0.4 : 1.2 }, { duration: 500 });
      }
      running = false;
      return frames / ((performance.now() - t0) / 1000);
    });
    process.stdout.write(`\nexplorer in headless Chromium ${(await browser.version())}, store of ${traders} traders (top ring: ${ringNodes} nodes loaded)\n`);
    process.stdout.write(`${table(['measure', 'median (runs)', 'goal'], [
      [`page load + sign-in + top ring (${ringNodes} nodes) drawn and laid out`, `${median(loads)} ms (${loads.join(', ')})`, '< 1,500 ms'],
      [`layout of a ${laidOut}-node subgraph (ForceAtlas2 in a worker + noverlap)`, `${Math.round(median(layouts))} ms (${layouts.map(Math.round).join(', ')})`, '< 1,000 ms'],
      ['evidence panel after a click', `${median(panels)} ms (${panels.join(', ')})`, '< 200 ms'],
      ['pan and zoom at 2,000 nodes', `${fps.toFixed(1)} fps`, '60 fps'],
    ])}\n`);
  } finally {
    await browser.close();
    await server.close();
    await s.close();
  }
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
