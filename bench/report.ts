/**
 * The run report at the 1M-declaration scale: a synthetic world (synth, about 50,000 traders and
 * 1M declaration items) is ingested and analysed once into bench-data/report/, then the report
 * (model card, bias audit of the last 90 days, data quality, overrides, the HTML page) is built in
 * a child process whose time per part and peak RSS are printed beside the goal.
 *
 *   npm run bench:report                    # 50,000 traders
 *   npm run bench:report -- --traders 5000  # smaller
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DEFAULT_PARAMS, runAnalysis } from '../src/analysis/run';
import { buildRunReport } from '../src/accountability/report';
import { reportHtml } from '../src/accountability/report-html';
import { table } from '../src/cli/output';
import { runIngest } from '../src/ingest/ingest';
import { planIngest } from '../src/ingest/plan';
import { SqliteGraphStore } from '../src/store/sqlite/sqlite-store';
import { generateSynthetic } from '../src/synth/generate';

const ROOT = resolve(__dirname, '..', '..');
const GOAL_SECONDS = 30;

async function prepare(dir: string, traders: number): Promise<{ db: string; prepared: Record<string, number> }> {
  const db = join(dir, 'store.db');
  const prepared: Record<string, number> = {};
  if (existsSync(db)) return { db, prepared };
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  let t = Date.now();
  const synth = await generateSynthetic(join(dir, 'synth'), { traders, seed: 3 });
  prepared.synth = (Date.now() - t) / 1000;
  const store = new SqliteGraphStore(join(dir, 'building.db'));
  await store.migrate();
  t = Date.now();
  const ingest = await runIngest(store, await planIngest([synth.declarationsFile]), { rejectsPath: join(dir, 'rejects.csv'), phoneRegion: 'MA', defaultCurrency: 'MAD' });
  prepared.ingest = (Date.now() - t) / 1000;
  prepared.rows = ingest.accepted;
  t = Date.now();
  await runAnalysis(store, { ...DEFAULT_PARAMS, seed: 42 }, { storePath: join(dir, 'building.db') });
  prepared.analysis = (Date.now() - t) / 1000;
  await store.close();
  spawnSync('mv', [join(dir, 'building.db'), db]);
  for (const ext of ['-wal', '-shm']) rmSync(join(dir, `building.db${ext}`), { force: true });
  return { db, prepared };
}

/** In the child: the report and its page, timed, with the peak RSS. */
async function measure(db: string, out: string): Promise<void> {
  const store = new SqliteGraphStore(db, { readonly: true });
  const marks: Record<string, number> = {};
  let t = Date.now();
  let stage = 'open';
  const report = await buildRunReport(store, {
    capacity: 0.05, documentary: 0.05, seed: 42, phoneRegion: 'MA',
    onProgress: (s) => {
      if (s === stage) return;
      marks[stage] = (Date.now() - t) / 1000;
      t = Date.now();
      stage = s;
    },
  });
  marks[stage] = (Date.now() - t) / 1000;
  t = Date.now();
  writeFileSync(out, reportHtml(report));
  marks['HTML page'] = (Date.now() - t) / 1000;
  await store.close();
  process.stdout.write(`${JSON.stringify({ marks, items: report.biasAudit?.items ?? 0, maxRssMb: process.resourceUsage().maxRSS / 1024 })}\n`);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === '--measure') return measure(args[1]!, args[2]!);
  const traders = Number(args[args.indexOf('--traders') + 1] ?? 0) || 50_000;
  const dir = join(ROOT, 'bench-data', 'report', String(traders));
  const { db, prepared } = await prepare(dir, traders);
  if (Object.keys(prepared).length) {
    process.stdout.write(`prepared once: synth ${prepared.synth!.toFixed(1)} s, ingest of ${prepared.rows} rows ${prepared.ingest!.toFixed(1)} s, analysis ${prepared.analysis!.toFixed(1)} s\n`);
  }
  const started = Date.now();
  const child = spawnSync(process.execPath, [__filename, '--measure', db, join(dir, 'report.html')], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (child.status !== 0) throw new Error(`the report failed: ${child.stderr}`);
  const total = (Date.now() - started) / 1000;
  const r = JSON.parse(child.stdout.trim().split('\n').pop()!) as { marks: Record<string, number>; items: number; maxRssMb: number };
  const rows = (new SqliteGraphStore(db, { readonly: true })).countsSync().declarations;
  process.stdout.write(`\nrun report of a ${rows.toLocaleString('en-US')}-declaration store (bias audit of ${r.items.toLocaleString('en-US')} items, the last 90 days)\n`);
  process.stdout.write(`${table(['part', 'seconds'], [...Object.entries(r.marks).map(([k, v]) => [k, v.toFixed(2)]),
    ['total, process start to page written', total.toFixed(2)], [`goal`, `< ${GOAL_SECONDS}`], ['ratio to the goal', (total / GOAL_SECONDS).toFixed(2)],
    ['peak RSS (MB)', r.maxRssMb.toFixed(0)]])}\n`);
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
