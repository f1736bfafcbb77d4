/** Where jobs go: the in-process runner (embedded mode) or BullMQ (scaled mode, REDIS_URL). */
export type JobState = 'queued' | 'running' | 'done' | 'failed';

export interface JobInfo {
  id: string;
  kind: string;
  status: JobState;
  progress: number;
  result?: Record<string, unknown>;
  error?: string;
}

export interface JobRunner {
  enqueueAnalysis(payload: { db: string; seed: number; resolution: number }): Promise<JobInfo>;
  get(id: string): Promise<JobInfo | undefined>;
  close(): Promise<void>;
}
