/** Analysis runs and their results: written whole, made current in one step, read only when current (or named). */
import type { RunCard } from '../domain/accountability';
import type { EntityKind } from '../domain/entities';
import type { AnalysisRun, CategoryRisk, CommunityRecord, EntityScore, RunModel, ScoreList } from '../domain/results';

export interface RunResults {
  /** Read by position, a slice at a time: a run's scores are made as they are written. */
  scores: ScoreList;
  communities: CommunityRecord[];
  categories: CategoryRisk[];
}

export interface RunSummary {
  timings: Record<string, number>;
  modularity?: number;
  counts: Record<string, number>;
  params: Record<string, unknown>;
  model: RunModel;
  /** What the run says for itself (model card, data quality): kept beside the run, read on its own. */
  card?: RunCard;
}

export interface RunStore {
  /** Records a new run as running; it is invisible to readers until completeRun. */
  beginRun(run: { seed: number; params: Record<string, unknown>; startedAt: string }): Promise<string>;
  /** Writes a run's results; may be called once per run, in as many transactions as the adapter likes. */
  writeRunResults(runId: string, results: RunResults, onProgress?: (done: number, total: number) => void): Promise<void>;
  /**
   * Marks the run done and makes it current, in one step, unless a run begun after it is current
   * already (two runs of one store at once: the newer data stays current). Says whether it did.
   */
  completeRun(runId: string, summary: RunSummary): Promise<boolean>;
  failRun(runId: string, reason: string): Promise<void>;
  /** Says a running run is alive (its process writes this every RUN_HEARTBEAT_MS). */
  heartbeat(runId: string): Promise<void>;
  /**
   * Marks failed the runs still `running` whose last heartbeat is older than `staleMs` (their
   * process was killed); returns their ids.
   */
  failAbandonedRuns(staleMs: number): Promise<string[]>;
  currentRun(): Promise<AnalysisRun | null>;
  /** Just the id of the current run: cheap enough to ask on every request. */
  currentRunId(): Promise<string | null>;
  listRuns(limit: number): Promise<AnalysisRun[]>;
  /**
   * Drops the results of completed or failed runs beyond the newest `keep` completed ones (never
   * the current run, never one still running); their records stay, marked 'pruned'. Returns their ids.
   */
  pruneRuns(keep: number): Promise<string[]>;
  /** Scores from the current run (or the given one). */
  getScores(entityIds: readonly string[], runId?: string): Promise<EntityScore[]>;
  topEntities(opts: { kind?: EntityKind; limit: number; runId?: string }): Promise<EntityScore[]>;
  topCommunities(limit: number, runId?: string, offset?: number): Promise<CommunityRecord[]>;
  getCommunity(community: number, runId?: string): Promise<CommunityRecord | null>;
  /** How many ranked communities a run (the current one by default) has: every page of topCommunities. */
  countCommunities(runId?: string): Promise<number>;
  categoryRisk(runId?: string): Promise<CategoryRisk[]>;
  /** The run's model card and data quality (null for a run without one: older, running or failed). */
  runCard(runId: string): Promise<RunCard | null>;
}

/** How often a running run says it is alive (config.ts sets how long a silence makes it abandoned). */
export const RUN_HEARTBEAT_MS = 30_000;

/** The reason an abandoned run's record gives. */
export function abandonedReason(lastHeartbeat: string): string {
  return `abandoned: no heartbeat since ${lastHeartbeat}`;
}

/** A stored run's fields in the state its status names (both adapters keep a failed run's reason as `counts.error`). */
export function runInState(
  fields: Omit<AnalysisRun, 'status' | 'finishedAt' | 'error'>, status: string, finishedAt: string | undefined,
): AnalysisRun {
  const s = status as AnalysisRun['status'];
  switch (s) {
    case 'running': return { ...fields, status: s };
    case 'done': return { ...fields, status: s, finishedAt: finishedAt ?? fields.startedAt };
    case 'failed': return { ...fields, status: s, finishedAt: finishedAt ?? fields.startedAt, error: String((fields.counts as Record<string, unknown>).error ?? 'unknown') };
    case 'pruned': return { ...fields, status: s, finishedAt };
    default: throw new Error(`analysis run ${fields.id} has an unknown status: ${String(s satisfies never)}`);
  }
}
