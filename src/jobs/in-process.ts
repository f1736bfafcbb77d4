/**
 * The embedded mode's job runner: jobs run in this process, one at a time per kind, and their
 * status is kept in memory. The scaled mode replaces it with BullMQ queues; the processors are the
 * same functions.
 */
import { randomUUID } from 'node:crypto';
import { analysisProcessor, type AnalysisJob, type JobKind } from './processors';
import { AnalysisAlreadyQueuedError, type JobInfo, type JobRunner } from './runner';

export class InProcessJobRunner implements JobRunner {
  private readonly jobs = new Map<string, JobInfo>();
  private chains = new Map<string, Promise<unknown>>();
  /** Analysis job id → its parameters' key. */
  private readonly analyses = new Map<string, string>();

  /** `analysis` runs analysis jobs (tests give one they can hold open). */
  constructor(private readonly analysis: (p: AnalysisJob, report: (progress: number) => void) => Promise<Record<string, unknown>> = analysisProcessor) {}

  enqueue<P>(kind: JobKind, payload: P, processor: (p: P, report: (progress: number) => void) => Promise<Record<string, unknown>>): JobInfo {
    const id = randomUUID();
    let progress = 0;
    const set = (job: JobInfo) => { this.jobs.set(id, job); };
    set({ id, kind, status: 'queued', progress });
    const previous = this.chains.get(kind) ?? Promise.resolve();
    const run = previous.then(async () => {
      set({ id, kind, status: 'running', progress });
      try {
        const result = await processor(payload, (p) => {
          progress = Math.max(progress, Math.min(1, p));
          const job = this.jobs.get(id);
          if (job?.status === 'running') job.progress = progress;
        });
        set({ id, kind, status: 'done', progress: 1, result });
      } catch (err) {
        set({ id, kind, status: 'failed', progress, error: (err as Error).message });
      }
    });
    this.chains.set(kind, run);
    return this.jobs.get(id)!;
  }

  /** As BullJobs.enqueueAnalysis: the same parameters queued or running give that job; one queued analysis at most. */
  async enqueueAnalysis(payload: AnalysisJob): Promise<JobInfo> {
    const key = JSON.stringify([payload.db, payload.seed, payload.resolution]);
    const pending = [...this.analyses].map(([id, k]) => [this.jobs.get(id)!, k] as const)
      .filter(([job]) => job.status === 'queued' || job.status === 'running');
    const same = pending.find(([, k]) => k === key);
    if (same) return same[0];
    if (pending.some(([job]) => job.status === 'queued')) throw new AnalysisAlreadyQueuedError();
    const job = this.enqueue('analysis', payload, this.analysis);
    this.analyses.set(job.id, key);
    return job;
  }

  async get(id: string): Promise<JobInfo | undefined> {
    return this.jobs.get(id);
  }

  /** Resolves when every job queued so far has finished. */
  async close(): Promise<void> {
    await Promise.all(this.chains.values());
  }
}
