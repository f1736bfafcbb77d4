/**
 * `customs-graph analyze | top | rings | evaluate`: running an analysis and reading what it found.
 * The analysis itself (graphology, worker threads) is loaded only by the commands that run it.
 */
import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import type { AnalysisSummary } from '../../analysis/run';
import type { EvaluationTruth } from '../../analysis/evaluate';
import type { Config } from '../../config';
import { parseKind, ENTITY_KINDS, type EntityKind } from '../../domain/entities';
import type { GraphStore } from '../../store/graph-store';
import { withStore } from '../../store/open';
import { UsageError } from '../../util/errors';
import { createProgress } from '../../util/progress';
import { requireRun, positiveInt, positiveNumber, withDb, withJson } from '../options';
import { clip, emit, formatNumber, reasonText, RISK_LEGEND, storeLine, table } from '../output';

const analysis = () => require('../../analysis/run') as typeof import('../../analysis/run');
const evaluation = () => require('../../analysis/evaluate') as typeof import('../../analysis/evaluate');

export async function analyzeCommand(
  store: GraphStore,
  opts: {
    seed: number; resolution: number; weights?: 'auto' | 'defaults'; quiet?: boolean; storePath?: string; graphThread?: boolean; keepRuns?: number; staleMs?: number;
    full?: boolean;
  },
): Promise<AnalysisSummary> {
  const progress = createProgress('analyze', !opts.quiet && process.stderr.isTTY === true);
  let current = '';
  const { runAnalysis, DEFAULT_PARAMS } = analysis();
  const summary = await runAnalysis(store, { ...DEFAULT_PARAMS, seed: opts.seed, resolution: opts.resolution, weights: opts.weights ?? 'auto' }, {
    storePath: opts.storePath, graphThread: opts.graphThread, keepRuns: opts.keepRuns, staleMs: opts.staleMs, full: opts.full,
    onStage: (s) => {
      current = s;
      if (!opts.quiet && !process.stderr.isTTY) process.stderr.write(`analyze: ${s}\n`);
      progress.update(0, 1, s);
    },
    onProgress: (s, done, total) => progress.update(total ? done : 0, total || 1, `${current} ${formatNumber(done)}`),
  });
  progress.stop();
  return summary;
}

export function printAnalysis(s: AnalysisSummary): string {
  const lines = [s.supersededBy
    ? `analysis run ${s.runId} is done but not current: run ${s.supersededBy}, begun after it, completed first (two runs of this store at once)`
    : `analysis run ${s.runId} is current`, ''];
  lines.push(table(['stage', 'ms'], Object.entries(s.timings).map(([k, v]) => [k, v])));
  lines.push('');
  lines.push(table(['count', 'value'], Object.entries(s.counts).map(([k, v]) => [k, v])));
  lines.push('');
  lines.push(`modularity ${s.modularity.toFixed(4)}; entity weights: ${s.weights.source}; declaration model: ${s.declarationModel.source}`);
  lines.push(readingLine(s.declarationReading));
  if (s.pruned.length) lines.push(`results of ${s.pruned.length} older run(s) pruned: ${s.pruned.join(', ')}`);
  if (!s.supersededBy) lines.push(s.alertsRaised ? `${s.alertsRaised} alert(s) raised against the previous run: customs-graph alerts --since ${new Date().toISOString().slice(0, 10)}` : 'no alert raised against the previous run');
  return lines.join('\n');
}

/** How a run read its declarations, for the operator. */
export function readingLine(r: AnalysisSummary['declarationReading']): string {
  const how = r.mode === 'incremental'
    ? `declarations: ${formatNumber(r.fromStore)} new or changed read from the store, ${formatNumber(r.fromCache)} from the analysis cache`
    : `declarations: all ${formatNumber(r.fromStore)} read from the store (${r.reason})`;
  return r.cacheNotWritten ? `${how}; no analysis cache written for the next run: ${r.cacheNotWritten}` : how;
}

export async function topCommand(store: GraphStore, opts: { kind?: EntityKind; limit: number }) {
  const scores = await store.topEntities({ kind: opts.kind, limit: opts.limit });
  const entities = new Map((await store.getEntities(scores.map((s) => s.entityId))).map((e) => [e.id, e]));
  return scores.map((s) => ({ ...s, key: entities.get(s.entityId)?.key, name: entities.get(s.entityId)?.name }));
}

export function printTop(rows: Awaited<ReturnType<typeof topCommand>>): string {
  return `${table(['risk', 'kind', 'key', 'name', 'seizures', 'top reasons'], rows.map((r) => [
    r.risk.toFixed(3), r.kind, clip(r.key ?? '', 20), clip(r.name ?? '', 28), r.seizures, r.signals.slice(0, 3).map(reasonText).join(', '),
  ]))}\n${RISK_LEGEND}`;
}

export async function ringsCommand(store: GraphStore, limit: number) {
  const rings = await store.topCommunities(limit);
  const ids = rings.flatMap((r) => r.members.slice(0, 5));
  const entities = new Map((await store.getEntities(ids)).map((e) => [e.id, e]));
  return rings.map((r) => ({ ...r, top: r.members.slice(0, 5).map((id) => entities.get(id)).filter((e) => e !== undefined) }));
}

/** Candidate rings; `currency` names the declared values (the configured currency of declarations that name none). */
export function printRings(rows: Awaited<ReturnType<typeof ringsCommand>>, currency: string): string {
  return table(['rank', 'risk', 'size', 'traders', 'known bad', `declared value (${currency})`, 'riskiest members'], rows.map((r) => [
    r.rank, r.risk.toFixed(3), r.size, r.byKind.Trader ?? 0, r.knownBad, Math.round(r.value),
    r.top.map((e) => `${e.kind} ${clip(e.name, 24)}`).join('; '),
  ]));
}

/** The planted truth to compare with, read before any store is opened: a wrong file is the first thing to say. */
export function readTruth(truthFile: string): EvaluationTruth {
  let truth: EvaluationTruth;
  try {
    truth = JSON.parse(readFileSync(truthFile, 'utf8')) as EvaluationTruth;
  } catch (err) {
    throw new UsageError(`--truth ${truthFile}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : 'not JSON'}: give the truth.json that customs-graph synth writes beside its declarations`);
  }
  if (!Array.isArray((truth as Partial<EvaluationTruth>).rings)) throw new UsageError(`--truth ${truthFile}: no "rings" list: give the truth.json that customs-graph synth writes`);
  return truth;
}

export async function evaluateCommand(store: GraphStore, truth: EvaluationTruth) {
  return evaluation().evaluateRun(store, truth);
}

export function printEvaluation(e: Awaited<ReturnType<typeof evaluateCommand>>): string {
  const lines = [
    `${formatNumber(e.traders)} traders scored; ${formatNumber(e.tradersWithoutSeizure)} without a seizure of their own, ` +
      `${formatNumber(e.ringMembersWithoutSeizure)} of them planted ring members`,
    '',
    'share of planted ring members among the riskiest traders without a seizure of their own:',
    table(['top', 'model', 'random', 'own history', 'seized within 2 hops'], Object.entries(e.precision).map(([k, p]) => [
      k, p.model.toFixed(3), p.random.toFixed(3), p.ownHistory.toFixed(3), p.twoHop.toFixed(3),
    ])),
    '',
    `ring recall: ${e.ringsFound} of ${e.rings} planted rings (${(e.ringRecall * 100).toFixed(1)}%) have at least half their members in one of the top ${e.topRingsConsidered} candidate rings (communities)`,
  ];
  return lines.join('\n');
}

export function registerAnalysis(program: Command, config: Config): void {
  withJson(withDb(program
    .command('analyze')
    .description('run community detection, link analysis and risk scoring; the new run becomes current when complete')
    .option('--seed <n>', 'random seed (same input and seed give the same results)', positiveInt, 42)
    .option('--resolution <r>', 'Louvain resolution (higher: smaller communities)', positiveNumber, 1)
    .option('--weights <mode>', 'auto (fit to recorded outcomes when there are enough) or defaults', 'auto')
    .option('--single-thread', 'keep the whole run on one thread (by default the graph algorithms run on a second thread while the declarations are scanned, one of the two personalized PageRanks beside the other, and the declaration model while entities are scored)')
    .option('--keep-runs <n>', 'keep the results of this many completed runs; older ones are pruned (CUSTOMS_GRAPH_KEEP_RUNS)', positiveInt, config.keepRuns)
    .option('--full', 'read every declaration from the store (by default the embedded store\'s analysis cache stands in for those unchanged since the last run; the results are the same)'), config))
    .action(async (opts) => {
      if (opts.weights !== 'auto' && opts.weights !== 'defaults') throw new UsageError('--weights must be auto or defaults');
      const summary = await withStore(opts.db, (store) => analyzeCommand(store, {
        seed: opts.seed, resolution: opts.resolution, weights: opts.weights, quiet: opts.json, storePath: opts.db, graphThread: !opts.singleThread,
        keepRuns: opts.keepRuns, staleMs: config.runStaleMs, full: opts.full === true,
      }), { mustExist: true });
      emit(opts.json, summary, printAnalysis);
    });

  withJson(withDb(program
    .command('top')
    .description('the highest-risk entities of the current run, with their top reasons')
    .option('--kind <kind>', 'entity kind (trader, supplier, broker, ...)')
    .option('--limit <n>', 'how many', positiveInt, 20), config))
    .action(async (opts) => {
      const kind = opts.kind ? parseKind(opts.kind) : undefined;
      if (opts.kind && !kind) throw new UsageError(`unknown kind: ${opts.kind} (known: ${ENTITY_KINDS.join(', ')})`);
      emit(opts.json, await withStore(opts.db, async (store) => topCommand(await requireRun(store, opts.db), { kind, limit: opts.limit }), { mustExist: true }), (rows) => `${storeLine(opts.db)}\n${printTop(rows)}`);
    });

  withJson(withDb(program
    .command('rings')
    .description('communities of the current run ranked as candidate fraud rings')
    .option('--limit <n>', 'how many', positiveInt, 20), config))
    .action(async (opts) => {
      emit(opts.json, await withStore(opts.db, async (store) => ringsCommand(await requireRun(store, opts.db), opts.limit), { mustExist: true }), (rows) => `${storeLine(opts.db)}\n${printRings(rows, config.defaultCurrency)}`);
    });

  withJson(withDb(program
    .command('evaluate')
    .description('compare the current run with planted ground truth (truth.json from synth)')
    .requiredOption('--truth <file>', 'truth.json'), config))
    .action(async (opts) => {
      const truth = readTruth(opts.truth);
      emit(opts.json, await withStore(opts.db, async (store) => evaluateCommand(await requireRun(store, opts.db), truth), { mustExist: true }), printEvaluation);
    });
}
