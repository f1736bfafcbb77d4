/**
 * Replays a labelled history month by month: each month's declarations arrive without outcomes,
 * are scored against the current run and selected under the capacity; only the outcomes of the
 * declarations the system chose to control are revealed to it; then the analysis runs again.
 * Two baselines select on the same months: random, and rules (the trader's own bad history plus
 * HS codes and origins with a high bad rate), each learning only from its own controls.
 */
import { createReadStream } from 'node:fs';
import { DEFAULT_PARAMS, runAnalysis } from '../analysis/run';
import type { Declaration } from '../domain/declaration';
import { declarationKey } from '../domain/declaration-key';
import { isBadOutcome } from '../domain/fields';
import { normalizeId } from '../domain/normalize';
import type { Mapping } from '../ingest/mapping';
import { readNamedRows } from '../ingest/records';
import { BatchBuilder, DeclarationResolver } from '../domain/resolve';
import type { GraphStore } from '../store/graph-store';
import { Rng } from '../util/rng';
import { ScoringService, readValidDeclarations } from './scoring-service';
import { selectDeclarationChannels, slots } from './select';

export interface Truth {
  fraud: boolean;
  /** Value at stake (duties evaded, or the declared value when the data has no better figure). */
  value: number;
}

export interface MonthResult {
  month: string;
  /** Declarations of the month (a declaration is controlled whole), and their items. */
  declarations: number;
  items: number;
  /** Items controlled: every item of the declarations the model sent to physical control. */
  controlledItems: number;
  frauds: number;
  slots: number;
  model: { precision: number; revenue: number; explorationPicks: number; explorationFrauds: number };
  random: { precision: number; revenue: number };
  rules: { precision: number; revenue: number };
}

export interface SimulationOptions {
  capacity: number;
  exploration: number;
  seed: number;
  months: number;
  phoneRegion: string;
  defaultCurrency: string;
  onMonth?: (r: MonthResult) => void;
}

const keyOf = (d: Pick<Declaration, 'declaration_id' | 'item_no'>) => declarationKey(d.declaration_id, d.item_no);

/** Items by their declaration, declarations in the order their first item comes. */
function groupByDeclaration(items: Declaration[]): Map<string, Declaration[]> {
  const out = new Map<string, Declaration[]>();
  for (const d of items) {
    const l = out.get(d.declaration_id);
    if (l) l.push(d);
    else out.set(d.declaration_id, [d]);
  }
  return out;
}

/** Declarations of files, validated as ingest would (rejected rows are left out). */
export async function readAll(files: string[], mapping: Mapping | undefined, defaultCurrency: string): Promise<Declaration[]> {
  return (await readValidDeclarations(files, mapping, defaultCurrency)).declarations;
}

/** Ground truth per declaration key from a labels file (declaration_id, item_no, fraud, fraud_value). */
export async function readLabels(file: string): Promise<Map<string, Truth>> {
  const out = new Map<string, Truth>();
  for await (const batch of readNamedRows(createReadStream(file))) {
    for (const { row } of batch) {
      if (row?.declaration_id) out.set(declarationKey(row.declaration_id, Number(row.item_no) || 1), { fraud: row.fraud === '1', value: Number(row.fraud_value) || 0 });
    }
  }
  return out;
}

/** Truth from the declarations' own recorded outcomes (datasets where every row was controlled). */
export function labelsFromOutcomes(ds: Declaration[]): Map<string, Truth> {
  return new Map(ds.map((d) => [keyOf(d), { fraud: isBadOutcome(d.outcome), value: d.declared_value }]));
}

async function load(store: GraphStore, ds: Declaration[], phoneRegion: string): Promise<void> {
  const resolver = new DeclarationResolver({ phoneRegion });
  const b = new BatchBuilder();
  for (const d of ds) {
    resolver.resolve(d, b);
    if (b.size >= 2000) await store.writeBatch(b.take());
  }
  if (b.size) await store.writeBatch(b.take());
}

/** What the rules baseline knows: bad outcomes per trader, HS code and origin, from its own controls. */
class RulesWorld {
  private trader = new Map<string, number>();
  private hs = new Map<string, [number, number]>();
  private origin = new Map<string, [number, number]>();
  private n = 0;
  private bad = 0;

  learn(d: Declaration, bad: boolean): void {
    this.n++;
    if (bad) {
      this.bad++;
      const t = normalizeId(d.trader_id);
      this.trader.set(t, (this.trader.get(t) ?? 0) + 1);
    }
    for (const [m, k] of [[this.hs, d.hs_code.slice(0, 6)], [this.origin, d.goods_origin_country ?? d.origin_country]] as const) {
      const c = m.get(k) ?? [0, 0];
      c[0]++;
      if (bad) c[1]++;
      m.set(k, c);
    }
  }

  score(d: Declaration): number {
    const base = this.bad / Math.max(1, this.n);
    const risky = (c: [number, number] | undefined) => (c && c[0] >= 5 && c[1] / c[0] > 2 * base ? 1 : 0);
    return 10 * (this.trader.get(normalizeId(d.trader_id)) ?? 0) + risky(this.hs.get(d.hs_code.slice(0, 6))) + risky(this.origin.get(d.goods_origin_country ?? d.origin_country));
  }
}

function measure(picks: Declaration[], truth: Map<string, Truth>, totalValue: number) {
  let frauds = 0;
  let value = 0;
  for (const d of picks) {
    const t = truth.get(keyOf(d));
    if (t?.fraud) { frauds++; value += t.value; }
  }
  return { precision: frauds / Math.max(1, picks.length), revenue: totalValue > 0 ? value / totalValue : 0 };
}

export async function simulate(store: GraphStore, all: Declaration[], truth: Map<string, Truth>, opts: SimulationOptions): Promise<MonthResult[]> {
  const months = [...new Set(all.map((d) => d.lodged_at.slice(0, 7)))].sort();
  const simulated = months.slice(-opts.months);
  const history = all.filter((d) => d.lodged_at.slice(0, 7) < simulated[0]!);
  // History comes with the outcomes customs recorded at the time.
  await load(store, history, opts.phoneRegion);
  const rules = new RulesWorld();
  for (const d of history) if (d.outcome !== 'unknown') rules.learn(d, isBadOutcome(d.outcome));
  await runAnalysis(store, { ...DEFAULT_PARAMS, seed: opts.seed });

  const scoring = new ScoringService(store, { phoneRegion: opts.phoneRegion, defaultCurrency: opts.defaultCurrency });
  const results: MonthResult[] = [];
  for (const [m, month] of simulated.entries()) {
    // This month's declarations arrive without outcomes.
    const batch = all.filter((d) => d.lodged_at.slice(0, 7) === month).map((d) => ({ ...d, outcome: 'unknown' as const, fraud_type: undefined, recovered_amount: undefined }));
    await load(store, batch, opts.phoneRegion);
    const scores = await scoring.score(batch);
    // A declaration is controlled as a whole: every choice below takes declarations, with all their items.
    const scored = batch.map((d, i) => ({ key: keyOf(d), declaration: d.declaration_id, ...scores[i]! }));
    const { selections: selection, declarations } = selectDeclarationChannels(scored, { capacity: opts.capacity, exploration: opts.exploration, seed: opts.seed + m });
    const s = slots(declarations, { capacity: opts.capacity, exploration: opts.exploration, seed: 0 });
    const modelPicks = batch.filter((_, i) => selection[i]!.channel === 'red');
    const explorationPicks = batch.filter((_, i) => selection[i]!.why === 'exploration');
    const rng = new Rng(opts.seed * 31 + m);
    const groups = [...groupByDeclaration(batch).values()];
    const randomPicks = rng.shuffle([...groups]).slice(0, s.red).flat();
    const rulesScores = groups.map((items) => Math.max(...items.map((d) => rules.score(d))) + rng.next() * 1e-6);
    const rulesPicks = groups.map((items, i) => [items, rulesScores[i]!] as const).sort((a, b) => b[1] - a[1]).slice(0, s.red).flatMap(([items]) => items);
    const totalValue = batch.reduce((a, d) => a + (truth.get(keyOf(d))?.fraud ? truth.get(keyOf(d))!.value : 0), 0);
    const model = measure(modelPicks, truth, totalValue);
    const result: MonthResult = {
      month, declarations, items: batch.length, controlledItems: modelPicks.length, frauds: batch.filter((d) => truth.get(keyOf(d))?.fraud).length, slots: s.red,
      model: { ...model, explorationPicks: explorationPicks.length, explorationFrauds: explorationPicks.filter((d) => truth.get(keyOf(d))?.fraud).length },
      random: measure(randomPicks, truth, totalValue),
      rules: measure(rulesPicks, truth, totalValue),
    };
    results.push(result);
    opts.onMonth?.(result);
    // Only what the system controlled comes back to it.
    await store.updateOutcomes(modelPicks.map((d) => ({ key: keyOf(d), outcome: truth.get(keyOf(d))?.fraud ? 'seizure' : 'clear' })));
    for (const d of rulesPicks) rules.learn(d, truth.get(keyOf(d))?.fraud ?? false);
    await runAnalysis(store, { ...DEFAULT_PARAMS, seed: opts.seed });
  }
  return results;
}
