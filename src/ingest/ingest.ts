/**
 * Ingest: files → records → (mapping) → validation → entity resolution → batched upserts.
 * Every record read is either accepted or written to the rejects file: read = accepted + rejected.
 */
import { basename } from 'node:path';
import { makeValidator } from '../domain/declaration';
import type { Logger } from '../util/logger';
import { readDeclarations } from './read-declarations';
import { checkWritable, RejectsWriter } from './rejects';
import { DEFAULT_BATCH_SIZE, DeclarationLoader, type LoadTarget } from './declaration-loader';
import type { LoadQuality } from './quality-tally';
import { warnDuplicates, type ReplacementSummary } from './replacements';
import { planIngest, type IngestPlan, type PlannedFile } from './plan';
import type { Mapping } from './mapping';
import type { InputFormat } from './sniff';

export interface IngestProgress {
  file: string;
  bytesRead: number;
  bytesTotal: number;
  read: number;
}

export { DEFAULT_BATCH_SIZE };

export interface IngestOptions {
  rejectsPath: string;
  phoneRegion: string;
  defaultCurrency: string;
  /** Declarations per transaction. */
  batchSize?: number;
  onProgress?: (p: IngestProgress) => void;
  logger?: Logger;
}

export interface FileSummary {
  file: string;
  format: InputFormat;
  read: number;
  accepted: number;
  rejected: number;
}

export interface IngestSummary {
  files: FileSummary[];
  read: number;
  accepted: number;
  rejected: number;
  /** Set when at least one row was rejected. */
  rejectsFile?: string;
  seconds: number;
  rowsPerSecond: number;
  warnings: string[];
  /** Declarations that replaced different versions, duplicates within this load, links that went with them. */
  replacements: ReplacementSummary;
  /** The fill rate of every field in this load, and its zero amounts (the store keeps them by month too). */
  quality: LoadQuality;
  /** Watchlist alerts raised: a watchlisted identifier or party in a declaration of this load. */
  alerts: number;
}

/** What a thread that reads for a load is given: the files and how to read them. */
export interface ReadingRequest {
  files: string[];
  mapping?: Mapping;
  rejectsPath: string;
  phoneRegion: string;
  defaultCurrency: string;
  batchSize?: number;
}

/** A reading thread's load: the files planned there, into `target`, which keeps the last progress (sent with the next batch). */
export async function readInto(target: LoadTarget & { progress?: IngestProgress }, req: ReadingRequest): Promise<IngestSummary> {
  const plan = await planIngest(req.files, req.mapping);
  return runIngest(target, plan, {
    rejectsPath: req.rejectsPath, phoneRegion: req.phoneRegion, defaultCurrency: req.defaultCurrency,
    ...(req.batchSize ? { batchSize: req.batchSize } : {}),
    onProgress: (p) => { target.progress = p; },
  });
}

/** A rough row estimate (declaration rows are a few hundred bytes): it lets the store prepare for large loads. */
export function expectedRowsOf(plan: IngestPlan): number {
  return plan.files.reduce((a, f) => a + f.bytes, 0) / 300;
}

export async function runIngest(store: LoadTarget, plan: IngestPlan, opts: IngestOptions): Promise<IngestSummary> {
  checkWritable(opts.rejectsPath);
  const started = process.hrtime.bigint();
  const validate = makeValidator({ defaultCurrency: opts.defaultCurrency });
  const rejects = new RejectsWriter(opts.rejectsPath);
  const loader = new DeclarationLoader(store, { phoneRegion: opts.phoneRegion, batchSize: opts.batchSize ?? DEFAULT_BATCH_SIZE });
  const summaries: FileSummary[] = [];
  for (const w of plan.warnings) opts.logger?.warn(w);

  const byFile = new Map<PlannedFile, FileSummary>();
  for (const pf of plan.files) {
    const summary: FileSummary = { file: pf.file, format: pf.format, read: 0, accepted: 0, rejected: 0 };
    summaries.push(summary);
    byFile.set(pf, summary);
  }
  let bytesRead = 0;
  try {
    await store.bulk(expectedRowsOf(plan), async () => {
      for await (const batch of readDeclarations(plan, validate, (_f, n) => { bytesRead = n; })) {
        for (const { file, rec, result, declarationId } of batch) {
          const summary = byFile.get(file)!;
          const fileName = basename(file.file);
          summary.read++;
          if (!result.ok) {
            summary.rejected++;
            rejects.add({ file: fileName, line: rec.line, declarationId, field: result.field, reason: result.reason, raw: rec.raw });
            continue;
          }
          summary.accepted++;
          if (await loader.add(result.value, { file: fileName, line: rec.line })) {
            opts.onProgress?.({ file: file.file, bytesRead, bytesTotal: file.bytes, read: summary.read });
          }
        }
      }
      await loader.flush();
    });
    await loader.finish();
    warnDuplicates(loader.replacements.summary, opts.logger);
  } finally {
    await rejects.close();
  }

  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const read = summaries.reduce((a, s) => a + s.read, 0);
  const accepted = summaries.reduce((a, s) => a + s.accepted, 0);
  const rejected = summaries.reduce((a, s) => a + s.rejected, 0);
  return {
    files: summaries, read, accepted, rejected,
    ...(rejected > 0 ? { rejectsFile: opts.rejectsPath } : {}),
    seconds, rowsPerSecond: seconds > 0 ? read / seconds : read, warnings: plan.warnings, replacements: loader.replacements.summary,
    quality: loader.quality.summary(), alerts: loader.alertsRaised,
  };
}
