/**
 * The embedded mode's job runner: jobs run in this process, one at a time per kind, and their
 * status is kept in memory. The scaled mode replaces it with BullMQ queues; the processors are the
 * same functions.
 */
import { randomUUID } from 'node:crypto';
import { analysisProcessor } from './processors';
import type { JobInfo, JobRunner } from './runner';

export class InProcessJobRunner implements JobRunner {
  private readonly jobs = new Map<string, JobInfo>();
  private chains = new Map<string, Promise<unknown>>();

  enqueue<P>(kind: string, payload: P, processor: (p: P, report: (progress: number) => void) => Promise<Record<string, unknown>>): JobInfo {
    const job: JobInfo = { id: randomUUID(), kind, status: 'queued', progress: 0 };
    this.jobs.set(job.id, job);
    const previous = this.chains.get(kind) ?? Promise.resolve();
    const run = previous.then(async () => {
      job.status = 'running';
      try {
        job.result = await processor(payload, (p) => { job.progress = Math.max(job.progress, Math.min(1, p)); });
        job.progress = 1;
        job.status = 'done';
      } catch (err) {
        job.status = 'failed';
        job.error = (err as Error).message;
      }
    });
    this.chains.set(kind, run);
    return job;
  }

  async enqueueAnalysis(payload: { db: string; seed: number; resolution: number }): Promise<JobInfo> {
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
