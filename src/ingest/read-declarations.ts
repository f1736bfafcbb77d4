/** Validated declarations of planned files, one by one (for scoring a file without loading it). */
import { createReadStream } from 'node:fs';
import { findInvalidUtf8, makeValidator, type ValidationResult } from '../domain/declaration';
import type { IngestPlan } from './ingest';
import { compileColumns } from './mapping';
import { readCsvRecords, readLines } from './records';

export async function* readDeclarations(plan: IngestPlan, validate: ReturnType<typeof makeValidator>): AsyncIterable<ValidationResult & { line: number }> {
  for (const pf of plan.files) {
    if (pf.format === 'csv') {
      let columns = pf.columns;
      let header = false;
      for await (const batch of readCsvRecords(createReadStream(pf.file))) {
        for (const rec of batch) {
          if (!header) {
            header = true;
            columns = compileColumns((rec.fields ?? []).map((h) => h.trim()), plan.mapping);
            continue;
          }
          if (!rec.fields) {
            yield { ok: false, field: '', reason: rec.error ?? 'unreadable', line: rec.line };
            continue;
          }
          const { values, attrs } = columns.toRow(rec.fields);
          const r = (rec.raw.includes('\uFFFD') && findInvalidUtf8(values)) || validate(values);
          if (r.ok && attrs) r.value.attrs = attrs;
          yield { ...r, line: rec.line };
        }
      }
    } else {
      for await (const batch of readLines(createReadStream(pf.file))) {
        for (const rec of batch) {
          let obj: unknown;
          try {
            obj = JSON.parse(rec.raw);
          } catch {
            yield { ok: false, field: '', reason: 'not valid JSON', line: rec.line };
            continue;
          }
          if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) {
            yield { ok: false, field: '', reason: 'not a JSON object', line: rec.line };
            continue;
          }
          const { values, attrs } = pf.columns.toRow(obj as Record<string, unknown>);
          const r = validate(values);
          if (r.ok && attrs) r.value.attrs = attrs;
          yield { ...r, line: rec.line };
        }
      }
    }
  }
}
