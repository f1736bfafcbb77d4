/**
 * The robustness grid: synthetic worlds whose knobs vary independently (how much of a ring's trade
 * is seized, how its members are tied, how many honest firms look like rings), several seeds per
 * cell, each generated, ingested, analysed and evaluated through the command line as a user would,
 * with the baselines of the same run. Used by `npm run eval:robustness` (the full grid) and by the
 * test suite (a small grid as a floor).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Evaluation } from '../src/analysis/evaluate';
import type { WorldKnobs } from '../src/synth/generate';

/** The package root, from the sources (bench/) or the build (dist/bench/). */
function packageRoot(): string {
  let dir = __dirname;
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}
const CLI = join(packageRoot(), 'bin', 'customs-graph.js');

/** A cell of the grid: the knobs that vary. */
export interface Cell {
  seizureShare: number;
  ties: 'chain' | 'clique' | 'mixed';
  lookalikes: number;
}

/** What every cell shares: the knobs held fixed, at settings that make every world hard. */
export const FIXED_KNOBS: WorldKnobs = {
  disguise: 0.05, rotate: true, honestSeizures: 0.02, fraudShare: 0.4, blend: 0.5, honestUndervaluation: 0.08,
};

export const FULL_GRID: Cell[] = [0.02, 0.06].flatMap((seizureShare) =>
  (['chain', 'clique'] as const).flatMap((ties) => [0.12, 0.25].map((lookalikes) => ({ seizureShare, ties, lookalikes }))));

export const SMALL_GRID: Cell[] = [0.02, 0.06].flatMap((seizureShare) => [0.12, 0.25].map((lookalikes) => ({ seizureShare, ties: 'chain' as const, lookalikes })));

export interface GridOptions {
  cells: Cell[];
  seeds: number[];
  traders: number;
  rings: number;
  /** Where the worlds and stores go; kept between runs (a world is generated and ingested once). */
  workDir: string;
  /** Analysis seed. */
  analysisSeed?: number;
  /** `analyze --weights`: auto (fitted when the outcomes back them) or defaults. */
  weights?: 'auto' | 'defaults';
  /** Worlds analysed at once. */
  parallel?: number;
  onResult?: (cell: Cell, seed: number, e: Evaluation) => void;
}

export interface CellResult {
  cell: Cell;
  runs: Array<{ seed: number; evaluation: Evaluation }>;
}

export function cellName(c: Cell): string {
  return `${Math.round(c.seizureShare * 100)}% ${c.ties} ${Math.round(c.lookalikes * 100)}%`;
}

function cli(args: string[], cwd: string): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolvePromise(out) : reject(new Error(`customs-graph ${args.join(' ')} exited ${code}: ${err.slice(-2000)}`))));
  });
}

/** One world: generated and ingested once (kept in workDir), analysed every time. */
async function evaluateWorld(cell: Cell, seed: number, opts: GridOptions): Promise<Evaluation> {
  const k = { ...FIXED_KNOBS, ...cell };
  const name = `s${cell.seizureShare}-${cell.ties}-l${cell.lookalikes}-d${k.disguise}-r${k.rotate ? 1 : 0}-h${k.honestSeizures}-f${k.fraudShare}-b${k.blend}-u${k.honestUndervaluation}-t${opts.traders}-n${opts.rings}-seed${seed}`;
  const dir = join(opts.workDir, name);
  const db = join(dir, 'store.db');
  if (!existsSync(join(dir, 'ready'))) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    await cli([
      'synth', '--out', 'world', '--traders', String(opts.traders), '--rings', String(opts.rings), '--seed', String(seed),
      '--seizure-share', String(k.seizureShare), '--ties', k.ties, '--lookalikes', String(k.lookalikes),
      '--disguise', String(k.disguise), ...(k.rotate ? ['--rotate'] : []), '--honest-seizures', String(k.honestSeizures),
      '--fraud-share', String(k.fraudShare), '--blend', String(k.blend), '--honest-undervaluation', String(k.honestUndervaluation), '--json',
    ], dir);
    await cli(['ingest', 'world/declarations.csv', '--watchlist', 'world/watchlist.csv', '--db', db, '--rejects', 'rejects.csv', '--json'], dir);
    mkdirSync(join(dir, 'ready'));
  }
  await cli(['analyze', '--db', db, '--seed', String(opts.analysisSeed ?? 42), '--weights', opts.weights ?? 'auto', '--keep-runs', '1', '--json'], dir);
  return JSON.parse(await cli(['evaluate', '--truth', 'world/truth.json', '--db', db, '--json'], dir)) as Evaluation;
}

export async function runGrid(opts: GridOptions): Promise<CellResult[]> {
  const tasks = opts.cells.flatMap((cell) => opts.seeds.map((seed) => ({ cell, seed })));
  const results = new Map<Cell, CellResult>(opts.cells.map((cell) => [cell, { cell, runs: [] }]));
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const { cell, seed } = tasks[next++]!;
      const evaluation = await evaluateWorld(cell, seed, opts);
      results.get(cell)!.runs.push({ seed, evaluation });
      opts.onResult?.(cell, seed, evaluation);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, opts.parallel ?? 1) }, worker));
  for (const r of results.values()) r.runs.sort((a, b) => a.seed - b.seed);
  return [...results.values()];
}

/** Mean over the seeds of a cell. */
export function mean(r: CellResult, pick: (e: Evaluation) => number): number {
  return r.runs.reduce((a, x) => a + pick(x.evaluation), 0) / Math.max(1, r.runs.length);
}
