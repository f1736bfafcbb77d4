/** analyze, top, rings, evaluate and score: the analysis side of the command line. */
import { readFileSync } from 'node:fs';
import type { Config } from '../config';
import { DeclarationScorer, type DeclarationScore } from '../analysis/scoring/declaration-scorer';
import { evaluateRun } from '../analysis/evaluate';
import { auc, precisionAtShare } from '../analysis/scoring/logistic';
import { DEFAULT_PARAMS, runAnalysis, type AnalysisSummary } from '../analysis/run';
import { makeValidator } from '../domain/declaration';
import type { EntityKind } from '../domain/entities';
import { planIngest } from '../ingest/ingest';
import { loadMapping } from '../ingest/mapping';
import { readDeclarations } from '../ingest/read-declarations';
import type { GraphStore } from '../store/graph-store';
import type { Truth } from '../synth/generate';
import { createProgress } from '../util/progress';
import { formatNumber, table } from './format';

export async function analyzeCommand(
  store: GraphStore,
  opts: { seed: number; resolution: number; weights?: 'auto' | 'defaults'; quiet?: boolean; storePath?: string; graphThread?: boolean; keepRuns?: number },
): Promise<AnalysisSummary> {
  const progress = createProgress('analyze', !opts.quiet && process.stderr.isTTY === true);
  let current = '';
  const summary = await runAnalysis(store, { ...DEFAULT_PARAMS, seed: opts.seed, resolution: opts.resolution, weights: opts.weights ?? 'auto' }, {
    storePath: opts.storePath, graphThread: opts.graphThread, keepRuns: opts.keepRuns,
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
  const lines = [`analysis run ${s.runId} is current`, ''];
  lines.push(table(['stage', 'ms'], Object.entries(s.timings).map(([k, v]) => [k, v])));
  lines.push('');
  lines.push(table(['count', 'value'], Object.entries(s.counts).map(([k, v]) => [k, v])));
  lines.push('');
  lines.push(`modularity ${s.modularity.toFixed(4)}; entity weights: ${s.weights.source}; declaration model: ${s.declarationModel.source}`);
  if (s.pruned.length) lines.push(`results of ${s.pruned.length} older run(s) pruned: ${s.pruned.join(', ')}`);
  return lines.join('\n');
}

export async function topCommand(store: GraphStore, opts: { kind?: EntityKind; limit: number }) {
  const scores = await store.topEntities({ kind: opts.kind, limit: opts.limit });
  const entities = new Map((await store.getEntities(scores.map((s) => s.entityId))).map((e) => [e.id, e]));
  return scores.map((s) => ({ ...s, key: entities.get(s.entityId)?.key, name: entities.get(s.entityId)?.name }));
}

export function printTop(rows: Awaited<ReturnType<typeof topCommand>>): string {
  return table(['risk', 'kind', 'key', 'name', 'seizures', 'top reasons'], rows.map((r) => [
    r.risk.toFixed(3), r.kind, r.key ?? '', (r.name ?? '').slice(0, 30), r.seizures,
    r.signals.slice(0, 3).map((x) => `${x.name} +${x.contribution.toFixed(2)}`).join(', '),
  ]));
}

export async function ringsCommand(store: GraphStore, limit: number) {
  const rings = await store.topCommunities(limit);
  const ids = rings.flatMap((r) => r.members.slice(0, 5));
  const entities = new Map((await store.getEntities(ids)).map((e) => [e.id, e]));
  return rings.map((r) => ({ ...r, top: r.members.slice(0, 5).map((id) => entities.get(id)).filter((e) => e !== undefined) }));
}

export function printRings(rows: Awaited<ReturnType<typeof ringsCommand>>): string {
  return table(['rank', 'risk', 'size', 'traders', 'known bad', 'value', 'riskiest members'], rows.map((r) => [
    r.rank, r.risk.toFixed(3), r.size, r.byKind.Trader ?? 0, r.knownBad, Math.round(r.value),
    r.top.map((e) => `${e.kind} ${e.name.slice(0, 24)}`).join('; '),
  ]));
}

export async function evaluateCommand(store: GraphStore, truthFile: string) {
  const truth = JSON.parse(readFileSync(truthFile, 'utf8')) as Truth;
  return evaluateRun(store, truth);
}

export function printEvaluation(e: Awaited<ReturnType<typeof evaluateCommand>>): string {
  const lines = [
    `${formatNumber(e.traders)} traders scored; ${formatNumber(e.tradersWithoutSeizure)} without a seizure of their own, ` +
      `${formatNumber(e.ringMembersWithoutSeizure)} of them planted ring members`,
    '',
    'share of planted ring members among the riskiest traders without a seizure of their own:',
    table(['top', 'model', 'random', 'own history'], Object.entries(e.precision).map(([k, p]) => [
      k, p.model.toFixed(3), p.random.toFixed(3), p.ownHistory.toFixed(3),
    ])),
    '',
    `ring recall: ${e.ringsFound} of ${e.rings} planted rings (${(e.ringRecall * 100).toFixed(1)}%) have most of their members in one community ranked in the top ${e.topRingsConsidered}`,
  ];
  return lines.join('\n');
}

/** Scores every declaration of a file; with --evaluate, compares with the outcomes the file records. */
export async function scoreCommand(store: GraphStore, file: string, opts: { mapping?: string; evaluate?: boolean }, config: Config) {
  const scorer = await DeclarationScorer.load(store, { phoneRegion: config.phoneRegion });
  const plan = await planIngest([file], opts.mapping ? loadMapping(opts.mapping) : undefined);
  const validate = makeValidator({ defaultCurrency: config.defaultCurrency });
  const scored: Array<DeclarationScore & { outcome: string }> = [];
  let rejected = 0;
  for await (const batch of readDeclarations(plan, validate)) {
    for (const { result } of batch) {
      if (!result.ok) rejected++;
      else scored.push({ ...scorer.score(result.value), outcome: result.value.outcome });
    }
  }
  let evaluation: Record<string, number> | undefined;
  if (opts.evaluate) {
    const labelled = scored.filter((s) => s.outcome !== 'unknown');
    const y = labelled.map((s) => (s.outcome === 'seizure' || s.outcome === 'discrepancy' ? 1 : 0));
    const r = labelled.map((s) => s.risk);
    evaluation = {
      labelled: labelled.length, bad: y.reduce((a: number, b) => a + b, 0), auc: auc(r, y),
      precision_at_5pct: precisionAtShare(r, y, 0.05), precision_at_10pct: precisionAtShare(r, y, 0.1),
    };
  }
  return { run: scorer.run.id, scored, rejected, evaluation };
}
