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

/**
 * Who is tied to whom in a ring, by index into ring.members: each member's ties (indices into
 * ring.ties, ascending) as ranges of one list, and each tie's parties likewise. A Map of lists per
 * member and a lookup per tied party cost most of the time of a chain of a quarter of a million.
 */
interface RingIndex {
  /** Member i's ties: tieList[tieStart[i] .. tieStart[i + 1]). */
  tieStart: Int32Array;
  tieList: Int32Array;
  /** Tie k's parties as member indices: partyList[partyStart[k] .. partyStart[k + 1]). */
  partyStart: Int32Array;
  partyList: Int32Array;
}

function ringIndex(ring: Ring): RingIndex {
  const size = ring.members.length;
  const indexOf = memberIndexer(ring.members);
  const partyStart = new Int32Array(ring.ties.length + 1);
  ring.ties.forEach((t, k) => { partyStart[k + 1] = partyStart[k]! + t.parties.length; });
  const partyList = new Int32Array(partyStart[ring.ties.length]!);
  const tieStart = new Int32Array(size + 1);
  ring.ties.forEach((t, k) => {
    t.parties.forEach((p, x) => {
      const i = indexOf(p);
      partyList[partyStart[k]! + x] = i;
      tieStart[i + 1]!++;
    });
  });
  for (let i = 0; i < size; i++) tieStart[i + 1]! += tieStart[i]!;
  const next = tieStart.slice(0, size);
  const tieList = new Int32Array(tieStart[size]!);
  for (let k = 0; k < ring.ties.length; k++) {
    for (let x = partyStart[k]!; x < partyStart[k + 1]!; x++) tieList[next[partyList[x]!]!++] = k;
  }
  return { tieStart, tieList, partyStart, partyList };
}

/** A party's index in the ring's members (sorted ascending; every tie's parties are members): a table for a long chain, a binary search otherwise. */
function memberIndexer(members: readonly number[]): (p: number) => number {
  if (members.length > WHOLE_RING_MAX) {
    const table = new Int32Array(members[members.length - 1]! + 1);
    members.forEach((m, i) => { table[m] = i; });
    return (p) => table[p]!;
  }
  return (p) => {
    let lo = 0;
    let hi = members.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (members[mid]! < p) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

/** The ring signal of every member of one ring. */
export function ringEvidence(ring: Ring, inp: RingInputs): RingMemberEvidence[] {
  const size = ring.members.length;
  const whole = size <= WHOLE_RING_MAX;
  // The ties of each member, so that a large ring costs its size, not its size squared.
  const { tieStart, tieList, partyStart, partyList } = ringIndex(ring);
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
  // The parties each member of a large ring shares an identifier with, in first-seen order (the
  // order their figures are summed in); `seen` marks them with the member's index + 1.
  const near = whole ? undefined : new Int32Array(size);
  const seen = whole ? undefined : new Int32Array(size);
  const tag = `ring:${ring.id}`;
  return ring.members.map((m, i) => {
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
      let count = 0;
      for (let x = tieStart[i]!; x < tieStart[i + 1]!; x++) {
        const k = tieList[x]!;
        for (let y = partyStart[k]!; y < partyStart[k + 1]!; y++) {
          const j = partyList[y]!;
          if (j === i || seen![j] === i + 1) continue;
          seen![j] = i + 1;
          near![count++] = ring.members[j]!;
        }
      }
      others = Math.max(1, count);
      let b = 0;
      let c = 0;
      badShown = [];
      for (let x = 0; x < count; x++) {
        const p = near![x]!;
        b += inp.badWeight(p);
        c += inp.customs(p);
        if (inp.knownBad[p] && badShown.length < BAD_SHOWN) badShown.push(p);
      }
      badShare = b / others;
      othersCustoms = c / others;
    }
    const badness = 1 - (1 - Math.min(1, 2 * badShare)) * (1 - Math.min(1, othersCustoms)) * (1 - 0.5 * Math.min(1, sharedShare));
    let loose = 1;
    for (let x = tieStart[i]!; x < tieStart[i + 1]!; x++) {
      const t = ring.ties[tieList[x]!]!;
      loose *= 1 - tieWeight(inp.kinds[t.identifier]!, t.parties.length);
    }
    const evidence = inp.withEvidence === false ? [] : memberEvidence(ring, tag, m, tieList.subarray(tieStart[i]!, tieStart[i + 1]!), badShown, inp.ids);
    return { member: m, value: (1 - loose) * (TIE_ONLY + (1 - TIE_ONLY) * badness), evidence };
  });
}

/** `ring:N`, up to two identifiers tying the member each with two of the parties it ties it to, up to two known-bad members. */
function memberEvidence(ring: Ring, tag: string, m: number, ties: Int32Array, bad: readonly number[], ids: readonly string[]): string[] {
  const evidence = [tag];
  for (const k of ties.subarray(0, TIES_SHOWN)) {
    const t = ring.ties[k]!;
    evidence.push(ids[t.identifier]!);
    let shown = 0;
    for (const p of t.parties) {
      if (shown === PARTIES_SHOWN) break;
      if (p === m) continue;
      evidence.push(ids[p]!);
      shown++;
    }
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
