/**
 * Tuples of up to three small integers (-1 allowed), numbered 0, 1, ... in order of first sight,
 * in an open-addressing table: millions of them without a string or an object each. The scan
 * keeps two kinds: past trader–supplier–broker combinations (combo-set.ts) and a trader's
 * declarations per broker (party-figures.ts).
 */
export class IntTuples {
  /** Three ints per tuple, in number order. */
  private keys = new Int32Array(3 << 12);
  /** Tuple number + 1 per slot; 0 is empty. */
  private table = new Int32Array(1 << 12);
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** The tuple's number, given on first sight. */
  of(a: number, b: number, c = 0): number {
    if ((this.count + 1) * 2 > this.table.length) this.grow();
    const at = this.slot(a, b, c);
    const e = this.table[at]!;
    if (e > 0) return e - 1;
    if ((this.count + 1) * 3 > this.keys.length) {
      const grown = new Int32Array(this.keys.length * 2);
      grown.set(this.keys);
      this.keys = grown;
    }
    const k = this.count * 3;
    this.keys[k] = a;
    this.keys[k + 1] = b;
    this.keys[k + 2] = c;
    this.table[at] = ++this.count;
    return this.count - 1;
  }

  /** The tuple's number, or -1 when it was never given one. */
  find(a: number, b: number, c = 0): number {
    return this.table[this.slot(a, b, c)]! - 1;
  }

  /** Element j of tuple number e. */
  key(e: number, j: 0 | 1 | 2): number {
    return this.keys[e * 3 + j]!;
  }

  /** The slot holding the tuple, or the empty slot where it belongs. */
  private slot(a: number, b: number, c: number): number {
    const mask = this.table.length - 1;
    let h = (Math.imul(a + 2, 0x9e3779b1) ^ Math.imul(b + 2, 0x85ebca77) ^ Math.imul(c + 2, 0xc2b2ae3d)) >>> 0;
    h ^= h >>> 15;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const e = this.table[i]!;
      if (e === 0) return i;
      const k = (e - 1) * 3;
      if (this.keys[k] === a && this.keys[k + 1] === b && this.keys[k + 2] === c) return i;
    }
  }

  private grow(): void {
    this.table = new Int32Array(this.table.length * 2);
    for (let e = 0; e < this.count; e++) {
      const k = e * 3;
      this.table[this.slot(this.keys[k]!, this.keys[k + 1]!, this.keys[k + 2]!)] = e + 1;
    }
  }
}
