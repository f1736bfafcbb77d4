/**
 * A table's columns read a rowid range at a time, each column of a range as one JSON array built
 * by SQLite (json_group_array, in C) and parsed by V8 (JSON.parse): no row array and no value
 * conversion per row, which is what reading millions of rows through better-sqlite3 costs (five
 * integer columns and a real of 4M declarations: 11 s as rows, 5 s as JSON arrays). Reals come
 * back exactly: SQLite writes them with 17 significant digits (range-columns.test.ts holds it to
 * that).
 *
 * Run it inside a read transaction: the ranges then see one snapshot. `fromId` skips the rows below it.
 */
import type Database from 'better-sqlite3';

export interface RangeColumns {
  /** The rows' ids, increasing. */
  ids: number[];
  /** One array per expression asked for, row for row (SQL NULL as null). */
  columns: unknown[][];
}

export function* rangeColumns(db: Database.Database, table: string, exprs: readonly string[], rowsPerRange = 20_000, fromId = -Infinity): Generator<RangeColumns> {
  const aggregate = (ordered: boolean) => ['id', ...exprs].map((e) => `json_group_array(${e}${ordered ? ' ORDER BY id' : ''})`).join(', ');
  const read = db.prepare(`SELECT ${aggregate(false)} FROM ${table} WHERE id >= ? AND id < ?`).raw(true);
  const { lo, hi } = db.prepare(`SELECT MIN(id) AS lo, MAX(id) AS hi FROM ${table}`).get() as { lo: number | null; hi: number | null };
  let ordered: Database.Statement | undefined;
  for (let from = Math.max(lo ?? 0, fromId); hi !== null && from <= hi; from += rowsPerRange) {
    let arrays = parse(read.get(from, from + rowsPerRange) as string[]);
    // A range scan gives rows in id order, and the aggregates take them in that order; should a
    // planner ever choose otherwise, the range is read again with the order spelled out (and
    // sorted, at twice the cost).
    if (!increasing(arrays[0] as number[])) {
      ordered ??= db.prepare(`SELECT ${aggregate(true)} FROM ${table} WHERE id >= ? AND id < ?`).raw(true);
      arrays = parse(ordered.get(from, from + rowsPerRange) as string[]);
    }
    if (arrays[0]!.length === 0) continue;
    yield { ids: arrays[0] as number[], columns: arrays.slice(1) };
  }
}

/**
 * The whole result of a query as one array per column, built the same way (for results of a
 * million rows or so; a query's rows are aggregated in the order the query gives them).
 */
export function queryColumns(db: Database.Database, sql: string, columns: readonly string[]): unknown[][] {
  return parse(db.prepare(`SELECT ${columns.map((c) => `json_group_array(${c})`).join(', ')} FROM (${sql})`).raw(true).get() as string[]);
}

const parse = (row: string[]) => row.map((json) => JSON.parse(json) as unknown[]);

function increasing(ids: number[]): boolean {
  for (let i = 1; i < ids.length; i++) if (ids[i]! <= ids[i - 1]!) return false;
  return true;
}
