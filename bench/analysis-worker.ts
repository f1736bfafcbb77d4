/**
 * The analysis worker at a country's scale, without Neo4j: an entity graph of 5M nodes and 50M
 * links (traders, their suppliers, brokers, carriers, routes, directors and identifiers, with
 * hubs) is generated once into a file under bench-data/, then read back and put through the graph
 * half of a run (weights, hubs, damped graph, components, Louvain, PageRank, rings) in a child
 * process whose time per stage and peak RSS are printed. The sizing in docs/scale.md rests on it.
 *
 *   npm run bench:analysis-worker                       # 5M nodes, 50M links
 *   npm run bench:analysis-worker -- 1000000 10000000   # smaller
 */
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DEFAULT_PARAMS } from '../src/analysis/run';
import { graphAlgorithms } from '../src/analysis/graph/graph-stage';
import { indexIds, REL_CODES, type EntityGraph } from '../src/analysis/graph/projection';
import { table } from '../src/cli/output';
import type { EntityKind } from '../src/domain/entities';
import { Rng } from '../src/util/rng';
import { machineReferenceSeconds } from './machine-reference';

const ROOT = resolve(__dirname, '..', '..');
const DATA = join(ROOT, 'bench-data');

/** Shares of the nodes by kind. */
const KINDS: Array<[EntityKind, number]> = [
  ['Trader', 0.4], ['Supplier', 0.15], ['Broker', 0.01], ['Carrier', 0.0002], ['Route', 0.01], ['Consignee', 0.02], ['Person', 0.08],
  ['Address', 0.12], ['Phone', 0.1], ['Email', 0.06], ['BankAccount', 0.0498],
];

const rel = (name: string) => REL_CODES.indexOf(name as (typeof REL_CODES)[number]);

/** Writes the graph file: n, m, kinds (u8), src (i32), dst (i32), rel (u8), count (f64). */
function generate(file: string, n: number, m: number): void {
  const rng = new Rng(7);
  const kinds = new Uint8Array(n);
  const ranges = new Map<EntityKind, [number, number]>();
  let at = 0;
  KINDS.forEach(([kind, share], k) => {
    const size = k === KINDS.length - 1 ? n - at : Math.max(1, Math.round(n * share));
    ranges.set(kind, [at, size]);
    kinds.fill(k, at, at + size);
    at += size;
  });
  // Counterparts drawn with a heavy head (a few giant suppliers, brokers, carriers, routes).
  const pick = (kind: EntityKind, skew: number) => {
    const [start, size] = ranges.get(kind)!;
    return start + Math.floor(size * rng.next() ** skew);
  };
  const uniform = (kind: EntityKind) => pick(kind, 1);
  const src = new Int32Array(m);
  const dst = new Int32Array(m);
  const rels = new Uint8Array(m);
  const count = new Float64Array(m);
  const [traderStart, traders] = ranges.get('Trader')!;
  let e = 0;
  const add = (a: number, b: number, r: string, c: number) => {
    if (e >= m) return;
    src[e] = a;
    dst[e] = b;
    rels[e] = rel(r);
    count[e] = c;
    e++;
  };
  // Identifier links first (about a sixth of the links), then declaration links until m.
  for (let t = traderStart; t < traderStart + traders && e < m / 6; t++) {
    add(t, uniform('Address'), 'AT_ADDRESS', 1);
    add(t, uniform('Phone'), 'HAS_PHONE', 1);
    if (rng.chance(0.5)) add(t, uniform('Email'), 'HAS_EMAIL', 1);
    if (rng.chance(0.5)) add(t, uniform('BankAccount'), 'HAS_ACCOUNT', 1);
    add(uniform('Person'), t, 'DIRECTS', 1);
  }
  const DECLARATION_RELS: Array<[EntityKind, string, number]> = [
    ['Supplier', 'SUPPLIED_BY', 2], ['Broker', 'DECLARED_BY', 3], ['Carrier', 'CARRIED_BY', 4], ['Route', 'ROUTED_VIA', 3], ['Consignee', 'CONSIGNED_TO', 1.5],
  ];
  while (e < m) {
    const t = traderStart + Math.floor(traders * rng.next());
    const [kind, type, skew] = DECLARATION_RELS[Math.floor(rng.next() * DECLARATION_RELS.length)]!;
    add(t, pick(kind, skew), type, 1 + Math.floor(20 * rng.next() ** 3));
  }
  const fd = openSync(file, 'w');
  writeSync(fd, new Uint8Array(new Float64Array([n, m]).buffer));
  for (const a of [kinds, src, dst, rels, count]) writeSync(fd, new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  closeSync(fd);
}

function load(file: string): EntityGraph {
  const buf = readFileSync(file);
  const [n, m] = new Float64Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + 16));
  let at = buf.byteOffset + 16;
  const take = <T>(make: (b: ArrayBuffer) => T, bytes: number): T => {
    const b = buf.buffer.slice(at, at + bytes);
    at += bytes;
    return make(b as ArrayBuffer);
  };
  const codes = take((b) => new Uint8Array(b), n!);
  const src = take((b) => new Int32Array(b), 4 * m!);
  const dst = take((b) => new Int32Array(b), 4 * m!);
  const rels = take((b) => new Uint8Array(b), m!);
  const count = take((b) => new Float64Array(b), 8 * m!);
  const ids = Array.from({ length: n! }, (_, i) => String(i + 1));
  const kinds = Array.from(codes, (c) => KINDS[c]![0]);
  return { n: n!, ids, kinds, index: indexIds(ids), m: m!, src, dst, rel: rels, count, value: new Float64Array(m!) };
}

function child(file: string): void {
  const t0 = Date.now();
  const g = load(file);
  const loadMs = Date.now() - t0;
  const r = graphAlgorithms(g, { ...DEFAULT_PARAMS, seed: 42 });
  process.stdout.write(JSON.stringify({
    loadMs, timings: r.timings, communities: r.communities, modularity: r.modularity, rings: r.rings.length, hubs: r.hub.reduce((a, b) => a + b, 0),
    maxRssMb: process.resourceUsage().maxRSS / 1024,
  }));
}

function main(): void {
  if (process.argv[2] === '--child') return child(process.argv[3]!);
  const n = Number(process.argv[2] ?? 5_000_000);
  const m = Number(process.argv[3] ?? 50_000_000);
  const reference = machineReferenceSeconds();
  mkdirSync(DATA, { recursive: true });
  const file = join(DATA, `worker-${n}-${m}.bin`);
  if (!existsSync(file)) {
    process.stderr.write(`generating ${n.toLocaleString('en')} nodes, ${m.toLocaleString('en')} links into ${file} (once) ...\n`);
    generate(file, n, m);
  }
  process.stderr.write('graph half of a run ...\n');
  const r = spawnSync(process.execPath, ['--max-old-space-size=16384', __filename, '--child', file], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`the worker failed: ${r.stderr.slice(-2000)}`);
  const out = JSON.parse(r.stdout) as { loadMs: number; timings: Record<string, number>; communities: number; modularity: number; rings: number; hubs: number; maxRssMb: number };
  const s = (ms: number) => (ms / 1000).toFixed(1);
  const rows = [
    ['read the graph file', s(out.loadMs)],
    ['weights, hubs, damped graph', s(out.timings.projection!)],
    ['components', s(out.timings.wcc!)],
    ['Louvain (seeded, large communities split)', s(out.timings.louvain!)],
    ['PageRank', s(out.timings.pagerank!)],
    ['rings', s(out.timings.rings!)],
    ['total', s(out.loadMs + Object.values(out.timings).reduce((a, b) => a + b, 0))],
    ['peak RSS (MB)', Math.round(out.maxRssMb)],
    ['communities / modularity', `${out.communities.toLocaleString('en')} / ${out.modularity.toFixed(3)}`],
    ['hubs left out / rings', `${out.hubs} / ${out.rings}`],
  ];
  process.stdout.write(`\nentity graph: ${n.toLocaleString('en')} nodes, ${m.toLocaleString('en')} links (generated, seed 7)\n`);
  process.stdout.write(`${table(['stage', 'seconds'], rows)}\n`);
  process.stdout.write(`machine reference (bench/machine-reference.ts): ${reference.toFixed(2)} s\n`);
}

main();
