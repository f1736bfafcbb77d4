/**
 * `npm run eval:robustness`: the model on worlds it was not tuned on. The full grid (seizure share
 * 2% and 6% × chained or clique ties × honest look-alikes 12% and 25%; disguised identifiers,
 * rotating brokers, honest traders with an occasional seizure and partial undervaluation in every
 * cell), three seeds per cell, 4,000 traders and 30 rings per world. For every cell: precision of
 * the top 100 and 200 traders without a seizure of their own, the two baselines of the same run
 * (random order; seized traders within two hops), and ring recovery (planted rings with at least
 * half their members in one of the top 30 candidate rings). Means over the seeds, the worst seed
 * beside them.
 *
 *   npm run eval:robustness                         # the full grid
 *   npm run eval:robustness -- --small --traders 1500 --seeds 1
 *   npm run eval:robustness -- --json
 *
 * Worlds are generated and ingested once into bench-data/robustness/ and re-analysed on later runs.
 */
import { Command } from 'commander';
import { join, resolve } from 'node:path';
import { table } from '../src/cli/output';
import { positiveInt } from '../src/cli/options';
import { cellName, FIXED_KNOBS, FULL_GRID, mean, runGrid, SMALL_GRID, type CellResult } from './robustness-grid';

const ROOT = resolve(__dirname, '..', '..');

function rows(results: CellResult[]): string[][] {
  const f = (x: number) => x.toFixed(2);
  const worst = (r: CellResult, pick: (e: CellResult['runs'][number]['evaluation']) => number) => Math.min(...r.runs.map((x) => pick(x.evaluation)));
  return results.map((r) => [
    cellName(r.cell),
    `${f(mean(r, (e) => e.precision['@100']!.model))} (${f(worst(r, (e) => e.precision['@100']!.model))})`,
    f(mean(r, (e) => e.precision['@100']!.twoHop)),
    f(mean(r, (e) => e.precision['@100']!.random)),
    `${f(mean(r, (e) => e.precision['@200']!.model))} (${f(worst(r, (e) => e.precision['@200']!.model))})`,
    f(mean(r, (e) => e.precision['@200']!.twoHop)),
    `${Math.round(100 * mean(r, (e) => e.ringRecall))}% (${Math.round(100 * worst(r, (e) => e.ringRecall))}%)`,
    String(Math.round(mean(r, (e) => e.ringMembersWithoutSeizure))),
  ]);
}

async function main(): Promise<void> {
  const opts = new Command()
    .option('--small', 'the 2×2 grid of the test suite (chained ties only)')
    .option('--traders <n>', 'traders per world', positiveInt, 4000)
    .option('--rings <n>', 'planted rings per world', positiveInt, 30)
    .option('--seeds <n>', 'seeds per cell', positiveInt, 3)
    .option('--parallel <n>', 'worlds analysed at once', positiveInt, 1)
    .option('--weights <mode>', 'analyze --weights: auto (fitted when the outcomes back them) or defaults', 'auto')
    .option('--json', 'print the results as JSON')
    .parse()
    .opts<{ small?: boolean; traders: number; rings: number; seeds: number; parallel: number; weights: 'auto' | 'defaults'; json?: boolean }>();
  if (opts.weights !== 'auto' && opts.weights !== 'defaults') throw new Error('--weights must be auto or defaults');
  const cells = opts.small ? SMALL_GRID : FULL_GRID;
  const seeds = Array.from({ length: opts.seeds }, (_, i) => i + 1);
  const started = Date.now();
  process.stderr.write(`robustness grid: ${cells.length} cells × ${seeds.length} seeds, ${opts.traders} traders and ${opts.rings} rings per world, weights ${opts.weights}; fixed: ${JSON.stringify(FIXED_KNOBS)}\n`);
  const results = await runGrid({
    cells, seeds, traders: opts.traders, rings: opts.rings, workDir: join(ROOT, 'bench-data', 'robustness'), parallel: opts.parallel, weights: opts.weights,
    onResult: (cell, seed, e) => process.stderr.write(`  ${cellName(cell)} seed ${seed}: @100 ${e.precision['@100']!.model.toFixed(2)} (two-hop ${e.precision['@100']!.twoHop.toFixed(2)}), rings ${e.ringsFound}/${e.rings}\n`),
  });
  if (opts.json) {
    process.stdout.write(`${JSON.stringify(results.map((r) => ({ cell: r.cell, runs: r.runs.map((x) => ({ seed: x.seed, precision: x.evaluation.precision, ringRecall: x.evaluation.ringRecall, ringMembersWithoutSeizure: x.evaluation.ringMembersWithoutSeizure })) })), null, 2)}\n`);
    return;
  }
  process.stdout.write(`${table(
    ['seized ties look-alikes', 'model @100', '2-hop @100', 'random @100', 'model @200', '2-hop @200', 'rings found', 'unseized members'],
    rows(results),
  )}\n`);
  const floor = Math.min(...results.map((r) => mean(r, (e) => e.precision['@100']!.model)));
  const margin = Math.min(...results.map((r) => mean(r, (e) => e.precision['@100']!.model - e.precision['@100']!.twoHop)));
  const recovery = Math.min(...results.map((r) => mean(r, (e) => e.ringRecall)));
  process.stdout.write('precision of the top 100 / 200 traders without a seizure of their own (mean of the seeds, the worst seed in brackets);\n' +
    'rings found: planted rings with at least half their members in one of the top 30 candidate rings\n');
  process.stdout.write(`worst cell: precision@100 ${floor.toFixed(2)}, margin over two-hop ${margin.toFixed(2)}, ring recovery ${Math.round(recovery * 100)}%; ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
