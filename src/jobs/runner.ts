/** Where jobs go: the in-process runner (embedded mode) or BullMQ (scaled mode, REDIS_URL). */
import { UsageError } from '../util/errors';
import type { AnalysisJob, JobKind } from './processors';

interface JobCommon {
  id: string;
  kind: JobKind;
  /** In [0, 1]. */
  progress: number;
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

export interface JobRunner {
  enqueueAnalysis(payload: AnalysisJob): Promise<JobInfo>;
  get(id: string): Promise<JobInfo | undefined>;
  close(): Promise<void>;
}
