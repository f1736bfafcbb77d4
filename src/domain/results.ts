/**
 * The analysis vocabulary: what a run reads of each declaration and what it produces (signals,
 * entity scores, candidate rings, category histories, the fitted models). Analysis writes these,
 * the stores keep them, the API and the command line show them; none of them owns the words.
 */
import type { EntityKind } from './entities';
import type { Outcome } from './fields';

/** What analysis reads of each declaration (ids are store ids of the parties). */
export interface DeclarationFacts {
  id: string;
  /** The declaration the item belongs to (its items are controlled together). */
  declarationId?: string;
  lodgedAt: string;
  trader: string;
  consignee?: string;
  supplier?: string;
  broker?: string;
  carrier?: string;
  route: string;
  hsCode: string;
  origin: string;
  goodsOrigin?: string;
  transit: string[];
  value: number;
  quantity?: number;
  weight?: number;
  currency: string;
  outcome: Outcome;
  attrs?: Record<string, string>;
  /** What the bias audit groups by besides the fields above. */
  office?: string;
  regime?: string;
  aeo?: boolean;
  /** Duties and fines the control recovered. */
  recovered?: number;
}

/** One reason behind a risk: what it is, how strong, how much it adds, and what shows it. */
export interface Signal {
  name: string;
  value: number;
  contribution: number;
  /** Ids of the evidence: declarations, shared identifiers, the ring, the seeds it came from. */
  evidence: string[];
}

export interface EntityScore {
  entityId: string;
  kind: EntityKind;
  risk: number;
  community?: number;
  component?: number;
  pagerank: number;
  ppr: number;
  seizures: number;
  knownBad: boolean;
  signals: Signal[];
}

/** What a run's scores are read by without their signals: whose, what kind, how risky, known bad or not. */
export type ScoreHead = Pick<EntityScore, 'entityId' | 'kind' | 'risk' | 'knownBad'>;

/**
 * A run's scores read by position: a list of objects, or the run's score table
 * (analysis/scoring/score-table.ts), which makes each score when it is read so that hundreds of
 * thousands of them never sit in memory at once.
 */
export interface ScoreList {
  readonly length: number;
  /** The k-th score, whole (0 <= k < length). */
  at(k: number): EntityScore;
  /** The k-th score's head, cheaper than the whole. */
  head(k: number): ScoreHead;
  /** Whether the k-th score has the named signal (without making its signals). */
  hasSignal(k: number, name: string): boolean;
}

/** Scores already made, as a list. */
export function scoreList(scores: readonly EntityScore[]): ScoreList {
  return { length: scores.length, at: (k) => scores[k]!, head: (k) => scores[k]!, hasSignal: (k, name) => scores[k]!.signals.some((s) => s.name === name) };
}

export interface CommunityRecord {
  community: number;
  rank: number;
  size: number;
  byKind: Partial<Record<EntityKind, number>>;
  knownBad: number;
  value: number;
  risk: number;
  /** Entity ids, riskiest first. */
  members: string[];
  signals: Signal[];
}

/** Outcome history of one declared attribute value (an HS code, an origin, a broker, ...). */
export interface CategoryRisk {
  field: string;
  value: string;
  /** Declarations with a recorded control outcome. */
  n: number;
  /** Of those, with a discrepancy or seizure. */
  bad: number;
}

export interface LogisticModel {
  bias: number;
  weights: number[];
  /** Iterations the fit ran (fewer than asked when it settled first). */
  iterations?: number;
}

/** The declaration model a run fitted (or its documented defaults), as the scorer applies it. */
export interface DeclarationModel {
  features: string[];
  model: LogisticModel;
  source: 'fitted' | 'defaults';
}

/** What a scorer needs of a run besides its stored scores: the declaration model and the unit-value medians it was fitted with. */
export interface RunModel {
  declarationModel: DeclarationModel;
  /** Median unit value per `hs_code|currency` peer group. */
  medians: Record<string, number>;
}

/** An analysis run in one of its states; readers only ever see a `done` run as current. */
export type AnalysisRun = RunningRun | DoneRun | FailedRun | PrunedRun;

interface RunCommon {
  id: string;
  startedAt: string;
  seed: number;
  params: Record<string, unknown>;
  timings: Record<string, number>;
  counts: Record<string, number>;
  modularity?: number;
  /** Present once the run is done (and kept when it is pruned). */
  model?: RunModel;
}

export interface RunningRun extends RunCommon {
  status: 'running';
  finishedAt?: undefined;
}

export interface DoneRun extends RunCommon {
  status: 'done';
  finishedAt: string;
}

export interface FailedRun extends RunCommon {
  status: 'failed';
  finishedAt: string;
  /** Why it failed. */
  error: string;
}

/** An older run whose results were dropped (store/run-retention.ts); its record stays. */
export interface PrunedRun extends RunCommon {
  status: 'pruned';
  finishedAt?: string;
}

export type RunStatus = AnalysisRun['status'];
export const RUN_STATUSES: readonly RunStatus[] = ['running', 'done', 'failed', 'pruned'];
