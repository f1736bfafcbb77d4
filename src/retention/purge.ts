/**
 * The retention purge, step by step (store/retention.ts says what it keeps and removes): what it
 * would do first, then steps of one transaction each until nothing is left, then the audit
 * records past their own limit. The purge is recorded in the audit log by its counts, never its
 * contents.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { AuditLog } from '../store/audit-log';
import { addCounts, NO_PURGE, pseudonymizer, type PurgeCounts, type RetentionStore } from '../store/retention';

/** Declarations per step (one transaction) unless told otherwise. */
export const DEFAULT_PURGE_BATCH = 20_000;

/** Declarations' identities kept this many years unless told otherwise (CUSTOMS_GRAPH_RETENTION_YEARS). */
export const DEFAULT_RETENTION_YEARS = 10;
/** The audit log kept this many years unless told otherwise (CUSTOMS_GRAPH_AUDIT_RETENTION_YEARS). */
export const DEFAULT_AUDIT_RETENTION_YEARS = 10;

/** The policy's cutoffs today: declarations' identities and audit records older than their limits go. */
export function retentionCutoffs(env: NodeJS.ProcessEnv = process.env, today = new Date()): { before: string; auditBefore: string } {
  const years = (value: string | undefined, fallback: number) => Math.max(1, Math.floor(Number(value) || fallback));
  return {
    before: yearsBefore(years(env.CUSTOMS_GRAPH_RETENTION_YEARS, DEFAULT_RETENTION_YEARS), today),
    auditBefore: yearsBefore(years(env.CUSTOMS_GRAPH_AUDIT_RETENTION_YEARS, DEFAULT_AUDIT_RETENTION_YEARS), today),
  };
}

/** The day `years` years before `today` (YYYY-MM-DD). */
export function yearsBefore(years: number, today = new Date()): string {
  const d = new Date(Date.UTC(today.getUTCFullYear() - years, today.getUTCMonth(), today.getUTCDate()));
  return d.toISOString().slice(0, 10);
}

export interface PurgeOptions {
  /** Declarations lodged before this day lose their identities. */
  before: string;
  /** Audit records before this day are removed (none when absent). */
  auditBefore?: string;
  dryRun: boolean;
  /** Declarations per step (one transaction). */
  batch?: number;
  /** The pseudonyms' secret (CUSTOMS_GRAPH_PSEUDONYM_KEY); one is drawn for this purge when absent. */
  secret?: string;
  onProgress?: (done: number, total: number) => void;
}

export interface PurgeSummary {
  before: string;
  dryRun: boolean;
  /** What the purge would do (a dry run) or found to do. */
  plan: PurgeCounts;
  /** What it did (a real run). */
  done?: PurgeCounts;
  auditRecordsRemoved?: number;
  seconds: number;
}

export async function runPurge(store: RetentionStore & Pick<AuditLog, 'appendAudit'>, opts: PurgeOptions): Promise<PurgeSummary> {
  const started = Date.now();
  const plan = await store.purgePlan(opts.before);
  if (opts.dryRun) return { before: opts.before, dryRun: true, plan, seconds: (Date.now() - started) / 1000 };
  const pseudonym = pseudonymizer(opts.secret ?? randomBytes(32).toString('hex'));
  let done = NO_PURGE;
  for (;;) {
    const step = await store.purgeStep(opts.before, opts.batch ?? DEFAULT_PURGE_BATCH, pseudonym);
    if (step.declarations === 0) break;
    done = addCounts(done, step);
    opts.onProgress?.(done.declarations, plan.declarations);
  }
  const auditRecordsRemoved = opts.auditBefore ? await store.purgeAudit(opts.auditBefore) : undefined;
  await store.appendAudit({
    at: new Date().toISOString(), who: 'customs-graph purge', role: 'operator', operation: 'purge', entityIds: [], requestId: randomUUID(),
    detail: `declarations lodged before ${opts.before}: ${done.declarations} lost their identities, ${done.parties} parties kept as pseudonyms, ${done.identifiers} identifiers removed`
      + (opts.auditBefore ? `; ${auditRecordsRemoved} audit records before ${opts.auditBefore} removed` : ''),
  });
  return { before: opts.before, dryRun: false, plan, done, ...(auditRecordsRemoved !== undefined ? { auditRecordsRemoved } : {}), seconds: (Date.now() - started) / 1000 };
}
