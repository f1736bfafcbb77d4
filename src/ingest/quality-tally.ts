/**
 * Data quality at ingest: for every month of lodging, the rows received, how many filled each
 * contract field, the amounts given as zero, the rows that replaced an earlier version and those
 * sent again unchanged (duplicates). The
 * counts are added to the store's counters after each load, so a run can show the trend.
 */
import type { QualityCount } from '../domain/accountability';
import type { Declaration } from '../domain/declaration';
import { DECLARATION_FIELDS } from '../domain/fields';
import type { BatchResult } from '../domain/graph-facts';

/** Numeric fields whose zero is worth counting: a value, quantity or weight of nothing. */
const ZERO_FIELDS = ['declared_value', 'quantity', 'gross_weight_kg'] as const;

function filled(v: unknown): boolean {
  return v !== undefined && v !== null && v !== '' && !(Array.isArray(v) && v.length === 0);
}

/** A load's data quality as its summary gives it: rows, the share filling each field, zero amounts. */
export interface LoadQuality {
  rows: number;
  /** Rows sent again unchanged. */
  duplicates: number;
  fill: Record<string, number>;
  zero: Record<string, number>;
}

/** Every measure a tally counts, by its index in the counters. */
const MEASURES = ['rows', ...DECLARATION_FIELDS.map((f) => `filled:${f}`), ...ZERO_FIELDS.map((f) => `zero:${f}`), 'replaced', 'duplicate'];
const AT = new Map(MEASURES.map((m, i) => [m, i]));
const ROWS = AT.get('rows')!;
const REPLACED = AT.get('replaced')!;
const DUPLICATE = AT.get('duplicate')!;
const FILLED = DECLARATION_FIELDS.map((f) => AT.get(`filled:${f}`)!);
const ZERO = ZERO_FIELDS.map((f) => AT.get(`zero:${f}`)!);
/** Measures in name order, as the store's counters are listed. */
const BY_NAME = MEASURES.map((_, i) => i).sort((a, b) => (MEASURES[a]! < MEASURES[b]! ? -1 : 1));

export class QualityTally {
  /** Per month of lodging, a counter per measure (an array: a row bumps forty of them). */
  private readonly months = new Map<string, Float64Array>();
  /** The whole load's counts (the monthly ones are handed to the store batch by batch). */
  private readonly load = new Float64Array(MEASURES.length);

  private month(lodgedAt: string): Float64Array {
    const month = lodgedAt.slice(0, 7);
    let m = this.months.get(month);
    if (!m) this.months.set(month, (m = new Float64Array(MEASURES.length)));
    return m;
  }

  private bump(m: Float64Array, measure: number): void {
    m[measure]!++;
    this.load[measure]!++;
  }

  /** The load so far. */
  summary(): LoadQuality {
    const count = (measure: string) => this.load[AT.get(measure)!]!;
    const rows = count('rows');
    const fill: Record<string, number> = {};
    for (const f of DECLARATION_FIELDS) fill[f] = rows ? Math.round((count(`filled:${f}`) / rows) * 1e4) / 1e4 : 0;
    return { rows, duplicates: count('duplicate'), fill, zero: Object.fromEntries(ZERO_FIELDS.map((f) => [f, count(`zero:${f}`)])) };
  }

  /** An accepted row. The outcome counts as filled only when it is a recorded control result. */
  add(d: Declaration): void {
    const m = this.month(d.lodged_at);
    this.bump(m, ROWS);
    const row = d as unknown as Record<string, unknown>;
    for (let i = 0; i < DECLARATION_FIELDS.length; i++) {
      const f = DECLARATION_FIELDS[i]!;
      if (f === 'outcome' ? d.outcome !== 'unknown' : filled(row[f])) this.bump(m, FILLED[i]!);
    }
    for (let i = 0; i < ZERO_FIELDS.length; i++) if (row[ZERO_FIELDS[i]!] === 0) this.bump(m, ZERO[i]!);
  }

  /** Rows that replaced an earlier version with different content, and duplicates: rows sent again unchanged. */
  noteReplaced(r: { changed: BatchResult['replaced']; unchanged: BatchResult['replaced'] }): void {
    for (const x of r.changed) this.bump(this.month(x.current.lodged_at), REPLACED);
    for (const x of r.unchanged) this.bump(this.month(x.current.lodged_at), DUPLICATE);
  }

  /** The counts so far, and a fresh start (they are added to the store's counters once). */
  take(): QualityCount[] {
    const out: QualityCount[] = [];
    for (const [month, m] of [...this.months].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
      for (const i of BY_NAME) if (m[i]! > 0) out.push({ month, measure: MEASURES[i]!, n: m[i]! });
    }
    this.months.clear();
    return out;
  }
}
