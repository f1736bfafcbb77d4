/**
 * Ingest: files → records → (mapping) → validation → entity resolution → batched upserts.
 * Every record read is either accepted or written to the rejects file: read = accepted + rejected.
 */
import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import { FIELD_INDEX, findInvalidUtf8, makeValidator } from '../domain/declaration';
import type { GraphStore } from '../store/graph-store';
import type { Logger } from '../util/logger';
import { compileColumns, type CompiledColumns, type Mapping, type SourceRow } from './mapping';
import { readCsvRecords, readLines, type RawRecord } from './records';
import { RejectsWriter } from './rejects';
import { BatchBuilder, DeclarationResolver } from './resolve';
import { FatalInputError, sniffFile, type InputFormat } from './sniff';

export interface PlannedFile {
  file: string;
  format: InputFormat;
  bytes: number;
  header?: string[];
  columns: CompiledColumns;
}

export interface IngestPlan {
  files: PlannedFile[];
  warnings: string[];
  mapping?: Mapping;
}

/**
 * Checks every file before anything is written: readable, text, UTF-8, with the columns the
 * contract (or the mapping) needs. Throws FatalInputError naming the first file that fails.
 */
export async function planIngest(files: readonly string[], mapping?: Mapping): Promise<IngestPlan> {
  if (files.length === 0) throw new FatalInputError('(no file)', 'give at least one declaration file');
  const planned: PlannedFile[] = [];
  const warnings: string[] = [];
  for (const file of files) {
    const sniff = await sniffFile(file);
    const columns = compileColumns(sniff.header, mapping);
    if (columns.missingSources.length) {
      throw new FatalInputError(file, `the mapping reads column(s) the file lacks: ${columns.missingSources.join(', ')}`);
    }
    if (sniff.format === 'csv' && columns.missingRequired.length) {
      throw new FatalInputError(file, `missing required column(s): ${columns.missingRequired.join(', ')}`);
    }
    if (columns.unused.length) {
      warnings.push(`${file}: ignoring ${columns.unused.length} unknown column(s): ${columns.unused.join(', ')}`);
    }
    planned.push({ ...sniff, columns });
  }
  return { files: planned, warnings, mapping };
}

export interface IngestProgress {
  file: string;
  bytesRead: number;
  bytesTotal: number;
  read: number;
}

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
}

/** A byte stream that reports how far it has read. */
async function* countingStream(file: string, onBytes: (n: number) => void): AsyncIterable<Buffer> {
  let n = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: 256 * 1024 })) {
    n += (chunk as Buffer).length;
    onBytes(n);
    yield chunk as Buffer;
  }
}

export async function runIngest(store: GraphStore, plan: IngestPlan, opts: IngestOptions): Promise<IngestSummary> {
  const started = process.hrtime.bigint();
  const validate = makeValidator({ defaultCurrency: opts.defaultCurrency });
  const resolver = new DeclarationResolver({ phoneRegion: opts.phoneRegion });
  const rejects = new RejectsWriter(opts.rejectsPath);
  const batchSize = opts.batchSize ?? 2000;
  const builder = new BatchBuilder();
  const summaries: FileSummary[] = [];
  for (const w of plan.warnings) opts.logger?.warn(w);

  // A rough row estimate (declaration rows are a few hundred bytes) lets the store prepare for large loads.
  const expectedRows = plan.files.reduce((a, f) => a + f.bytes, 0) / 300;
  try {
    await store.bulk(expectedRows, async () => {
    for (const pf of plan.files) {
      const summary: FileSummary = { file: pf.file, format: pf.format, read: 0, accepted: 0, rejected: 0 };
      summaries.push(summary);
      const fileName = basename(pf.file);
      let columns = pf.columns;
      let bytesRead = 0;
      const stream = countingStream(pf.file, (n) => { bytesRead = n; });
      const reject = (rec: RawRecord, field: string, reason: string, declarationId = '') => {
        summary.rejected++;
        rejects.add({ file: fileName, line: rec.line, declarationId, field, reason, raw: rec.raw });
      };
      const accept = async (rec: RawRecord, src: SourceRow) => {
        const { values, attrs } = columns.toRow(src);
        const result = (rec.raw.includes('\uFFFD') && findInvalidUtf8(values)) || validate(values);
        if (!result.ok) {
          const id = values[FIELD_INDEX.declaration_id];
          reject(rec, result.field, result.reason, typeof id === 'string' || typeof id === 'number' ? String(id).slice(0, 100) : '');
          return;
        }
        if (attrs) result.value.attrs = attrs;
        resolver.resolve(result.value, builder, { file: fileName, line: rec.line });
        summary.accepted++;
        if (builder.size >= batchSize) await store.writeBatch(builder.take());
      };

      if (pf.format === 'csv') {
        let header: string[] | undefined;
        for await (const batch of readCsvRecords(stream)) {
          for (const rec of batch) {
            if (!header) {
              header = (rec.fields ?? []).map((h) => h.trim());
              columns = compileColumns(header, plan.mapping);
              continue;
            }
            summary.read++;
            if (rec.error || !rec.fields) {
              reject(rec, '', rec.error ?? 'unreadable record');
              continue;
            }
            if (rec.fields.length !== header.length) {
              reject(rec, '', `expected ${header.length} fields, got ${rec.fields.length}`);
              continue;
            }
            await accept(rec, rec.fields);
          }
          opts.onProgress?.({ file: pf.file, bytesRead, bytesTotal: pf.bytes, read: summary.read });
        }
      } else {
        for await (const batch of readLines(stream)) {
          for (const rec of batch) {
            summary.read++;
            let row: unknown;
            try {
              row = JSON.parse(rec.raw);
            } catch (err) {
              reject(rec, '', `not valid JSON: ${(err as Error).message.slice(0, 80)}`);
              continue;
            }
            if (row === null || typeof row !== 'object' || Array.isArray(row)) {
              reject(rec, '', 'not a JSON object');
              continue;
            }
            await accept(rec, row as Record<string, unknown>);
          }
          opts.onProgress?.({ file: pf.file, bytesRead, bytesTotal: pf.bytes, read: summary.read });
        }
      }
      if (builder.size > 0) await store.writeBatch(builder.take());
    }
    });
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
    seconds, rowsPerSecond: seconds > 0 ? read / seconds : read, warnings: plan.warnings,
  };
}
