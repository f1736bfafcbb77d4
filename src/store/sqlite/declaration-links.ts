/**
 * Trader → counterpart links of the entity graph, aggregated from the declarations in one read.
 *
 * `GROUP BY trader_ref, consignee_ref` and its siblings cost SQLite a full scan and a sort each
 * (five of them: ~15 s on 4M declarations). Here the declarations are read once (integer columns
 * only, a range at a time as whole columns: range-columns.ts), bucketed by trader with a counting sort, and each trader's counterparts are counted with
 * a stamp array: linear time, typed arrays, no per-pair objects. The links come out in the order
 * the GROUP BY queries gave them (by relationship, then trader, then counterpart), so the entity
 * graph and everything computed from it is unchanged.
 */
import type Database from 'better-sqlite3';
import { DECLARATION_RELS, KIND_CODE, REL_TYPE_CODE, type DeclarationRel } from '../../domain/entities';
import type { DeclarationLinkColumns, EntityLinkColumns } from '../analysis-source';
import { LinkColumnsBatch } from './link-columns';
import { rangeColumns } from './range-columns';

/** Declarations bucketed by trader (counting sort): trader t's are at start[t] .. start[t + 1], in id order. */
interface ByTrader {
  maxId: number;
  start: Int32Array;
  /** Per relationship, each declaration's counterpart (0 for none). */
  targets: Int32Array[];
  values: Float64Array;
}

export function* declarationLinks(
  db: Database.Database, rels: readonly DeclarationRel[], column: Record<DeclarationRel, string>, batchSize: number,
): Generator<EntityLinkColumns> {
  yield* linksOf(byTraderFromStore(db, rels, column), rels, batchSize);
}

/** The same links from a run's cached declaration columns (in id order, counterparts in `rels` order). */
export function* cachedDeclarationLinks(c: DeclarationLinkColumns, rels: readonly DeclarationRel[], batchSize: number): Generator<EntityLinkColumns> {
  let maxId = 0;
  for (let i = 0; i < c.rows; i++) maxId = Math.max(maxId, c.trader[i]!);
  for (const col of c.counterparts) for (let i = 0; i < c.rows; i++) maxId = Math.max(maxId, col[i]!);
  const start = new Int32Array(maxId + 2);
  for (let i = 0; i < c.rows; i++) start[c.trader[i]! + 1]!++;
  for (let t = 0; t <= maxId; t++) start[t + 1]! += start[t]!;
  const fill = start.slice(0, maxId + 1);
  const targets = rels.map(() => new Int32Array(c.rows));
  const values = new Float64Array(c.rows);
  for (let i = 0; i < c.rows; i++) {
    const pos = fill[c.trader[i]!]!++;
    for (let j = 0; j < rels.length; j++) targets[j]![pos] = c.counterparts[j]![i]!;
    values[pos] = c.value[i]!;
  }
  yield* linksOf({ maxId, start, targets, values }, rels, batchSize);
}

function byTraderFromStore(db: Database.Database, rels: readonly DeclarationRel[], column: Record<DeclarationRel, string>): ByTrader {
  // One snapshot for the counts and the rows (an ingest may be writing meanwhile).
  db.exec('BEGIN');
  try {
    const maxId = (db.prepare('SELECT MAX(id) FROM entities').pluck().get() as number | null) ?? 0;
    const rows = db.prepare('SELECT COUNT(*) FROM declarations').pluck().get() as number;
    // Counting sort by trader, filled as the columns are read (no copy of them in id order).
    const start = new Int32Array(maxId + 2);
    for (const [t, n] of db.prepare('SELECT trader_ref, COUNT(*) FROM declarations GROUP BY trader_ref').raw().iterate() as IterableIterator<[number, number]>) {
      start[t + 1] = n;
    }
    for (let t = 0; t <= maxId; t++) start[t + 1]! += start[t]!;
    const fill = start.slice(0, maxId + 1);
    const targets = rels.map(() => new Int32Array(rows));
    const values = new Float64Array(rows);
    const k = rels.length;
    const exprs = ['trader_ref', ...rels.map((r) => `IFNULL(${column[r]}, 0)`), 'declared_value'];
    for (const { columns } of rangeColumns(db, 'declarations', exprs)) {
      const traders = columns[0] as number[];
      const declared = columns[k + 1] as number[];
      for (let i = 0; i < traders.length; i++) {
        const pos = fill[traders[i]!]!++;
        for (let j = 0; j < k; j++) targets[j]![pos] = (columns[j + 1] as number[])[i]!;
        values[pos] = declared[i]!;
      }
    }
    return { maxId, start, targets, values };
  } finally {
    db.exec('COMMIT');
  }
}

function* linksOf({ maxId, start, targets, values }: ByTrader, rels: readonly DeclarationRel[], batchSize: number): Generator<EntityLinkColumns> {
  // Per trader: distinct counterparts (stamped with the trader's id), their count and value.
  const stamp = new Int32Array(maxId + 1).fill(-1);
  const slot = new Int32Array(maxId + 1);
  let widest = 0;
  for (let t = 0; t <= maxId; t++) widest = Math.max(widest, start[t + 1]! - start[t]!);
  const seen = new Int32Array(widest);
  const count = new Float64Array(widest);
  const value = new Float64Array(widest);
  const order = new Int32Array(widest);
  const batch = new LinkColumnsBatch(batchSize);
  const trader = KIND_CODE.get('Trader')!;
  for (let j = 0; j < rels.length; j++) {
    const rel = REL_TYPE_CODE.get(rels[j]!)!;
    const targetKind = KIND_CODE.get(DECLARATION_RELS[rels[j]!])!;
    const col = targets[j]!;
    stamp.fill(-1);
    for (let t = 0; t <= maxId; t++) {
      let m = 0;
      for (let pos = start[t]!; pos < start[t + 1]!; pos++) {
        const target = col[pos]!;
        if (target === 0) continue;
        if (stamp[target] !== t) {
          stamp[target] = t;
          slot[target] = m;
          seen[m] = target;
          count[m] = 0;
          value[m] = 0;
          m++;
        }
        const s = slot[target]!;
        count[s]!++;
        value[s]! += values[pos]!;
      }
      // Counterparts in id order (insertion sort: a trader has few).
      for (let a = 0; a < m; a++) {
        let b = a;
        while (b > 0 && seen[order[b - 1]!]! > seen[a]!) { order[b] = order[b - 1]!; b--; }
        order[b] = a;
      }
      for (let a = 0; a < m; a++) {
        const s = order[a]!;
        batch.push(t, trader, seen[s]!, targetKind, rel, count[s]!, value[s]!);
        if (batch.full) yield batch.take();
      }
    }
  }
  if (batch.length) yield batch.take();
}
