/**
 * A run's model card: the data and labels it learned from, its weights against the defaults, its
 * held-out quality on the time-ordered split, what changed since the previous run, and the
 * overrides people recorded against the model since then.
 */
import {
  OVERRIDE_REASONS, type ModelCard, type OverrideSummary, type RiskDistribution, type RunCard, type RunChanges, type WeightChange,
} from '../domain/accountability';
import type { AnalysisRun, CommunityRecord, DeclarationModel } from '../domain/results';
import type { GraphStore } from '../store/graph-store';
import { packageVersion } from '../util/package-version';
import type { RiskWeights } from './scoring/entity-risk';
import { DEFAULT_WEIGHTS } from './scoring/entity-risk';
import { SIGNALS } from './signals/entity-signals';

/** Riskiest traders and candidate rings compared between two runs. */
export const TOP_TRADERS_COMPARED = 1000;
export const TOP_RINGS_COMPARED = 10;
/** Two candidate rings are the same ring when their members overlap this much (Jaccard). */
export const SAME_RING = 0.5;
/** Overrides read into one card, at most. */
const MAX_OVERRIDES = 100_000;

export interface CardInputs {
  data: ModelCard['data'];
  labels: ModelCard['labels'];
  entityWeights: RiskWeights & { source: string };
  entityAuc?: ModelCard['entityAuc'];
  declarationModel: DeclarationModel;
  defaultDeclarationModel: DeclarationModel;
  heldOut?: ModelCard['heldOut'];
  heldOutMissing?: string;
  /** Declarations per lodging day, as the scan read them. */
  perDay: ReadonlyArray<{ day: string; count: number }>;
  /** The run's traders and their risks, as stored (rounded). */
  traders: { ids: readonly string[]; risks: readonly number[] };
  topRings: CommunityRecord[];
}

export function riskDistribution(risks: ArrayLike<number>): RiskDistribution {
  const sorted = Float64Array.from(risks).sort();
  const at = (q: number) => (sorted.length ? Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! * 1e4) / 1e4 : 0);
  const histogram = new Array<number>(10).fill(0);
  for (const r of sorted) histogram[Math.min(9, Math.floor(r * 10))]!++;
  const percentiles: Record<string, number> = {};
  for (const q of [10, 20, 30, 40, 50, 60, 70, 80, 90, 99]) percentiles[`p${q}`] = at(q / 100);
  return { n: sorted.length, percentiles, histogram };
}

function weightList(fitted: Record<string, number>, defaults: Record<string, number>, names: readonly string[]): ModelCard['weights']['entity']['weights'] {
  return names.map((name) => ({ name, value: round(fitted[name] ?? 0), default: round(defaults[name] ?? 0) }));
}

const round = (v: number) => Math.round(v * 1e4) / 1e4;

function declarationWeights(m: DeclarationModel): Record<string, number> {
  return Object.fromEntries(m.features.map((f, j) => [f, m.model.weights[j] ?? 0]));
}

function changed(before: Record<string, number> | undefined, after: Record<string, number>): WeightChange[] {
  return Object.entries(after)
    .map(([name, v]) => ({ name, ...(before?.[name] !== undefined ? { before: round(before[name]!) } : {}), after: round(v) }))
    .filter((c) => c.before === undefined || Math.abs(c.after - c.before) >= 1e-4);
}

export function jaccard(a: ReadonlySet<string>, b: readonly string[]): number {
  let both = 0;
  for (const x of b) if (a.has(x)) both++;
  return both / Math.max(1, a.size + b.length - both);
}

/**
 * The previous run's ring each ring is (members overlapping by SAME_RING or more), if any: each
 * previous ring is matched once, in the order of `current` (riskiest first).
 */
export function matchRings<R extends { members: readonly string[] }>(current: readonly { members: readonly string[] }[], previous: readonly R[]): Array<R | undefined> {
  const sets = previous.map((r) => new Set(r.members));
  const used = new Set<number>();
  return current.map((ring) => {
    const j = sets.findIndex((set, k) => !used.has(k) && jaccard(set, ring.members) >= SAME_RING);
    if (j < 0) return undefined;
    used.add(j);
    return previous[j];
  });
}

/** What changed since the previous run: weights, the top rings and traders, the risk distribution. */
async function changesSince(store: GraphStore, previous: AnalysisRun, inputs: CardInputs): Promise<RunChanges> {
  const prevParams = previous.params as { riskWeights?: RiskWeights };
  const prevModel = previous.model?.declarationModel;
  const prevCard = await store.runCard(previous.id);
  // A pruned run has no results left to compare: weights and its card still do.
  const comparable = previous.status === 'done';
  const prevRings = comparable ? await store.topCommunities(TOP_RINGS_COMPARED, previous.id) : [];
  const prevTraders = comparable ? await store.topEntities({ kind: 'Trader', limit: TOP_TRADERS_COMPARED, runId: previous.id }) : [];
  const kept = matchRings(inputs.topRings, prevRings).filter((r) => r !== undefined).length;
  // Among the riskiest now: at or above the risk of the last of them (ties at the edge stay).
  const risks = new Map(inputs.traders.ids.map((id, i) => [id, inputs.traders.risks[i]!]));
  const edge = [...inputs.traders.risks].sort((a, b) => b - a)[Math.min(TOP_TRADERS_COMPARED, risks.size) - 1] ?? 0;
  return {
    previousRun: previous.id,
    entityWeights: changed(prevParams.riskWeights ? { bias: prevParams.riskWeights.bias, ...prevParams.riskWeights.weights } : undefined, { bias: inputs.entityWeights.bias, ...inputs.entityWeights.weights }),
    declarationWeights: changed(prevModel ? { bias: prevModel.model.bias, ...declarationWeights(prevModel) } : undefined,
      { bias: inputs.declarationModel.model.bias, ...declarationWeights(inputs.declarationModel) }),
    topRings: { compared: Math.min(inputs.topRings.length, TOP_RINGS_COMPARED), kept, new: inputs.topRings.length - kept, gone: prevRings.length - kept },
    topTraders: { compared: prevTraders.length, stayed: prevTraders.filter((s) => (risks.get(s.entityId) ?? -1) >= edge).length },
    ...(prevCard ? { previousRisk: prevCard.modelCard.risk } : {}),
  };
}

/**
 * Overrides recorded since `since` (all of them before a first run), by reason, against the
 * declarations lodged in the window (`perDay`: the store's counts, when the caller has them).
 */
export async function overrideSummary(store: GraphStore, since: string | undefined, perDay?: ReadonlyArray<{ day: string; count: number }>): Promise<OverrideSummary> {
  const overrides = await store.listOverrides({ since, limit: MAX_OVERRIDES });
  const sinceDay = since?.slice(0, 10) ?? '';
  const declarations = (perDay ?? await store.declarationsPerDay()).filter((d) => d.day >= sinceDay).reduce((a, d) => a + d.count, 0);
  const rank = { green: 0, orange: 1, red: 2 } as const;
  const byReason = OVERRIDE_REASONS.map((reason) => {
    const count = overrides.filter((o) => o.reason === reason).length;
    return { reason, count, share: round(count / Math.max(1, overrides.length)), per1000: declarations ? round((count / declarations) * 1000) : 0 };
  }).filter((r) => r.count > 0);
  return {
    ...(since ? { since } : {}), total: overrides.length, declarations, byReason,
    released: overrides.filter((o) => rank[o.channel] < rank[o.modelChannel]).length,
    controlled: overrides.filter((o) => rank[o.channel] > rank[o.modelChannel]).length,
  };
}

export async function buildModelCard(store: GraphStore, inputs: CardInputs, previous: AnalysisRun | null): Promise<RunCard['modelCard']> {
  const defaults = declarationWeights(inputs.defaultDeclarationModel);
  return {
    software: { name: 'customs-graph', version: packageVersion() },
    data: inputs.data,
    labels: inputs.labels,
    weights: {
      entity: {
        source: inputs.entityWeights.source, weights: weightList(inputs.entityWeights.weights, DEFAULT_WEIGHTS.weights, SIGNALS),
        bias: { value: round(inputs.entityWeights.bias), default: DEFAULT_WEIGHTS.bias },
      },
      declaration: {
        source: inputs.declarationModel.source, weights: weightList(declarationWeights(inputs.declarationModel), defaults, inputs.declarationModel.features),
        bias: { value: round(inputs.declarationModel.model.bias), default: inputs.defaultDeclarationModel.model.bias },
      },
    },
    ...(inputs.entityAuc ? { entityAuc: inputs.entityAuc } : {}),
    ...(inputs.heldOut ? { heldOut: inputs.heldOut } : {}),
    ...(inputs.heldOutMissing ? { heldOutMissing: inputs.heldOutMissing } : {}),
    risk: riskDistribution(inputs.traders.risks),
    ...(previous ? { changes: await changesSince(store, previous, inputs) } : {}),
    overrides: await overrideSummary(store, previous?.status === 'running' ? undefined : previous?.finishedAt, inputs.perDay),
  };
}
