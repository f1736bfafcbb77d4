/**
 * The job processors: the same functions run in-process (embedded mode) and in BullMQ workers
 * (scaled mode). Each opens the store it is given, reports progress in [0, 1], and returns a
 * JSON-serialisable summary. Errors a retry cannot mend (a bad file, no such ring) are
 * CustomsGraphErrors, which the queues do not retry.
 */
import { writeFile } from 'node:fs/promises';
import { ANALYSIS_STAGES, DEFAULT_PARAMS, runAnalysis } from '../analysis/run';
import { loadConfig } from '../config';
import { exportSubgraph, type ExportFormat } from '../export/formats';
import { subgraphOf, withRisk, type SubgraphTarget } from '../export/subgraph';
import { runIngestThreaded } from '../ingest/ingest-thread';
import { loadMapping } from '../ingest/mapping';
import { planIngest } from '../ingest/plan';
import { withStore } from '../store/open';
import type { Declaration } from '../domain/declaration';
import type { OutcomeUpdate } from '../store/graph-writer';
import { DeclarationLoader } from '../ingest/declaration-loader';
import { retentionCutoffs, runPurge } from '../retention/purge';
import { UsageError } from '../util/errors';
import { deliverWebhook, type WebhookJob } from '../alerts/webhooks';

export type Report = (progress: number) => void | Promise<void>;

export interface IngestJob {
  db: string;
  files: string[];
  mapping?: string;
  rejects: string;
}

export interface AnalysisJob {
  db: string;
  seed: number;
  resolution: number;
  /** Read every declaration rather than the analysis cache and what changed since (`analyze --full`). */
  full?: boolean;
}

export interface ExportJob {
  db: string;
  format: ExportFormat;
  /** A ring (community of the current run) or the neighbourhood of an entity. */
  ring?: number;
  entityId?: string;
  hops?: number;
  limit?: number;
  out: string;
}

/**
 * Declarations lodged through the API (validated, scored and channelled already), to be stored.
 * `lodgedAt` (epoch ms) measures the ingest lag; `selections` are the channels given, kept so that
 * the same request sent again gets the same answer.
 */
export interface LodgeJob {
  db: string;
  declarations: Declaration[];
  lodgedAt: number;
  selections: unknown[];
}

/** Control results recorded through the API (validated; their declarations were in the store when recorded). */
export interface OutcomesJob {
  db: string;
  outcomes: OutcomeUpdate[];
}

/** The queues; each job names its kind (an ingest queue job loads a file, lodged declarations or outcomes). */
export const QUEUES = ['ingest', 'analysis', 'export', 'deliver'] as const;
export type QueueName = (typeof QUEUES)[number];
export const JOB_KINDS = ['ingest', 'lodge', 'outcomes', 'analysis', 'purge', 'export', 'webhook'] as const;
export type JobKind = (typeof JOB_KINDS)[number];
/** A purge shares the analysis queue: its workers take one job at a time, so a purge and a run never overlap. */
export const QUEUE_OF: Record<JobKind, QueueName> = {
  ingest: 'ingest', lodge: 'ingest', outcomes: 'ingest', analysis: 'analysis', purge: 'analysis', export: 'export', webhook: 'deliver',
};

/** A webhook delivery is tried this many times, waiting WEBHOOK_BACKOFF_MS × 2^(try − 1) between tries (about 4 minutes in all). */
export const WEBHOOK_ATTEMPTS = 8;
/** One job per alert and subscriber: two API servers telling the same alert queue it once. */
export const webhookJobId = (job: WebhookJob) => `webhook-${job.subscriber.replace(/[^\w.-]/g, '_')}-${job.alertId.replace(/[^\w.-]/g, '_')}`;

export function webhookBackoffMs(env: NodeJS.ProcessEnv = process.env): number {
  return Math.max(10, Number(env.CUSTOMS_GRAPH_WEBHOOK_BACKOFF_MS) || 1000);
}

/** The retention purge of a store, its cutoffs taken from the policy when the job runs (a scheduled job purges up to its own day). */
export interface PurgeJob {
  db: string;
}

/** Export jobs write files, not responses: they may draw ten times the API's subgraph limit. */
export const EXPORT_JOB_MAX_NODES = 5000;

export async function ingestProcessor(job: IngestJob, report: Report) {
  const config = loadConfig();
  const plan = await planIngest(job.files, job.mapping ? loadMapping(job.mapping) : undefined);
  const total = plan.files.reduce((a, f) => a + f.bytes, 0);
  return withStore(job.db, async (store) => {
    // Reading on a thread of its own beside the store's writes, as the CLI's ingest does.
    const s = await runIngestThreaded(store, plan, {
      rejectsPath: job.rejects, phoneRegion: config.phoneRegion, defaultCurrency: config.defaultCurrency,
      onProgress: (p) => { void report(total ? p.bytesRead / total : 0); },
    });
    return { read: s.read, accepted: s.accepted, rejected: s.rejected, seconds: s.seconds };
  });
}

/** Stores lodged declarations: the same loader as a file's (a changed declaration replaces the old one and its links). */
export async function lodgeProcessor(job: LodgeJob, report: Report) {
  const config = loadConfig();
  return withStore(job.db, async (store) => {
    const loader = new DeclarationLoader(store, { phoneRegion: config.phoneRegion });
    for (const [i, d] of job.declarations.entries()) await loader.add(d, { file: 'lodged', line: i + 1 });
    await loader.flush();
    await loader.finish();
    await report(1);
    return { stored: loader.stored, replaced: loader.replacements.summary.replaced, lagMs: Date.now() - job.lodgedAt };
  });
}

/** Records control results; one whose declaration has gone since it was recorded is counted, never lost silently. */
export async function outcomesProcessor(job: OutcomesJob, report: Report) {
  return withStore(job.db, async (store) => {
    const { updated, missing } = await store.updateOutcomes(job.outcomes);
    await report(1);
    return { updated, missing: missing.length, missingKeys: missing.slice(0, 100) };
  });
}

/** The retention policy applied (CUSTOMS_GRAPH_RETENTION_YEARS, CUSTOMS_GRAPH_AUDIT_RETENTION_YEARS), as `customs-graph purge` applies it. */
export async function purgeProcessor(job: PurgeJob, report: Report) {
  const { before, auditBefore } = retentionCutoffs();
  return withStore(job.db, async (store) => {
    const s = await runPurge(store, {
      before, auditBefore, dryRun: false, secret: process.env.CUSTOMS_GRAPH_PSEUDONYM_KEY || undefined,
      onProgress: (done, total) => { void report(total ? done / total : 1); },
    });
    return { ...s };
  });
}

function exportTarget(job: ExportJob): SubgraphTarget {
  if (job.ring !== undefined) return { ring: job.ring };
  if (job.entityId) return { entityId: job.entityId, hops: Math.min(job.hops ?? 1, 3) };
  throw new UsageError('an export job needs a ring or an entityId');
}

/** Writes a ring or a neighbourhood as GEXF, GraphML or Cytoscape.js JSON to a file. */
export async function exportProcessor(job: ExportJob, report: Report) {
  const target = exportTarget(job);
  return withStore(job.db, async (store) => {
    const sub = await subgraphOf(store, target, Math.min(job.limit ?? 500, EXPORT_JOB_MAX_NODES));
    await report(0.5);
    await writeFile(job.out, exportSubgraph(job.format, await withRisk(store, sub.nodes), sub.edges));
    return { out: job.out, nodes: sub.nodes.length, edges: sub.edges.length, truncated: sub.truncated };
  });
}

/** One alert to one subscriber's webhook (alerts/webhooks.ts); throws to be retried unless the receiver answers 2xx. */
export async function webhookProcessor(job: WebhookJob, report: Report) {
  const r = await deliverWebhook(job);
  await report(1);
  return { subscriber: job.subscriber, alert: job.alertId, ...r };
}

export async function analysisProcessor(job: AnalysisJob, report: Report) {
  return withStore(job.db, async (store) => {
    const s = await runAnalysis(store, { ...DEFAULT_PARAMS, seed: job.seed, resolution: job.resolution }, {
      storePath: job.db, keepRuns: loadConfig().keepRuns, staleMs: loadConfig().runStaleMs, full: job.full === true,
      onStage: (stage) => { void report(ANALYSIS_STAGES.indexOf(stage) / ANALYSIS_STAGES.length); },
    });
    return { runId: s.runId, supersededBy: s.supersededBy, pruned: s.pruned, counts: s.counts, timings: s.timings, alertsRaised: s.alertsRaised };
  });
}
