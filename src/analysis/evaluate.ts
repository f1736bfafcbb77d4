/**
 * Compares the current run with planted ground truth (customs-graph synth's truth.json): how many
 * of the riskiest traders without a seizure of their own are planted ring members, and how many
 * planted rings come out as one top-ranked community. Two baselines on the same traders: random
 * order, and the trader's own control history (seizures, then discrepancies) only.
 */
import { normalizeId } from '../domain/normalize';
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
  precision: Record<string, { model: number; random: number; ownHistory: number }>;
  ringRecall: number;
  ringsFound: number;
  rings: number;
  topRingsConsidered: number;
  perRing: Array<{ ring: string; type: string; members: number; inCommunity: number; community?: number; rank?: number; found: boolean }>;
}

export async function evaluateRun(store: GraphStore, truth: EvaluationTruth, opts: { topRings?: number } = {}): Promise<Evaluation> {
  const scores = await store.topEntities({ kind: 'Trader', limit: 10_000_000 });
  const entities = new Map<string, string>();
  const ids = scores.map((s) => s.entityId);
  for (let i = 0; i < ids.length; i += 5000) for (const e of await store.getEntities(ids.slice(i, i + 5000))) entities.set(e.id, e.key);
  const members = new Map<string, string>();
  for (const ring of truth.rings) for (const m of ring.members) members.set(normalizeId(m), ring.id);

  // Own control history, per trader, for the baseline.
  const history = new Map<string, number>();
  for await (const batch of store.streamEntityStats()) {
    for (const s of batch) if (s.kind === 'Trader') history.set(s.id, s.seizures * 1000 + s.discrepancies);
  }
  const clean = scores.filter((s) => s.seizures === 0);
  const labels: number[] = clean.map((s) => (members.has(entities.get(s.entityId) ?? '') ? 1 : 0));
  const modelScores = clean.map((s) => s.risk);
  const ownHistory = clean.map((s) => history.get(s.entityId) ?? 0);
  const rng = new Rng(truth.seed);
  const random = clean.map(() => rng.next());
  const precision: Evaluation['precision'] = {};
  for (const k of [50, 100, 200]) {
    precision[`@${k}`] = {
      model: precisionAtK(modelScores, labels, k), random: precisionAtK(random, labels, k), ownHistory: precisionAtK(ownHistory, labels, k),
    };
  }

  const topRings = opts.topRings ?? truth.rings.length;
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
    const found = inCommunity * 2 > ring.members.length && rank !== undefined;
    return { ring: ring.id, type: ring.type, members: ring.members.length, inCommunity, community, rank, found };
  });
  const ringsFound = perRing.filter((r) => r.found).length;
  return {
    traders: scores.length, tradersWithoutSeizure: clean.length, ringMembersWithoutSeizure: labels.reduce((a, b) => a + b, 0),
    precision, ringRecall: ringsFound / Math.max(1, truth.rings.length), ringsFound, rings: truth.rings.length,
    topRingsConsidered: topRings, perRing,
  };
}
