/**
 * The embedded mode's job runner: jobs run in this process, one at a time per kind, and their
 * status is kept in memory. The scaled mode replaces it with BullMQ queues; the processors are the
 * same functions.
 */
import { randomUUID } from 'node:crypto';

export type JobStatus = 'queued' | 'running' | 'done' | 'failed';

export interface Job<R = unknown> {
  id: string;
  kind: string;
  status: JobStatus;
  progress: number;
  result?: R;
  error?: string;
}

export type Processor<P, R> = (payload: P, report: (progress: number) => void) => Promise<R>;

export class InProcessJobRunner {
  private readonly jobs = new Map<string, Job>();
  private chains = new Map<string, Promise<unknown>>();

  enqueue<P, R>(kind: string, payload: P, processor: Processor<P, R>): Job<R> {
    const job: Job<R> = { id: randomUUID(), kind, status: 'queued', progress: 0 };
    this.jobs.set(job.id, job as Job);
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

  get(id: string): Job | undefined {
    return this.jobs.get(id);
  }

  /** Resolves when every job queued so far has finished. */
  async idle(): Promise<void> {
    await Promise.all(this.chains.values());
  }
}
