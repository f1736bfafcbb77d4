/**
 * The data quality a run reports: ingest's counters by month of lodging (fill rate of every
 * contract field, zero amounts, replaced and duplicate rows), the identifiers it left out as data-entry
 * defaults, and unit values too far from their peers to be prices.
 */
import type { DataQuality, QualityCount } from '../domain/accountability';
import { DECLARATION_FIELDS } from '../domain/fields';
import type { GraphStore } from '../store/graph-store';
import type { GraphStageResult } from './graph/graph-stage';

type Month = DataQuality['months'][number];

/** Ingest's counters, month by month (`rows`, `filled:FIELD`, `zero:FIELD`, `replaced`). */
export function monthsOf(counts: readonly QualityCount[]): Month[] {
  const months = new Map<string, Month>();
  for (const c of counts) {
    let m = months.get(c.month);
    if (!m) months.set(c.month, (m = { month: c.month, rows: 0, filled: {}, replaced: 0, duplicates: 0, zero: {} }));
    const [kind, field] = c.measure.split(':') as [string, string | undefined];
    if (kind === 'rows') m.rows += c.n;
    else if (kind === 'replaced') m.replaced += c.n;
    else if (kind === 'duplicate') m.duplicates += c.n;
    else if (kind === 'filled' && field) m.filled[field] = (m.filled[field] ?? 0) + c.n;
    else if (kind === 'zero' && field) m.zero[field] = (m.zero[field] ?? 0) + c.n;
  }
  return [...months.values()].sort((a, b) => (a.month < b.month ? -1 : 1));
}

export async function dataQuality(
  store: GraphStore, gs: Pick<GraphStageResult, 'defaultIdentifiers' | 'hubThreshold'>, unitValueFar: number, identifierLimit: number,
): Promise<DataQuality> {
  const months = monthsOf(await store.qualityCounts());
  const rows = months.reduce((a, m) => a + m.rows, 0);
  const fill: Record<string, number> = {};
  for (const f of DECLARATION_FIELDS) {
    const n = months.reduce((a, m) => a + (m.filled[f] ?? 0), 0);
    fill[f] = rows > 0 ? Math.round((n / rows) * 1e4) / 1e4 : 0;
  }
  const zero = (f: string) => months.reduce((a, m) => a + (m.zero[f] ?? 0), 0);
  const examples = gs.defaultIdentifiers.examples;
  const keys = new Map((await store.getEntities(examples.map((e) => e.id))).map((e) => [e.id, e.key]));
  return {
    months, fill, rows, replaced: months.reduce((a, m) => a + m.replaced, 0), duplicates: months.reduce((a, m) => a + m.duplicates, 0),
    defaultIdentifiers: {
      limit: Math.round(Math.min(identifierLimit, gs.hubThreshold)), count: gs.defaultIdentifiers.count,
      examples: examples.map((e) => ({ ...e, key: keys.get(e.id) ?? e.id })),
    },
    outOfRange: { unitValueFar, zeroValue: zero('declared_value'), zeroQuantity: zero('quantity'), zeroWeight: zero('gross_weight_kg') },
  };
}
