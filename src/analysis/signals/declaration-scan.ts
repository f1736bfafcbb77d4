/**
 * Customs signals from the declarations themselves, in one streaming pass over the store:
 * unit values against the HS-code peer median (undervaluation), goods declared as originating
 * in a country they only transited (origin laundering), outcome history per party and per
 * declared attribute, and volumes over time (new traders with sudden volume).
 *
 * Outcome-based figures are kept twice: over everything, and over the declarations lodged before
 * the fitting cutoff, so weights can be fitted on the past and checked on the future.
 */
import { isBadOutcome, OUTCOMES } from '../../domain/fields';
import type { CategoryRisk, DeclarationFacts } from '../../domain/results';
import type { DeclarationColumns } from '../../store/analysis-source';
import type { GraphStore } from '../../store/graph-store';
import { grown } from '../../util/grow';
import { ComboSet } from './combo-set';
import { PartyFigures, type DeclarationPart, type PartyAgg, type Window } from './party-figures';
import { categoriesOf, medianKey, passedThrough, UNDERVALUE_RATIO, unitValueOf } from './predicates';

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

  /** Adds a declaration with a recorded outcome to the outcome figures of all, and of past when it lies before the cutoff. */
  addOutcome(d: DeclarationFacts, inPast: boolean): void {
    const bad = isBadOutcome(d.outcome);
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

  /** Adds declaration i of a batch to its parties' figures in all, and in past when it lies before the cutoff; gives the trader's number. */
  addParties(c: DeclarationColumns, i: number, part: DeclarationPart, inPast: boolean): number {
    const trader = c.trader[i]!;
    const supplier = c.supplier[i]!;
    const broker = c.broker[i]!;
    let traderTimes = 0;
    for (const s of [trader, c.consignee[i]!, supplier, broker, c.carrier[i]!]) {
      if (s < 0) continue;
      // A party named twice (a trader that is its own consignee) counts twice, as the trader each time.
      const isTrader = s === trader;
      this.parties.tally(s, 0, part, isTrader);
      if (inPast) this.parties.tally(s, 1, part, isTrader);
      if (isTrader) traderTimes++;
    }
    if (broker >= 0) {
      this.parties.broker(trader, broker, 0, traderTimes);
      if (inPast) this.parties.broker(trader, broker, 1, traderTimes);
    }
    if (inPast) this.pastCombos.addSeq(trader, supplier, broker);
    return trader;
  }

  /** The windows with their party maps filled in, and a lookup of both windows' figures for many ids at once. */
  finish(declarationId: (key: number) => string): { all: Window; past: Window; partiesOf: DeclarationScan['partiesOf'] } {
    const { byNumber, map } = this.parties.windows(declarationId);
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
 * declaration with a unit value, its peer group, the value, its key, its trader's number and
 * whether it lies in the past (typed columns, no object or string per row), and counts the
 * undervalued ones once all are seen, in scan order, so the examples are the same first five a
 * second pass would give.
 */
class Undervaluation {
  /** Peer groups by HS code, then currency (no `hs|currency` string per declaration), numbered in order of first sight. */
  private readonly groupIndex = new Map<string, Map<string, number>>();
  private readonly groupKeys: string[] = [];
  private readonly groupValues: number[][] = [];
  private n = 0;
  private group: Int32Array;
  private value: Float64Array;
  private key: Float64Array;
  private trader: Int32Array;
  private inPast: Uint8Array;

  /**
   * Room for `expected` declarations (the store's count), made once: grown by doubling, the
   * columns left as much again in old copies waiting for the collector at the scan's end.
   * They still grow if more come (declarations stored while the scan runs).
   */
  constructor(expected: number) {
    const size = Math.max(1 << 10, expected);
    this.group = new Int32Array(size);
    this.value = new Float64Array(size);
    this.key = new Float64Array(size);
    this.trader = new Int32Array(size);
    this.inPast = new Uint8Array(size);
  }

  note(c: DeclarationColumns, i: number, trader: number, inPast: boolean): void {
    const u = unitValueOf(c.value[i]!, orUndefined(c.quantity[i]!), orUndefined(c.weight[i]!));
    if (u === undefined) return;
    const hsCode = c.hsCode[i]!;
    const currency = c.currency[i]!;
    let byCurrency = this.groupIndex.get(hsCode);
    if (!byCurrency) this.groupIndex.set(hsCode, (byCurrency = new Map()));
    let g = byCurrency.get(currency);
    if (g === undefined) {
      g = this.groupValues.length;
      byCurrency.set(currency, g);
      this.groupKeys.push(medianKey({ hsCode, currency }));
      this.groupValues.push([]);
    }
    this.groupValues[g]!.push(u);
    if (this.n === this.group.length) this.grow();
    const k = this.n++;
    this.group[k] = g;
    this.value[k] = u;
    this.key[k] = c.key[i]!;
    this.trader[k] = trader;
    this.inPast[k] = inPast ? 1 : 0;
  }

  /** Medians of the groups with enough peers; counts each trader's undervalued declarations, and the unit values far from any price. */
  finish(parties: PartyFigures): { medians: Map<string, number>; far: number } {
    const median = new Float64Array(this.groupValues.length).fill(NaN);
    const medians = new Map<string, number>();
    this.groupValues.forEach((l, g) => {
      if (l.length < MIN_PEERS) return;
      const sorted = Float64Array.from(l).sort();
      median[g] = sorted[Math.floor(sorted.length / 2)]!;
      medians.set(this.groupKeys[g]!, median[g]!);
    });
    let far = 0;
    for (let k = 0; k < this.n; k++) {
      const m = median[this.group[k]!]!;
      if (this.value[k]! > FAR_RATIO * m || this.value[k]! * FAR_RATIO < m) far++;
      // NaN (too few peers) compares false.
      if (!(this.value[k]! < UNDERVALUE_RATIO * m)) continue;
      parties.undervalued(this.trader[k]!, 0, this.key[k]!);
      if (this.inPast[k]) parties.undervalued(this.trader[k]!, 1, this.key[k]!);
    }
    return { medians, far };
  }

  private grow(): void {
    const size = this.group.length * 2;
    this.group = grown(this.group, size);
    this.value = grown(this.value, size);
    this.key = grown(this.key, size);
    this.trader = grown(this.trader, size);
    this.inPast = grown(this.inPast, size);
  }
}

/** A column's NaN (nothing declared) as undefined. */
const orUndefined = (x: number) => (Number.isNaN(x) ? undefined : x);

export async function scanDeclarations(store: Pick<GraphStore, 'declarationsPerDay' | 'streamDeclarationColumns'>, opts: { cutoffShare: number; onProgress?: (rows: number) => void }): Promise<DeclarationScan> {
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
  const under = new Undervaluation(declarations);
  const futureTraders = new Map<string, { controlled: number; bad: number }>();
  const futureDeclarations: DeclarationFacts[] = [];
  let declarationId = (key: number) => String(key);
  // One object for every declaration's part, refilled: the figures keep only its numbers and strings.
  const part: DeclarationPart = { key: 0, lodgedAt: '', value: 0, known: false, bad: false, seizure: false, laundering: false };
  let rows = 0;
  // Small batches: a batch is alive while it is read, and a large one survives young-generation
  // collections to be copied and promoted.
  for await (const c of store.streamDeclarationColumns(windows.parties.numbers, 2_000)) {
    declarationId = c.declarationId;
    for (let i = 0; i < c.length; i++) {
      const outcome = OUTCOMES[c.outcome[i]!]!;
      const goodsOrigin = c.goodsOriginElsewhere[i];
      // lodgedAt starts with its day, so it sorts before the cutoff day exactly when its day does.
      const inPast = c.lodgedAt[i]! < cutoff;
      part.key = c.key[i]!;
      part.lodgedAt = c.lodgedAt[i]!;
      part.value = c.value[i]!;
      part.known = outcome !== 'unknown';
      part.bad = isBadOutcome(outcome);
      part.seizure = outcome === 'seizure';
      part.laundering = goodsOrigin ? passedThrough(goodsOrigin, c.transit[i]!) : false;
      const trader = windows.addParties(c, i, part, inPast);
      under.note(c, i, trader, inPast);
    }
    // The declarations with an outcome: the outcome figures and the labels, whole.
    for (const d of c.controlled) {
      const inPast = d.lodgedAt < cutoff;
      windows.addOutcome(d, inPast);
      if (inPast) continue;
      const f = futureTraders.get(d.trader) ?? { controlled: 0, bad: 0 };
      f.controlled++;
      if (isBadOutcome(d.outcome)) f.bad++;
      futureTraders.set(d.trader, f);
      futureDeclarations.push(d);
    }
    rows += c.length;
    opts.onProgress?.(rows);
  }
  const { medians, far: unitValueFar } = under.finish(windows.parties);
  const { all, past, partiesOf } = windows.finish(declarationId);
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
