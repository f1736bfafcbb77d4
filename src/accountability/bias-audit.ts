/**
 * Whom the model selects more than their record justifies. The declarations of a period are scored
 * with a run's model and channelled under a capacity, as the scoring service would channel them;
 * then, for every group (origin country, office, regime, HS section, trader age and size, AEO),
 * the share selected is set against the group's rate of confirmed fraud per control in the record
 * (a seizure, or a discrepancy that recovered something: domain/fields.ts isConfirmedFraud).
 *
 * The disparity of a group is (its selection rate / the overall selection rate) divided by (its
 * fraud rate / the overall fraud rate): 1 when a group is selected in proportion to its record, 3
 * when it is selected three times more than its record justifies. Its confidence interval comes
 * from the counts (delta method on the log scale) with a Bonferroni correction over the groups
 * tested; a group is flagged when the whole interval lies above FLAG_DISPARITY.
 */
import type { DeclarationScorer } from '../analysis/scoring/declaration-scorer';
import { hsSection } from '../domain/hs-sections';
import { isConfirmedFraud } from '../domain/fields';
import type { DeclarationFacts } from '../domain/results';
import type { GraphStore } from '../store/graph-store';
import { selectDeclarationChannels } from '../targeting/select';
import { normalQuantile } from '../util/stats';

export const AUDIT_DIMENSIONS = ['origin_country', 'office', 'regime', 'hs_section', 'trader_age', 'trader_size', 'aeo'] as const;
export type AuditDimension = (typeof AUDIT_DIMENSIONS)[number];

/** A group is flagged when it is selected, with confidence, more than this many times what its record justifies. */
export const FLAG_DISPARITY = 2;
/** Groups too small to judge: fewer declarations in the period or fewer controls in the record. */
export const MIN_ITEMS = 100;
export const MIN_CONTROLS = 30;
/** A trader is new for its first 180 days. */
const NEW_TRADER_DAYS = 180;

export interface GroupFigures {
  dimension: AuditDimension;
  group: string;
  /** Declaration items of the period, and of them selected (red or orange) and red. */
  items: number;
  selected: number;
  red: number;
  selectionRate: number;
  /** The record: items with a control outcome, and of them confirmed fraud. */
  controlled: number;
  bad: number;
  fraudRate: number;
  /** Of the selected items whose control outcome is recorded, the share with confirmed fraud. */
  precision?: number;
  /** Items of compliant traders (no confirmed fraud on record): how many were selected, how many controls found nothing. */
  compliant: { items: number; selected: number; controlsClear: number };
  disparity?: number;
  interval?: [number, number];
  /** Enough declarations and controls to judge. */
  judged: boolean;
  flagged: boolean;
}

export interface BiasAudit {
  runId: string;
  period: { from: string; to: string };
  capacity: number;
  documentary: number;
  items: number;
  selected: number;
  selectionRate: number;
  controlled: number;
  bad: number;
  fraudRate: number;
  /** Confidence of each interval after the Bonferroni correction over the groups judged. */
  confidence: number;
  rule: string;
  groups: GroupFigures[];
  flagged: Array<{ dimension: AuditDimension; group: string; disparity: number; interval: [number, number] }>;
}

export interface AuditOptions {
  from: string;
  to: string;
  capacity: number;
  documentary: number;
  seed: number;
  onProgress?: (done: number) => void;
}

interface TraderRecord {
  first: string;
  declarations: number;
  bad: boolean;
}

interface Tally {
  items: number;
  selected: number;
  red: number;
  controlled: number;
  bad: number;
  selectedKnown: number;
  selectedBad: number;
  compliantItems: number;
  compliantSelected: number;
  compliantClear: number;
}

const newTally = (): Tally => ({
  items: 0, selected: 0, red: 0, controlled: 0, bad: 0, selectedKnown: 0, selectedBad: 0, compliantItems: 0, compliantSelected: 0, compliantClear: 0,
});

const round = (v: number) => Math.round(v * 1e4) / 1e4;

/**
 * Lets the event loop run (I/O, timers, other requests) when the work has held it for 50 ms: a
 * server answering other requests gets a turn (the embedded store reads synchronously).
 */
function breather(): () => Promise<void> {
  let last = Date.now();
  return async () => {
    if (Date.now() - last < 50) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
    last = Date.now();
  };
}

function daysBetween(a: string, b: string): number {
  return (Date.parse(b.slice(0, 10)) - Date.parse(a.slice(0, 10))) / 86_400_000;
}

/** Decile boundaries of traders' declaration counts: decile 10 holds the largest traders. */
function sizeDeciles(traders: Map<string, TraderRecord>): (n: number) => string {
  const counts = [...traders.values()].map((t) => t.declarations).sort((a, b) => a - b);
  const bounds = Array.from({ length: 9 }, (_, k) => counts[Math.floor(((k + 1) * counts.length) / 10)] ?? 0);
  return (n) => {
    let d = 1;
    while (d <= 9 && n >= bounds[d - 1]!) d++;
    return `decile ${String(d).padStart(2, '0')}`;
  };
}

function groupsOf(d: DeclarationFacts, trader: TraderRecord | undefined, size: (n: number) => string): Record<AuditDimension, string> {
  return {
    origin_country: d.origin,
    office: d.office ?? 'not given',
    regime: d.regime ?? 'IM',
    hs_section: hsSection(d.hsCode),
    trader_age: trader && daysBetween(trader.first, d.lodgedAt) >= NEW_TRADER_DAYS ? 'established' : 'new',
    trader_size: size(trader?.declarations ?? 0),
    aeo: d.aeo === undefined ? 'not given' : d.aeo ? 'AEO' : 'not AEO',
  };
}

/**
 * Disparity and its interval: log D = log s − log S − (log f − log F), the overall rates taken as
 * known; var(log p̂) ≈ (1 − p)/k for k successes. Half a count keeps an empty cell finite.
 */
function disparity(t: Tally, overallSelection: number, overallFraud: number, z: number): { disparity: number; interval: [number, number] } {
  const sel = Math.max(0.5, t.selected);
  const bad = Math.max(0.5, t.bad);
  const s = sel / t.items;
  const f = bad / t.controlled;
  const log = Math.log(s / overallSelection) - Math.log(f / overallFraud);
  const se = Math.sqrt((1 - s) / sel + (1 - f) / bad);
  return { disparity: round(Math.exp(log)), interval: [round(Math.exp(log - z * se)), round(Math.exp(log + z * se))] };
}

export async function auditBias(store: GraphStore, scorer: DeclarationScorer, opts: AuditOptions): Promise<BiasAudit> {
  // One pass: every trader's record (first declaration, volume, any bad outcome), every group's
  // record up to the end of the period, and the period's items.
  const pause = breather();
  const traders = new Map<string, TraderRecord>();
  const period: DeclarationFacts[] = [];
  const record = new Map<string, Tally>();
  const recordFacts: Array<[DeclarationFacts, boolean]> = [];
  let read = 0;
  for await (const batch of store.streamDeclarationFacts(2_000)) {
    for (const d of batch) {
      const day = d.lodgedAt.slice(0, 10);
      if (day > opts.to) continue;
      let t = traders.get(d.trader);
      if (!t) traders.set(d.trader, (t = { first: d.lodgedAt, declarations: 0, bad: false }));
      t.declarations++;
      if (d.lodgedAt < t.first) t.first = d.lodgedAt;
      const bad = isConfirmedFraud(d.outcome, d.recovered);
      if (bad) t.bad = true;
      if (d.outcome !== 'unknown') recordFacts.push([d, bad]);
      if (day >= opts.from) period.push(d);
    }
    opts.onProgress?.((read += batch.length));
    await pause();
  }
  const size = sizeDeciles(traders);
  const tally = (dim: AuditDimension, group: string) => {
    const key = `${dim}\u0000${group}`;
    let t = record.get(key);
    if (!t) record.set(key, (t = newTally()));
    return t;
  };
  // The record: fraud per control by group, over everything lodged up to the period's end.
  let controlled = 0;
  let badTotal = 0;
  for (const [d, bad] of recordFacts) {
    controlled++;
    if (bad) badTotal++;
    const g = groupsOf(d, traders.get(d.trader), size);
    for (const dim of AUDIT_DIMENSIONS) {
      const t = tally(dim, g[dim]);
      t.controlled++;
      if (bad) t.bad++;
    }
  }
  // The period, channelled as the scoring service would: a declaration as a whole, by its riskiest item.
  // Reasons are not needed to channel: the risk alone.
  const scored: Array<{ key: string; declaration: string; risk: number; reasons: [] }> = [];
  for (const d of period) {
    scored.push({ key: d.id, declaration: d.declarationId ?? d.id, risk: scorer.riskOfStored(d), reasons: [] });
    if (scored.length % 1000 === 0) await pause();
  }
  const { selections } = selectDeclarationChannels(scored, { capacity: opts.capacity, documentary: opts.documentary, seed: opts.seed });
  let selected = 0;
  period.forEach((d, i) => {
    const channel = selections[i]!.channel;
    const isSelected = channel !== 'green';
    if (isSelected) selected++;
    const trader = traders.get(d.trader);
    const compliant = trader !== undefined && !trader.bad;
    const g = groupsOf(d, trader, size);
    for (const dim of AUDIT_DIMENSIONS) {
      const t = tally(dim, g[dim]);
      t.items++;
      if (isSelected) t.selected++;
      if (channel === 'red') t.red++;
      if (isSelected && d.outcome !== 'unknown') {
        t.selectedKnown++;
        if (isConfirmedFraud(d.outcome, d.recovered)) t.selectedBad++;
      }
      if (compliant) {
        t.compliantItems++;
        if (isSelected) t.compliantSelected++;
        if (d.outcome === 'clear') t.compliantClear++;
      }
    }
  });

  const selectionRate = selected / Math.max(1, period.length);
  const fraudRate = badTotal / Math.max(1, controlled);
  const judged = [...record.values()].filter((t) => t.items >= MIN_ITEMS && t.controlled >= MIN_CONTROLS).length;
  // Two-sided, Bonferroni over the groups judged.
  const alpha = 0.05 / Math.max(1, judged);
  const z = normalQuantile(1 - alpha / 2);
  const groups: GroupFigures[] = [...record.entries()].map(([key, t]) => {
    const [dimension, group] = key.split('\u0000') as [AuditDimension, string];
    const isJudged = t.items >= MIN_ITEMS && t.controlled >= MIN_CONTROLS && selectionRate > 0 && fraudRate > 0;
    const d = isJudged ? disparity(t, selectionRate, fraudRate, z) : undefined;
    return {
      dimension, group, items: t.items, selected: t.selected, red: t.red, selectionRate: round(t.selected / Math.max(1, t.items)),
      controlled: t.controlled, bad: t.bad, fraudRate: round(t.bad / Math.max(1, t.controlled)),
      ...(t.selectedKnown > 0 ? { precision: round(t.selectedBad / t.selectedKnown) } : {}),
      compliant: { items: t.compliantItems, selected: t.compliantSelected, controlsClear: t.compliantClear },
      ...(d ?? {}), judged: isJudged, flagged: d !== undefined && d.interval[0] > FLAG_DISPARITY,
    };
  }).sort((a, b) => AUDIT_DIMENSIONS.indexOf(a.dimension) - AUDIT_DIMENSIONS.indexOf(b.dimension) || b.items - a.items || (a.group < b.group ? -1 : 1));
  return {
    runId: scorer.run.id, period: { from: opts.from, to: opts.to }, capacity: opts.capacity, documentary: opts.documentary,
    items: period.length, selected, selectionRate: round(selectionRate), controlled, bad: badTotal, fraudRate: round(fraudRate),
    confidence: round(1 - alpha),
    rule: `disparity = (group selection rate / ${round(selectionRate)}) / (group confirmed fraud per control / ${round(fraudRate)}); ` +
      `flagged when its ${((1 - alpha) * 100).toPrecision(4)}% interval (95% with a Bonferroni correction over ${judged} groups) lies above ${FLAG_DISPARITY}; ` +
      `groups with fewer than ${MIN_ITEMS} items in the period or ${MIN_CONTROLS} controls on record are not judged`,
    groups,
    flagged: groups.filter((g) => g.flagged).map((g) => ({ dimension: g.dimension, group: g.group, disparity: g.disparity!, interval: g.interval! })),
  };
}
