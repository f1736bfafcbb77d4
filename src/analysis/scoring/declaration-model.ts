/**
 * Declaration risk: how risky is the network and the goods behind one incoming declaration.
 * Features: the run's risk of each party and of the trader's community, the outcome history of
 * the declared attributes (HS code, origins, route, broker, supplier, mapping attributes) as
 * shrunk log-odds, split into a bad record (history:FIELD, above the base rate) and a clean one
 * (clean:FIELD, below it) so that with non-negative weights a clean record only ever lowers a
 * risk; how far the unit value sits below its HS-code peers, goods declared as originating in a
 * transit country, and whether the trader–supplier–broker combination is new.
 * A logistic model over them is fitted on outcomes after a time cutoff using only what was known
 * before it; with too few outcomes, documented default weights apply.
 */
import { MAX_STORED_PREDICTIONS, type HeldOutEvaluation } from '../../domain/accountability';
import { isBadOutcome } from '../../domain/fields';
import type { CategoryRisk, DeclarationFacts, DeclarationModel, Signal } from '../../domain/results';
import { categoriesOf, isOriginLaundering, medianKey, unitValue } from '../signals/predicates';
import { heldOutQuality } from './held-out';
import { fitLogistic, predict, smoothedLogOdds } from './logistic';

/** Everything the model reads besides the declaration itself. */
export interface ScoringContext {
  categories: Map<string, { n: number; bad: number }>;
  baseRate: number;
  medians: Map<string, number>;
  /** Risk by entity id, for parties and the trader's community. */
  entityRisk: Map<string, number>;
  communityOf: Map<string, number>;
  communityRisk: Map<number, number>;
  /** The trader–supplier–broker combinations seen before (a ComboSet, or an answer for known declarations). */
  combos: { has(d: DeclarationFacts): boolean };
}

/** history:FIELD and clean:FIELD, the two record features of a declared attribute. */
const RECORD_FEATURE = /^(history|clean):(.*)$/s;

const NETWORK_FEATURES = ['trader_risk', 'counterpart_risk', 'community_risk', 'new_combination', 'undervaluation', 'origin_laundering'];

/** The categorical fields a model uses: the fixed ones plus the attributes the data carries. */
export function featureNames(categories: Iterable<string>): string[] {
  const fields = new Set<string>();
  for (const key of categories) fields.add(key.slice(0, key.indexOf('\u0000')));
  // Each field twice: its bad record (raises the risk) and its clean record (lowers it), weighed apart.
  return [...NETWORK_FEATURES, ...[...fields].sort().flatMap((f) => [`history:${f}`, `clean:${f}`])];
}

/** Each feature name with the field and side of a record feature read out of it. */
type FeaturePlan = Array<{ name: string; record?: { clean: boolean; field: string } }>;
const PLANS = new WeakMap<readonly string[], FeaturePlan>();

/** The plan of a list of names, read once per list (featureVector runs per declaration, a model's fit over 100k of them). */
function planOf(names: readonly string[]): FeaturePlan {
  let plan = PLANS.get(names);
  if (!plan) {
    plan = names.map((name) => {
      const [, kind, field] = RECORD_FEATURE.exec(name) ?? [];
      return { name, record: field === undefined ? undefined : { clean: kind === 'clean', field } };
    });
    PLANS.set(names, plan);
  }
  return plan;
}

/** The features of a declaration, with what shows each (left out when only the risk is wanted). */
export function featureVector(d: DeclarationFacts, ctx: ScoringContext, names: readonly string[], withEvidence = true): { x: number[]; evidence: Map<string, string[]> } {
  const cats = new Map(categoriesOf(d));
  const evidence = new Map<string, string[]>();
  const shown = withEvidence ? evidence : undefined;
  const x = planOf(names).map(({ name, record }) => {
    switch (name) {
      case 'trader_risk': {
        shown?.set(name, [d.trader]);
        return ctx.entityRisk.get(d.trader) ?? 0;
      }
      case 'counterpart_risk': {
        let best = 0;
        for (const id of [d.supplier, d.broker, d.consignee, d.carrier]) {
          const r = id ? ctx.entityRisk.get(id) ?? 0 : 0;
          if (r > best) {
            best = r;
            shown?.set(name, [id as string]);
          }
        }
        return best;
      }
      case 'community_risk': {
        const c = ctx.communityOf.get(d.trader);
        if (c === undefined) return 0;
        shown?.set(name, [`community:${c}`]);
        return ctx.communityRisk.get(c) ?? 0;
      }
      case 'new_combination':
        return ctx.combos.has(d) ? 0 : 1;
      case 'undervaluation': {
        const u = unitValue(d);
        const m = ctx.medians.get(medianKey(d));
        return u !== undefined && m !== undefined && u > 0 ? Math.min(3, Math.max(0, Math.log(m / u))) : 0;
      }
      case 'origin_laundering':
        return isOriginLaundering(d) ? 1 : 0;
      default: {
        // history:FIELD is the part of the attribute's log-odds above the base rate, clean:FIELD the part below.
        if (!record) return 0;
        const { clean, field } = record;
        const value = cats.get(field);
        if (value === undefined) return 0;
        const c = ctx.categories.get(`${field}\u0000${value}`);
        if (!c) return 0;
        const logOdds = smoothedLogOdds(c.bad, c.n, ctx.baseRate);
        if (clean ? logOdds >= 0 : logOdds <= 0) return 0;
        shown?.set(name, [`${field}=${value}`, `${c.bad}/${c.n} bad`]);
        return logOdds;
      }
    }
  });
  return { x, evidence };
}

export const DEFAULT_DECLARATION_WEIGHTS: Record<string, number> = {
  trader_risk: 3, counterpart_risk: 1.5, community_risk: 1.5, new_combination: 0.5, undervaluation: 1, origin_laundering: 1.5,
};

export function defaultDeclarationModel(names: string[]): DeclarationModel {
  // Attribute history enters at face value (it already is a log-odds ratio).
  return {
    features: names,
    model: { bias: -3, weights: names.map((n) => DEFAULT_DECLARATION_WEIGHTS[n] ?? (RECORD_FEATURE.test(n) ? 0.3 : 0)) },
    source: 'defaults',
  };
}

/** Fits on declarations after the cutoff (labels) with a context built from before it. */
export function fitDeclarationModel(labelled: DeclarationFacts[], past: ScoringContext, names: string[]): DeclarationModel | undefined {
  const y: number[] = labelled.map((d) => (isBadOutcome(d.outcome) ? 1 : 0));
  const positives = y.reduce((a, b) => a + b, 0);
  if (labelled.length < 200 || positives < 20) return undefined;
  const x = labelled.map((d) => featureVector(d, past, names, false).x);
  // Non-negative weights: every feature is oriented so that more means riskier, so a clean history
  // (negative log-odds) can only lower a declaration's risk, never raise it.
  return { features: names, model: fitLogistic(x, y, { l2: 1e-3, iterations: 300, learningRate: 0.05, nonNegative: true }), source: 'fitted' };
}

/** The latest share of the labelled declarations (by lodging date) that the model card measures on. */
export const HELD_OUT_SHARE = 1 / 3;

/**
 * The model card's held-out figures: a model fitted on the earlier labelled declarations (the
 * documented defaults when they are too few) measured on the later ones, with the same past context.
 */
export function holdOut(labelled: readonly DeclarationFacts[], past: ScoringContext, names: string[]): { heldOut?: HeldOutEvaluation; missing?: string } {
  const ordered = [...labelled].sort((a, b) => (a.lodgedAt < b.lodgedAt ? -1 : a.lodgedAt > b.lodgedAt ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const split = Math.floor(ordered.length * (1 - HELD_OUT_SHARE));
  const train = ordered.slice(0, split);
  const test = ordered.slice(split);
  const labels = test.map((d): number => (isBadOutcome(d.outcome) ? 1 : 0));
  const positives = labels.reduce((a, b) => a + b, 0);
  if (test.length < 50 || positives < 5) return { missing: `too few labelled declarations after the cutoff to hold out: ${test.length} held out, ${positives} bad` };
  const fitted = fitDeclarationModel(train, past, names);
  const m = fitted ?? defaultDeclarationModel(names);
  // The figures are computed from the predictions as stored (rounded), so anyone can recompute them.
  const predictions = test.map((d): [string, number] => [d.id, Math.round(predict(m.model, featureVector(d, past, names, false).x) * 1e6) / 1e6]);
  const quality = heldOutQuality(predictions.map((p) => p[1]), labels);
  return {
    heldOut: {
      model: fitted ? 'fitted' : 'defaults',
      train: { from: train[0]?.lodgedAt ?? '', to: train[train.length - 1]?.lodgedAt ?? '', n: train.length, positives: train.reduce((a, d) => a + (isBadOutcome(d.outcome) ? 1 : 0), 0) },
      from: test[0]!.lodgedAt, to: test[test.length - 1]!.lodgedAt, ...quality,
      ...(predictions.length <= MAX_STORED_PREDICTIONS ? { predictions } : {}),
    },
  };
}

export function scoreDeclaration(d: DeclarationFacts, ctx: ScoringContext, m: DeclarationModel): { risk: number; reasons: Signal[] } {
  const { x, evidence } = featureVector(d, ctx, m.features);
  const reasons: Signal[] = [];
  x.forEach((v, j) => {
    const contribution = (m.model.weights[j] ?? 0) * v;
    if (Math.abs(contribution) < 0.05) return;
    reasons.push({ name: m.features[j]!, value: Math.round(v * 1e4) / 1e4, contribution: Math.round(contribution * 1e4) / 1e4, evidence: evidence.get(m.features[j]!) ?? [] });
  });
  reasons.sort((a, b) => b.contribution - a.contribution);
  return { risk: predict(m.model, x), reasons };
}

/** The reasons worth showing: the strongest that raise the risk, then the strongest that lower it. */
export function shownReasons(reasons: readonly Signal[], raising = 6, lowering = 2): Signal[] {
  const up = reasons.filter((r) => r.contribution > 0).slice(0, raising);
  const down = reasons.filter((r) => r.contribution < 0).reverse().slice(0, lowering);
  return [...up, ...down];
}

export function categoryMap(list: Iterable<CategoryRisk>): Map<string, { n: number; bad: number }> {
  const out = new Map<string, { n: number; bad: number }>();
  for (const c of list) out.set(`${c.field}\u0000${c.value}`, { n: c.n, bad: c.bad });
  return out;
}
