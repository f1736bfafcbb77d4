/**
 * Scoring on its own, on small hand-made inputs whose answers are worked out here: an entity's
 * risk from its signals and weights, the declaration model's features and reasons, and the
 * subgraph rules (strong links only; a ring with what its members share).
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { DeclarationFacts } from '../src/domain/results';
import { filterByWeight, ringSubgraph } from '../src/export/subgraph';
import {
  defaultDeclarationModel, shownReasons, featureNames, featureVector, fitDeclarationModel, scoreDeclaration, type ScoringContext,
} from '../src/analysis/scoring/declaration-model';
import { DEFAULT_WEIGHTS, riskValue, signalsOf } from '../src/analysis/scoring/entity-risk';
import { scoreTable } from '../src/analysis/scoring/score-table';
import { sigmoid, smoothedLogOdds } from '../src/analysis/scoring/logistic';
import { SIGNALS, type Features } from '../src/analysis/signals/entity-signals';
import type { Subgraph } from '../src/store/graph-reader';
import { SqliteGraphStore } from '../src/store/sqlite/sqlite-store';
import { Rng } from '../src/util/rng';
import { batchOf, row, tempDir } from './helpers';

/** Features of `n` nodes with the given signal values (and evidence) per node. */
function features(nodes: Array<Partial<Record<(typeof SIGNALS)[number], number>>>): Features {
  const S = SIGNALS.length;
  const values = new Float64Array(nodes.length * S);
  const evidence: Features['evidence'] = nodes.map(() => undefined);
  nodes.forEach((signals, i) => {
    for (const [name, v] of Object.entries(signals)) {
      values[i * S + SIGNALS.indexOf(name as (typeof SIGNALS)[number])] = v;
      evidence[i] = { ...evidence[i], [name]: [`ev-${name}-${i}`] };
    }
  });
  return { values, evidence, ppr: new Float64Array(nodes.length), knownBad: new Uint8Array(nodes.length), seizures: new Int32Array(nodes.length) };
}

describe('entity risk', () => {
  const f = features([{}, { seizures: 0.5, shared_identifier_ring: 1, risky_broker: 0.2 }]);

  it('is the logistic of the bias plus each signal times its weight', () => {
    expect(riskValue(f, 0, DEFAULT_WEIGHTS)).toBeCloseTo(sigmoid(-4), 12);
    expect(riskValue(f, 0, DEFAULT_WEIGHTS)).toBeCloseTo(0.018, 3);
    const z = -4 + 3.5 * 0.5 + 2.5 * 1 + 2 * 0.2;
    expect(riskValue(f, 1, DEFAULT_WEIGHTS)).toBeCloseTo(sigmoid(z), 12);
  });

  it('lists the signals behind it, largest contribution first, each with its value, weight × value and evidence', () => {
    expect(signalsOf(f, 1, DEFAULT_WEIGHTS)).toEqual([
      { name: 'shared_identifier_ring', value: 1, contribution: 2.5, evidence: ['ev-shared_identifier_ring-1'] },
      { name: 'seizures', value: 0.5, contribution: 1.75, evidence: ['ev-seizures-1'] },
      { name: 'risky_broker', value: 0.2, contribution: 0.4, evidence: ['ev-risky_broker-1'] },
    ]);
    expect(signalsOf(f, 0, DEFAULT_WEIGHTS)).toEqual([]);
  });

  it('follows the weights it is given: a zero weight takes a signal out of the risk', () => {
    const w = { bias: -4, weights: { ...DEFAULT_WEIGHTS.weights, shared_identifier_ring: 0 } };
    expect(riskValue(f, 1, w)).toBeCloseTo(sigmoid(-4 + 1.75 + 0.4), 12);
  });
});

describe('the score table', () => {
  // A trader with no signal, a phone with none, an address with one, a broker with two.
  const f = features([{}, {}, { watchlist: 0.8 }, { seizures: 0.5, risky_broker: 0.2 }]);
  f.knownBad[3] = 1;
  f.seizures[3] = 1;
  f.ppr[2] = 0.25;
  const g = {
    n: 4, ids: ['10', '11', '12', '13'], kinds: ['Trader', 'Phone', 'Address', 'Broker'] as const,
    index: new Map([['10', 0], ['11', 1], ['12', 2], ['13', 3]]), m: 0,
    src: new Int32Array(0), dst: new Int32Array(0), rel: new Uint8Array(0), count: new Float64Array(0), value: new Float64Array(0),
  };
  const gs = { g: { ...g, kinds: [...g.kinds] }, community: Int32Array.from([0, -1, 0, 1]), component: Int32Array.from([0, 1, 0, 0]), pagerank: Float64Array.from([0.1, 0.2, 0.3, 0.4]) };
  const table = scoreTable(gs, f, DEFAULT_WEIGHTS);

  it('scores every party, and an identifier only when a signal says something about it', () => {
    expect(table.length).toBe(3);
    expect(Array.from({ length: table.length }, (_, k) => table.head(k).entityId)).toEqual(['10', '12', '13']);
  });

  it("makes each score when read: the risk rounded, the graph's figures, the signals largest contribution first", () => {
    expect(table.at(2)).toEqual({
      entityId: '13', kind: 'Broker', risk: Math.round(riskValue(f, 3, DEFAULT_WEIGHTS) * 1e6) / 1e6, community: 1, component: 0,
      pagerank: 0.4, ppr: 0, seizures: 1, knownBad: true, signals: signalsOf(f, 3, DEFAULT_WEIGHTS),
    });
    expect(table.at(2).signals.map((s) => s.name)).toEqual(['seizures', 'risky_broker']);
    expect(table.at(1)).toMatchObject({ entityId: '12', kind: 'Address', ppr: 0.25, knownBad: false, signals: [{ name: 'watchlist', evidence: ['ev-watchlist-2'] }] });
    // No community (-1) is no community, not community -1.
    expect(table.at(0).community).toBe(0);
    expect(scoreTable({ ...gs, community: Int32Array.from([-1, -1, -1, -1]) }, f, DEFAULT_WEIGHTS).at(0).community).toBeUndefined();
  });

  it("gives each head as its whole score has it, and every node's unrounded risk", () => {
    for (let k = 0; k < table.length; k++) {
      const { entityId, kind, risk, knownBad } = table.at(k);
      expect(table.head(k)).toEqual({ entityId, kind, risk, knownBad });
    }
    expect(Array.from(table.risk)).toEqual([0, 1, 2, 3].map((i) => riskValue(f, i, DEFAULT_WEIGHTS)));
  });

  it('says which signals a score has as its whole score would, without making it', () => {
    for (let k = 0; k < table.length; k++) {
      const names = table.at(k).signals.map((sig) => sig.name);
      for (const name of [...SIGNALS, 'no such signal']) expect(table.hasSignal(k, name)).toBe(names.includes(name));
    }
    expect(table.hasSignal(2, 'risky_broker')).toBe(true);
  });

  it('refuses a position outside the table', () => {
    expect(() => table.at(3)).toThrow(RangeError);
    expect(() => table.head(-1)).toThrow(RangeError);
    expect(() => table.hasSignal(3, 'seizures')).toThrow(RangeError);
  });
});

describe('the declaration model', () => {
  const base: DeclarationFacts = {
    id: 'D1/1', lodgedAt: '2025-03-01', trader: 't1', supplier: 's1', broker: 'b1', carrier: 'c1', route: 'r1', hsCode: '610910',
    origin: 'TR', goodsOrigin: 'CN', transit: ['CNSHA'], value: 100, quantity: 100, currency: 'MAD', outcome: 'unknown',
  };
  const ctx: ScoringContext = {
    categories: new Map([['hs6\u0000610910', { n: 40, bad: 10 }]]), baseRate: 0.05, medians: new Map([['610910|MAD', 4]]),
    entityRisk: new Map([['t1', 0.6], ['s1', 0.2], ['b1', 0.7]]), communityOf: new Map([['t1', 3]]), communityRisk: new Map([[3, 0.5]]),
    combos: { has: () => false },
  };
  const names = featureNames(ctx.categories.keys());

  it('reads each feature from the declaration and its context, with the evidence behind it', () => {
    expect(names).toEqual(['trader_risk', 'counterpart_risk', 'community_risk', 'new_combination', 'undervaluation', 'origin_laundering', 'history:hs6', 'clean:hs6']);
    const { x, evidence } = featureVector(base, ctx, names);
    expect(x.slice(0, 6)).toEqual([0.6, 0.7, 0.5, 1, Math.log(4 / 1), 1]);
    expect(x[6]).toBeCloseTo(smoothedLogOdds(10, 40, 0.05), 12);
    expect(x[7]).toBe(0); // a bad record has no clean part
    expect(evidence.get('counterpart_risk')).toEqual(['b1']);
    expect(evidence.get('community_risk')).toEqual(['community:3']);
    expect(evidence.get('history:hs6')).toEqual(['hs6=610910', '10/40 bad']);
  });

  it('reads a clean record as clean:FIELD, below zero, and never as history:FIELD', () => {
    const clean = { ...ctx, categories: new Map([['hs6\u0000610910', { n: 40, bad: 0 }]]) };
    const { x, evidence } = featureVector(base, clean, names);
    expect(x[6]).toBe(0);
    expect(x[7]).toBeCloseTo(smoothedLogOdds(0, 40, 0.05), 12);
    expect(x[7]).toBeLessThan(0);
    expect(evidence.get('clean:hs6')).toEqual(['hs6=610910', '0/40 bad']);
    expect(evidence.has('history:hs6')).toBe(false);
  });

  it('shows a clean record as a reason that lowers the risk, after the ones that raise it', () => {
    const clean = { ...ctx, categories: new Map([['hs6\u0000610910', { n: 400, bad: 0 }]]) };
    const r = scoreDeclaration(base, clean, defaultDeclarationModel(names));
    const reason = r.reasons.find((x) => x.name === 'clean:hs6')!;
    expect(reason.contribution).toBeLessThan(0);
    expect(shownReasons(r.reasons).at(-1)).toEqual(reason);
    expect(shownReasons(r.reasons, 1, 1).map((x) => x.name)).toEqual([r.reasons[0]!.name, 'clean:hs6']);
  });

  it('caps undervaluation at 3 (e^3 below the median) and gives none at or above it', () => {
    expect(featureVector({ ...base, value: 0.001 }, ctx, names).x[4]).toBe(3);
    expect(featureVector({ ...base, value: 400 }, ctx, names).x[4]).toBe(0);
  });

  it('scores with the logistic of its weights and keeps only reasons that move the risk', () => {
    const m = defaultDeclarationModel(names);
    const r = scoreDeclaration({ ...base, goodsOrigin: undefined, value: 400 }, { ...ctx, combos: { has: () => true } }, m);
    const { x } = featureVector({ ...base, goodsOrigin: undefined, value: 400 }, { ...ctx, combos: { has: () => true } }, names);
    expect(r.risk).toBeCloseTo(sigmoid(-3 + x.reduce((z, v, j) => z + m.model.weights[j]! * v, 0)), 12);
    expect(r.reasons.map((x) => x.name)).toEqual(['trader_risk', 'counterpart_risk', 'community_risk', 'history:hs6']);
    expect(r.reasons.every((x) => x.contribution > 0)).toBe(true);
    const contributions = r.reasons.map((x) => x.contribution);
    expect(contributions).toEqual([...contributions].sort((a, b) => b - a));
    expect(r.reasons.every((x) => Math.abs(x.contribution) >= 0.05)).toBe(true);
  });

  it('is fitted only with enough outcomes, and then learns which feature predicts them', () => {
    const rng = new Rng(4);
    const labelled = (n: number, positives: number): DeclarationFacts[] => Array.from({ length: n }, (_, i) => {
      const bad = i < positives;
      const trader = bad || rng.chance(0.1) ? 't-risky' : `t${i}`;
      return { ...base, id: `D${i}/1`, trader, outcome: bad ? 'seizure' : 'clear' };
    });
    const fitCtx = { ...ctx, entityRisk: new Map([['t-risky', 0.9]]) };
    expect(fitDeclarationModel(labelled(150, 40), fitCtx, names)).toBeUndefined();
    expect(fitDeclarationModel(labelled(400, 10), fitCtx, names)).toBeUndefined();
    const fitted = fitDeclarationModel(labelled(400, 60), fitCtx, names)!;
    expect(fitted.source).toBe('fitted');
    expect(fitted.model.weights[names.indexOf('trader_risk')]).toBeGreaterThan(1);
  });
});

describe('subgraph rules', () => {
  const sub: Subgraph = {
    nodes: ['T1', 'T2', 'P', 'A', 'D'].map((id) => ({ id, kind: 'Trader' as const, key: id, name: id })),
    edges: [
      { source: 'T1', target: 'P', type: 'HAS_PHONE' }, { source: 'T2', target: 'P', type: 'HAS_PHONE' },
      { source: 'T2', target: 'A', type: 'AT_ADDRESS' }, { source: 'D', target: 'T1', type: 'FILED_BY' },
    ],
    truncated: false,
  };

  it('minWeight keeps the strong links and the nodes still reachable from the start through them', () => {
    const phones = filterByWeight(sub, 'T1', 5);
    expect(phones.nodes.map((n) => n.id).sort()).toEqual(['P', 'T1', 'T2']);
    expect(phones.edges).toEqual(sub.edges.slice(0, 2));
    expect(filterByWeight(sub, 'T1', 2).nodes.map((n) => n.id).sort()).toEqual(['A', 'P', 'T1', 'T2']);
    expect(filterByWeight(sub, 'T1', 0)).toBe(sub);
  });

  const tmp = tempDir('cg-subgraph-');
  afterAll(() => tmp.cleanup());

  it('a ring is its members and what at least two of them share, cut at the limit', async () => {
    const store = new SqliteGraphStore(join(tmp.dir, 'ring.db'));
    await store.migrate();
    await store.writeBatch(batchOf([
      row({ declaration_id: 'D1', trader_id: 'T1', trader_phone: '0661000001', trader_address: '1 Rue A Casablanca' }),
      row({ declaration_id: 'D2', trader_id: 'T2', trader_phone: '0661000001', trader_address: '2 Rue B Casablanca' }),
      row({ declaration_id: 'D3', trader_id: 'T3', trader_phone: '0661000003', supplier_id: 'S9', broker_id: 'B9', carrier_id: 'C9' }),
    ]));
    const id = async (kind: 'Trader' | 'Phone', key: string) => (await store.findEntity({ kind, key }))!.id;
    const members = [await id('Trader', 'T1'), await id('Trader', 'T2'), await id('Trader', 'T3')];
    const ring = { community: 1, rank: 1, size: 3, byKind: { Trader: 3 }, knownBad: 0, value: 0, risk: 0.5, members, signals: [] };
    const got = await ringSubgraph(store, ring, 500);
    const ids = new Set(got.nodes.map((n) => n.id));
    for (const m of members) expect(ids.has(m)).toBe(true);
    expect(ids.has(await id('Phone', '+212661000001'))).toBe(true); // shared by T1 and T2
    expect(ids.has(await id('Phone', '+212661000003'))).toBe(false); // T3's alone
    expect(got.nodes.some((n) => n.kind === 'Address')).toBe(false); // each address is one member's
    expect(got.nodes.some((n) => n.kind === 'Supplier')).toBe(false); // two hops away, through declarations
    expect(got.nodes.some((n) => n.kind === 'Declaration')).toBe(false); // each names one member
    expect(got.truncated).toBe(false);
    const cut = await ringSubgraph(store, ring, 2);
    expect(cut.nodes).toHaveLength(2);
    expect(cut.truncated).toBe(true);
    await store.close();
  });
});
