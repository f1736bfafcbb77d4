/**
 * Continuous-flow benchmark: the clearance system lodges declarations through the API at a steady
 * rate (batches of 10) for a while; an API server and two workers run as their own processes on a
 * redis-server of the bench's own (append-only, as production), over one embedded store that holds
 * an analysed history. Prints the latency of lodgeDeclarations, the lag from lodging to storing,
 * and whether every declaration was stored once, as lodged (counts and content hashes).
 *
 *   npm run bench:flow                           # 500 declarations/s for 60 s
 *   npm run bench:flow -- --rate 200 --seconds 20
 */
import { QueueEvents } from 'bullmq';
import Database from 'better-sqlite3';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DEFAULT_PARAMS, runAnalysis } from '../src/analysis/run';
import { table } from '../src/cli/output';
import { freePort, waitForLine } from './processes';
import { runIngest } from '../src/ingest/ingest';
import { planIngest } from '../src/ingest/plan';
import { QUEUE_PREFIX } from '../src/jobs/bullmq';
import { SqliteGraphStore } from '../src/store/sqlite/sqlite-store';
import { generateSynthetic } from '../src/synth/generate';

const ROOT = resolve(__dirname, '..', '..');
const CLI = join(ROOT, 'bin', 'customs-graph.js');
const BATCH = 10;
const KEY = 'bench-clearance-key';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(p * s.length))]! : NaN;
};

/** A declaration of the flow: a few thousand traders and suppliers, values that say which one it is. */
const declaration = (n: number) => ({
  declarationId: `FLOW-${n}`, lodgedAt: '2025-12-30', traderId: `TFL${n % 2000}`, traderName: `Flow Trader ${n % 2000}`, originCountry: ['CN', 'TR', 'ES', 'IN'][n % 4],
  hsCode: ['610910', '870899', '850440', '392690'][n % 4], declaredValue: 1000 + n, supplierId: `SFL${n % 700}`, supplierName: `Flow Supplier ${n % 700}`,
  brokerId: `BFL${n % 40}`, brokerName: `Broker ${n % 40}`,
});

const contentHash = (rows: Array<[string, number]>) => createHash('sha256').update(rows.sort((a, b) => (a[0] < b[0] ? -1 : 1)).map((r) => r.join('|')).join('\n')).digest('hex').slice(0, 16);

async function main(): Promise<void> {
  const rate = arg('rate', 500);
  const seconds = arg('seconds', 60);
  const work = mkdtempSync(join(tmpdir(), 'cg-bench-flow-'));
  const procs: ChildProcess[] = [];
  try {
    // An analysed history to channel against.
    const db = join(work, 'store.db');
    const synth = await generateSynthetic(join(work, 'synth'), { traders: 1000, seed: 17 });
    const store = new SqliteGraphStore(db);
    await store.migrate();
    await runIngest(store, await planIngest([synth.declarationsFile]), { rejectsPath: join(work, 'rejects.csv'), phoneRegion: 'MA', defaultCurrency: 'MAD' });
    await runAnalysis(store, { ...DEFAULT_PARAMS, seed: 42 });
    await store.close();

    const redisPort = await freePort();
    mkdirSync(join(work, 'redis'));
    const redis = spawn('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'yes', '--appendfsync', 'everysec',
      '--dir', join(work, 'redis'), '--maxmemory-policy', 'noeviction'], { stdio: ['ignore', 'pipe', 'ignore'] });
    procs.push(redis);
    await waitForLine(redis, 'Ready to accept connections');
    const redisUrl = `redis://127.0.0.1:${redisPort}`;
    const env = { ...process.env, REDIS_URL: redisUrl, LOG_LEVEL: 'warn', CUSTOMS_GRAPH_API_KEYS: `clearance:${KEY}` };
    const apiPort = await freePort();
    const api = spawn(process.execPath, [CLI, 'serve', '--db', db, '--port', String(apiPort)], { env, stdio: ['ignore', 'pipe', 'inherit'] });
    procs.push(api);
    await waitForLine(api, 'customs-graph API at');
    for (let i = 0; i < 2; i++) {
      const w = spawn(process.execPath, [CLI, 'worker', '--queues', 'ingest', '--db', db], { env, stdio: ['ignore', 'pipe', 'inherit'] });
      procs.push(w);
      await waitForLine(w, 'worker ready');
    }
    // Lag as the service measures it (stored − lodged, in the job's result), read from the queue's events.
    const lags: number[] = [];
    const events = new QueueEvents('ingest', { connection: { host: '127.0.0.1', port: redisPort }, prefix: QUEUE_PREFIX });
    events.on('completed', ({ returnvalue }) => {
      const lag = (typeof returnvalue === 'string' ? JSON.parse(returnvalue) : returnvalue as { lagMs?: number })?.lagMs;
      if (typeof lag === 'number') lags.push(lag);
    });
    await events.waitUntilReady();

    const url = `http://127.0.0.1:${apiPort}/graphql`;
    const query = 'mutation($i: [DeclarationInput!]!, $k: String) { lodgeDeclarations(inputs: $i, capacity: 0.05, documentary: 0.05, idempotencyKey: $k) { job { id } } }';
    const latencies: number[] = [];
    let errors = 0;
    const inFlight: Array<Promise<void>> = [];
    const interval = (1000 * BATCH) / rate;
    const batches = Math.round((rate * seconds) / BATCH);
    const t0 = performance.now();
    process.stderr.write(`lodging ${batches * BATCH} declarations at ${rate}/s for ${seconds} s (batches of ${BATCH})...\n`);
    // Open loop: each batch leaves at its time whatever the answers before it (a clearance system does not wait).
    for (let b = 0; b < batches; b++) {
      const due = t0 + b * interval;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const inputs = Array.from({ length: BATCH }, (_, k) => declaration(b * BATCH + k));
      inFlight.push((async () => {
        const started = performance.now();
        const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` }, body: JSON.stringify({ query, variables: { i: inputs, k: `b${b}` } }) });
        const body = (await res.json()) as { errors?: unknown[] };
        latencies.push(performance.now() - started);
        if (body.errors) errors++;
      })());
    }
    await Promise.all(inFlight);
    const sendSeconds = (performance.now() - t0) / 1000;
    // Every batch stored (or a minute more at most).
    const expected = batches - errors;
    for (let i = 0; i < 600 && lags.length < expected; i++) await new Promise((r) => setTimeout(r, 100));
    await events.close();

    const check = new Database(db, { readonly: true });
    const rows = check.prepare("SELECT declaration_id, declared_value FROM declarations WHERE declaration_id LIKE 'FLOW-%'").raw().all() as Array<[string, number]>;
    const keys = check.prepare("SELECT COUNT(DISTINCT declaration_id || '/' || item_no) FROM declarations WHERE declaration_id LIKE 'FLOW-%'").pluck().get() as number;
    check.close();
    const lodged = Array.from({ length: batches * BATCH }, (_, n) => [`FLOW-${n}`, 1000 + n] as [string, number]);
    const same = contentHash(rows) === contentHash(lodged);

    process.stdout.write(`\ncontinuous flow: API server + 2 workers (own processes), redis-server ${redisPort} (append-only), one embedded store with an analysed history of 1,000 traders\n`);
    process.stdout.write(`${table(['measure', 'figure', 'goal'], [
      ['declarations lodged', `${batches * BATCH} in ${sendSeconds.toFixed(1)} s (${Math.round((batches * BATCH) / sendSeconds)}/s)`, `${rate}/s for ${seconds} s`],
      ['lodgeDeclarations latency (batch of 10)', `p50 ${pct(latencies, 0.5).toFixed(1)} ms · p99 ${pct(latencies, 0.99).toFixed(1)} ms · max ${Math.max(...latencies).toFixed(1)} ms`, 'p99 < 50 ms'],
      ['lag, lodged → stored', `p50 ${pct(lags, 0.5)} ms · p99 ${pct(lags, 0.99)} ms · max ${Math.max(...lags)} ms (${lags.length} batches)`, '< 5,000 ms each'],
      ['refused requests', String(errors), '0'],
      ['stored', `${rows.length} rows, ${keys} distinct items`, `${batches * BATCH}, each once`],
      ['content hash (id|value), stored vs lodged', same ? 'equal' : 'DIFFERENT', 'equal'],
    ])}\n`);
  } finally {
    for (const p of procs.reverse()) p.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 500));
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
