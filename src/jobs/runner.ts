/** Where jobs go: the in-process runner (embedded mode) or BullMQ (scaled mode, REDIS_URL). */
import { UsageError } from '../util/errors';
import type { AnalysisJob, IngestJob, JobKind, LodgeJob, OutcomesJob, QueueName } from './processors';
import type { WebhookJob } from '../alerts/webhooks';

interface JobCommon {
  id: string;
  kind: JobKind;
  /** In [0, 1]. */
  progress: number;
  /** When it was queued (epoch ms). */
  queuedAt: number;
}

/** A job in one of its states: only a done job has a result, only a failed one an error. */
export type JobInfo =
  | (JobCommon & { status: 'queued' })
  | (JobCommon & { status: 'running' })
  | (JobCommon & { status: 'done'; result: Record<string, unknown> })
  | (JobCommon & { status: 'failed'; error: string });

export type JobState = JobInfo['status'];

/** At most one analysis of a store waits in a queue: a second would only redo the first. */
export class AnalysisAlreadyQueuedError extends UsageError {
  constructor() {
    super('an analysis of this store is already queued: wait for it (its job says when its run is current)');
  }
}

/** What a queue holds now (for /metrics): jobs waiting and running, and how long the oldest has waited. */
export interface QueueDepth {
  waiting: number;
  active: number;
  oldestWaitingMs: number;
}

export interface JobRunner {
  enqueueAnalysis(payload: AnalysisJob): Promise<JobInfo>;
  /**
   * Lodged declarations to store, under an id from the request (its idempotency key or its
   * content): an id already queued or done gives that job and the payload it was given, and the
   * payload (scoring, channelling) is not made again.
   */
  enqueueLodge(id: string, payload: () => Promise<LodgeJob>): Promise<{ job: JobInfo; payload: LodgeJob; replayed: boolean }>;
  enqueueOutcomes(payload: OutcomesJob): Promise<JobInfo>;
  enqueueIngest(payload: IngestJob): Promise<JobInfo>;
  /** One alert to one webhook, retried with backoff; the same alert and subscriber again is the same job. */
  enqueueWebhook(payload: WebhookJob): Promise<JobInfo>;
  get(id: string): Promise<JobInfo | undefined>;
  /** Jobs newest first, of one kind and state or all, from `offset`. */
  list(opts: { kind?: JobKind; status?: JobState; offset: number; limit: number }): Promise<{ jobs: JobInfo[]; total: number }>;
  depth(): Promise<Record<QueueName, QueueDepth>>;
  /** Tells `listener` of every job that ends from now on, wherever it ran (the metrics count them). */
  onDone(listener: (job: JobInfo) => void): void;
  close(): Promise<void>;
}

/** Analysis after every `every` stored declarations (CUSTOMS_GRAPH_ANALYZE_AFTER; 0: only by schedule or by hand). */
export function analyzeAfter(env: NodeJS.ProcessEnv = process.env): number {
  return Math.max(0, Math.floor(Number(env.CUSTOMS_GRAPH_ANALYZE_AFTER) || 0));
}
