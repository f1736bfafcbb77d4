/**
 * Declarations as the analysis cache's columns (declaration-cache.ts): read from SQLite into them,
 * and made from them into the declaration scan's batches. Both readings of a run, every
 * declaration from the store or the cache with what changed, go through these, so the scan gets
 * the same batches either way.
 */
import type Database from 'better-sqlite3';
import type { DeclarationRel } from '../../domain/entities';
import { OUTCOMES } from '../../domain/fields';
import type { DeclarationColumns } from '../analysis-source';
import { outcomeCode } from '../declaration-columns';
import type { IdNumbers } from '../../util/id-numbers';
import { allocateColumns, newTables, type ColumnName, type DeclarationRows, type Tables } from './declaration-cache';
import { FACT_COLUMNS, factOf, ports } from './declaration-facts';
import { rangeColumns } from './range-columns';
import { declarationNodeId, NO_PORTS } from './rows';

/** The outcome as its index in OUTCOMES (DeclarationColumns.outcome). */
const OUTCOME_CODE_SQL = `CASE outcome ${OUTCOMES.map((o, i) => `WHEN '${o}' THEN ${i}`).join(' ')} ELSE ${outcomeCode('unknown')} END`;

const UNKNOWN = outcomeCode('unknown');

/** What SQLite reads into each cache column (besides id). */
export const EXPRS: Array<[Exclude<ColumnName, 'id'>, string]> = [
  ['lodged', 'lodged_at'], ['trader', 'trader_ref'], ['consignee', 'IFNULL(consignee_ref, 0)'], ['supplier', 'IFNULL(supplier_ref, 0)'],
  ['broker', 'IFNULL(broker_ref, 0)'], ['carrier', 'IFNULL(carrier_ref, 0)'], ['route', 'route_ref'], ['value', 'declared_value'],
  ['quantity', 'quantity'], ['weight', 'gross_weight_kg'], ['hs', 'hs_code'], ['currency', 'currency'], ['outcome', OUTCOME_CODE_SQL],
  ['goodsOrigin', 'CASE WHEN goods_origin_country <> origin_country THEN goods_origin_country END'],
  ['transit', 'CASE WHEN goods_origin_country <> origin_country THEN transit_ports END'],
];
/** The cache column of each declaration relationship's counterpart (as REL_COLUMN names the store's). */
export const COUNTERPART_COLUMN: Partial<Record<DeclarationRel, 'consignee' | 'supplier' | 'broker' | 'carrier' | 'route'>> = {
  CONSIGNED_TO: 'consignee', SUPPLIED_BY: 'supplier', DECLARED_BY: 'broker', CARRIED_BY: 'carrier', ROUTED_VIA: 'route',
};
const STRING_COLUMNS: Partial<Record<ColumnName, keyof Tables>> = { lodged: 'lodged', hs: 'hs', currency: 'currency', goodsOrigin: 'place', transit: 'transit' };

/** Rows read by SQLite (ids and EXPRS' arrays, row for row) as cache columns, their strings numbered in `tables`. */
export function rowsOf(ids: number[], arrays: unknown[][], tables: Tables): DeclarationRows {
  const columns = allocateColumns(ids.length);
  columns.id.set(ids);
  EXPRS.forEach(([name, ], k) => {
    const from = arrays[k]!;
    const into = columns[name];
    const table = STRING_COLUMNS[name];
    if (table) {
      const t = tables[table];
      for (let i = 0; i < from.length; i++) into[i] = from[i] === null ? -1 : t.code(from[i] as string);
    } else {
      for (let i = 0; i < from.length; i++) into[i] = from[i] === null ? NaN : (from[i] as number);
    }
  });
  return { length: ids.length, columns, controlled: [] };
}

/**
 * Cache rows as the scan's batch: parties numbered in `numbers` in the order the scan has always
 * numbered a declaration's parties (trader, consignee, supplier, broker, carrier), strings from
 * their tables.
 */
function scanBatch(rows: DeclarationRows, tables: Tables, numbers: IdNumbers, transitPorts: Map<number, string[]>): DeclarationColumns {
  const c = rows.columns;
  const n = rows.length;
  const party = (v: number) => (v === 0 ? -1 : numbers.ofInt(v));
  const out: DeclarationColumns = {
    length: n, key: c.id, declarationId: declarationNodeId,
    lodgedAt: new Array<string>(n), hsCode: new Array<string>(n), currency: new Array<string>(n),
    goodsOriginElsewhere: new Array<string | null>(n), transit: new Array<string[]>(n),
    trader: new Int32Array(n), consignee: new Int32Array(n), supplier: new Int32Array(n), broker: new Int32Array(n), carrier: new Int32Array(n),
    value: c.value, quantity: c.quantity, weight: c.weight, outcome: c.outcome, controlled: rows.controlled,
  };
  const { lodged, hs, currency, place, transit } = tables;
  for (let i = 0; i < n; i++) {
    out.trader[i] = numbers.ofInt(c.trader[i]!);
    out.consignee[i] = party(c.consignee[i]!);
    out.supplier[i] = party(c.supplier[i]!);
    out.broker[i] = party(c.broker[i]!);
    out.carrier[i] = party(c.carrier[i]!);
    out.lodgedAt[i] = lodged.strings[c.lodged[i]!]!;
    out.hsCode[i] = hs.strings[c.hs[i]!]!;
    out.currency[i] = currency.strings[c.currency[i]!]!;
    const g = c.goodsOrigin[i]!;
    out.goodsOriginElsewhere[i] = g < 0 ? null : place.strings[g]!;
    const t = c.transit[i]!;
    if (g < 0 || t < 0) out.transit[i] = NO_PORTS;
    else {
      let split = transitPorts.get(t);
      if (!split) transitPorts.set(t, (split = ports(transit.strings[t])));
      out.transit[i] = split;
    }
  }
  return out;
}

/** Declarations per day of a lodged column (as declarationsPerDay counts them in SQLite). */
export function perDayOf(lodged: Int32Array, length: number, tables: Tables): Array<{ day: string; count: number }> {
  const perCode = new Float64Array(tables.lodged.strings.length);
  for (let i = 0; i < length; i++) perCode[lodged[i]!]!++;
  const perDay = new Map<string, number>();
  tables.lodged.strings.forEach((s, code) => {
    if (perCode[code]! > 0) perDay.set(s.slice(0, 10), (perDay.get(s.slice(0, 10)) ?? 0) + perCode[code]!);
  });
  return [...perDay].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([day, count]) => ({ day, count }));
}

/**
 * Every declaration as cache rows, read from SQLite a rowid range at a time (range-columns.ts),
 * the few of a range with an outcome whole. Run inside a read transaction (the caller's, so that
 * it sees what the caller counted).
 */
export function* storeRows(db: Database.Database, batchSize: number, tables: Tables): Generator<DeclarationRows> {
  const controlled = db.prepare(`SELECT ${FACT_COLUMNS} FROM declarations WHERE id >= ? AND id <= ? AND outcome <> 'unknown' ORDER BY id`).raw(true);
  for (const { ids, columns } of rangeColumns(db, 'declarations', EXPRS.map((e) => e[1]), batchSize)) {
    const batch = rowsOf(ids, columns, tables);
    if (batch.columns.outcome.some((o) => o !== UNKNOWN)) batch.controlled = (controlled.all(ids[0], ids[ids.length - 1]) as unknown[][]).map(factOf);
    yield batch;
  }
}

/** Rows as the scan's batches (scanBatch), their strings in `tables`. */
export function* scanBatches(rows: Iterable<DeclarationRows>, tables: Tables, numbers: IdNumbers): Generator<DeclarationColumns> {
  const transitPorts = new Map<number, string[]>();
  for (const batch of rows) yield scanBatch(batch, tables, numbers, transitPorts);
}

/** Every declaration as the scan's batches, straight from SQLite (no cache). */
export function readEvery(db: Database.Database, numbers: IdNumbers, batchSize: number): Generator<DeclarationColumns> {
  const tables = newTables();
  return scanBatches(storeRows(db, batchSize, tables), tables, numbers);
}
