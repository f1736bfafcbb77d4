/**
 * The scoring function the scoring service calls: a declaration's fields in, risk in [0, 1] and
 * reasons out, from the current analysis run. Loaded once (entity keys, risks, attribute history),
 * then each call is in-memory work.
 */
import type { Declaration } from '../../domain/declaration';
import { PARTY_KINDS, type EntityKind } from '../../domain/entities';
import { BatchBuilder, DeclarationResolver } from '../../domain/resolve';
import type { AnalysisRun, DeclarationFacts, DeclarationModel, Signal } from '../../domain/results';
import { NoCurrentRunError, UsageError } from '../../util/errors';
import type { AnalysisSource } from '../../store/analysis-source';
import type { RunStore } from '../../store/run-store';
import { standaloneComboSet } from '../signals/combo-set';
import { categoryMap, featureVector, scoreDeclaration, shownReasons, type ScoringContext } from './declaration-model';
import { predict } from './logistic';

export interface DeclarationScore {
  declarationId: string;
  itemNo: number;
  risk: number;
  reasons: Signal[];
}

export class DeclarationScorer {
  private constructor(
    readonly run: AnalysisRun,
    private readonly model: DeclarationModel,
    private readonly ctx: ScoringContext,
    private readonly ids: Map<EntityKind, Map<string, string>>,
    private readonly resolver: DeclarationResolver,
  ) {}

  /**
   * The current run's scorer, or a given run's while its results are kept. `storedOnly` is for
   * scoring declarations already in the store (the bias audit): each one's combination of parties
   * is in the store by definition, so the combinations are not read.
   */
  static async load(store: AnalysisSource & RunStore, opts: { phoneRegion: string; run?: AnalysisRun; storedOnly?: boolean }): Promise<DeclarationScorer> {
    const run = opts.run ?? await store.currentRun();
    if (!run) throw new NoCurrentRunError();
    if (run.status !== 'done') throw new UsageError(`analysis run ${run.id} is ${run.status}: only a completed run whose results are kept can score`);
    if (!run.model) throw new Error(`analysis run ${run.id} has no fitted model: run \`customs-graph analyze\` again`);
    const model = run.model.declarationModel;
    const medians = new Map(Object.entries(run.model.medians));
    const categories = categoryMap(await store.categoryRisk(run.id));
    let controlled = 0;
    let bad = 0;
    for (const [key, c] of categories) {
      if (key.startsWith('hs2\u0000')) {
        controlled += c.n;
        bad += c.bad;
      }
    }
    const kinds: EntityKind[] = [...PARTY_KINDS, 'Route'];
    const ids = new Map<EntityKind, Map<string, string>>(kinds.map((k) => [k, new Map()]));
    const allIds: string[] = [];
    for await (const batch of store.streamEntities(kinds)) {
      for (const e of batch) {
        ids.get(e.kind)?.set(e.key, e.id);
        if (e.kind !== 'Route') allIds.push(e.id);
      }
    }
    const entityRisk = new Map<string, number>();
    const communityOf = new Map<string, number>();
    for (let i = 0; i < allIds.length; i += 5000) {
      for (const s of await store.getScores(allIds.slice(i, i + 5000), run.id)) {
        entityRisk.set(s.entityId, s.risk);
        if (s.community !== undefined) communityOf.set(s.entityId, s.community);
      }
    }
    const communityRisk = new Map<number, number>();
    for (const c of await store.topCommunities(1_000_000, run.id)) communityRisk.set(c.community, c.risk);
    const { combos, add } = opts.storedOnly ? { combos: { has: () => true }, add: undefined } : standaloneComboSet();
    if (add) for await (const batch of store.streamDeclarationFacts(2_000)) for (const d of batch) add(d);
    const ctx: ScoringContext = {
      categories, baseRate: Math.max(1e-4, bad / Math.max(1, controlled)), medians, entityRisk, communityOf, communityRisk, combos,
    };
    return new DeclarationScorer(run, model, ctx, ids, new DeclarationResolver(opts));
  }

  /** Resolves the declaration's parties to store ids the way ingest would, unknown ones as `new:KIND:KEY`. */
  private facts(d: Declaration): DeclarationFacts {
    const b = new BatchBuilder();
    this.resolver.resolve(d, b);
    const fact = b.take().declarations[0]!;
    const id = (rel: keyof typeof fact.parties): string | undefined => {
      const ref = fact.parties[rel];
      if (!ref) return undefined;
      return this.ids.get(ref.kind)?.get(ref.key) ?? `new:${ref.kind}:${ref.key}`;
    };
    return {
      id: fact.key, lodgedAt: d.lodged_at, trader: id('FILED_BY')!, consignee: id('CONSIGNED_TO'), supplier: id('SUPPLIED_BY'),
      broker: id('DECLARED_BY'), carrier: id('CARRIED_BY'), route: id('ROUTED_VIA')!, hsCode: d.hs_code, origin: d.origin_country,
      goodsOrigin: d.goods_origin_country, transit: d.transit_ports, value: d.declared_value, quantity: d.quantity,
      weight: d.gross_weight_kg, currency: d.currency, outcome: 'unknown', ...(d.attrs ? { attrs: d.attrs } : {}),
      office: d.office, regime: d.regime, aeo: d.aeo, declarationId: d.declaration_id,
    };
  }

  /** The risk of a declaration already in the store (its parties are store ids), without its reasons. */
  riskOfStored(d: DeclarationFacts): number {
    return Math.round(predict(this.model.model, featureVector(d, this.ctx, this.model.features, false).x) * 1e6) / 1e6;
  }

  score(d: Declaration): DeclarationScore {
    const r = scoreDeclaration(this.facts(d), this.ctx, this.model);
    return { declarationId: d.declaration_id, itemNo: d.item_no, risk: Math.round(r.risk * 1e6) / 1e6, reasons: shownReasons(r.reasons) };
  }
}
