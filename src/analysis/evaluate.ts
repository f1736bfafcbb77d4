/**
 * Compares the current run with planted ground truth (customs-graph synth's truth.json, or another
 * generator's in the same shape): how many of the riskiest traders without a seizure of their own
 * are planted ring members, and how many planted rings come out as one top-ranked candidate ring.
 * Three baselines on the same traders, computed in the same run: random order, the trader's own
 * control history (discrepancies), and the count of seized traders within two hops. Baseline ties
 * are broken at random, never by the model's order.
 */
import { normalizeId } from '../domain/normalize';
import type { RelType } from '../domain/entities';
import type { GraphStore } from '../store/graph-store';
import { Rng } from '../util/rng';
import { precisionAtK } from './scoring/logistic';

/**
 * Planted rings to compare with: what `synth` writes in truth.json, or any other generator's
 * ground truth in the same shape. `seed` seeds the random baseline.
 */
export interface EvaluationTruth {
  seed: number;
  rings: Array<{ id: string; type: string; members: string[] }>;
}

export interface Evaluation {
  traders: number;
  tradersWithoutSeizure: number;
  ringMembersWithoutSeizure: number;
  precision: Record<string, { model: number; random: number; ownHistory: number; twoHop: number }>;
  ringRecall: number;
  ringsFound: number;
  rings: number;
  topRingsConsidered: number;
  perRing: Array<{ ring: string; type: string; members: number; inCommunity: number; community?: number; rank?: number; found: boolean }>;
}

/** Candidate rings looked at for ring recovery (at least the number of planted rings). */
export const TOP_CANDIDATE_RINGS = 30;

/** A shared party or identifier used by more traders than this is a hub: the two-hop baseline does not count through it. */
export const TWO_HOP_MAX_TRADERS = 50;

export async function evaluateRun(store: GraphStore, truth: EvaluationTruth, opts: { topRings?: number } = {}): Promise<Evaluation> {
  const scores = await store.topEntities({ kind: 'Trader', limit: 10_000_000 });
  const entities = new Map<string, string>();
  const ids = scores.map((s) => s.entityId);
  for (let i = 0; i < ids.length; i += 5000) for (const e of await store.getEntities(ids.slice(i, i + 5000))) entities.set(e.id, e.key);
  const members = new Map<string, string>();
  for (const ring of truth.rings) for (const m of ring.members) members.set(normalizeId(m), ring.id);

  // Own control history, per trader, for the baseline.
  const history = new Map<string, number>();
  const seized = new Set<string>();
  for await (const batch of store.streamEntityStats()) {
    for (const s of batch) {
      if (s.kind !== 'Trader') continue;
      history.set(s.id, s.seizures * 1000 + s.discrepancies);
      if (s.seizures > 0) seized.add(s.id);
    }
  }
  const twoHop = await seizedWithinTwoHops(store, seized);
  const clean = scores.filter((s) => s.seizures === 0);
  const labels: number[] = clean.map((s) => (members.has(entities.get(s.entityId) ?? '') ? 1 : 0));
  const modelScores = clean.map((s) => s.risk);
  // Random draws in id order, so that the random baseline and the baselines' tie-breaks do not
  // depend on the model's order.
  const rng = new Rng(truth.seed);
  const draw = new Map([...clean].map((s) => s.entityId).sort().map((id) => [id, rng.next()]));
  const random = clean.map((s) => draw.get(s.entityId)!);
  // Baselines count; their ties are broken at random (the list itself is in the model's order).
  const ownHistory = clean.map((s, i) => (history.get(s.entityId) ?? 0) + random[i]! * 1e-3);
  const hops = clean.map((s, i) => (twoHop.get(s.entityId) ?? 0) + random[i]! * 1e-3);
  const precision: Evaluation['precision'] = {};
  for (const k of [50, 100, 200]) {
    precision[`@${k}`] = {
      model: precisionAtK(modelScores, labels, k), random: precisionAtK(random, labels, k), ownHistory: precisionAtK(ownHistory, labels, k),
      twoHop: precisionAtK(hops, labels, k),
    };
  }

  const topRings = opts.topRings ?? Math.max(TOP_CANDIDATE_RINGS, truth.rings.length);
  const ranked = await store.topCommunities(topRings);
  const rankOf = new Map(ranked.map((c) => [c.community, c.rank]));
  const communityOfKey = new Map<string, number | undefined>();
  for (const s of scores) communityOfKey.set(entities.get(s.entityId) ?? '', s.community);
  const perRing = truth.rings.map((ring) => {
    const counts = new Map<number, number>();
    for (const m of ring.members) {
      const c = communityOfKey.get(normalizeId(m));
      if (c !== undefined) counts.set(c, (counts.get(c) ?? 0) + 1);
    }
    const [community, inCommunity] = [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0] ?? [undefined, 0];
    const rank = community === undefined ? undefined : rankOf.get(community);
    const found = inCommunity * 2 >= ring.members.length && rank !== undefined;
    return { ring: ring.id, type: ring.type, members: ring.members.length, inCommunity, community, rank, found };
  });
  const ringsFound = perRing.filter((r) => r.found).length;
  return {
    traders: scores.length, tradersWithoutSeizure: clean.length, ringMembersWithoutSeizure: labels.reduce((a, b) => a + b, 0),
    precision, ringRecall: ringsFound / Math.max(1, truth.rings.length), ringsFound, rings: truth.rings.length,
    topRingsConsidered: topRings, perRing,
  };
}

/** Links the two-hop baseline does not count through: what carried the goods and how they went. */
const CONTEXT_RELS: ReadonlySet<RelType> = new Set(['CARRIED_BY', 'ROUTED_VIA', 'ON_VESSEL', 'IN_CONTAINER']);

/**
 * The two-hop baseline: for every trader, the seized traders it reaches through one shared party
 * or identifier (carriers, routes and hubs used by more than TWO_HOP_MAX_TRADERS traders left out),
 * or directly.
 */
async function seizedWithinTwoHops(store: GraphStore, seized: Set<string>): Promise<Map<string, number>> {
  const tradersOf = new Map<string, string[]>();
  const direct: Array<[string, string]> = [];
  for await (const batch of store.streamEntityGraph()) {
    for (const l of batch) {
      const [trader, other, otherKind] = l.sourceKind === 'Trader' ? [l.source, l.target, l.targetKind] : l.targetKind === 'Trader' ? [l.target, l.source, l.sourceKind] : [];
      if (!trader || !other || CONTEXT_RELS.has(l.type)) continue;
      if (otherKind === 'Trader') direct.push([trader, other]);
      let list = tradersOf.get(other);
      if (!list) tradersOf.set(other, (list = []));
      list.push(trader);
    }
  }
  const reached = new Map<string, Set<string>>();
  const reach = (from: string, to: string) => {
    if (from === to || !seized.has(to)) return;
    let set = reached.get(from);
    if (!set) reached.set(from, (set = new Set()));
    set.add(to);
  };
  for (const [a, b] of direct) {
    reach(a, b);
    reach(b, a);
  }
  for (const traders of tradersOf.values()) {
    const unique = [...new Set(traders)];
    if (unique.length < 2 || unique.length > TWO_HOP_MAX_TRADERS) continue;
    const bad = unique.filter((t) => seized.has(t));
    if (bad.length === 0) continue;
    for (const t of unique) for (const b of bad) reach(t, b);
  }
  return new Map([...reached].map(([t, set]) => [t, set.size]));
}
