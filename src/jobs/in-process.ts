/**
 * The embedded mode's job runner: jobs run in this process, one at a time per queue, and their
 * status is kept in memory. The scaled mode replaces it with BullMQ queues; the processors are the
 * same functions. After every `analyzeAfter` declarations stored, an analysis is queued.
 */
import { randomUUID } from 'node:crypto';
import {
  analysisProcessor, ingestProcessor, lodgeProcessor, outcomesProcessor, QUEUE_OF, QUEUES, WEBHOOK_ATTEMPTS, webhookBackoffMs, webhookJobId, webhookProcessor,
  type AnalysisJob, type IngestJob, type JobKind, type LodgeJob, type OutcomesJob, type QueueName,
} from './processors';
import type { WebhookJob } from '../alerts/webhooks';
import { isCustomsGraphError } from '../util/errors';
import { AnalysisAlreadyQueuedError, type JobInfo, type JobRunner, type JobState, type QueueDepth } from './runner';

/** Finished jobs kept (their state, result and payload), as BullMQ keeps its last completed: older ones are forgotten. */
export const KEPT_FINISHED_JOBS = 1000;

type Processor<P> = (p: P, report: (progress: number) => void) => Promise<Record<string, unknown>>;

export interface InProcessOptions {
  /** Runs analysis jobs (tests give one they can hold open). */
  analysis?: Processor<AnalysisJob>;
  /** Queue an analysis after this many declarations stored (0: never). */
  analyzeAfter?: number;
  /** The analysis queued after enough declarations: its store and parameters. */
  autoAnalysis?: AnalysisJob;
}

export class InProcessJobRunner implements JobRunner {
  private readonly jobs = new Map<string, JobInfo>();
  private readonly payloads = new Map<string, unknown>();
  private chains = new Map<QueueName, Promise<unknown>>();
  /** Analysis job id → its parameters' key. */
  private readonly analyses = new Map<string, string>();
  /** Declarations stored by lodge and file jobs: an analysis is queued each time this crosses a multiple of analyzeAfter. */
  private stored = 0;
  private readonly analysis: Processor<AnalysisJob>;
  private readonly listeners: Array<(job: JobInfo) => void> = [];

  constructor(private readonly options: InProcessOptions = {}) {
    this.analysis = options.analysis ?? analysisProcessor;
  }

  /**
   * Runs `processor` on the job's queue, one job at a time. With `retry`, a failure other than an
   * input error is tried again after backoffMs × 2^(try − 1), off the queue meanwhile (a webhook
   * that is down does not hold the others up).
   */
  enqueue<P>(kind: JobKind, payload: P, processor: Processor<P>, id: string = randomUUID(), retry?: { attempts: number; backoffMs: number }): JobInfo {
    let progress = 0;
    const queuedAt = Date.now();
    const set = (job: JobInfo) => { this.jobs.set(id, job); };
    set({ id, kind, status: 'queued', progress, queuedAt });
    this.payloads.set(id, payload);
    const queue = QUEUE_OF[kind];
    const attempt = (tried: number) => {
      const previous = this.chains.get(queue) ?? Promise.resolve();
      const run = previous.then(async () => {
        set({ id, kind, status: 'running', progress, queuedAt });
        let ended: JobInfo;
        try {
          const result = await processor(payload, (p) => {
            progress = Math.max(progress, Math.min(1, p));
            const job = this.jobs.get(id);
            if (job?.status === 'running') job.progress = progress;
          });
          ended = { id, kind, status: 'done', progress: 1, queuedAt, result };
        } catch (err) {
          if (retry && tried + 1 < retry.attempts && !(isCustomsGraphError(err) && !err.retryable)) {
            set({ id, kind, status: 'queued', progress, queuedAt });
            setTimeout(() => attempt(tried + 1), retry.backoffMs * 2 ** tried).unref();
            return;
          }
          ended = { id, kind, status: 'failed', progress, queuedAt, error: (err as Error).message };
        }
        set(ended);
        this.forgetOldFinished();
        for (const listener of this.listeners) listener(ended);
        if (ended.status === 'done' && (kind === 'lodge' || kind === 'ingest')) this.countStored(Number(ended.result.stored ?? ended.result.accepted) || 0);
      });
      this.chains.set(queue, run);
    };
    attempt(0);
    return this.jobs.get(id)!;
  }

  /** A day of lodging is thousands of jobs: only the last KEPT_FINISHED_JOBS finished ones stay in memory. */
  private forgetOldFinished(): void {
    let finished = 0;
    for (const j of this.jobs.values()) if (j.status === 'done' || j.status === 'failed') finished++;
    // The map keeps insertion order: the oldest finished jobs come first.
    for (const [id, j] of this.jobs) {
      if (finished <= KEPT_FINISHED_JOBS) break;
      if (j.status !== 'done' && j.status !== 'failed') continue;
      this.jobs.delete(id);
      this.payloads.delete(id);
      this.analyses.delete(id);
      finished--;
    }
  }

  /** Queues an analysis once enough declarations were stored since the last one (one queued at most). */
  private countStored(n: number): void {
    const every = this.options.analyzeAfter ?? 0;
    const payload = this.options.autoAnalysis;
    if (!every || !payload) return;
    const before = this.stored;
    this.stored += n;
    if (Math.floor(before / every) === Math.floor(this.stored / every)) return;
    this.enqueueAnalysis(payload).catch((err: unknown) => {
      if (!(err instanceof AnalysisAlreadyQueuedError)) throw err;
    });
  }

  /** As BullJobs.enqueueAnalysis: the same parameters queued or running give that job; one queued analysis at most. */
  async enqueueAnalysis(payload: AnalysisJob): Promise<JobInfo> {
    const key = JSON.stringify([payload.db, payload.seed, payload.resolution, payload.full === true]);
    const pending = [...this.analyses].map(([id, k]) => [this.jobs.get(id)!, k] as const)
      .filter(([job]) => job.status === 'queued' || job.status === 'running');
    const same = pending.find(([, k]) => k === key);
    if (same) return same[0];
    if (pending.some(([job]) => job.status === 'queued')) throw new AnalysisAlreadyQueuedError();
    const job = this.enqueue('analysis', payload, this.analysis);
    this.analyses.set(job.id, key);
    return job;
  }

  async enqueueLodge(id: string, make: () => Promise<LodgeJob>): Promise<{ job: JobInfo; payload: LodgeJob; replayed: boolean }> {
    const known = this.jobs.get(id);
    if (known && known.status !== 'failed') return { job: known, payload: this.payloads.get(id) as LodgeJob, replayed: true };
    const payload = await make();
    // The same request may have arrived again while this one was being scored: the first queued answers both.
    const raced = this.jobs.get(id);
    if (raced && raced.status !== 'failed') return { job: raced, payload: this.payloads.get(id) as LodgeJob, replayed: true };
    return { job: this.enqueue('lodge', payload, lodgeProcessor, id), payload, replayed: false };
  }

  async enqueueOutcomes(payload: OutcomesJob): Promise<JobInfo> {
    return this.enqueue('outcomes', payload, outcomesProcessor);
  }

  async enqueueIngest(payload: IngestJob): Promise<JobInfo> {
    return this.enqueue('ingest', payload, ingestProcessor);
  }

  async enqueueWebhook(payload: WebhookJob): Promise<JobInfo> {
    const id = webhookJobId(payload);
    const known = this.jobs.get(id);
    if (known) return known;
    return this.enqueue('webhook', payload, webhookProcessor, id, { attempts: WEBHOOK_ATTEMPTS, backoffMs: webhookBackoffMs() });
  }

  async get(id: string): Promise<JobInfo | undefined> {
    return this.jobs.get(id);
  }

  async list(opts: { kind?: JobKind; status?: JobState; offset: number; limit: number }): Promise<{ jobs: JobInfo[]; total: number }> {
    const all = [...this.jobs.values()].reverse().filter((j) => (!opts.kind || j.kind === opts.kind) && (!opts.status || j.status === opts.status));
    return { jobs: all.slice(opts.offset, opts.offset + opts.limit), total: all.length };
  }

  async depth(): Promise<Record<QueueName, QueueDepth>> {
    const now = Date.now();
    const out = Object.fromEntries(QUEUES.map((q) => [q, { waiting: 0, active: 0, oldestWaitingMs: 0 }])) as Record<QueueName, QueueDepth>;
    for (const j of this.jobs.values()) {
      const d = out[QUEUE_OF[j.kind]];
      if (j.status === 'running') d.active++;
      if (j.status === 'queued') {
        d.waiting++;
        d.oldestWaitingMs = Math.max(d.oldestWaitingMs, now - j.queuedAt);
      }
    }
    return out;
  }

  onDone(listener: (job: JobInfo) => void): void {
    this.listeners.push(listener);
  }

  /** Resolves when every job queued so far has finished. */
  async close(): Promise<void> {
    await Promise.all(this.chains.values());
  }
}
