/**
 * What changed in the store since its analysis cache was made (declaration_changes and the ids
 * above the cache's last), read in one snapshot, and how a run reads the cache with it: changed
 * rows written over theirs, new rows after, the controlled declarations merged in id order.
 */
import type Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import type { DeclarationFacts } from '../../domain/results';
import type { DeclarationLinkColumns } from '../analysis-source';
import { allocateColumns, CACHE_COLUMNS, COLUMN_NAMES, columnsSlice, type CacheCoverage, type ColumnName, type Columns, type DeclarationRows, type OpenedCache } from './declaration-cache';
import { COUNTERPART_COLUMN, EXPRS, rowsOf } from './cache-rows';
import { FACT_COLUMNS, factOf, idOf } from './declaration-facts';
import { queryColumns, rangeColumns } from './range-columns';
import { GRAPH_RELS } from './rows';
import { typedArray, type NumberArrayType } from '../../util/typed-arrays';

/** Reading more than this share of the declarations anew, a run reads them all (and writes a new cache). */
const MAX_CHANGED_SHARE = 0.25;

/** The store's last declaration and last change: what a cache made now covers (inside a read transaction). */
export function coverageOf(db: Database.Database, token: string): CacheCoverage {
  const maxId = (db.prepare('SELECT MAX(id) FROM declarations').pluck().get() as number | null) ?? 0;
  const lastSeq = (db.prepare('SELECT MAX(seq) FROM declaration_changes').pluck().get() as number | null) ?? 0;
  return { token, maxId, lastSeq };
}

/** What changed since a cache was made, read from the store in one snapshot, strings coded in the cache's tables. */
export interface Patch {
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
export function readPatch(db: Database.Database, opened: OpenedCache): Patch | { full: string } {
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
  let k = 0;
  for (let from = 0; from < opened.rows && k < changedIds.length; from += step) {
    const to = Math.min(opened.rows, from + step);
    opened.readColumn('id', from, to, cachedIds);
    for (; k < changedIds.length && changedIds[k]! <= cachedIds[to - from - 1]!; k++) {
      const p = positionOf(cachedIds, to - from, changedIds[k]!);
      if (p < 0) break;
      at[k] = from + p;
    }
  }
  if (k < changedIds.length) return { full: 'declarations were stored under earlier ids since the analysis cache was made' };
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

/** One column for every row of the cache as patched (its rows, then the new ones), in shared memory when asked. */
export function patchedColumn<K extends ColumnName>(opened: OpenedCache, patch: Patch, name: K, shared = false): Columns[K] {
  const into = typedArray(CACHE_COLUMNS[name] as unknown as NumberArrayType<Columns[K]>, opened.rows + patch.appended.length, shared);
  opened.readColumn(name, 0, opened.rows, into);
  patch.at.forEach((at, k) => { into[at] = patch.changed.columns[name][k]!; });
  into.set(patch.appended.columns[name].subarray(0, patch.appended.length) as never, opened.rows);
  return into;
}

/** The columns the projection reads, for every row of the cache as patched, in shared memory. */
export function linkColumns(opened: OpenedCache, patch: Patch): DeclarationLinkColumns {
  const column = <K extends ColumnName>(name: K) => patchedColumn(opened, patch, name, true);
  return {
    rows: opened.rows + patch.appended.length, trader: column('trader'), value: column('value'),
    counterparts: GRAPH_RELS.map((rel) => column(COUNTERPART_COLUMN[rel]!)),
  };
}

/**
 * The cache's rows as patched, a range at a time: the cached rows with the changed ones written
 * over theirs (their controlled facts in place of the old), then the new rows.
 */
export function* patchedRows(opened: OpenedCache, patch: Patch, batchSize: number): Generator<DeclarationRows> {
  const { changed, appended } = patch;
  const old = controlledFacts(opened.controlled(), new Set(patch.changedIds));
  let k = 0;
  for (let from = 0; from < opened.rows; from += batchSize) {
    const to = Math.min(opened.rows, from + batchSize);
    const columns = opened.readRows(from, to);
    for (; k < patch.at.length && patch.at[k]! < to; k++) {
      for (const name of COLUMN_NAMES) columns[name][patch.at[k]! - from] = changed.columns[name][k]!;
    }
    const last = columns.id[to - from - 1]!;
    yield { length: to - from, columns, controlled: mergeById(old.upTo(last), factsUpTo(changed.controlled, last)) };
  }
  for (let from = 0; from < appended.length; from += batchSize) {
    const to = Math.min(appended.length, from + batchSize);
    yield { length: to - from, columns: columnsSlice(appended.columns, from, to), controlled: factsUpTo(appended.controlled, appended.columns.id[to - 1]!) };
  }
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
