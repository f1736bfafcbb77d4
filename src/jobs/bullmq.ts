/**
 * The scaled mode's jobs: BullMQ queues on Redis (REDIS_URL). Job ids come from content (a file's
 * hash, a run's parameters) so the same job is not queued twice; failed jobs retry with
 * exponential backoff; analysis runs in a sandboxed processor (a child process) so the CPU-heavy
 * work never starves the lock renewal of the worker.
 */
import { Queue, QueueEvents, UnrecoverableError, Worker, type ConnectionOptions, type Job } from 'bullmq';
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { isCustomsGraphError } from '../util/errors';
import type { WebhookJob } from '../alerts/webhooks';
import { AnalysisAlreadyQueuedError } from './runner';
import type { Logger } from '../util/logger';
import {
  exportProcessor, ingestProcessor, lodgeProcessor, outcomesProcessor, QUEUE_OF, QUEUES, WEBHOOK_ATTEMPTS, webhookBackoffMs, webhookJobId, webhookProcessor,
  type AnalysisJob, type ExportJob, type IngestJob, type JobKind, type LodgeJob, type OutcomesJob, type PurgeJob, type QueueName,
} from './processors';
import { analyzeAfter, type JobInfo, type JobRunner, type JobState, type QueueDepth } from './runner';

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
  const common = { id: job.id ?? '', kind: job.name as JobKind, progress: typeof job.progress === 'number' ? job.progress : 0, queuedAt: job.timestamp };
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

const BULL_STATES: Record<JobState, Array<'waiting' | 'delayed' | 'prioritized' | 'active' | 'completed' | 'failed'>> = {
  queued: ['waiting', 'delayed', 'prioritized'], running: ['active'], done: ['completed'], failed: ['failed'],
};

export class BullJobs implements JobRunner {
  /**
   * The queues by name, each made (with its Redis connection) when first read: a worker that only
   * schedules periodic analyses, or an API server that only queues ingests, holds one connection,
   * not four.
   */
  readonly queues: Readonly<Record<QueueName, Queue>>;
  private readonly made = new Map<QueueName, Queue>();
  private closed = false;
  private events: QueueEvents[] = [];
  private readonly listeners: Array<(job: JobInfo) => void> = [];

  constructor(readonly connection: ConnectionOptions) {
    const queues = {} as Record<QueueName, Queue>;
    for (const name of QUEUES) Object.defineProperty(queues, name, { enumerable: true, get: () => this.queue(name) });
    this.queues = queues;
  }

  private queue(name: QueueName): Queue {
    let q = this.made.get(name);
    if (!q) {
      // A queue first read after close (a late job event) would open a connection nobody closes.
      if (this.closed) throw new Error(`the job queues are closed: no ${name} queue is made now`);
      this.made.set(name, (q = new Queue(name, { connection: this.connection, prefix: QUEUE_PREFIX, defaultJobOptions: DEFAULT_JOB_OPTIONS })));
    }
    return q;
  }

  async enqueueIngest(payload: IngestJob): Promise<JobInfo> {
    const jobId = `ingest-${await fileHash(payload.files, payload.db)}`;
    return info(await this.queues.ingest.add('ingest', payload, { jobId }));
  }

  /** The job id is the request's: BullMQ adds nothing under an id it holds, and the job kept gives the answer given before. */
  async enqueueLodge(id: string, make: () => Promise<LodgeJob>): Promise<{ job: JobInfo; payload: LodgeJob; replayed: boolean }> {
    const known = await this.queues.ingest.getJob(id);
    if (known && (await known.getState()) !== 'failed') return { job: await info(known), payload: known.data as LodgeJob, replayed: true };
    if (known) await known.remove();
    const payload = await make();
    return { job: await info(await this.queues.ingest.add('lodge', payload, { jobId: id })), payload, replayed: false };
  }

  async enqueueWebhook(payload: WebhookJob): Promise<JobInfo> {
    return info(await this.queues.deliver.add('webhook', payload, {
      jobId: webhookJobId(payload), attempts: WEBHOOK_ATTEMPTS, backoff: { type: 'exponential', delay: webhookBackoffMs() },
    }));
  }

  async enqueueOutcomes(payload: OutcomesJob): Promise<JobInfo> {
    return info(await this.queues.ingest.add('outcomes', payload, { jobId: `outcomes-${randomUUID()}` }));
  }

  async list(opts: { kind?: JobKind; status?: JobState; offset: number; limit: number }): Promise<{ jobs: JobInfo[]; total: number }> {
    const states = opts.status ? BULL_STATES[opts.status] : Object.values(BULL_STATES).flat();
    const queues = opts.kind ? [this.queues[QUEUE_OF[opts.kind]]] : Object.values(this.queues);
    // Newest first over the queues asked; a kind sharing a queue with others is filtered by name.
    const all: Job[] = [];
    for (const q of queues) all.push(...(await q.getJobs(states, 0, -1, false)).filter((j): j is Job => !!j && (!opts.kind || j.name === opts.kind)));
    all.sort((a, b) => b.timestamp - a.timestamp);
    return { jobs: await Promise.all(all.slice(opts.offset, opts.offset + opts.limit).map((j) => info(j))), total: all.length };
  }

  async depth(): Promise<Record<QueueName, QueueDepth>> {
    const now = Date.now();
    const out = {} as Record<QueueName, QueueDepth>;
    for (const name of QUEUES) {
      const q = this.queues[name];
      const counts = await q.getJobCounts('waiting', 'delayed', 'prioritized', 'active');
      const [oldest] = await q.getJobs(['waiting'], -1, -1, true);
      out[name] = {
        waiting: (counts.waiting ?? 0) + (counts.delayed ?? 0) + (counts.prioritized ?? 0), active: counts.active ?? 0,
        oldestWaitingMs: oldest ? now - oldest.timestamp : 0,
      };
    }
    return out;
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

  /** The retention purge from a cron expression, on the analysis queue (one scheduler, updated in place). */
  async schedulePurge(cron: string, payload: PurgeJob): Promise<void> {
    await this.queues.analysis.upsertJobScheduler('periodic-purge', { pattern: cron }, { name: 'purge', data: payload });
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

  /** Listens to the queues' events (a Redis stream each): a job ended by any worker is read once and told to every listener. */
  onDone(listener: (job: JobInfo) => void): void {
    this.listeners.push(listener);
    if (this.events.length) return;
    for (const name of QUEUES) {
      const events = new QueueEvents(name, { connection: this.connection, prefix: QUEUE_PREFIX });
      const tell = async (jobId: string, state: 'completed' | 'failed') => {
        const job = await this.queues[name].getJob(jobId);
        if (!job) return;
        const ended = await info(job, state);
        for (const l of this.listeners) l(ended);
      };
      events.on('completed', ({ jobId }) => { void tell(jobId, 'completed').catch(() => undefined); });
      events.on('failed', ({ jobId }) => { void tell(jobId, 'failed').catch(() => undefined); });
      this.events.push(events);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    // Only the queues made: reading `queues` whole here would make the others just to close them.
    await closeWhenSetUp([...this.events, ...this.made.values()]);
  }
}

/** How long a close waits for a connection still being set up (with Redis unreachable it never is). */
const SET_UP_WAIT_MS = 5_000;

/**
 * Closes queues and event readers once their connections are set up. BullMQ crashes the process
 * ("Connection is closed", emitted on the connection after its close took every listener away)
 * when one is closed while its connection is still being set up (a worker scheduling periodic jobs
 * at start and stopped at once). A connection not set up within SET_UP_WAIT_MS is closed as it is.
 */
async function closeWhenSetUp(parts: Array<Queue | QueueEvents>): Promise<void> {
  await Promise.all(parts.map(async (p) => {
    let timer: NodeJS.Timeout | undefined;
    const waited = new Promise<void>((resolve) => { timer = setTimeout(resolve, SET_UP_WAIT_MS); });
    // A set-up that fails (Redis refused) is as good as done: there is nothing left to race.
    await Promise.race([p.waitUntilReady().catch(() => undefined), waited]);
    clearTimeout(timer);
    await p.close();
  }));
}

export interface WorkerOptions {
  connection: ConnectionOptions;
  queues: QueueName[];
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
  const trigger = analysisTrigger(opts.connection);
  for (const q of opts.queues) {
    const w = workerFor(q, common, trigger);
    w.on('failed', (job, err) => opts.logger.warn({ job: job?.id, err: err.message }, 'job failed'));
    w.on('error', (err) => opts.logger.error({ err: err.message }, 'worker error'));
    workers.push(w);
  }
  // Ready only once every connection is up: BullMQ crashes the process with "Connection is closed"
  // if a worker is closed while its blocking connection is still initialising (an early SIGTERM).
  await Promise.all(workers.map((w) => w.waitUntilReady()));
  return { workers, close: async () => { await Promise.all(workers.map((w) => w.close())); await trigger.close(); } };
}

const progress = (job: Job) => (p: number) => job.updateProgress(Math.round(p * 100) / 100);

/** The ingest queue's jobs by kind: a file, lodged declarations, control results. */
async function ingestQueueJob(data: unknown, job: Job, trigger: AnalysisTrigger): Promise<Record<string, unknown>> {
  switch (job.name as JobKind) {
    case 'lodge': {
      const result = await lodgeProcessor(data as LodgeJob, progress(job));
      await trigger.stored((data as LodgeJob).db, result.stored);
      return result;
    }
    case 'outcomes': return outcomesProcessor(data as OutcomesJob, progress(job));
    default: {
      const result = await ingestProcessor(data as IngestJob, progress(job));
      await trigger.stored((data as IngestJob).db, result.accepted);
      return result;
    }
  }
}

function workerFor(q: QueueName, common: ConstructorParameters<typeof Worker>[2], trigger: AnalysisTrigger): Worker {
  switch (q) {
    // Sandboxed: a child process runs the analysis, the worker keeps renewing the lock.
    case 'analysis': return new Worker('analysis', join(__dirname, 'sandbox', 'analysis.js'), common);
    case 'export': return new Worker('export', failFastOnInputErrors((data: ExportJob, job) => exportProcessor(data, progress(job))), common);
    case 'deliver': return new Worker('deliver', failFastOnInputErrors((data: WebhookJob, job) => webhookProcessor(data, progress(job))), common);
    case 'ingest': return new Worker('ingest', failFastOnInputErrors((data: unknown, job) => ingestQueueJob(data, job, trigger)), common);
    default: throw new Error(`unknown queue ${String(q satisfies never)}`);
  }
}

interface AnalysisTrigger {
  stored(db: string, n: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * Counts the declarations stored per store in Redis, shared by every worker; past
 * CUSTOMS_GRAPH_ANALYZE_AFTER, queues an analysis (BullJobs.enqueueAnalysis: never two queued).
 */
function analysisTrigger(connection: ConnectionOptions): AnalysisTrigger {
  const every = analyzeAfter();
  if (!every) return { stored: async () => undefined, close: async () => undefined };
  const jobs = new BullJobs(connection);
  return {
    async stored(db, n) {
      const client = (await jobs.queues.analysis.client) as unknown as { incrby(key: string, n: number): Promise<number> };
      const total = await client.incrby(`${QUEUE_PREFIX}:stored:${db}`, n);
      // The worker whose count crosses a multiple of `every` queues it: exactly one does, whatever the others do meanwhile.
      if (Math.floor((total - n) / every) === Math.floor(total / every)) return;
      await jobs.enqueueAnalysis({ db, seed: 42, resolution: 1 }).catch((err: unknown) => {
        if (!(err instanceof AnalysisAlreadyQueuedError)) throw err;
      });
    },
    close: () => jobs.close(),
  };
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
