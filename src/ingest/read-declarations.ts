/**
 * Validated declarations of planned files, in batches (one per chunk read, so the per-record cost
 * of async iteration is not paid): what ingest loads and what `score` scores. Every data record
 * comes out once, valid or not, with its line and raw text.
 */
import { createReadStream } from 'node:fs';
import { FIELD_INDEX, findInvalidUtf8, type makeValidator, type ValidationResult } from '../domain/declaration';
import type { IngestPlan, PlannedFile } from './plan';
import { compileColumns, type SourceRow } from './mapping';
import { readCsvRecords, readLines, type RawRecord } from './records';

export interface ReadRecord {
  file: PlannedFile;
  rec: RawRecord;
  result: ValidationResult;
  /** The declaration id as read, for rejects (empty when there is none). */
  declarationId: string;
}

/** A byte stream that reports how far it has read. */
async function* countingStream(file: string, onBytes?: (n: number) => void): AsyncIterable<Buffer> {
  let n = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: 64 * 1024 })) {
    n += (chunk as Buffer).length;
    onBytes?.(n);
    yield chunk as Buffer;
  }
}

export async function* readDeclarations(
  plan: IngestPlan, validate: ReturnType<typeof makeValidator>, onBytes?: (file: PlannedFile, bytes: number) => void,
): AsyncIterable<ReadRecord[]> {
  for (const pf of plan.files) {
    let columns = pf.columns;
    const check = (rec: RawRecord, src: SourceRow): ReadRecord => {
      const { values, attrs } = columns.toRow(src);
      const result = (rec.raw.includes('\uFFFD') && findInvalidUtf8(values)) || validate(values);
      if (result.ok && attrs) result.value.attrs = attrs;
      const id = values[FIELD_INDEX.declaration_id];
      return { file: pf, rec, result, declarationId: typeof id === 'string' || typeof id === 'number' ? String(id).slice(0, 100) : '' };
    };
    const fail = (rec: RawRecord, reason: string): ReadRecord => ({ file: pf, rec, result: { ok: false, field: '', reason }, declarationId: '' });
    const bytes = countingStream(pf.file, onBytes && ((n) => onBytes(pf, n)));
    if (pf.format === 'csv') {
      let header: string[] | undefined;
      for await (const batch of readCsvRecords(bytes)) {
        const out: ReadRecord[] = [];
        for (const rec of batch) {
          if (!header) {
            header = (rec.fields ?? []).map((h) => h.trim());
            columns = compileColumns(header, plan.mapping);
            continue;
          }
          if (rec.error || !rec.fields) out.push(fail(rec, rec.error ?? 'unreadable record'));
          else if (rec.fields.length !== header.length) out.push(fail(rec, `expected ${header.length} fields, got ${rec.fields.length}`));
          else out.push(check(rec, rec.fields));
        }
        yield out;
      }
    } else {
      for await (const batch of readLines(bytes)) {
        const out: ReadRecord[] = [];
        for (const rec of batch) {
          if (rec.error) {
            out.push(fail(rec, rec.error));
            continue;
          }
          let row: unknown;
          try {
            row = JSON.parse(rec.raw);
          } catch (err) {
            out.push(fail(rec, `not valid JSON: ${(err as Error).message.slice(0, 80)}`));
            continue;
          }
          if (row === null || typeof row !== 'object' || Array.isArray(row)) out.push(fail(rec, 'not a JSON object'));
          else out.push(check(rec, row as Record<string, unknown>));
        }
        yield out;
      }
    }
  }
}
