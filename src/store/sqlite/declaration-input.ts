/**
 * A run's declarations from the embedded store: every one read from SQLite (and the analysis cache
 * written as they are read), or the analysis cache with the declarations added and changed since
 * it was made read in their place (declaration-cache.ts). Either way the scan gets the same
 * batches of columns for the same data: both are made from the cache's columns by one function.
 */
import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import { OUTCOMES, type Outcome } from '../../domain/fields';
import type { DeclarationFacts } from '../../domain/results';
import type { DeclarationColumns, DeclarationInput, DeclarationLinkColumns, DeclarationReading } from '../analysis-source';
import { outcomeCode } from '../declaration-columns';
import type { IdNumbers } from '../../util/id-numbers';
import { openDatabase, withReader } from './connection';
import {
  allocateColumns, CACHE_COLUMNS, CacheWriter, columnsSlice, newTables, openCache,
  type CacheCoverage, type ColumnName, type Columns, type DeclarationRows, type OpenedCache, type Tables,
} from './declaration-cache';
import { queryColumns, rangeColumns } from './range-columns';
import type { DeclarationRel } from '../../domain/entities';
import { declarationNodeId, GRAPH_RELS, NO_PORTS } from './rows';

export const FACT_COLUMNS = `id, lodged_at, trader_ref, consignee_ref, supplier_ref, broker_ref, carrier_ref, route_ref, hs_code,
  origin_country, goods_origin_country, transit_ports, declared_value, quantity, gross_weight_kg, currency, outcome, attrs,
  office, regime, aeo, declaration_id, recovered_amount`;

const opt = (v: unknown) => (v === null ? undefined : String(v));
const ports = (v: unknown) => (v ? (v as string).split(';') : NO_PORTS);

/** A declaration's facts from a row of FACT_COLUMNS: one object of one shape (attrs always present), no per-row empty arrays. */
export function factOf(r: unknown[]): DeclarationFacts {
  return {
    id: declarationNodeId(r[0] as number), lodgedAt: r[1] as string, trader: String(r[2]), consignee: opt(r[3]),
    supplier: opt(r[4]), broker: opt(r[5]), carrier: opt(r[6]), route: String(r[7]), hsCode: r[8] as string, origin: r[9] as string,
    goodsOrigin: (r[10] as string | null) ?? undefined, transit: ports(r[11]), value: r[12] as number,
    quantity: (r[13] as number | null) ?? undefined, weight: (r[14] as number | null) ?? undefined, currency: r[15] as string,
    outcome: r[16] as Outcome, attrs: r[17] ? (JSON.parse(r[17] as string) as Record<string, string>) : undefined,
    office: opt(r[18]), regime: r[19] as string, aeo: r[20] === null ? undefined : r[20] === 1,
    declarationId: r[21] as string, recovered: (r[22] as number | null) ?? undefined,
  };
}

/** The outcome as its index in OUTCOMES (DeclarationColumns.outcome). */
const OUTCOME_CODE_SQL = `CASE outcome ${OUTCOMES.map((o, i) => `WHEN '${o}' THEN ${i}`).join(' ')} ELSE ${outcomeCode('unknown')} END`;

/** What SQLite reads into each cache column (besides id). */
const EXPRS: Array<[Exclude<ColumnName, 'id'>, string]> = [
  ['lodged', 'lodged_at'], ['trader', 'trader_ref'], ['consignee', 'IFNULL(consignee_ref, 0)'], ['supplier', 'IFNULL(supplier_ref, 0)'],
  ['broker', 'IFNULL(broker_ref, 0)'], ['carrier', 'IFNULL(carrier_ref, 0)'], ['route', 'route_ref'], ['value', 'declared_value'],
  ['quantity', 'quantity'], ['weight', 'gross_weight_kg'], ['hs', 'hs_code'], ['currency', 'currency'], ['outcome', OUTCOME_CODE_SQL],
  ['goodsOrigin', 'CASE WHEN goods_origin_country <> origin_country THEN goods_origin_country END'],
  ['transit', 'CASE WHEN goods_origin_country <> origin_country THEN transit_ports END'],
];
const COLUMN_NAMES = Object.keys(CACHE_COLUMNS) as ColumnName[];
/** The cache column of each declaration relationship's counterpart (as REL_COLUMN names the store's). */
const COUNTERPART_COLUMN: Partial<Record<DeclarationRel, 'consignee' | 'supplier' | 'broker' | 'carrier' | 'route'>> = {
  CONSIGNED_TO: 'consignee', SUPPLIED_BY: 'supplier', DECLARED_BY: 'broker', CARRIED_BY: 'carrier', ROUTED_VIA: 'route',
};
const STRING_COLUMNS: Partial<Record<ColumnName, keyof Tables>> = { lodged: 'lodged', hs: 'hs', currency: 'currency', goodsOrigin: 'place', transit: 'transit' };

/** Rows read by SQLite (ids and EXPRS' arrays, row for row) as cache columns, their strings numbered in `tables`. */
function rowsOf(ids: number[], arrays: unknown[][], tables: Tables): DeclarationRows {
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
function perDayOf(lodged: Int32Array, length: number, tables: Tables): Array<{ day: string; count: number }> {
  const perCode = new Float64Array(tables.lodged.strings.length);
  for (let i = 0; i < length; i++) perCode[lodged[i]!]!++;
  const perDay = new Map<string, number>();
  tables.lodged.strings.forEach((s, code) => {
    if (perCode[code]! > 0) perDay.set(s.slice(0, 10), (perDay.get(s.slice(0, 10)) ?? 0) + perCode[code]!);
  });
  return [...perDay].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([day, count]) => ({ day, count }));
}

/**
 * Every declaration as the scan's batches, read from SQLite a rowid range at a time (range-columns.ts),
 * the few of a range with an outcome whole; each range written to `writer` too when there is one.
 * Run inside a read transaction (the caller's, so that it sees what the caller counted).
 */
export function* readEvery(db: Database.Database, numbers: IdNumbers, batchSize: number, writer?: CacheWriter): Generator<DeclarationColumns> {
  const controlled = db.prepare(`SELECT ${FACT_COLUMNS} FROM declarations WHERE id >= ? AND id <= ? AND outcome <> 'unknown' ORDER BY id`).raw(true);
  const tables = writer?.tables ?? newTables();
  const transitPorts = new Map<number, string[]>();
  for (const { ids, columns } of rangeColumns(db, 'declarations', EXPRS.map((e) => e[1]), batchSize)) {
    const batch = rowsOf(ids, columns, tables);
    if (batch.columns.outcome.some((o) => o !== UNKNOWN)) batch.controlled = (controlled.all(ids[0], ids[ids.length - 1]) as unknown[][]).map(factOf);
    writer?.append(batch);
    yield scanBatch(batch, tables, numbers, transitPorts);
  }
}

/** The analysis cache's file beside a store. */
export const cachePath = (storePath: string) => `${storePath}.analysis-cache`; // one of FILES_BESIDE (connection.ts)

/** Reading more than this share of the declarations anew, a run reads them all (and writes a new cache). */
const MAX_CHANGED_SHARE = 0.25;

export class SqliteDeclarationInputs {
  constructor(private readonly db: Database.Database, private readonly path: string, private readonly perDay: () => Promise<Array<{ day: string; count: number }>>) {}

  async open(opts: { full: boolean }): Promise<DeclarationInput> {
    if (opts.full) return this.full('asked for (--full)');
    const opened = openCache(cachePath(this.path));
    if ('unreadable' in opened) return this.full(opened.unreadable);
    const recorded = this.db.prepare('SELECT token FROM analysis_cache WHERE id = 1').pluck().get() as string | undefined;
    if (recorded !== opened.coverage.token) {
      opened.close();
      return this.full('the analysis cache was made from another copy of this store');
    }
    const reader = openDatabase(this.path, { readonly: true });
    let patch: Patch | { full: string };
    try {
      patch = reader.transaction(() => readPatch(reader, opened))();
    } catch (err) {
      opened.close();
      throw err;
    } finally {
      reader.close();
    }
    if ('full' in patch) {
      opened.close();
      return this.full(patch.full);
    }
    return this.incremental(opened, patch);
  }

  /** Every declaration from SQLite, written into a new cache as it is read. */
  private full(reason: string): DeclarationInput {
    const reading: DeclarationReading = { mode: 'full', reason, fromStore: 0, fromCache: 0 };
    let kept: CacheCoverage | undefined;
    const path = this.path;
    return {
      reading,
      declarationsPerDay: this.perDay,
      streamDeclarationColumns: (numbers, batchSize = 2_000) => withReader(path, function* (db) {
        // One read transaction: the count, the coverage and the ranges see one snapshot.
        db.exec('BEGIN');
        try {
          const coverage = coverageOf(db, randomUUID());
          const writer = new CacheWriter(cachePath(path), db.prepare('SELECT COUNT(*) FROM declarations').pluck().get() as number);
          try {
            for (const batch of readEvery(db, numbers, batchSize, writer)) {
              reading.fromStore += batch.length;
              yield batch;
            }
            writer.finish(coverage);
            kept = coverage;
          } catch (err) {
            writer.abort();
            throw err;
          }
        } finally {
          db.exec('COMMIT');
        }
      }),
      keep: async () => {
        if (kept) this.record(kept);
      },
    };
  }

  /**
   * The cache with the declarations added and changed since read in their place, a range of rows
   * at a time, written into a new cache as they go (when anything changed). Only the columns the
   * graph's projection reads are held whole (shared with the graph thread).
   */
  private incremental(opened: OpenedCache, patch: Patch): DeclarationInput {
    const { changed, appended } = patch;
    const total = opened.rows + appended.length;
    const reading: DeclarationReading = { mode: 'incremental', fromStore: changed.length + appended.length, fromCache: opened.rows - changed.length };
    const anything = changed.length + appended.length > 0;
    let kept: CacheCoverage | undefined;
    const path = this.path;
    const lodged = new Int32Array(total);
    opened.readColumn('lodged', 0, opened.rows, lodged);
    patch.at.forEach((at, k) => { lodged[at] = changed.columns.lodged[k]!; });
    lodged.set(appended.columns.lodged.subarray(0, appended.length), opened.rows);
    const perDay = perDayOf(lodged, total, opened.tables);
    return {
      reading,
      linkColumns: () => linkColumns(opened, patch, total),
      declarationsPerDay: async () => perDay,
      async *streamDeclarationColumns(numbers, batchSize = 2_000) {
        const writer = anything ? new CacheWriter(cachePath(path), total, opened.tables) : undefined;
        const transitPorts = new Map<number, string[]>();
        const old = controlledFacts(opened.controlled(), new Set(patch.changedIds));
        try {
          let k = 0;
          for (let from = 0; from < opened.rows; from += batchSize) {
            const to = Math.min(opened.rows, from + batchSize);
            const columns = opened.readRows(from, to);
            // Changed declarations of the range written over their rows, with their controlled facts if they have an outcome now.
            for (; k < patch.at.length && patch.at[k]! < to; k++) {
              for (const name of COLUMN_NAMES) columns[name][patch.at[k]! - from] = changed.columns[name][k]!;
            }
            const last = columns.id[to - from - 1]!;
            const batch = { length: to - from, columns, controlled: mergeById(old.upTo(last), factsUpTo(changed.controlled, last)) };
            writer?.append(batch);
            yield scanBatch(batch, opened.tables, numbers, transitPorts);
          }
          for (let from = 0; from < appended.length; from += batchSize) {
            const to = Math.min(appended.length, from + batchSize);
            const batch = { length: to - from, columns: columnsSlice(appended.columns, from, to), controlled: factsUpTo(appended.controlled, appended.columns.id[to - 1]!) };
            writer?.append(batch);
            yield scanBatch(batch, opened.tables, numbers, transitPorts);
          }
          writer?.finish(patch.coverage);
          kept = writer ? patch.coverage : undefined;
        } catch (err) {
          writer?.abort();
          throw err;
        } finally {
          opened.close();
        }
      },
      keep: async () => {
        if (kept) this.record(kept);
      },
    };
  }

  /** Records which cache the file beside the store is, and lets go of the changes it covers. */
  private record(coverage: CacheCoverage): void {
    this.db.transaction(() => {
      this.db.prepare('INSERT OR REPLACE INTO analysis_cache (id, token, max_id, last_seq) VALUES (1, ?, ?, ?)').run(coverage.token, coverage.maxId, coverage.lastSeq);
      this.db.prepare('DELETE FROM declaration_changes WHERE seq <= ?').run(coverage.lastSeq);
    }).immediate();
  }
}

const UNKNOWN = outcomeCode('unknown');
const idOf = (d: DeclarationFacts) => Number(d.id.slice(1));

/** The store's last declaration and last change: what a cache made now covers (inside a read transaction). */
function coverageOf(db: Database.Database, token: string): CacheCoverage {
  const maxId = (db.prepare('SELECT MAX(id) FROM declarations').pluck().get() as number | null) ?? 0;
  const lastSeq = (db.prepare('SELECT MAX(seq) FROM declaration_changes').pluck().get() as number | null) ?? 0;
  return { token, maxId, lastSeq };
}

/** What changed since a cache was made, read from the store in one snapshot, strings coded in the cache's tables. */
interface Patch {
  /** Ids of the declarations changed since (each still stored, and in the cache), increasing. */
  changedIds: number[];
  /** Their rows now, and their rows' positions in the cache. */
  changed: DeclarationRows;
  at: Int32Array;
  /** Declarations added since (ids above every cached one). */
  appended: DeclarationRows;
  /** What a cache made from this reading covers. */
  coverage: CacheCoverage;
}

/**
 * What changed since the cache was made (inside a read transaction on `db`). A declaration deleted
 * since, or one stored under an id the cache does not have, or too many changes: every declaration
 * is read instead.
 */
function readPatch(db: Database.Database, opened: OpenedCache): Patch | { full: string } {
  const since = opened.coverage;
  const changedIds = db.prepare('SELECT DISTINCT declaration FROM declaration_changes WHERE seq > ? AND declaration <= ? ORDER BY declaration')
    .pluck().all(since.lastSeq, since.maxId) as number[];
  const added = db.prepare('SELECT COUNT(*) FROM declarations WHERE id > ?').pluck().get(since.maxId) as number;
  if (changedIds.length + added > MAX_CHANGED_SHARE * Math.max(opened.rows, 1)) {
    return { full: `${changedIds.length + added} of ${opened.rows + added} declarations are new or changed since the analysis cache was made` };
  }
  const coverage = coverageOf(db, randomUUID());
  const select = `SELECT id AS id, ${EXPRS.map(([, e], k) => `${e} AS c${k}`).join(', ')} FROM declarations`;
  const names = ['id', ...EXPRS.map((_, k) => `c${k}`)];
  const ids = JSON.stringify(changedIds);
  const [changedRowIds, ...arrays] = queryColumns(db, `${select} WHERE id IN (SELECT value FROM json_each('${ids}')) ORDER BY id`, names) as [number[], ...unknown[][]];
  if (changedRowIds.length < changedIds.length) return { full: 'declarations were deleted since the analysis cache was made' };
  const changed = rowsOf(changedRowIds, arrays, opened.tables);
  changed.controlled = (db.prepare(`SELECT ${FACT_COLUMNS} FROM declarations WHERE id IN (SELECT value FROM json_each(?)) AND outcome <> 'unknown' ORDER BY id`)
    .raw(true).all(ids) as unknown[][]).map(factOf);
  // Where each changed declaration is in the cache (its ids, read a range at a time).
  const at = new Int32Array(changedIds.length);
  const step = 1 << 16;
  const cachedIds = new Float64Array(step);
  for (let from = 0, k = 0; from < opened.rows && k < changedIds.length; from += step) {
    const to = Math.min(opened.rows, from + step);
    opened.readColumn('id', from, to, cachedIds);
    for (; k < changedIds.length && changedIds[k]! <= cachedIds[to - from - 1]!; k++) {
      const p = positionOf(cachedIds, to - from, changedIds[k]!);
      if (p < 0) return { full: 'declarations were stored under earlier ids since the analysis cache was made' };
      at[k] = from + p;
    }
  }
  // New declarations: read as whole columns a range at a time, then put end to end.
  const parts: DeclarationRows[] = [];
  for (const { ids: rangeIds, columns } of rangeColumns(db, 'declarations', EXPRS.map((e) => e[1]), 20_000, since.maxId + 1)) parts.push(rowsOf(rangeIds, columns, opened.tables));
  const appended = concatRows(parts);
  appended.controlled = (db.prepare(`SELECT ${FACT_COLUMNS} FROM declarations WHERE id > ? AND outcome <> 'unknown' ORDER BY id`).raw(true)
    .all(since.maxId) as unknown[][]).map(factOf);
  if (appended.length !== added) return { full: 'the store changed while the analysis cache was read' };
  return { changedIds, changed, at, appended, coverage };
}

function concatRows(parts: DeclarationRows[]): DeclarationRows {
  const length = parts.reduce((a, p) => a + p.length, 0);
  const columns = allocateColumns(length);
  let offset = 0;
  for (const p of parts) {
    for (const name of COLUMN_NAMES) columns[name].set(p.columns[name], offset);
    offset += p.length;
  }
  return { length, columns, controlled: [] };
}

/** The columns the projection reads, for every row of the cache as patched, in shared memory. */
function linkColumns(opened: OpenedCache, patch: Patch, total: number): DeclarationLinkColumns {
  const column = <K extends 'trader' | 'consignee' | 'supplier' | 'broker' | 'carrier' | 'route' | 'value'>(name: K) => {
    const Type = CACHE_COLUMNS[name];
    const into = new Type(new SharedArrayBuffer(total * Type.BYTES_PER_ELEMENT) as unknown as ArrayBuffer) as Columns[K];
    opened.readColumn(name, 0, opened.rows, into);
    patch.at.forEach((at, k) => { into[at] = patch.changed.columns[name][k]!; });
    into.set(patch.appended.columns[name].subarray(0, patch.appended.length) as never, opened.rows);
    return into;
  };
  return { rows: total, trader: column('trader'), value: column('value'), counterparts: GRAPH_RELS.map((rel) => column(COUNTERPART_COLUMN[rel]!)) };
}

/** The cached controlled declarations read in order, those changed since left out, up to an id at a time. */
function controlledFacts(chunks: Generator<DeclarationFacts[]>, changed: Set<number>): { upTo(id: number): DeclarationFacts[] } {
  let chunk: DeclarationFacts[] = [];
  let i = 0;
  return {
    upTo(id) {
      const out: DeclarationFacts[] = [];
      for (;;) {
        if (i === chunk.length) {
          const next = chunks.next();
          if (next.done) return out;
          chunk = next.value;
          i = 0;
          continue;
        }
        const d = chunk[i]!;
        if (idOf(d) > id) return out;
        if (!changed.has(idOf(d))) out.push(d);
        i++;
      }
    },
  };
}

/** Takes from the front of `facts` (in id order) those up to `id`. */
function factsUpTo(facts: DeclarationFacts[], id: number): DeclarationFacts[] {
  let n = 0;
  while (n < facts.length && idOf(facts[n]!) <= id) n++;
  return facts.splice(0, n);
}

/** Where `id` is among the first `length` ids (increasing), or -1. */
function positionOf(ids: Float64Array, length: number, id: number): number {
  let lo = 0;
  let hi = length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (ids[mid]! < id) lo = mid + 1;
    else if (ids[mid]! > id) hi = mid - 1;
    else return mid;
  }
  return -1;
}

function mergeById(a: DeclarationFacts[], b: DeclarationFacts[]): DeclarationFacts[] {
  if (b.length === 0) return a;
  const out: DeclarationFacts[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (j >= b.length || (i < a.length && idOf(a[i]!) < idOf(b[j]!))) out.push(a[i++]!);
    else out.push(b[j++]!);
  }
  return out;
}
