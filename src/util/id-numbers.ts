/**
 * Store ids numbered 0, 1, ... in order of first sight, for code that keys typed arrays by them.
 * Millions of lookups go through this (every party of every declaration, every end of every link):
 * ids that are small integers, as SQLite's are, are read as numbers into a flat table instead of
 * being hashed; any other id (Neo4j's element ids) goes through a Map.
 */

/** Largest id read as a number; larger or non-numeric ids are hashed. */
const MAX_INT_ID = 1 << 24;

/** A non-negative decimal id without leading zeros, as a number; -1 for any other string. */
function intId(id: string): number {
  const len = id.length;
  if (len === 0 || len > 8 || (len > 1 && id.charCodeAt(0) === 48)) return -1;
  let n = 0;
  for (let i = 0; i < len; i++) {
    const c = id.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    n = n * 10 + c;
  }
  return n < MAX_INT_ID ? n : -1;
}

/** Ids numbered 0, 1, ... in order of first sight. */
export class IdNumbers {
  readonly ids: string[] = [];
  private byInt = new Int32Array(1 << 12).fill(-1);
  private readonly byString = new Map<string, number>();

  /** The id's number, given on first sight. */
  of(id: string): number {
    const n = intId(id);
    if (n < 0) {
      let s = this.byString.get(id);
      if (s === undefined) this.byString.set(id, (s = this.next(id)));
      return s;
    }
    if (n >= this.byInt.length) this.widen(n);
    let s = this.byInt[n]!;
    if (s < 0) this.byInt[n] = s = this.next(id);
    return s;
  }

  /** The number of the id `String(n)` (a store's integer id), without making the string unless it is new. */
  ofInt(n: number): number {
    if (n < 0 || n >= MAX_INT_ID || !Number.isInteger(n)) return this.of(String(n));
    if (n >= this.byInt.length) this.widen(n);
    let s = this.byInt[n]!;
    if (s < 0) this.byInt[n] = s = this.next(String(n));
    return s;
  }

  /** The number of an id seen before, without numbering a new one. */
  peek(id: string): number | undefined {
    const n = intId(id);
    if (n < 0) return this.byString.get(id);
    const s = n < this.byInt.length ? this.byInt[n]! : -1;
    return s < 0 ? undefined : s;
  }

  private widen(n: number): void {
    let size = this.byInt.length;
    while (size <= n) size *= 2;
    const grown = new Int32Array(size).fill(-1);
    grown.set(this.byInt);
    this.byInt = grown;
  }

  private next(id: string): number {
    this.ids.push(id);
    return this.ids.length - 1;
  }
}
