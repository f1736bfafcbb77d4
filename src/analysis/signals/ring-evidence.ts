/**
 * Graded evidence of a shared-identifier ring, per member. What is shared matters, and by how many:
 * a bank account, a phone, an e-mail or a director is a strong tie, an address a weak one, and any
 * identifier weighs less the more parties use it (business centres, domiciliation companies). How
 * bad the ring looks is judged without the member itself: the share of the other members with a
 * seizure or a watchlist hit, the other members' customs signals (undervaluation, origin
 * laundering, young traders with sudden volume, circular trade), and whether members buy from the
 * same supplier or use the same broker. A member's signal is its tie strength times that badness,
 * so honest firms tied by a business-centre address and a family director weigh little.
 */
import type { EntityKind } from '../../domain/entities';
import type { Ring } from '../graph/rings';

/** How strongly one shared identifier of each kind ties two parties. */
export const TIE_STRENGTH: Readonly<Partial<Record<EntityKind, number>>> = {
  BankAccount: 1, Phone: 0.8, Email: 0.8, Person: 0.7, Address: 0.3,
};

/** A shared identifier's weight: its kind's strength, falling with the number of parties that use it (full for two). */
export function tieWeight(kind: EntityKind, users: number): number {
  return (TIE_STRENGTH[kind] ?? 0.3) * Math.min(1, 2 / Math.max(2, users));
}

/** Badness a ring keeps with no known-bad member and no customs signal: the tie alone is weak evidence. */
const TIE_ONLY = 0.15;

export interface RingMemberEvidence {
  member: number;
  value: number;
  /** `ring:ID`, then each identifier tying the member with the parties it ties it to, then known-bad members. */
  evidence: string[];
}

export interface RingInputs {
  ids: readonly string[];
  kinds: readonly EntityKind[];
  knownBad: Uint8Array;
  /** The member's own customs signals in [0, 1] (the strongest of them). */
  customs: (node: number) => number;
  /** Members that share a supplier or broker with another member of the same ring. */
  sharesCounterpart: (ring: Ring) => Set<number>;
}

/** The ring signal of every member of one ring. */
export function ringEvidence(ring: Ring, inp: RingInputs): RingMemberEvidence[] {
  const size = ring.members.length;
  let bad = 0;
  let customs = 0;
  for (const m of ring.members) {
    if (inp.knownBad[m]) bad++;
    customs += inp.customs(m);
  }
  const sharing = inp.sharesCounterpart(ring);
  const badMembers = ring.members.filter((m) => inp.knownBad[m]).map((m) => inp.ids[m]!);
  return ring.members.map((m) => {
    const others = Math.max(1, size - 1);
    const badShare = (bad - (inp.knownBad[m] ? 1 : 0)) / others;
    const othersCustoms = (customs - inp.customs(m)) / others;
    const sharedShare = (sharing.size - (sharing.has(m) ? 1 : 0)) / others;
    const badness = 1 - (1 - Math.min(1, 2 * badShare)) * (1 - Math.min(1, othersCustoms)) * (1 - 0.5 * Math.min(1, sharedShare));
    let loose = 1;
    const evidence = [`ring:${ring.id}`];
    for (const t of ring.ties) {
      if (!t.parties.includes(m)) continue;
      loose *= 1 - tieWeight(inp.kinds[t.identifier]!, t.parties.length);
      if (evidence.length < 12) evidence.push(inp.ids[t.identifier]!, ...t.parties.filter((p) => p !== m).slice(0, 3).map((p) => inp.ids[p]!));
    }
    for (const b of badMembers) if (evidence.length < 16 && b !== inp.ids[m] && !evidence.includes(b)) evidence.push(b);
    return { member: m, value: (1 - loose) * (TIE_ONLY + (1 - TIE_ONLY) * badness), evidence };
  });
}
