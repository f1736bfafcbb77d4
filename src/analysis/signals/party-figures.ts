/**
 * Per-party declaration figures over two windows (all declarations, and those before the fitting
 * cutoff), accumulated over millions of declarations.
 *
 * A Map of one object per party costs several cache misses per party per declaration (the hash
 * probe, the key's characters, the object, its window twin) and most of the scan's time went
 * there. Here a party is a number, its figures for both windows sit side by side in one typed
 * record, and rare things (examples of seizures, laundering, undervaluation) live in small side
 * maps. `windows()` turns the records into the PartyAgg objects the rest of the analysis reads, in
 * the order each window first saw its parties.
 */
import { IdNumbers } from '../../util/id-numbers';
import { IntTuples } from '../../util/int-tuples';
import { grown } from '../../util/grow';

export interface PartyAgg {
  n: number;
  value: number;
  /** Declarations with a recorded control outcome, and how many were bad (discrepancy or seizure). */
  controlled: number;
  bad: number;
  seizures: number;
  under: number;
  laundering: number;
  first: string;
  last: string;
  /** Day of the latest seizure (YYYY-MM-DD), when there is one. */
  lastSeizure?: string;
  /** Up to five example declarations each; absent until there is one (most parties have none). */
  evidenceUnder?: string[];
  evidenceLaundering?: string[];
  evidenceSeizures?: string[];
  /** A trader's declarations per broker; absent for other parties. */
  brokers?: BrokerCounts;
}

/**
 * A trader's declarations per broker, brokers in the order first seen with it: entries from..to of
 * lists its window shares (a Map per trader held 46 MB more of the heap, measured at 4M declarations).
 */
export interface BrokerCounts {
  readonly lists: { readonly ids: readonly string[]; readonly counts: readonly number[] };
  readonly from: number;
  readonly to: number;
}

export interface Window {
  parties: Map<string, PartyAgg>;
  categories: Map<string, { n: number; bad: number }>;
  controlled: number;
  bad: number;
}

const N = 0;
const VALUE = 1;
const CONTROLLED = 2;
const BAD = 3;
const SEIZURES = 4;
const LAUNDERING = 5;
const UNDER = 6;
/** Day number (days since 1970-01-01) of the latest seizure, 0 without one. */
const LAST_SEIZURE = 7;
/** Fields per window; the past window's record follows the all window's. */
const WIN = 8;
const STRIDE = 2 * WIN;
const EXAMPLES = 5;

/** Counts per (a, b) pair of numbers, pairs kept in first-seen order. */
class PairCounts {
  readonly pairs = new IntTuples();
  readonly count: number[] = [];

  add(a: number, b: number, by: number): void {
    const e = this.pairs.of(a, b);
    if (e === this.count.length) this.count.push(by);
    else this.count[e]! += by;
  }
}

export type WindowName = 'all' | 'past';

/** What one declaration brings to the figures of each party it names. */
export interface DeclarationPart {
  /** The declaration's key (DeclarationColumns.key): examples are kept as keys and named at the end. */
  key: number;
  lodgedAt: string;
  value: number;
  known: boolean;
  bad: boolean;
  seizure: boolean;
  laundering: boolean;
}

export class PartyFigures {
  readonly numbers = new IdNumbers();
  private records = new Float64Array(STRIDE * (1 << 12));
  private readonly first: string[][] = [[], []];
  private readonly last: string[][] = [[], []];
  private readonly pastOrder: number[] = [];
  /** Examples per party (declaration keys), keyed by number × 2 + window. */
  private readonly seizures = new Map<number, number[]>();
  private readonly launderings = new Map<number, number[]>();
  private readonly unders = new Map<number, number[]>();
  /** A trader's declarations per broker, per window. */
  private readonly brokers = [new PairCounts(), new PairCounts()];

  /**
   * Adds a declaration to the figures of party number s (in `numbers`, given in order of first
   * sight) in one window (0 all, 1 past).
   */
  tally(s: number, w: 0 | 1, d: DeclarationPart, isTrader: boolean): void {
    if (s >= this.first[0]!.length) this.open(s, d.lodgedAt);
    const r = s * STRIDE + w * WIN;
    const rec = this.records;
    if (rec[r + N] === 0) {
      if (w === 1) {
        this.pastOrder.push(s);
        this.first[1]![s] = this.last[1]![s] = d.lodgedAt;
      }
    } else {
      if (d.lodgedAt < this.first[w]![s]!) this.first[w]![s] = d.lodgedAt;
      if (d.lodgedAt > this.last[w]![s]!) this.last[w]![s] = d.lodgedAt;
    }
    rec[r + N]!++;
    rec[r + VALUE]! += d.value;
    if (d.known) rec[r + CONTROLLED]!++;
    if (d.bad) rec[r + BAD]!++;
    if (d.seizure) {
      rec[r + SEIZURES]!++;
      const day = dayNumber(d.lodgedAt);
      if (day > rec[r + LAST_SEIZURE]!) rec[r + LAST_SEIZURE] = day;
      example(this.seizures, s * 2 + w, d.key);
    }
    if (isTrader && d.laundering) {
      rec[r + LAUNDERING]!++;
      example(this.launderings, s * 2 + w, d.key);
    }
  }

  /** Counts `times` declarations of trader t through broker b in a window. */
  broker(t: number, b: number, w: 0 | 1, times: number): void {
    this.brokers[w]!.add(t, b, times);
  }

  /** Counts an undervalued declaration of trader t in a window. */
  undervalued(t: number, w: 0 | 1, declarationKey: number): void {
    this.records[t * STRIDE + w * WIN + UNDER]!++;
    example(this.unders, t * 2 + w, declarationKey);
  }

  /**
   * The figures as PartyAgg objects by party number (see `numbers`), and `map`, which builds a
   * window's map by id in the order that window first saw its parties (the run reads by number, so
   * the scan calls it only when a map is read). Examples are named by `declarationId`.
   */
  windows(declarationId: (key: number) => string): { byNumber: Record<WindowName, Array<PartyAgg | undefined>>; map(w: WindowName): Map<string, PartyAgg> } {
    const ids = this.numbers.ids;
    const aggs: Array<Array<PartyAgg | undefined>> = [new Array(ids.length), new Array(ids.length)];
    const make = (s: number, w: 0 | 1): PartyAgg => {
      const r = s * STRIDE + w * WIN;
      const rec = this.records;
      // Counts as small integers (| 0): read from the Float64Array as they are, each would be a
      // boxed number of its own (16 bytes; 100 MB over a million parties' two windows).
      const p: PartyAgg = {
        n: rec[r + N]! | 0, value: rec[r + VALUE]!, controlled: rec[r + CONTROLLED]! | 0, bad: rec[r + BAD]! | 0, seizures: rec[r + SEIZURES]! | 0,
        under: rec[r + UNDER]! | 0, laundering: rec[r + LAUNDERING]! | 0, first: this.first[w]![s]!, last: this.last[w]![s]!,
      };
      if (rec[r + LAST_SEIZURE]! > 0) p.lastSeizure = new Date(rec[r + LAST_SEIZURE]! * 86_400_000).toISOString().slice(0, 10);
      const key = s * 2 + w;
      const seized = this.seizures.get(key);
      if (seized) p.evidenceSeizures = seized.map(declarationId);
      const laundered = this.launderings.get(key);
      if (laundered) p.evidenceLaundering = laundered.map(declarationId);
      const under = this.unders.get(key);
      if (under) p.evidenceUnder = under.map(declarationId);
      aggs[w]![s] = p;
      return p;
    };
    for (let s = 0; s < ids.length; s++) make(s, 0);
    const pastOrder = this.pastOrder;
    for (const s of pastOrder) make(s, 1);
    for (const w of [0, 1] as const) brokerCounts(this.brokers[w]!, ids, aggs[w]!);
    return { byNumber: { all: aggs[0]!, past: aggs[1]! }, map: windowMaps(ids, aggs, pastOrder) };
  }

  /** A new party's record (zeroed) and first and last lodging in the all window. */
  private open(s: number, lodgedAt: string): void {
    if ((s + 1) * STRIDE > this.records.length) this.records = grown(this.records, this.records.length * 2);
    this.first[0]![s] = lodgedAt;
    this.last[0]![s] = lodgedAt;
  }
}

/**
 * Each trader's pairs of a window side by side in its lists, in the order they were first seen (a
 * counting sort by trader keeps that order), and each trader's range of them on its figures.
 */
function brokerCounts(c: PairCounts, ids: readonly string[], aggs: Array<PartyAgg | undefined>): void {
  const size = c.pairs.size;
  const start = new Int32Array(ids.length + 1);
  for (let e = 0; e < size; e++) start[c.pairs.key(e, 0) + 1]!++;
  for (let s = 0; s < ids.length; s++) start[s + 1]! += start[s]!;
  const next = start.slice(0, ids.length);
  const lists = { ids: new Array<string>(size), counts: new Array<number>(size) };
  for (let e = 0; e < size; e++) {
    const k = next[c.pairs.key(e, 0)]!++;
    lists.ids[k] = ids[c.pairs.key(e, 1)]!;
    lists.counts[k] = c.count[e]!;
  }
  for (let s = 0; s < ids.length; s++) {
    if (start[s + 1]! > start[s]!) aggs[s]!.brokers = { lists, from: start[s]!, to: start[s + 1]! };
  }
}

/**
 * A window's map by id, in the order the window first saw its parties. Made outside the class so
 * that what the run keeps of the figures (the PartyAgg objects) does not keep the records they
 * were made from: a closure made in a method that reads `this` holds `this`.
 */
function windowMaps(ids: readonly string[], aggs: Array<Array<PartyAgg | undefined>>, pastOrder: readonly number[]): (w: WindowName) => Map<string, PartyAgg> {
  return (w) => {
    const out = new Map<string, PartyAgg>();
    if (w === 'all') for (let s = 0; s < ids.length; s++) out.set(ids[s]!, aggs[0]![s]!);
    else for (const s of pastOrder) out.set(ids[s]!, aggs[1]![s]!);
    return out;
  };
}

/** Days since 1970-01-01 of an ISO date (YYYY-MM-DD...). */
function dayNumber(iso: string): number {
  return Math.floor(Date.UTC(Number(iso.slice(0, 4)), Number(iso.slice(5, 7)) - 1, Number(iso.slice(8, 10))) / 86_400_000);
}

/** Keeps the first five examples of a signal. */
function example(lists: Map<number, number[]>, key: number, declarationKey: number): void {
  const list = lists.get(key);
  if (!list) lists.set(key, [declarationKey]);
  else if (list.length < EXAMPLES) list.push(declarationKey);
}
