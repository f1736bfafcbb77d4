/**
 * The trader–supplier–broker combinations seen (the "new combination" feature): millions of
 * them on a large store, so they are kept as integer triples in an open-addressing table rather
 * than as a Set of concatenated strings (a string and a hash entry each: ~130 bytes a
 * combination, and most of a second of hashing per million). Parties become small integers
 * through `seqOf`, which the owner supplies (the scan already numbers its parties).
 */
import type { DeclarationFacts } from '../store/graph-store';
import { IdNumbers } from './id-numbers';

const EMPTY = -2;
const NONE = -1;

export class ComboSet {
  private slots: Int32Array;
  private mask: number;
  private count = 0;

  constructor(private readonly seqOf: (id: string) => number | undefined, capacity = 1 << 12) {
    let n = 1;
    while (n < capacity * 2) n <<= 1;
    this.mask = n - 1;
    this.slots = new Int32Array(n * 3).fill(EMPTY);
  }

  get size(): number {
    return this.count;
  }

  /** Adds a combination of party numbers (-1 for a missing supplier or broker). */
  addSeq(trader: number, supplier: number, broker: number): void {
    if ((this.count + 1) * 2 > this.mask + 1) this.grow();
    const at = this.find(trader, supplier, broker);
    if (this.slots[at] !== EMPTY) return;
    this.slots[at] = trader;
    this.slots[at + 1] = supplier;
    this.slots[at + 2] = broker;
    this.count++;
  }

  has(d: Pick<DeclarationFacts, 'trader' | 'supplier' | 'broker'>): boolean {
    const t = this.seqOf(d.trader);
    const s = d.supplier === undefined ? NONE : this.seqOf(d.supplier);
    const b = d.broker === undefined ? NONE : this.seqOf(d.broker);
    // A party never numbered was never in any combination.
    if (t === undefined || s === undefined || b === undefined) return false;
    return this.slots[this.find(t, s, b)] !== EMPTY;
  }

  /** Slot (index of its first int) holding the triple, or the empty slot where it belongs. */
  private find(t: number, s: number, b: number): number {
    let h = (Math.imul(t, 0x9e3779b1) ^ Math.imul(s + 2, 0x85ebca77) ^ Math.imul(b + 2, 0xc2b2ae3d)) >>> 0;
    h ^= h >>> 15;
    for (let i = h & this.mask; ; i = (i + 1) & this.mask) {
      const at = i * 3;
      const v = this.slots[at]!;
      if (v === EMPTY || (v === t && this.slots[at + 1] === s && this.slots[at + 2] === b)) return at;
    }
  }

  private grow(): void {
    const old = this.slots;
    this.mask = this.mask * 2 + 1;
    this.slots = new Int32Array((this.mask + 1) * 3).fill(EMPTY);
    this.count = 0;
    for (let at = 0; at < old.length; at += 3) {
      if (old[at] !== EMPTY) this.addSeq(old[at]!, old[at + 1]!, old[at + 2]!);
    }
  }
}

/** A ComboSet that numbers the parties itself, for a caller that has no numbering of its own; `add` takes a declaration. */
export function standaloneComboSet(): { combos: ComboSet; add(d: Pick<DeclarationFacts, 'trader' | 'supplier' | 'broker'>): void } {
  const numbers = new IdNumbers();
  const number = (id: string | undefined) => (id === undefined ? NONE : numbers.of(id));
  const combos = new ComboSet((id) => numbers.peek(id));
  return { combos, add: (d) => combos.addSeq(number(d.trader), number(d.supplier), number(d.broker)) };
}
