/** Communities as candidate fraud rings: size, members by kind, known-bad members, value, risk, rank. */
import { isPartyKind, type EntityKind } from '../../domain/entities';
import type { CommunityRecord, Signal } from '../../domain/results';
import type { PartyAgg } from '../signals/party-figures';
import type { EntityGraph } from '../graph/projection';

/** Communities with fewer parties or traders are not ranked as rings. */
export const MIN_RING_PARTIES = 3;
export const MIN_RING_TRADERS = 2;
const MAX_MEMBERS_STORED = 1000;

/**
 * Risk of a community: the mean risk of its riskiest traders (up to five), so one bad actor in a
 * large honest community does not make it a ring, and a ring of several risky traders ranks high.
 */
export function rankCommunities(
  g: EntityGraph, community: Int32Array, risk: Float64Array, knownBad: Uint8Array, partyOfNode: ArrayLike<PartyAgg | undefined>,
  ringOf: Int32Array,
): CommunityRecord[] {
  const groups = new Map<number, number[]>();
  for (let i = 0; i < g.n; i++) {
    const c = community[i]!;
    if (c < 0) continue;
    let l = groups.get(c);
    if (!l) groups.set(c, (l = []));
    l.push(i);
  }
  const out: CommunityRecord[] = [];
  for (const [c, nodes] of groups) {
    const partyNodes = nodes.filter((i) => isPartyKind(g.kinds[i]!));
    const traders = partyNodes.filter((i) => g.kinds[i] === 'Trader').sort((a, b) => risk[b]! - risk[a]!);
    if (partyNodes.length < MIN_RING_PARTIES || traders.length < MIN_RING_TRADERS) continue;
    const top = (traders.length ? traders : partyNodes).slice(0, 5);
    const score = top.reduce((a, i) => a + risk[i]!, 0) / top.length;
    const byKind: Partial<Record<EntityKind, number>> = {};
    let bad = 0;
    let value = 0;
    let inRings = 0;
    for (const i of nodes) {
      byKind[g.kinds[i]!] = (byKind[g.kinds[i]!] ?? 0) + 1;
      if (knownBad[i]) bad++;
      if (ringOf[i]! >= 0) inRings++;
      if (g.kinds[i] === 'Trader') value += partyOfNode[i]?.value ?? 0;
    }
    const members = [...nodes].sort((a, b) => risk[b]! - risk[a]! || a - b).slice(0, MAX_MEMBERS_STORED).map((i) => g.ids[i]!);
    const signals: Signal[] = [
      { name: 'top_trader_risk', value: round(score), contribution: round(score), evidence: top.map((i) => g.ids[i]!) },
    ];
    if (bad) signals.push({ name: 'known_bad_members', value: bad, contribution: 0, evidence: nodes.filter((i) => knownBad[i]).slice(0, 10).map((i) => g.ids[i]!) });
    if (inRings) signals.push({ name: 'shared_identifier_ring_members', value: inRings, contribution: 0, evidence: nodes.filter((i) => ringOf[i]! >= 0).slice(0, 10).map((i) => g.ids[i]!) });
    out.push({ community: c, rank: 0, size: nodes.length, byKind, knownBad: bad, value, risk: round(score), members, signals });
  }
  out.sort((a, b) => b.risk - a.risk || b.knownBad - a.knownBad || a.community - b.community);
  out.forEach((c, i) => { c.rank = i + 1; });
  return out;
}

function round(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}
