/**
 * The scaled mode's jobs: BullMQ queues on Redis (REDIS_URL). Job ids come from content (a file's
 * hash, a run's parameters) so the same job is not queued twice; failed jobs retry with
 * exponential backoff; analysis runs in a sandboxed processor (a child process) so the CPU-heavy
 * work never starves the lock renewal of the worker.
 */
import { Queue, UnrecoverableError, Worker, type ConnectionOptions, type Job } from 'bullmq';
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { isCustomsGraphError } from '../util/errors';
import { AnalysisAlreadyQueuedError } from './runner';
import type { Logger } from '../util/logger';
import { exportProcessor, ingestProcessor, type AnalysisJob, type ExportJob, type IngestJob, type JobKind } from './processors';
import type { JobInfo, JobRunner, JobState } from './runner';

export const QUEUE_PREFIX = 'customs-graph';
export const DEFAULT_JOB_OPTIONS = {
  attempts: 3,
  backoff: { type: 'exponential' as const, delay: 1000 },
  removeOnComplete: { age: 24 * 3600, count: 1000 },
  removeOnFail: { age: 7 * 24 * 3600 },
};

/** Redis connection options for BullMQ: workers must not give up on a command (maxRetriesPerRequest: null). */
export function connectionFromUrl(url: string): ConnectionOptions {
  const u = new URL(url);
  return {
    host: u.hostname, port: Number(u.port || 6379), ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}), db: u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0,
    maxRetriesPerRequest: null,
  };
}

/** Content hash of the files, and of where they go: the same files into another store is another job. */
export async function fileHash(files: string[], target = ''): Promise<string> {
  const h = createHash('sha256').update(target).update('\u0000');
  for (const f of files) {
    for await (const chunk of createReadStream(f)) h.update(chunk as Buffer);
  }
  return h.digest('hex').slice(0, 32);
}

export function paramsId(kind: string, params: object): string {
  return `${kind}-${createHash('sha256').update(JSON.stringify(params)).digest('hex').slice(0, 24)}`;
}

const STATE: Record<string, JobState> = {
  waiting: 'queued', delayed: 'queued', prioritized: 'queued', 'waiting-children': 'queued', active: 'running', completed: 'done', failed: 'failed',
};

async function info(job: Job, known?: string): Promise<JobInfo> {
  const state = STATE[known ?? (await job.getState())] ?? 'queued';
  const common = { id: job.id ?? '', kind: job.name as JobKind, progress: typeof job.progress === 'number' ? job.progress : 0 };
  switch (state) {
    case 'queued': case 'running': return { ...common, status: state };
    case 'done': return { ...common, status: state, result: (job.returnvalue ?? {}) as Record<string, unknown> };
    case 'failed': return { ...common, status: state, error: job.failedReason ?? 'failed' };
    default: throw new Error(`unknown job state ${String(state satisfies never)}`);
  }
}

/**
 * A processor whose input errors (a bad file, no such ring) end the job at once: BullMQ retries
 * anything else with backoff, and a retry cannot mend those.
 */
export function failFastOnInputErrors<T, R>(processor: (data: T, job: Job<T>) => Promise<R>): (job: Job<T>) => Promise<R> {
  return async (job) => {
    try {
      return await processor(job.data, job);
    } catch (err) {
      if (isCustomsGraphError(err) && !err.retryable) throw new UnrecoverableError(err.message);
      throw err;
    }
  };
}

export class BullJobs implements JobRunner {
  readonly queues: Record<JobKind, Queue>;

  constructor(readonly connection: ConnectionOptions) {
    this.queues = {
      ingest: new Queue('ingest', { connection, prefix: QUEUE_PREFIX, defaultJobOptions: DEFAULT_JOB_OPTIONS }),
      analysis: new Queue('analysis', { connection, prefix: QUEUE_PREFIX, defaultJobOptions: DEFAULT_JOB_OPTIONS }),
      export: new Queue('export', { connection, prefix: QUEUE_PREFIX, defaultJobOptions: DEFAULT_JOB_OPTIONS }),
    };
  }

  async enqueueIngest(payload: IngestJob): Promise<JobInfo> {
    const jobId = `ingest-${await fileHash(payload.files, payload.db)}`;
    return info(await this.queues.ingest.add('ingest', payload, { jobId }));
  }

  /**
   * Starts an analysis unless one with the same parameters is still queued or running (that one
   * is returned); refuses a second queued analysis of the same store. A finished run's parameters
   * may run again: job ids are unique, never the parameters alone.
   */
  async enqueueAnalysis(payload: AnalysisJob): Promise<JobInfo> {
    const key = paramsId('analysis', payload);
    const pending = await this.queues.analysis.getJobs(['waiting', 'delayed', 'prioritized', 'active']);
    const same = pending.find((j) => j.data && paramsId('analysis', j.data as AnalysisJob) === key);
    if (same) return info(same);
    const queued = await this.queues.analysis.getJobs(['waiting', 'delayed', 'prioritized']);
    if (queued.some((j) => (j.data as AnalysisJob | undefined)?.db === payload.db)) throw new AnalysisAlreadyQueuedError();
    return info(await this.queues.analysis.add('analysis', payload, { jobId: `${key}-${randomUUID().slice(0, 8)}` }));
  }

  async enqueueExport(payload: ExportJob): Promise<JobInfo> {
    return info(await this.queues.export.add('export', payload, { jobId: paramsId('export', payload) }));
  }

  /** Periodic re-analysis from a cron expression (one scheduler, updated in place). */
  async scheduleAnalysis(cron: string, payload: AnalysisJob): Promise<void> {
    await this.queues.analysis.upsertJobScheduler('periodic-analysis', { pattern: cron }, { name: 'analysis', data: payload });
  }

  async get(id: string): Promise<JobInfo | undefined> {
    for (const q of Object.values(this.queues)) {
      const job = await q.getJob(id);
      if (!job) continue;
      const state = await job.getState();
      // The job may have ended between the two reads (seen under load: 'done' without its result):
      // read it again, so that its result and error belong to the state reported.
      return info((state === 'completed' || state === 'failed' ? await q.getJob(id) : job) ?? job, state);
    }
    return undefined;
  }

  async close(): Promise<void> {
    await Promise.all(Object.values(this.queues).map((q) => q.close()));
  }
}

export interface WorkerOptions {
  connection: ConnectionOptions;
  queues: JobKind[];
  concurrency?: number;
  lockDuration?: number;
  stalledInterval?: number;
  logger: Logger;
}

/** Workers for the given queues; `close()` lets active jobs finish (graceful shutdown). */
export async function startWorkers(opts: WorkerOptions): Promise<{ workers: Worker[]; close: () => Promise<void> }> {
  await warnUnlessNoEviction(opts);
  const common = {
    connection: opts.connection, prefix: QUEUE_PREFIX, concurrency: opts.concurrency ?? 1,
    lockDuration: opts.lockDuration ?? 30_000, stalledInterval: opts.stalledInterval ?? 30_000,
  };
  const workers: Worker[] = [];
  for (const q of opts.queues) {
    const w = workerFor(q, common);
    w.on('failed', (job, err) => opts.logger.warn({ job: job?.id, err: err.message }, 'job failed'));
    w.on('error', (err) => opts.logger.error({ err: err.message }, 'worker error'));
    workers.push(w);
  }
  // Ready only once every connection is up: BullMQ crashes the process with "Connection is closed"
  // if a worker is closed while its blocking connection is still initialising (an early SIGTERM).
  await Promise.all(workers.map((w) => w.waitUntilReady()));
  return { workers, close: async () => { await Promise.all(workers.map((w) => w.close())); } };
}

const progress = (job: Job) => (p: number) => job.updateProgress(Math.round(p * 100) / 100);

function workerFor(q: JobKind, common: ConstructorParameters<typeof Worker>[2]): Worker {
  switch (q) {
    // Sandboxed: a child process runs the analysis, the worker keeps renewing the lock.
    case 'analysis': return new Worker('analysis', join(__dirname, 'sandbox', 'analysis.js'), common);
    case 'export': return new Worker('export', failFastOnInputErrors((data: ExportJob, job) => exportProcessor(data, progress(job))), common);
    case 'ingest': return new Worker('ingest', failFastOnInputErrors((data: IngestJob, job) => ingestProcessor(data, progress(job))), common);
    default: throw new Error(`unknown queue ${String(q satisfies never)}`);
  }
}

async function warnUnlessNoEviction(opts: WorkerOptions): Promise<void> {
  const q = new Queue('ingest', { connection: opts.connection, prefix: QUEUE_PREFIX });
  try {
    const client = await q.client;
    const reply = (await (client as unknown as { config(op: string, key: string): Promise<string[]> }).config('GET', 'maxmemory-policy'));
    if (reply[1] !== 'noeviction') opts.logger.warn(`Redis maxmemory-policy is ${reply[1]}: set it to noeviction, or Redis may drop queued jobs`);
  } catch (err) {
    opts.logger.warn(`could not read Redis maxmemory-policy: ${(err as Error).message}`);
  } finally {
    await q.close();
  }
}
