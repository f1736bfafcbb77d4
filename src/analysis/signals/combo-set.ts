/**
 * The trader–supplier–broker combinations seen (the "new combination" feature): millions of
 * them on a large store, so they are kept as integer triples (int-tuples.ts) rather than as a Set
 * of concatenated strings (a string and a hash entry each: ~130 bytes a combination, and most of a
 * second of hashing per million). Parties become small integers through `seqOf`, which the owner
 * supplies (the scan already numbers its parties).
 */
import type { DeclarationFacts } from '../../domain/results';
import { IdNumbers } from '../../util/id-numbers';
import { IntTuples } from '../../util/int-tuples';

const NONE = -1;

export class ComboSet {
  private readonly tuples = new IntTuples();

  constructor(private readonly seqOf: (id: string) => number | undefined) {}

  get size(): number {
    return this.tuples.size;
  }

  /** Adds a combination of party numbers (-1 for a missing supplier or broker). */
  addSeq(trader: number, supplier: number, broker: number): void {
    this.tuples.of(trader, supplier, broker);
  }

  has(d: Pick<DeclarationFacts, 'trader' | 'supplier' | 'broker'>): boolean {
    const t = this.seqOf(d.trader);
    const s = d.supplier === undefined ? NONE : this.seqOf(d.supplier);
    const b = d.broker === undefined ? NONE : this.seqOf(d.broker);
    // A party never numbered was never in any combination.
    if (t === undefined || s === undefined || b === undefined) return false;
    return this.tuples.find(t, s, b) >= 0;
  }
}

/** A ComboSet that numbers the parties itself, for a caller that has no numbering of its own; `add` takes a declaration. */
export function standaloneComboSet(): { combos: ComboSet; add(d: Pick<DeclarationFacts, 'trader' | 'supplier' | 'broker'>): void } {
  const numbers = new IdNumbers();
  const number = (id: string | undefined) => (id === undefined ? NONE : numbers.of(id));
  const combos = new ComboSet((id) => numbers.peek(id));
  return { combos, add: (d) => combos.addSeq(number(d.trader), number(d.supplier), number(d.broker)) };
}
