/**
 * Control outcomes as a separate file, keyed by declaration (`declaration_id, item_no, outcome,
 * fraud_type, recovered_amount`): the feedback loop when results come back apart from the
 * declarations. Rows for declarations not in the store are rejected, never lost.
 */
import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import { FRAUD_TYPES, MAX_AMOUNT, MAX_ITEM_NO, MAX_KEY_CHARS, OUTCOMES, type FraudType, type Outcome } from '../domain/fields';
import type { GraphStore } from '../store/graph-store';
import type { OutcomeUpdate } from '../store/graph-writer';
import { readNamedRows } from './records';
import type { RejectsWriter } from './rejects';
import { declarationKey, splitDeclarationKey } from '../domain/declaration-key';
import { FatalInputError } from '../util/errors';
import { sniffFile } from './sniff';

/** The fields of one control result, as the outcomes file names them. */
export interface OutcomeRow {
  declaration_id?: string;
  item_no?: string;
  outcome?: string;
  fraud_type?: string;
  recovered_amount?: string;
}

/** One control result checked: the update to make, or the field at fault and why (the file and the API say the same). */
export function validateOutcome(row: OutcomeRow): { ok: true; update: OutcomeUpdate } | { ok: false; field: string; reason: string } {
  const id = (row.declaration_id ?? '').trim();
  const item = !row.item_no ? 1 : /^\d{1,6}$/.test(row.item_no) ? Number(row.item_no) : NaN;
  const outcome = (row.outcome ?? '').toLowerCase();
  const fraudType = (row.fraud_type ?? '').toLowerCase();
  const recovered = row.recovered_amount ? (/^\d+(\.\d+)?$/.test(row.recovered_amount) ? Number(row.recovered_amount) : NaN) : undefined;
  if (!id) return { ok: false, field: 'declaration_id', reason: 'declaration_id is required' };
  if (id.length > MAX_KEY_CHARS) return { ok: false, field: 'declaration_id', reason: `declaration_id must have at most ${MAX_KEY_CHARS} characters` };
  if (!(item >= 1 && item <= MAX_ITEM_NO)) return { ok: false, field: 'item_no', reason: `item_no must be a whole number from 1 to ${MAX_ITEM_NO}` };
  if (!(OUTCOMES as readonly string[]).includes(outcome)) return { ok: false, field: 'outcome', reason: `outcome must be one of ${OUTCOMES.join(', ')}` };
  if (fraudType && !(FRAUD_TYPES as readonly string[]).includes(fraudType)) return { ok: false, field: 'fraud_type', reason: `fraud_type must be one of ${FRAUD_TYPES.join(', ')}` };
  if (recovered !== undefined && !(recovered >= 0 && recovered <= MAX_AMOUNT)) return { ok: false, field: 'recovered_amount', reason: `recovered_amount must be a number from 0 to ${MAX_AMOUNT.toExponential()}` };
  return {
    ok: true,
    update: { key: declarationKey(id, item), outcome: outcome as Outcome, ...(fraudType ? { fraudType: fraudType as FraudType } : {}), ...(recovered !== undefined ? { recoveredAmount: recovered } : {}) },
  };
}

export async function checkOutcomes(file: string): Promise<void> {
  const sniff = await sniffFile(file);
  const header = (sniff.header ?? []).map((h) => h.toLowerCase());
  const missing = ['declaration_id', 'outcome'].filter((c) => !header.includes(c));
  if (sniff.format !== 'csv' || missing.length) throw new FatalInputError(file, `an outcomes file is a CSV with columns declaration_id, item_no, outcome, fraud_type, recovered_amount (missing: ${missing.join(', ') || 'header'})`);
}

export async function importOutcomes(store: GraphStore, file: string, rejects: RejectsWriter): Promise<{ read: number; accepted: number; rejected: number }> {
  const summary = { read: 0, accepted: 0, rejected: 0 };
  const name = basename(file);
  const pending: Array<{ update: OutcomeUpdate; line: number; raw: string }> = [];
  const fail = (line: number, raw: string, id: string, field: string, reason: string) => {
    summary.rejected++;
    rejects.add({ file: name, line, declarationId: id, field, reason, raw });
  };
  const flush = async () => {
    const { missing } = await store.updateOutcomes(pending.map((p) => p.update));
    const gone = new Set(missing);
    for (const p of pending) {
      if (gone.has(p.update.key)) fail(p.line, p.raw, splitDeclarationKey(p.update.key)[0], 'declaration_id', 'no such declaration in the store');
      else summary.accepted++;
    }
    pending.length = 0;
  };
  for await (const batch of readNamedRows(createReadStream(file))) {
    for (const { rec, row, error } of batch) {
      summary.read++;
      if (!row) {
        fail(rec.line, rec.raw, '', '', error ?? 'unreadable record');
        continue;
      }
      const checked = validateOutcome(row);
      if (!checked.ok) fail(rec.line, rec.raw, row.declaration_id ?? '', checked.field, checked.reason);
      else pending.push({ update: checked.update, line: rec.line, raw: rec.raw });
    }
    if (pending.length >= 2000) await flush();
  }
  if (pending.length) await flush();
  return summary;
}
