/**
 * `customs-graph score | select | simulate`: scoring declarations against the current run,
 * choosing which to control under a capacity, and replaying a labelled history.
 */
import type { Command } from 'commander';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Config } from '../../config';
import { declarationKey, splitDeclarationKey } from '../../domain/declaration-key';
import { loadMapping } from '../../ingest/mapping';
import { checkWritable } from '../../ingest/rejects';
import type { GraphStore } from '../../store/graph-store';
import { withStore } from '../../store/open';
import { SqliteGraphStore } from '../../store/sqlite/sqlite-store';
import { generateSynthetic } from '../../synth/generate';
import type { FileScores, FileSelection } from '../../targeting/scoring-service';
import type { MonthResult } from '../../targeting/simulate';
import { positiveInt, share, withDb, withJson } from '../options';
import { emit, formatNumber, reasonText, RISK_LEGEND, table, writeCsv } from '../output';

// Scoring and the simulation are loaded by the commands that use them, not by every command.
const scoring = () => import('../../targeting/scoring-service.js');
const simulation = () => import('../../targeting/simulate.js');

/** Scores every declaration of a file; with `evaluate`, compares with the outcomes the file records. */
export async function scoreCommand(store: GraphStore, file: string, opts: { mapping?: string; evaluate?: boolean }, config: Config) {
  const { ScoringService, evaluateScores } = await scoring();
  const r: FileScores = await new ScoringService(store, config).scoreFile(file, opts.mapping ? loadMapping(opts.mapping) : undefined);
  return { ...r, evaluation: opts.evaluate ? evaluateScores(r.scored) : undefined };
}

export function printScores(r: Awaited<ReturnType<typeof scoreCommand>>, limit = 20): string {
  const top = [...r.scored].sort((a, b) => b.risk - a.risk).slice(0, limit);
  let out = `${table(['declaration item', 'risk', 'top reasons'], top.map((s) => [
    declarationKey(s.declarationId, s.itemNo), s.risk.toFixed(3), s.reasons.slice(0, 3).map(reasonText).join(', '),
  ]))}\n${RISK_LEGEND}\n\n${formatNumber(r.scored.length)} declaration items scored against run ${r.run}, ${r.rejected} rejected` +
    (r.scored.length > top.length ? ` (the ${top.length} riskiest shown)` : '');
  if (r.evaluation) out += `\n${table(['measure', 'value'], Object.entries(r.evaluation).map(([k, v]) => [k, Number.isInteger(v) ? v : v.toFixed(3)]))}`;
  return out;
}

export async function selectCommand(
  store: GraphStore, file: string, opts: { capacity: number; documentary: number; exploration: number; seed: number; mapping?: string }, config: Config,
): Promise<FileSelection> {
  const { ScoringService } = await scoring();
  return new ScoringService(store, config).selectFile(file, opts.mapping ? loadMapping(opts.mapping) : undefined, opts);
}

export function printSelection(r: FileSelection): string {
  // Channels are per declaration: count declarations (an item carries its declaration's channel).
  const count = (c: string) => new Set(r.selections.filter((s) => s.channel === c).map((s) => splitDeclarationKey(s.key)[0])).size;
  const red = r.selections.filter((s) => s.channel === 'red').sort((a, b) => b.risk - a.risk);
  return [
    `${r.declarations} declarations (${r.items} items) against run ${r.run}: ${count('red')} red (physical; ${r.slots.exploration} of them exploration), ` +
      `${count('orange')} orange (documentary), ${count('green')} green; ${r.rejected} rejected. Slots are floor(n declarations × share); a declaration's items share its channel.`,
    '',
    table(['declaration', 'channel', 'risk', 'why'], red.slice(0, 40).map((s) => [
      s.key, s.channel, s.risk.toFixed(3), s.why === 'exploration' ? 'exploration (random, outside the top-risk set)' : s.reasons.slice(0, 3).map((x) => x.name).join(', '),
    ])),
  ].join('\n');
}

export interface SimulateCommandOptions {
  data?: string[];
  labels?: string;
  mapping?: string;
  months: number;
  capacity: number;
  exploration: number;
  seed: number;
  traders: number;
  /** Months of synthetic history before the simulated ones. */
  history: number;
  quiet?: boolean;
}

export async function simulateCommand(opts: SimulateCommandOptions, config: Config): Promise<MonthResult[]> {
  const work = mkdtempSync(join(tmpdir(), 'cg-simulate-'));
  try {
    let files = opts.data ?? [];
    let labels = opts.labels;
    if (files.length === 0) {
      // Synthetic data with some months of history before the simulated ones.
      const synth = await generateSynthetic(join(work, 'synth'), { traders: opts.traders, seed: opts.seed, months: opts.months + opts.history });
      files = [synth.declarationsFile];
      labels = synth.labelsFile;
    }
    const { readAll, readLabels, labelsFromOutcomes, simulate } = await simulation();
    const all = await readAll(files, opts.mapping ? loadMapping(opts.mapping) : undefined, config.defaultCurrency);
    const truth = labels ? await readLabels(labels) : labelsFromOutcomes(all);
    const store = new SqliteGraphStore(join(work, 'simulation.db'));
    await store.migrate();
    try {
      return await simulate(store, all, truth, {
        capacity: opts.capacity, exploration: opts.exploration, seed: opts.seed, months: opts.months,
        phoneRegion: config.phoneRegion, defaultCurrency: config.defaultCurrency,
        onMonth: (m) => { if (!opts.quiet) process.stderr.write(`simulate: ${m.month} model ${m.model.precision.toFixed(3)} random ${m.random.precision.toFixed(3)} rules ${m.rules.precision.toFixed(3)}\n`); },
      });
    } finally {
      await store.close();
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

export function printSimulation(months: MonthResult[]): string {
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  const rows = months.map((m) => [
    m.month, m.declarations, m.frauds, m.slots, m.model.precision.toFixed(3), pct(m.model.revenue),
    `${m.model.explorationFrauds}/${m.model.explorationPicks}`, m.random.precision.toFixed(3), pct(m.random.revenue),
    m.rules.precision.toFixed(3), pct(m.rules.revenue),
  ]);
  const last = months.slice(-3);
  const mean = (f: (m: MonthResult) => number) => last.reduce((a, m) => a + f(m), 0) / Math.max(1, last.length);
  const [pm, pr, pu] = [mean((m) => m.model.precision), mean((m) => m.random.precision), mean((m) => m.rules.precision)];
  // A quarter only when there are three months to call one.
  const period = last.length === 3 ? 'last quarter' : last.length === 1 ? 'the month' : `last ${last.length} months`;
  return [
    table(['month', 'declarations', 'frauds', 'controlled', 'model precision', 'model: share of fraud value caught', 'exploration frauds',
      'random precision', 'random: share of value', 'rules precision', 'rules: share of value'], rows),
    '',
    `${period}: model precision ${pm.toFixed(3)} = ${(pm / Math.max(1e-9, pr)).toFixed(1)}× random (${pr.toFixed(3)}), rules ${pu.toFixed(3)}`,
    'precision: share of the controlled declarations that were fraud; share of fraud value caught: the fraud value of the controlled over all fraud value of the month',
  ].join('\n');
}

export function registerTargeting(program: Command, config: Config): void {
  withJson(withDb(program
    .command('score')
    .description('score every declaration of a file against the current run')
    .argument('<file>', 'declarations (CSV or NDJSON)')
    .option('--mapping <file>', 'column mapping JSON')
    .option('--evaluate', 'compare the scores with the outcomes the file records (precision at 5% and 10%, AUC)')
    .option('--limit <n>', 'how many of the riskiest to print', positiveInt, 20)
    .option('--out <file>', 'write every item\'s score and reasons as CSV'), config))
    .action(async (file: string, opts) => {
      if (opts.out) checkWritable(opts.out, 'the output file');
      const r = await withStore(opts.db, (store) => scoreCommand(store, file, opts, config), { mustExist: true });
      if (opts.out) await writeCsv(opts.out, ['declaration_id', 'item_no', 'risk', 'reasons'], r.scored.map((s) => [s.declarationId, s.itemNo, s.risk, s.reasons.map(reasonText).join('; ')]));
      emit(opts.json, r, (x) => printScores(x, opts.limit) + (opts.out ? `\nall scores written to ${opts.out}` : ''));
    });

  withJson(withDb(program
    .command('select')
    .description('choose which declarations of a file to control under a capacity (red physical, orange documentary, green release)')
    .argument('<file>', 'declarations (CSV or NDJSON)')
    .requiredOption('--capacity <share>', 'share of declarations for physical control, e.g. 5%', share)
    .option('--documentary <share>', 'share for documentary control, e.g. 10%', share, 0)
    .option('--exploration <share>', 'share of the physical slots drawn at random outside the top-risk set', share, 0.1)
    .option('--seed <n>', 'random seed for exploration', positiveInt, 42)
    .option('--mapping <file>', 'column mapping JSON')
    .option('--out <file>', 'write every item\'s channel, risk, why and reasons as CSV, for the clearance system'), config))
    .action(async (file: string, opts) => {
      if (opts.out) checkWritable(opts.out, 'the output file');
      const r = await withStore(opts.db, (store) => selectCommand(store, file, opts, config), { mustExist: true });
      if (opts.out) {
        await writeCsv(opts.out, ['declaration_id', 'item_no', 'channel', 'risk', 'why', 'reasons'], r.selections.map((s) => {
          const [id, item] = splitDeclarationKey(s.key);
          return [id, item, s.channel, s.risk, s.why, s.reasons.map(reasonText).join('; ')];
        }));
      }
      emit(opts.json, r, (x) => printSelection(x) + (opts.out ? `\nevery channel written to ${opts.out}` : ''));
    });

  withJson(program
    .command('simulate')
    .description('replay a labelled history month by month under a capacity, against random and rules baselines')
    .option('--months <n>', 'months to simulate (the last ones of the data)', positiveInt, 12)
    .option('--capacity <share>', 'share of declarations for physical control', share, 0.05)
    .option('--exploration <share>', 'share of the physical slots for exploration', share, 0.1)
    .option('--data <files...>', 'labelled declarations (default: synthetic data)')
    .option('--labels <file>', 'ground truth: declaration_id,item_no,fraud,fraud_value (default: the recorded outcomes)')
    .option('--mapping <file>', 'column mapping JSON for --data')
    .option('--traders <n>', 'traders in the synthetic data', positiveInt, 2000)
    .option('--history <n>', 'months of synthetic history before the simulated ones', positiveInt, 3)
    .option('--seed <n>', 'random seed', positiveInt, 42))
    .action(async (opts) => emit(opts.json, await simulateCommand({ ...opts, quiet: opts.json }, config), printSimulation));
}
