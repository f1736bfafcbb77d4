/**
 * A run's report: its model card and data quality (stored with the run), the bias audit of a
 * period under the run's model, the overrides recorded since the run, and the history of runs for
 * the drift picture. What `customs-graph report`, GraphQL `runReport` and the explorer show.
 */
import { overrideSummary } from '../analysis/model-card';
import { DeclarationScorer } from '../analysis/scoring/declaration-scorer';
import type { DataQuality, HeldOutEvaluation, ModelCard, OverrideSummary, RiskDistribution } from '../domain/accountability';
import type { AnalysisRun } from '../domain/results';
import type { GraphStore } from '../store/graph-store';
import { NoCurrentRunError, NotFoundError, UsageError } from '../util/errors';
import { auditBias, type BiasAudit } from './bias-audit';

/** The period audited when none is given: the last 90 days of the run's data. */
export const DEFAULT_PERIOD_DAYS = 90;
/** Earlier runs shown in the drift picture. */
const HISTORY_RUNS = 12;

export interface ReportOptions {
  runId?: string;
  period?: { from: string; to: string };
  capacity: number;
  documentary: number;
  seed: number;
  phoneRegion: string;
  onProgress?: (stage: string, done: number) => void;
}

export interface RunReport {
  /** The run's record without its fitted model (large, and of no use to a reader). */
  run: DistributiveOmit<AnalysisRun, 'model'>;
  generatedAt: string;
  /** The card without its held-out predictions (they stay in the store, for whoever recomputes the figures). */
  modelCard: Omit<ModelCard, 'heldOut'> & { heldOut?: Omit<HeldOutEvaluation, 'predictions'> };
  dataQuality: DataQuality;
  biasAudit?: BiasAudit;
  /** Why there is no bias audit (a pruned run keeps no results to score with). */
  biasAuditMissing?: string;
  /** Overrides recorded since this run finished. */
  overridesSince: OverrideSummary;
  /** Earlier runs, oldest first, with their risk distribution and held-out AUC. */
  history: Array<{ runId: string; finishedAt?: string; risk: RiskDistribution; auc?: number }>;
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

function withoutModel(run: AnalysisRun): DistributiveOmit<AnalysisRun, 'model'> {
  const { model: _m, ...rest } = run;
  return rest;
}

/** A card stored before duplicates were counted reads as none counted. */
function withDefaults(q: DataQuality): DataQuality {
  return { ...q, duplicates: q.duplicates ?? 0, months: q.months.map((m) => ({ ...m, duplicates: m.duplicates ?? 0 })) };
}

function dayBefore(day: string, days: number): string {
  return new Date(Date.parse(`${day.slice(0, 10)}T00:00:00Z`) - days * 86_400_000).toISOString().slice(0, 10);
}

/** `FROM..TO` (ISO dates) as a period. */
export function parsePeriod(text: string): { from: string; to: string } {
  const m = /^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$/.exec(text.trim());
  if (!m || Number.isNaN(Date.parse(m[1]!)) || Number.isNaN(Date.parse(m[2]!)) || m[1]! > m[2]!) {
    throw new UsageError(`a period is FROM..TO, two ISO dates in order, e.g. 2025-10-01..2025-12-31: ${text.slice(0, 40)}`);
  }
  return { from: m[1]!, to: m[2]! };
}

async function findRun(store: GraphStore, runId: string | undefined): Promise<AnalysisRun> {
  if (runId === undefined) {
    const run = await store.currentRun();
    if (!run) throw new NoCurrentRunError();
    return run;
  }
  const run = (await store.listRuns(1_000_000)).find((r) => r.id === runId);
  if (!run) throw new NotFoundError(`no analysis run ${runId}`);
  return run;
}

export async function buildRunReport(store: GraphStore, opts: ReportOptions): Promise<RunReport> {
  const run = await findRun(store, opts.runId);
  const card = await store.runCard(run.id);
  if (!card) throw new NotFoundError(`analysis run ${run.id} has no model card (it ran before cards existed, or did not finish): run \`customs-graph analyze\` again`);
  const { predictions: _p, ...heldOut } = card.modelCard.heldOut ?? {};
  const modelCard = { ...card.modelCard, ...(card.modelCard.heldOut ? { heldOut: heldOut as Omit<HeldOutEvaluation, 'predictions'> } : {}) };
  const period = opts.period ?? { from: dayBefore(card.modelCard.data.periodEnd, DEFAULT_PERIOD_DAYS - 1), to: card.modelCard.data.periodEnd };
  let biasAudit: BiasAudit | undefined;
  let biasAuditMissing: string | undefined;
  if (run.status === 'done') {
    opts.onProgress?.('load the model', 0);
    const scorer = await DeclarationScorer.load(store, { phoneRegion: opts.phoneRegion, run, storedOnly: true });
    biasAudit = await auditBias(store, scorer, {
      ...period, capacity: opts.capacity, documentary: opts.documentary, seed: opts.seed, onProgress: (n) => opts.onProgress?.('bias audit', n),
    });
  } else {
    biasAuditMissing = `analysis run ${run.id} is ${run.status}: its results are gone, so there is no model to channel the period with`;
  }
  const runs = (await store.listRuns(HISTORY_RUNS)).filter((r) => r.status === 'done' || r.status === 'pruned').reverse();
  const history: RunReport['history'] = [];
  for (const r of runs) {
    const c = r.id === run.id ? card : await store.runCard(r.id);
    if (c) history.push({ runId: r.id, finishedAt: r.finishedAt, risk: c.modelCard.risk, ...(c.modelCard.heldOut ? { auc: c.modelCard.heldOut.auc } : {}) });
  }
  return {
    run: withoutModel(run),
    generatedAt: new Date().toISOString(), modelCard, dataQuality: withDefaults(card.dataQuality),
    ...(biasAudit ? { biasAudit } : {}), ...(biasAuditMissing ? { biasAuditMissing } : {}),
    overridesSince: await overrideSummary(store, run.finishedAt ?? run.startedAt),
    history,
  };
}
