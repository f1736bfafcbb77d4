/**
 * The embedded mode's job runner: jobs run in this process, one at a time per kind, and their
 * status is kept in memory. The scaled mode replaces it with BullMQ queues; the processors are the
 * same functions.
 */
import { randomUUID } from 'node:crypto';
import { analysisProcessor, type AnalysisJob, type JobKind } from './processors';
import type { JobInfo, JobRunner } from './runner';

export class InProcessJobRunner implements JobRunner {
  private readonly jobs = new Map<string, JobInfo>();
  private chains = new Map<string, Promise<unknown>>();

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

  async enqueueAnalysis(payload: AnalysisJob): Promise<JobInfo> {
    return this.enqueue('analysis', payload, analysisProcessor);
  }

  async get(id: string): Promise<JobInfo | undefined> {
    return this.jobs.get(id);
  }

  /** Resolves when every job queued so far has finished. */
  async close(): Promise<void> {
    await Promise.all(this.chains.values());
  }
}
