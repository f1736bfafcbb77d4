/**
 * Graded evidence of a shared-identifier ring, per member. What is shared matters, and by how many:
 * a bank account, a phone, an e-mail or a director is a strong tie, an address a weak one, and any
 * identifier weighs less the more parties use it (business centres, domiciliation companies). How
 * bad the ring looks is judged without the member itself: the share of the other members with a
 * seizure (weighed by how recent) or a watchlist hit, the other members' customs signals (undervaluation, origin
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
  /** How much a known-bad member counts, in [0, 1]: 1 for a recent seizure or a watchlist hit, less for old seizures. */
  badWeight: (node: number) => number;
  /** The member's own customs signals in [0, 1] (the strongest of them). */
  customs: (node: number) => number;
  /** Members that share a supplier or broker with another member of the same ring. */
  sharesCounterpart: (ring: Ring) => Set<number>;
  /** false: values only, no evidence lists (default true). */
  withEvidence?: boolean;
}

/**
 * Rings larger than this (long chains through shared addresses in large data) are judged around
 * each member: by the parties it shares an identifier with, not by the whole chain.
 */
export const WHOLE_RING_MAX = 50;

/** Evidence kept per member: `ring:N`, two ties (an identifier and two parties each), two known-bad members. */
const TIES_SHOWN = 2;
const PARTIES_SHOWN = 2;
const BAD_SHOWN = 2;

/** The ring signal of every member of one ring. */
export function ringEvidence(ring: Ring, inp: RingInputs): RingMemberEvidence[] {
  const size = ring.members.length;
  const whole = size <= WHOLE_RING_MAX;
  // The ties of each member, so that a large ring costs its size, not its size squared.
  const tiesOf = new Map<number, number[]>();
  ring.ties.forEach((t, k) => {
    for (const p of t.parties) {
      let l = tiesOf.get(p);
      if (!l) tiesOf.set(p, (l = []));
      l.push(k);
    }
  });
  let bad = 0;
  let customs = 0;
  const badMembers: number[] = [];
  if (whole) {
    for (const m of ring.members) {
      bad += inp.badWeight(m);
      customs += inp.customs(m);
      if (inp.knownBad[m] && badMembers.length <= BAD_SHOWN) badMembers.push(m);
    }
  }
  const sharing = whole ? inp.sharesCounterpart(ring) : new Set<number>();
  // The parties each member of a large ring shares an identifier with (one set, refilled per member).
  const near = new Set<number>();
  return ring.members.map((m) => {
    let others: number;
    let badShare: number;
    let othersCustoms: number;
    let sharedShare = 0;
    let badShown = badMembers;
    if (whole) {
      others = Math.max(1, size - 1);
      badShare = (bad - inp.badWeight(m)) / others;
      othersCustoms = (customs - inp.customs(m)) / others;
      sharedShare = (sharing.size - (sharing.has(m) ? 1 : 0)) / others;
    } else {
      near.clear();
      for (const k of tiesOf.get(m) ?? []) for (const p of ring.ties[k]!.parties) if (p !== m) near.add(p);
      others = Math.max(1, near.size);
      let b = 0;
      let c = 0;
      badShown = [];
      for (const p of near) {
        b += inp.badWeight(p);
        c += inp.customs(p);
        if (inp.knownBad[p] && badShown.length < BAD_SHOWN) badShown.push(p);
      }
      badShare = b / others;
      othersCustoms = c / others;
    }
    const badness = 1 - (1 - Math.min(1, 2 * badShare)) * (1 - Math.min(1, othersCustoms)) * (1 - 0.5 * Math.min(1, sharedShare));
    let loose = 1;
    for (const k of tiesOf.get(m) ?? []) loose *= 1 - tieWeight(inp.kinds[ring.ties[k]!.identifier]!, ring.ties[k]!.parties.length);
    const evidence = inp.withEvidence === false ? [] : memberEvidence(ring, m, tiesOf.get(m) ?? [], badShown, inp.ids);
    return { member: m, value: (1 - loose) * (TIE_ONLY + (1 - TIE_ONLY) * badness), evidence };
  });
}

/** `ring:N`, up to two identifiers tying the member each with two of the parties it ties it to, up to two known-bad members. */
function memberEvidence(ring: Ring, m: number, ties: readonly number[], bad: readonly number[], ids: readonly string[]): string[] {
  const evidence = [`ring:${ring.id}`];
  for (const k of ties.slice(0, TIES_SHOWN)) {
    const t = ring.ties[k]!;
    evidence.push(ids[t.identifier]!, ...t.parties.filter((p) => p !== m).slice(0, PARTIES_SHOWN).map((p) => ids[p]!));
  }
  let added = 0;
  for (const b of bad) {
    if (added < BAD_SHOWN && b !== m && !evidence.includes(ids[b]!)) {
      evidence.push(ids[b]!);
      added++;
    }
  }
  return evidence;
}
