/**
 * Alerts benchmark, three figures:
 *  1. the alert pass of a run at the analysis benchmark's scale (about 1M entities, 4M
 *     declarations): two runs with a day's changes between them (seizures recorded, watches set),
 *     the second's alert pass (prepared inside the run) and raise (after it is current), timed;
 *  2. the watchlist check at ingest: the same 1M-row file into a fresh store with and without a
 *     10,000-entry watchlist (100 of its phones in the file), twice each, alternating;
 *  3. a subscribed client (graphql-ws over a real socket) receiving an alert after its run became
 *     current (the run's finishedAt to the client's receipt), over several runs.
 *
 *   npm run bench:alerts                 # all three at scale 1
 *   npm run bench:alerts -- pass 0.1     # one part, at a tenth
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { DEFAULT_PARAMS, runAnalysis } from '../src/analysis/run';
import { KeyRing } from '../src/api/auth';
import { startServer } from '../src/api/server';
import { table } from '../src/cli/output';
import { generateSynthetic } from '../src/synth/generate';
import { runIngest } from '../src/ingest/ingest';
import { planIngest } from '../src/ingest/plan';
import { SqliteGraphStore } from '../src/store/sqlite/sqlite-store';
import { silentLogger } from '../src/util/logger';
import { Rng } from '../src/util/rng';
import { removeStoreFiles } from '../src/store/sqlite/connection';
import { buildAnalysisFixture } from './analysis-fixture';
import { machineReferenceSeconds } from './machine-reference';
import { cliJson } from './processes';

const ROOT = resolve(__dirname, '..', '..');
const DATA = join(ROOT, 'bench-data');


async function alertPass(scale: number): Promise<void> {
  const db = join(DATA, `alerts-${scale}.db`);
  if (!existsSync(db)) {
    const analysis = join(DATA, `analysis-${scale}.db`);
    if (existsSync(analysis) && !existsSync(`${analysis}-wal`)) copyFileSync(analysis, db);
    else {
      process.stderr.write(`building the benchmark store ${db} (once) ...\n`);
      buildAnalysisFixture(db, scale);
    }
  }
  let store = new SqliteGraphStore(db);
  await store.migrate();
  const hadRun = await store.currentRunId();
  await store.close();
  if (!hadRun) {
    process.stderr.write('first run (the baseline) ...\n');
    const first = cliJson(['analyze', '--db', db]);
    process.stderr.write(`  ${first.seconds.toFixed(0)} s\n`);
  }
  // A day's changes: 1/365 of the declarations added (traders buying from suppliers they never
  // had), 2,000 declarations found seized, 500 of the riskiest entities watched.
  store = new SqliteGraphStore(db);
  const rng = new Rng(Date.now() % 100_000);
  const span = (kind: string) => store.db.prepare('SELECT MIN(id) AS lo, MAX(id) AS hi FROM entities WHERE kind = ?').get(kind) as { lo: number; hi: number };
  const [traders, suppliers, routes] = [span('Trader'), span('Supplier'), span('Route')];
  const total = store.db.prepare('SELECT COUNT(*) FROM declarations').pluck().get() as number;
  const day = Math.round(total / 365);
  const addDecl = store.db.prepare(`INSERT INTO declarations (declaration_id, item_no, lodged_at, regime, trader_ref, supplier_ref, route_ref, origin_country,
    hs_code, quantity, declared_value, currency, outcome, declared) VALUES (?, 1, '2025-12-31', 'IM', ?, ?, ?, 'TR', '870899', 100, 6000, 'MAD', 'unknown', '[]')`);
  const pickIn = (s: { lo: number; hi: number }) => s.lo + Math.floor(rng.next() * (s.hi - s.lo + 1));
  const stamp = Date.now();
  store.db.transaction(() => {
    for (let i = 0; i < day; i++) addDecl.run(`DAY${stamp}-${i}`, pickIn(traders), pickIn(suppliers), pickIn(routes));
  })();
  const maxId = store.db.prepare('SELECT MAX(id) FROM declarations').pluck().get() as number;
  const pick = store.db.prepare('SELECT declaration_id AS id, item_no AS item FROM declarations WHERE id = ?');
  const seized: Array<{ key: string; outcome: 'seizure' }> = [];
  while (seized.length < 2000) {
    const r = pick.get(1 + Math.floor(rng.next() * maxId)) as { id: string; item: number } | undefined;
    if (r) seized.push({ key: `${r.id}/${r.item}`, outcome: 'seizure' });
  }
  await store.updateOutcomes(seized);
  const run = (await store.currentRunId())!;
  for (const s of await store.topEntities({ limit: 500 })) {
    await store.addWatch({ kind: 'entity', ref: s.entityId, who: 'bench', at: new Date().toISOString(), seen: { run, risk: s.risk, declarations: await store.countEntityDeclarations(s.entityId) } });
  }
  const before = await store.lastAlertId();
  await store.close();

  process.stderr.write('second run (compared with the first) ...\n');
  // The fixture's risks are low (its outcomes are sparse): thresholds at 0.05 so that crossings happen and are timed too.
  process.env.CUSTOMS_GRAPH_ALERT_THRESHOLDS = 'Trader=0.05,Supplier=0.05,Consignee=0.05,Broker=0.05,Carrier=0.05';
  const second = cliJson(['analyze', '--db', db]);
  delete process.env.CUSTOMS_GRAPH_ALERT_THRESHOLDS;
  store = new SqliteGraphStore(db, { readonly: true });
  const raised = await store.alertsAfter(before, 100_000);
  const byType = new Map<string, number>();
  for (const a of raised) byType.set(a.type, (byType.get(a.type) ?? 0) + 1);
  const counts = second.out.counts as Record<string, number>;
  await store.close();
  const prepare = second.out.timings.alerts as number;
  const raise = second.out.alertsRaiseMs as number;
  process.stdout.write(`\nalert pass of a run: ${counts.nodes?.toLocaleString('en-US')} entities, ${counts.edges?.toLocaleString('en-US')} links, ${counts.declarations?.toLocaleString('en-US')} declarations;\n`
    + `since the previous run: ${day.toLocaleString('en-US')} declarations added, 2,000 seizures recorded, 500 watches set; thresholds 0.05\n`);
  process.stdout.write(`${table(['measure', 'figure', 'goal'], [
    ['alert pass, inside the run (ms)', prepare, ''],
    ['raise, after the run is current (ms)', raise, ''],
    ['alerts after a run, in all (s)', ((prepare + raise) / 1000).toFixed(2), '< 10'],
    ['alerts raised', raised.length, ''],
    ...[...byType].sort().map(([t, n]) => [`  ${t}`, n, '']),
    ['whole run (s)', (second.out.timings.total / 1000).toFixed(1), ''],
    ['peak RSS of the run (MB)', Math.round(second.rssMb), ''],
  ])}\n`);
}

/** The 1M-row file of the ingest benchmark (generated once), and a watchlist of 10,000 phones, 100 of them in the file. */
async function watchlistOverhead(rows: number): Promise<void> {
  const dir = join(DATA, `ingest-${rows}`);
  const file = join(dir, 'declarations.csv');
  if (!existsSync(file)) {
    process.stderr.write(`generating ~${rows} rows in ${dir} ...\n`);
    await generateSynthetic(dir, { traders: Math.max(100, Math.round(rows / 21)), seed: 1 });
  }
  const header = readFileSync(file, 'utf8').slice(0, 4096).split('\n')[0]!.split(',');
  const phoneAt = header.indexOf('trader_phone');
  const phones = new Set<string>();
  const sample = readFileSync(file, 'utf8').slice(0, 4 << 20).split('\n').slice(1);
  for (const line of sample) {
    const p = line.split(',')[phoneAt];
    if (p && /^[+\d][\d\s-]{6,}$/.test(p)) phones.add(p);
    if (phones.size === 100) break;
  }
  const rng = new Rng(7);
  const wl = ['kind,key,reason,source,severity', ...[...phones].map((p) => `phone,${p},bench hit,bench,high`)];
  while (wl.length < 10_001) wl.push(`phone,+21260${String(Math.floor(rng.next() * 1e7)).padStart(7, '0')},bench,bench,medium`);
  const wlFile = join(dir, 'watchlist.csv');
  writeFileSync(wlFile, `${wl.join('\n')}\n`);
  const results: Record<'without' | 'with', Array<{ seconds: number; rate: number; alerts: number; rss: number }>> = { without: [], with: [] };
  for (const round of [1, 2]) {
    for (const mode of ['without', 'with'] as const) {
      const db = join(dir, `watch-${mode}.db`);
      removeStoreFiles(db);
      if (mode === 'with') cliJson(['ingest', '--watchlist', wlFile, '--db', db, '--rejects', join(dir, 'wl-rejects.csv')]);
      process.stderr.write(`round ${round}: ingest ${mode} the watchlist ...\n`);
      const r = cliJson(['ingest', file, '--db', db, '--rejects', join(dir, 'rejects.csv')]);
      results[mode].push({ seconds: r.out.seconds, rate: r.out.rowsPerSecond, alerts: r.out.alerts, rss: r.rssMb });
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;
  const tWithout = median(results.without.map((r) => r.seconds));
  const tWith = median(results.with.map((r) => r.seconds));
  process.stdout.write(`\nwatchlist check at ingest: ${rows.toLocaleString('en-US')} rows, a watchlist of 10,000 phones (100 in the file)\n`);
  process.stdout.write(`${table(['ingest', 'seconds (each round)', 'rows/s (each round)', 'alerts raised', 'peak RSS MB'], (['without', 'with'] as const).map((m) => [
    `${m} the watchlist`, results[m].map((r) => r.seconds.toFixed(1)).join(', '), results[m].map((r) => Math.round(r.rate).toLocaleString('en-US')).join(', '),
    results[m][0]!.alerts, Math.round(Math.max(...results[m].map((r) => r.rss))),
  ]))}\n`);
  process.stdout.write(`overhead of the check (median seconds): ${(((tWith - tWithout) / tWithout) * 100).toFixed(1)} % (goal < 10 %)\n`);
}

async function subscriptionLatency(runs: number): Promise<void> {
  const dir = join(DATA, 'alerts-push');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const synth = await generateSynthetic(join(dir, 'synth'), { traders: 2000, seed: 3 });
  const store = new SqliteGraphStore(join(dir, 'push.db'));
  await store.migrate();
  await runIngest(store, await planIngest([synth.declarationsFile]), { rejectsPath: join(dir, 'rejects.csv'), phoneRegion: 'MA', defaultCurrency: 'MAD' });
  await runAnalysis(store, { ...DEFAULT_PARAMS, seed: 42 });
  const server = await startServer({
    store, keys: KeyRing.fromEnv('investigator:bench-key'), config: { dbPath: store.path, phoneRegion: 'MA', defaultCurrency: 'MAD' }, logger: silentLogger, port: 0,
  });
  const client = createClient({ url: server.url.replace('http://', 'ws://'), webSocketImpl: WebSocket, connectionParams: { apiKey: 'bench-key' } });
  const received = new Map<string, number>();
  client.subscribe({ query: 'subscription { alertRaised { id run } }' }, {
    next: (r) => {
      const run = String((r.data as { alertRaised: { run: string } }).alertRaised.run);
      if (!received.has(run)) received.set(run, Date.now());
    },
    error: (e) => { throw e; }, complete: () => undefined,
  });
  await new Promise((r) => setTimeout(r, 500));
  const latencies: number[] = [];
  const top = await store.topEntities({ limit: runs });
  for (let i = 0; i < runs; i++) {
    // A watch whose snapshot the next run will not match: that run raises its alert.
    const current = (await store.currentRunId())!;
    await store.addWatch({ kind: 'entity', ref: top[i]!.entityId, who: 'env-1-investigator', at: new Date().toISOString(), seen: { run: current, risk: -1, declarations: -1 } });
    // The run in another process, as a worker's: the server hears of its alerts through the store.
    const s = cliJson(['analyze', '--db', store.path]).out as { runId: string };
    const finished = Date.parse((await store.currentRun())!.finishedAt!);
    const key = `AnalysisRun:${s.runId}`;
    for (let k = 0; k < 100 && !received.has(key); k++) await new Promise((r) => setTimeout(r, 20));
    latencies.push(received.has(key) ? received.get(key)! - finished : Number.NaN);
  }
  await client.dispose();
  await server.close();
  await store.close();
  const sorted = [...latencies].sort((a, b) => a - b);
  process.stdout.write(`\nalert pushed to a subscribed client (graphql-ws, 127.0.0.1) after its run became current, ${runs} runs of a 2,000-trader store\n`);
  process.stdout.write(`${table(['measure', 'ms', 'goal'], [
    ['each run', latencies.map((l) => Math.round(l)).join(', '), ''],
    ['median', Math.round(sorted[Math.floor((sorted.length - 1) / 2)]!), ''],
    ['max', Math.round(sorted[sorted.length - 1]!), '< 1,000'],
  ])}\n`);
}

async function main(): Promise<void> {
  const part = ['pass', 'watchlist', 'push'].includes(process.argv[2] ?? '') ? process.argv[2] : undefined;
  const scale = Number((part ? process.argv[3] : process.argv[2]) ?? 1);
  mkdirSync(DATA, { recursive: true });
  const reference = machineReferenceSeconds();
  if (!part || part === 'push') await subscriptionLatency(8);
  if (!part || part === 'pass') await alertPass(scale);
  if (!part || part === 'watchlist') await watchlistOverhead(Math.round(1_000_000 * scale));
  process.stdout.write(`\nmachine reference (bench/machine-reference.ts) before and after: ${reference.toFixed(2)} s, ${machineReferenceSeconds().toFixed(2)} s\n`);
}

main().catch((err) => {
  process.stderr.write(`${err.stack ?? err}\n`);
  process.exit(1);
});
