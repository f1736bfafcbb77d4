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

export class QualityTally {
  private readonly months = new Map<string, Map<string, number>>();
  /** The whole load's counts (the monthly ones are handed to the store batch by batch). */
  private readonly load = new Map<string, number>();

  private bump(month: string, measure: string): void {
    let m = this.months.get(month);
    if (!m) this.months.set(month, (m = new Map()));
    m.set(measure, (m.get(measure) ?? 0) + 1);
    this.load.set(measure, (this.load.get(measure) ?? 0) + 1);
  }

  /** The load so far. */
  summary(): LoadQuality {
    const rows = this.load.get('rows') ?? 0;
    const fill: Record<string, number> = {};
    for (const f of DECLARATION_FIELDS) fill[f] = rows ? Math.round(((this.load.get(`filled:${f}`) ?? 0) / rows) * 1e4) / 1e4 : 0;
    return { rows, duplicates: this.load.get('duplicate') ?? 0, fill, zero: Object.fromEntries(ZERO_FIELDS.map((f) => [f, this.load.get(`zero:${f}`) ?? 0])) };
  }

  /** An accepted row. The outcome counts as filled only when it is a recorded control result. */
  add(d: Declaration): void {
    const month = d.lodged_at.slice(0, 7);
    this.bump(month, 'rows');
    const row = d as unknown as Record<string, unknown>;
    for (const f of DECLARATION_FIELDS) {
      if (f === 'outcome' ? d.outcome !== 'unknown' : filled(row[f])) this.bump(month, `filled:${f}`);
    }
    for (const f of ZERO_FIELDS) if (row[f] === 0) this.bump(month, `zero:${f}`);
  }

  /** Rows that replaced an earlier version with different content, and duplicates: rows sent again unchanged. */
  noteReplaced(r: { changed: BatchResult['replaced']; unchanged: BatchResult['replaced'] }): void {
    for (const x of r.changed) this.bump(x.current.lodged_at.slice(0, 7), 'replaced');
    for (const x of r.unchanged) this.bump(x.current.lodged_at.slice(0, 7), 'duplicate');
  }

  /** The counts so far, and a fresh start (they are added to the store's counters once). */
  take(): QualityCount[] {
    const out: QualityCount[] = [];
    for (const [month, m] of [...this.months].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
      for (const [measure, n] of [...m].sort((a, b) => (a[0] < b[0] ? -1 : 1))) out.push({ month, measure, n });
    }
    this.months.clear();
    return out;
  }
}
