/**
 * API benchmark over real HTTP on 127.0.0.1: a store of about 1M declarations with a current run,
 * `customs-graph serve` in its own process, and autocannon as the load generator.
 *
 *   npm run bench:api             # ~1M declarations (built once under bench-data/)
 *   npm run bench:api -- 100000   # a smaller store
 */
import autocannon from 'autocannon';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { table } from '../src/cli/output';
import { generateSynthetic } from '../src/synth/generate';

const ROOT = resolve(__dirname, '..', '..');
const CLI = join(ROOT, 'bin', 'customs-graph.js');
const DATA = join(ROOT, 'bench-data');
const KEYS = 'scorer:bench-scorer,investigator:bench-investigator';

function cli(args: string[], env: NodeJS.ProcessEnv = {}): string {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`customs-graph ${args[0]} failed: ${r.stderr}`);
  return r.stdout;
}

async function freePort(): Promise<number> {
  return new Promise((res) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => res(port));
    });
  });
}

async function load(opts: { url: string; key: string; body: string; connections: number; duration?: number; amount?: number }) {
  return autocannon({
    url: opts.url, method: 'POST', connections: opts.connections, ...(opts.amount ? { amount: opts.amount } : { duration: opts.duration ?? 10 }),
    headers: { 'content-type': 'application/json', authorization: `Bearer ${opts.key}` }, body: opts.body,
  });
}

async function main(): Promise<void> {
  const rows = Number(process.argv[2] ?? 1_000_000);
  mkdirSync(DATA, { recursive: true });
  const dir = join(DATA, `api-${rows}`);
  const db = join(dir, 'api.db');
  if (!existsSync(db)) {
    process.stderr.write(`building ${db}: synth, ingest, analyze (once) ...\n`);
    const synth = await generateSynthetic(dir, { traders: Math.max(100, Math.round(rows / 21)), seed: 3 });
    cli(['ingest', synth.declarationsFile, '--watchlist', synth.watchlistFile, '--db', db, '--rejects', join(dir, 'rejects.csv'), '--json']);
    cli(['analyze', '--db', db, '--json']);
  }
  const d = new Database(db, { readonly: true });
  const declarations = (d.prepare('SELECT COUNT(*) FROM declarations').pluck().get() as number);
  const hub = d.prepare(`SELECT carrier_ref FROM declarations WHERE carrier_ref IS NOT NULL GROUP BY carrier_ref ORDER BY COUNT(*) DESC LIMIT 1`).pluck().get() as number;
  const sample = d.prepare(`SELECT declared FROM declarations ORDER BY id DESC LIMIT 1000`).pluck().all() as string[];
  const traderIds = sample.map((s) => (JSON.parse(s) as unknown[])[0] as string);
  d.close();
  const decl = (i: number) => ({
    declarationId: `BENCH-${i}`, lodgedAt: '2026-01-15', traderId: traderIds[i % traderIds.length], originCountry: 'CN', hsCode: '610910',
    declaredValue: 12000 + i, quantity: 400, supplierId: 'CNSUP000001', brokerId: 'BRK1001', carrierId: 'CAR-MSC',
  });

  const port = await freePort();
  const server = spawn(process.execPath, [CLI, 'serve', '--db', db, '--port', String(port)], {
    env: { ...process.env, CUSTOMS_GRAPH_API_KEYS: KEYS, NODE_ENV: 'production', LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((res) => server.stdout!.on('data', (b: Buffer) => { if (b.toString().includes('API at')) res(); }));
  const url = `http://127.0.0.1:${port}/graphql`;
  try {
    const one = JSON.stringify({ query: 'query($i: DeclarationInput!) { scoreDeclaration(input: $i) { risk reasons { name contribution } } }', variables: { i: decl(1) } });
    const batch = JSON.stringify({ query: 'query($i: [DeclarationInput!]!) { scoreDeclarations(inputs: $i) { risk } }', variables: { i: Array.from({ length: 1000 }, (_, i) => decl(i)) } });
    const hood = JSON.stringify({ query: `{ neighborhood(id: "${hub}", hops: 2, limit: 500) { nodes { id kind } edges { source target type } truncated } }` });
    // Warm up: the first scoring request loads the scorer for the current run.
    const warm = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer bench-scorer' }, body: one });
    const warmed = (await warm.json()) as { errors?: unknown };
    if (warmed.errors) throw new Error(`scoring failed: ${JSON.stringify(warmed.errors)}`);
    await load({ url, key: 'bench-scorer', body: one, connections: 4, duration: 2 });

    process.stderr.write('scoreDeclaration, 10 connections, 10 s ...\n');
    const a = await load({ url, key: 'bench-scorer', body: one, connections: 10, duration: 10 });
    process.stderr.write('scoreDeclarations with 1,000 inputs, one at a time, 30 requests ...\n');
    const b = await load({ url, key: 'bench-scorer', body: batch, connections: 1, amount: 30 });
    process.stderr.write('2-hop neighborhood of the busiest carrier capped at 500 nodes, 2 connections, 10 s ...\n');
    const c = await load({ url, key: 'bench-investigator', body: hood, connections: 2, duration: 10 });
    process.stderr.write('the same, 10 connections (saturated: latency is mostly queueing) ...\n');
    const c10 = await load({ url, key: 'bench-investigator', body: hood, connections: 10, duration: 10 });
    const hoodAnswer = (await (await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer bench-investigator' }, body: hood })).json()) as { data: { neighborhood: { nodes: unknown[]; truncated: boolean } } };

    const errs = (r: autocannon.Result) => r.errors + r.non2xx;
    process.stdout.write(`\nstore: ${declarations.toLocaleString('en-US')} declaration items, current run; server: customs-graph serve (one process), NODE_ENV=production\n`);
    const hoodName = `neighborhood 2 hops, hub (${hoodAnswer.data.neighborhood.nodes.length} nodes${hoodAnswer.data.neighborhood.truncated ? ', truncated' : ''})`;
    process.stdout.write(`${table(['request', 'connections', 'requests/s', 'p50 ms', 'p99 ms', 'max ms', 'errors', 'goal'], [
      ['scoreDeclaration', 10, Math.round(a.requests.average), a.latency.p50, a.latency.p99, a.latency.max, errs(a), 'p99 < 10 ms, >= 2,000/s'],
      ['scoreDeclarations (1,000)', 1, b.requests.average.toFixed(1), b.latency.p50, b.latency.p99, b.latency.max, errs(b), '< 100 ms'],
      [hoodName, 2, Math.round(c.requests.average), c.latency.p50, c.latency.p99, c.latency.max, errs(c), 'p99 < 50 ms'],
      [hoodName, 10, Math.round(c10.requests.average), c10.latency.p50, c10.latency.p99, c10.latency.max, errs(c10), ''],
    ])}\n`);
  } finally {
    server.kill('SIGTERM');
  }
}

main().catch((err) => {
  process.stderr.write(`${err.stack ?? err}\n`);
  process.exit(1);
});
