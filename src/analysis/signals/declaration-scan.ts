/**
 * Customs signals from the declarations themselves, in one streaming pass over the store:
 * unit values against the HS-code peer median (undervaluation), goods declared as originating
 * in a country they only transited (origin laundering), outcome history per party and per
 * declared attribute, and volumes over time (new traders with sudden volume).
 *
 * Outcome-based figures are kept twice: over everything, and over the declarations lodged before
 * the fitting cutoff, so weights can be fitted on the past and checked on the future.
 */
import { isBadOutcome } from '../../domain/fields';
import type { CategoryRisk, DeclarationFacts } from '../../domain/results';
import type { GraphStore } from '../../store/graph-store';
import { ComboSet } from './combo-set';
import { PartyFigures, type DeclarationPart, type PartyAgg, type Window } from './party-figures';
import { categoriesOf, isOriginLaundering, medianKey, UNDERVALUE_RATIO, unitValue } from './predicates';

const MIN_PEERS = 10;
/** A unit value this many times above or below its peers' median is not a price but a typing error (a unit or a decimal point). */
export const FAR_RATIO = 100;

export interface DeclarationScan {
  /** All declarations. */
  all: Window;
  /** Declarations lodged before the cutoff. */
  past: Window;
  /** Outcomes after the cutoff per trader: the labels weights are fitted to. */
  futureTraders: Map<string, { controlled: number; bad: number }>;
  /** Declarations after the cutoff with an outcome: the labels of the declaration model. */
  futureDeclarations: DeclarationFacts[];
  /** trader–supplier–broker combinations seen before the cutoff. */
  pastCombos: ComboSet;
  medians: Map<string, number>;
  /** Declarations whose unit value is more than FAR_RATIO times away from its peers' median (data quality). */
  unitValueFar: number;
  /**
   * Both windows' figures for a list of ids (the graph's nodes) in one pass: the same as
   * `all.parties.get(id)` and `past.parties.get(id)`, without two hash lookups per id.
   */
  partiesOf(ids: readonly string[]): { all: Array<PartyAgg | undefined>; past: Array<PartyAgg | undefined> };
  cutoff: string;
  /** Declarations per lodging day, in day order (the store's count, read once by the scan). */
  perDay: Array<{ day: string; count: number }>;
  periodStart: string;
  periodEnd: string;
  declarations: number;
}

function newWindow(): Window {
  return { parties: new Map(), categories: new Map(), controlled: 0, bad: 0 };
}

interface CategoryPair {
  all: { n: number; bad: number };
  past: { n: number; bad: number } | undefined;
}

/**
 * Both windows at once: party figures in typed records (party-figures.ts), categories paired so
 * each is looked up once per declaration, and the windows' maps filled at the end in the order
 * each window first saw its entries.
 */
class Windows {
  readonly all = newWindow();
  readonly past = newWindow();
  readonly parties = new PartyFigures();
  private readonly categories = new Map<string, Map<string, CategoryPair>>();
  /** Categories in the order each window first saw them (the order of its map). */
  private readonly allCategories: Array<[string, string, { n: number; bad: number }]> = [];
  private readonly pastCategories: Array<[string, string, { n: number; bad: number }]> = [];
  readonly pastCombos: ComboSet;

  constructor() {
    // The set keeps the numbering only, not `this` (the scan's records are dropped once the windows are made).
    const numbers = this.parties.numbers;
    this.pastCombos = new ComboSet((id) => numbers.peek(id));
  }

  /** Adds a declaration to all, and to past when it lies before the cutoff; gives the trader's number (undervaluation: see Undervaluation). */
  add(d: DeclarationFacts, laundering: boolean, inPast: boolean): number {
    const known = d.outcome !== 'unknown';
    const bad = isBadOutcome(d.outcome);
    if (known) {
      this.all.controlled++;
      if (bad) this.all.bad++;
      if (inPast) {
        this.past.controlled++;
        if (bad) this.past.bad++;
      }
      for (const [f, v] of categoriesOf(d)) {
        // By field, then value: no `field NUL value` string to build and hash per declaration.
        let byValue = this.categories.get(f);
        if (!byValue) this.categories.set(f, (byValue = new Map()));
        let c = byValue.get(v);
        if (!c) {
          c = { all: { n: 0, bad: 0 }, past: undefined };
          byValue.set(v, c);
          this.allCategories.push([f, v, c.all]);
        }
        c.all.n++;
        if (bad) c.all.bad++;
        if (inPast) {
          if (!c.past) this.pastCategories.push([f, v, (c.past = { n: 0, bad: 0 })]);
          c.past.n++;
          if (bad) c.past.bad++;
        }
      }
    }
    const part: DeclarationPart = { id: d.id, lodgedAt: d.lodgedAt, value: d.value, known, bad, seizure: d.outcome === 'seizure', laundering };
    let trader = -1;
    let supplier = -1;
    let broker = -1;
    let traderTimes = 0;
    for (const id of [d.trader, d.consignee, d.supplier, d.broker, d.carrier]) {
      if (id === undefined) continue;
      const isTrader = id === d.trader;
      const s = this.parties.tally(id, 0, part, isTrader);
      if (inPast) this.parties.tally(id, 1, part, isTrader);
      if (isTrader) {
        trader = s;
        traderTimes++;
      }
      if (id === d.supplier) supplier = s;
      if (id === d.broker) broker = s;
    }
    if (broker >= 0) {
      this.parties.broker(trader, broker, 0, traderTimes);
      if (inPast) this.parties.broker(trader, broker, 1, traderTimes);
    }
    if (inPast) this.pastCombos.addSeq(trader, supplier, broker);
    return trader;
  }

  /** The windows with their party maps filled in, and a lookup of both windows' figures for many ids at once. */
  finish(): { all: Window; past: Window; partiesOf: DeclarationScan['partiesOf'] } {
    const { byNumber, map } = this.parties.windows();
    lazyParties(this.all, () => map('all'));
    lazyParties(this.past, () => map('past'));
    for (const [f, v, c] of this.allCategories) this.all.categories.set(`${f}\u0000${v}`, c);
    for (const [f, v, c] of this.pastCategories) this.past.categories.set(`${f}\u0000${v}`, c);
    const numbers = this.parties.numbers;
    const partiesOf = (ids: readonly string[]) => {
      const out = { all: new Array<PartyAgg | undefined>(ids.length), past: new Array<PartyAgg | undefined>(ids.length) };
      for (let i = 0; i < ids.length; i++) {
        const s = numbers.peek(ids[i]!);
        if (s === undefined) continue;
        out.all[i] = byNumber.all[s];
        out.past[i] = byNumber.past[s];
      }
      return out;
    };
    return { all: this.all, past: this.past, partiesOf };
  }
}

/** A window whose party map is built when first read (the run itself reads parties by number: DeclarationScan.partiesOf). */
function lazyParties(w: Window, build: () => Map<string, PartyAgg>): void {
  let built: Map<string, PartyAgg> | undefined;
  Object.defineProperty(w, 'parties', { get: () => (built ??= build()), enumerable: true, configurable: true });
}

/**
 * Undervaluation needs the peer medians, which need every unit value: the scan keeps, per
 * declaration with a unit value, its peer group, the value, its trader's number and whether it
 * lies in the past (flat arrays, no object per row), and counts the undervalued ones once all are
 * seen, in scan order, so the examples are the same first five a second pass would give.
 */
class Undervaluation {
  private readonly groupIndex = new Map<string, number>();
  private readonly groupValues: number[][] = [];
  private readonly group: number[] = [];
  private readonly value: number[] = [];
  private readonly id: string[] = [];
  private readonly trader: number[] = [];
  private readonly inPast: boolean[] = [];

  note(d: DeclarationFacts, trader: number, inPast: boolean): void {
    const u = unitValue(d);
    if (u === undefined) return;
    const key = medianKey(d);
    let g = this.groupIndex.get(key);
    if (g === undefined) {
      g = this.groupValues.length;
      this.groupIndex.set(key, g);
      this.groupValues.push([]);
    }
    this.groupValues[g]!.push(u);
    this.group.push(g);
    this.value.push(u);
    this.id.push(d.id);
    this.trader.push(trader);
    this.inPast.push(inPast);
  }

  /** Medians of the groups with enough peers; counts each trader's undervalued declarations, and the unit values far from any price. */
  finish(parties: PartyFigures): { medians: Map<string, number>; far: number } {
    const median = new Float64Array(this.groupValues.length).fill(NaN);
    const medians = new Map<string, number>();
    for (const [key, g] of this.groupIndex) {
      const l = this.groupValues[g]!;
      if (l.length < MIN_PEERS) continue;
      const sorted = Float64Array.from(l).sort();
      median[g] = sorted[Math.floor(sorted.length / 2)]!;
      medians.set(key, median[g]!);
    }
    let far = 0;
    for (let k = 0; k < this.value.length; k++) {
      const m = median[this.group[k]!]!;
      if (this.value[k]! > FAR_RATIO * m || this.value[k]! * FAR_RATIO < m) far++;
      // NaN (too few peers) compares false.
      if (!(this.value[k]! < UNDERVALUE_RATIO * m)) continue;
      parties.undervalued(this.trader[k]!, 0, this.id[k]!);
      if (this.inPast[k]) parties.undervalued(this.trader[k]!, 1, this.id[k]!);
    }
    return { medians, far };
  }
}

export async function scanDeclarations(store: GraphStore, opts: { cutoffShare: number; onProgress?: (rows: number) => void }): Promise<DeclarationScan> {
  // The period covered and the time cutoff come from the day counts: no sort of millions of dates.
  const perDay = await store.declarationsPerDay();
  const declarations = perDay.reduce((a, d) => a + d.count, 0);
  const periodStart = perDay[0]?.day ?? '';
  const periodEnd = perDay[perDay.length - 1]?.day ?? '';
  // Cut by time, not by row count: the fit must never see the future. The cutoff is the day of the
  // declaration at rank floor(n × cutoffShare) in time order.
  const cutRank = Math.min(declarations - 1, Math.floor(declarations * opts.cutoffShare));
  let cutoff = periodEnd;
  for (let i = 0, counted = 0; i < perDay.length; i++) {
    counted += perDay[i]!.count;
    if (counted > cutRank) {
      cutoff = perDay[i]!.day;
      break;
    }
  }

  // Per-party and per-attribute figures, over all and over the past only.
  const windows = new Windows();
  const under = new Undervaluation();
  const futureTraders = new Map<string, { controlled: number; bad: number }>();
  const futureDeclarations: DeclarationFacts[] = [];
  let rows = 0;
  // Small batches: a batch is alive while it is read, and a large one survives young-generation
  // collections to be copied and promoted (20k rows cost twice the GC time of 2k here).
  for await (const batch of store.streamDeclarationFacts(2_000)) {
    for (const d of batch) {
      // lodgedAt starts with its day, so it sorts before the cutoff day exactly when its day does.
      const inPast = d.lodgedAt < cutoff;
      const trader = windows.add(d, isOriginLaundering(d), inPast);
      if (!inPast && d.outcome !== 'unknown') {
        const f = futureTraders.get(d.trader) ?? { controlled: 0, bad: 0 };
        f.controlled++;
        if (isBadOutcome(d.outcome)) f.bad++;
        futureTraders.set(d.trader, f);
        futureDeclarations.push(d);
      }
      under.note(d, trader, inPast);
    }
    rows += batch.length;
    opts.onProgress?.(rows);
  }
  const { medians, far: unitValueFar } = under.finish(windows.parties);
  const { all, past, partiesOf } = windows.finish();
  const { pastCombos } = windows;
  return { all, past, futureTraders, futureDeclarations, pastCombos, medians, unitValueFar, partiesOf, cutoff, perDay, periodStart, periodEnd, declarations };
}

export function categoryList(w: Window): CategoryRisk[] {
  const out: CategoryRisk[] = [];
  for (const [key, c] of w.categories) {
    const at = key.indexOf('\u0000');
    out.push({ field: key.slice(0, at), value: key.slice(at + 1), n: c.n, bad: c.bad });
  }
  return out;
}
