/**
 * The customs signals of every entity, each a value in [0, 1] with the ids of its evidence: own
 * seizures and watchlist hits, proximity to known fraud (personalized PageRank), shared-identifier
 * rings, risky communities, circular trade, undervaluation, origin laundering, risky brokers, new
 * traders with sudden volume. How much each weighs is scoring's business (scoring/entity-risk.ts).
 */
import { IDENTIFIER_KINDS, isPartyKind, type EntityKind } from '../../domain/entities';
import type { GraphStageResult } from '../graph/graph-stage';
import { hubRecords, RATE_KINDS, type HubRecords } from './hub-record';
import type { PartyAgg, Window } from './party-figures';
import { ringEvidence, WHOLE_RING_MAX } from './ring-evidence';

export const SIGNALS = [
  'seizures', 'watchlist', 'network_proximity', 'shared_identifier_ring', 'community', 'circular_trade',
  'origin_laundering', 'undervaluation', 'risky_broker', 'new_trader_volume',
] as const;
export type SignalName = (typeof SIGNALS)[number];

/** Identifiers and directors: a watchlist hit on one marks the parties that use it. */
const IDENTIFIER = new Set<EntityKind>([...IDENTIFIER_KINDS, 'Person']);

/** What scoring needs of the graph half, and the period the declarations cover. */
export interface Structure extends Pick<GraphStageResult, 'g' | 'community' | 'rings' | 'ringOf' | 'cycles' | 'watchlist' | 'hub'> {
  periodStart: string;
  periodEnd: string;
}

export interface Features {
  /** values[node][signal] */
  values: Float64Array;
  /** By node: the evidence of each signal it has (most nodes have none). */
  evidence: Array<Partial<Record<SignalName, string[]>> | undefined>;
  ppr: Float64Array;
  knownBad: Uint8Array;
  seizures: Int32Array;
}

export const S = SIGNALS.length;
const SIG = Object.fromEntries(SIGNALS.map((s, i) => [s, i])) as Record<SignalName, number>;
const clamp01 = (x: number) => (x < 0 ? 0 : x > 1 ? 1 : x);

/** Months spanned by two ISO dates (YYYY-MM...), both ends counted; read in place (called per trader). */
function monthsBetween(a: string, b: string): number {
  const month = (s: string) => Number(s.slice(0, 4)) * 12 + Number(s.slice(5, 7));
  return month(b) - month(a) + 1;
}

/** Personalized PageRank settings: restart at the known-bad seeds. */
export const PPR_OPTIONS = { damping: 0.85, maxIterations: 60 } as const;

/** One window's parties as the signals read them: figures by node, records against their peers, PageRank seeds. */
export interface WindowParties {
  agg: Array<PartyAgg | undefined>;
  hubs: HubRecords;
  seeds: Float64Array;
}

/** The window's parties with their records against their peers (hub-record.ts) and their seeds, each worked out once. */
export function windowParties(st: Pick<Structure, 'g' | 'watchlist'>, agg: Array<PartyAgg | undefined>): WindowParties {
  const hubs = hubRecords(st.g.kinds, agg);
  return { agg, hubs, seeds: pprSeeds(st, agg, hubs) };
}

/**
 * The restart weights of the personalized PageRank (the known-bad seeds): a node's own seizures
 * (a carrier's, broker's, supplier's or route's only when its rate is above its peers', see
 * hub-record.ts) plus twice the severity of a watchlist hit on it.
 */
function pprSeeds(st: Pick<Structure, 'g' | 'watchlist'>, agg: ArrayLike<PartyAgg | undefined>, hubs: HubRecords): Float64Array {
  const seeds = new Float64Array(st.g.n);
  for (let i = 0; i < st.g.n; i++) {
    const p = agg[i];
    if (p && p.seizures > 0 && (!RATE_KINDS.has(st.g.kinds[i]!) || hubs.risky[i])) seeds[i] = seeds[i]! + p.seizures;
    const hits = st.watchlist.get(i);
    if (hits) seeds[i] = seeds[i]! + 2 * Math.max(...hits.map((h) => h.severity));
  }
  return seeds;
}

/** A window's features but its proximity to known fraud, which waits for the personalized PageRank (withProximity). */
export interface PendingFeatures {
  features: Omit<Features, 'ppr'>;
  seeds: Float64Array;
  isParty: Uint8Array;
  set: FeatureSetter;
}

type FeatureSetter = (i: number, s: SignalName, v: number, ev: string[] | (() => string[])) => void;

/**
 * Every signal of a window but network proximity, which reads nothing the others set and no other
 * reads (evidence is read by signal name, so the order they are set in does not matter): the run
 * computes these while the personalized PageRanks run on another thread.
 */
export function featuresBesideProximity(
  st: Structure, w: Window, parties: WindowParties, withEvidence = true,
): PendingFeatures {
  const { g } = st;
  const { agg, hubs, seeds } = parties;
  const values = new Float64Array(g.n * S);
  const evidence = new Array<Partial<Record<SignalName, string[]>> | undefined>(g.n);
  const knownBad = new Uint8Array(g.n);
  const seizures = new Int32Array(g.n);
  // Kinds read once: several loops below ask of every node whether it is a party.
  const isParty = new Uint8Array(g.n);
  for (let i = 0; i < g.n; i++) if (isPartyKind(g.kinds[i]!)) isParty[i] = 1;
  // Evidence is given built, or as a function that builds it only when it is kept.
  const set: FeatureSetter = (i, s, v, ev) => {
    if (v <= 0) return;
    values[i * S + SIG[s]] = clamp01(v);
    if (!withEvidence) return;
    let e = evidence[i];
    if (!e) evidence[i] = e = {};
    e[s] = typeof ev === 'function' ? ev() : ev;
  };

  // Own history and watchlist hits (on the entity itself, or on an identifier it uses). A party
  // that serves many traders is known bad by its seizure rate against its peers, not by a seizure.
  for (let i = 0; i < g.n; i++) {
    const p = agg[i];
    if (p && p.seizures > 0) {
      seizures[i] = p.seizures;
      if (!RATE_KINDS.has(g.kinds[i]!)) {
        knownBad[i] = 1;
        set(i, 'seizures', p.seizures / 2, p.evidenceSeizures ?? []);
      } else if (hubs.risky[i]) {
        knownBad[i] = 1;
        set(i, 'seizures', (hubs.lift[i]! - 1) / 3, p.evidenceSeizures ?? []);
      }
    }
    const hits = st.watchlist.get(i);
    if (hits) {
      knownBad[i] = 1;
      set(i, 'watchlist', Math.max(...hits.map((h) => h.severity)), [g.ids[i]!]);
    }
  }
  // A listed identifier marks the parties that use it.
  const listedIdentifier = (ident: number, owner: number) => {
    const hits = st.watchlist.get(ident);
    if (!hits || !IDENTIFIER.has(g.kinds[ident]!) || !isParty[owner]) return;
    const sev = Math.max(...hits.map((h) => h.severity));
    if (sev > values[owner * S + SIG.watchlist]!) set(owner, 'watchlist', sev, [g.ids[ident]!]);
    knownBad[owner] = 1;
  };
  if (st.watchlist.size > 0) {
    for (let e = 0; e < g.m; e++) {
      listedIdentifier(g.dst[e]!, g.src[e]!);
      listedIdentifier(g.src[e]!, g.dst[e]!);
    }
  }
  otherSignals(st, w, agg, { values, evidence, knownBad, seizures }, isParty, set, withEvidence);
  return { features: { values, evidence, knownBad, seizures }, seeds, isParty, set };
}

/**
 * Proximity to known fraud: each node's personalized PageRank from the window's seeds (run by the
 * caller over the damped graph; undefined without a seed) against the parties' mean.
 */
export function withProximity(st: Structure, pending: PendingFeatures, given: Float64Array | undefined): Features {
  const { g } = st;
  const { seeds, isParty, set } = pending;
  const ppr = given ?? new Float64Array(g.n);
  if (given && seeds.some((v) => v > 0)) {
    let mean = 0;
    let parties = 0;
    for (let i = 0; i < g.n; i++) if (isParty[i]) { mean += ppr[i]!; parties++; }
    mean /= Math.max(1, parties);
    // Seeds near each node's community, as evidence.
    const seedsByCommunity = new Map<number, string[]>();
    for (let i = 0; i < g.n; i++) {
      const c = st.community[i]!;
      if (seeds[i]! > 0 && c >= 0) {
        const l = seedsByCommunity.get(c) ?? [];
        if (l.length < 5) l.push(g.ids[i]!);
        seedsByCommunity.set(c, l);
      }
    }
    for (let i = 0; i < g.n; i++) {
      if (seeds[i]! > 0 || mean === 0) continue; // a seed's own restart mass is not proximity
      const ratio = ppr[i]! / mean;
      if (ratio > 1) set(i, 'network_proximity', Math.log10(ratio) / 2, seedsByCommunity.get(st.community[i]!) ?? []);
    }
  }
  return { ...pending.features, ppr };
}

/** Community, circular trade, declaration patterns, brokers, rings: the signals read from the graph half and the window. */
function otherSignals(
  st: Structure, w: Window, agg: Array<PartyAgg | undefined>, f: Omit<Features, 'ppr'>, isParty: Uint8Array, set: FeatureSetter, withEvidence: boolean,
): void {
  const { g } = st;
  const { values, knownBad } = f;
  // Communities dense in known-bad members (the member itself left out).
  let partyCount = 0;
  let badCount = 0;
  // Counters by community id (ids are small non-negative integers).
  let maxCommunity = -1;
  for (let i = 0; i < g.n; i++) if (st.community[i]! > maxCommunity) maxCommunity = st.community[i]!;
  const commParties = new Int32Array(maxCommunity + 1);
  const commBad = new Map<number, string[]>();
  const commBadN = new Int32Array(maxCommunity + 1);
  for (let i = 0; i < g.n; i++) {
    if (!isParty[i]) continue;
    partyCount++;
    if (knownBad[i]) badCount++;
    const c = st.community[i]!;
    if (c < 0) continue;
    commParties[c]!++;
    if (knownBad[i]) {
      commBadN[c]!++;
      const l = commBad.get(c) ?? [];
      if (l.length < 5) l.push(g.ids[i]!);
      commBad.set(c, l);
    }
  }
  const p0 = Math.max(1e-4, badCount / Math.max(1, partyCount));
  for (let i = 0; i < g.n; i++) {
    const c = st.community[i]!;
    if (c < 0) continue;
    const np = commParties[c]! - isParty[i]!;
    const kb = commBadN[c]! - (knownBad[i] && isParty[i] ? 1 : 0);
    if (np < 2 || kb <= 0) continue;
    const lift = (kb + 5 * p0) / (np + 5) / p0;
    set(i, 'community', (lift - 1) / 9, () => [`community:${c}`, ...(commBad.get(c) ?? []).filter((x) => x !== g.ids[i])]);
  }

  // Circular trade.
  for (const [node, cycle] of st.cycles) set(node, 'circular_trade', 1, cycle.map((x) => g.ids[x]!));

  // Declaration patterns of the trader, and its brokers' record.
  const brokerScore = new Map<string, number>();
  const base = Math.max(1e-4, w.bad / Math.max(1, w.controlled));
  for (let i = 0; i < g.n; i++) {
    if (g.kinds[i] !== 'Broker') continue;
    const p = agg[i];
    if (!p || p.controlled === 0) continue;
    const lift = (p.bad + 20 * base) / (p.controlled + 20) / base;
    const score = clamp01((lift - 1) / 3);
    brokerScore.set(g.ids[i]!, score);
    set(i, 'risky_broker', score, p.evidenceSeizures ?? []);
  }
  // Monthly volume of traders, for "new trader with sudden volume".
  const monthly: number[] = [];
  for (let i = 0; i < g.n; i++) {
    const p = agg[i];
    if (g.kinds[i] === 'Trader' && p) monthly.push(p.n / monthsBetween(p.first, p.last));
  }
  monthly.sort((a, b) => a - b);
  const p90 = monthly[Math.floor(monthly.length * 0.9)] ?? Infinity;
  const span = monthsBetween(st.periodStart || '2000-01', st.periodEnd || '2000-01');
  for (let i = 0; i < g.n; i++) {
    const p = agg[i];
    if (g.kinds[i] !== 'Trader' || !p) continue;
    set(i, 'undervaluation', (2 * p.under) / p.n, p.evidenceUnder ?? []);
    set(i, 'origin_laundering', (2 * p.laundering) / p.n, p.evidenceLaundering ?? []);
    let broker = 0;
    const ev: string[] = [];
    const brokers = p.brokers;
    if (brokers) {
      const { ids, counts } = brokers.lists;
      for (let k = brokers.from; k < brokers.to; k++) {
        const sc = brokerScore.get(ids[k]!) ?? 0;
        broker += (counts[k]! / p.n) * sc;
        if (sc > 0.2) ev.push(ids[k]!);
      }
    }
    set(i, 'risky_broker', broker, ev);
    const age = monthsBetween(p.first, st.periodEnd || p.last);
    if (span >= 4 && age <= span * 0.6 && p.n / monthsBetween(p.first, p.last) >= p90) {
      set(i, 'new_trader_volume', 1, []);
    }
  }

  // Rings of shared identifiers, graded (ring-evidence.ts): after the customs signals they read.
  const customs = (m: number) => Math.max(
    values[m * S + SIG.undervaluation]!, values[m * S + SIG.origin_laundering]!, values[m * S + SIG.new_trader_volume]!, values[m * S + SIG.circular_trade]!,
  );
  const counterparts = ringCounterparts(st);
  const end = st.periodEnd || '2000-01';
  // A seizure counts fully within the last year of the period and half as much for each year
  // before that; a watchlist hit counts fully.
  const badWeight = (m: number) => {
    if (!knownBad[m]) return 0;
    const last = agg[m]?.lastSeizure;
    if (values[m * S + SIG.watchlist]! > 0 || !last) return 1;
    return Math.min(1, 0.5 ** ((monthsBetween(last, end) - 12) / 12));
  };
  for (const ring of st.rings) {
    for (const r of ringEvidence(ring, { ids: g.ids, kinds: g.kinds, knownBad, badWeight, customs, sharesCounterpart: counterparts, withEvidence })) {
      set(r.member, 'shared_identifier_ring', r.value, r.evidence);
    }
  }
}

/**
 * For a ring, its members that buy from a supplier or declare through a broker another member
 * also uses (hubs left out: a broker that serves everyone ties no one).
 */
function ringCounterparts(st: Pick<Structure, 'g' | 'ringOf' | 'hub' | 'rings'>): (ring: { id: number; members: number[] }) => Set<number> {
  const { g } = st;
  // No ring judged whole (only chains too long to be one candidate): no edge to read.
  if (!st.rings.some((r) => r.members.length <= WHOLE_RING_MAX)) return () => new Set<number>();
  // Only members of rings judged whole: a chain too long to be one candidate is judged around each member.
  const judgedWhole = (node: number) => st.ringOf[node]! >= 0 && st.rings[st.ringOf[node]!]!.members.length <= WHOLE_RING_MAX;
  const isCounterpart = (node: number) => !st.hub[node] && (g.kinds[node] === 'Supplier' || g.kinds[node] === 'Broker');
  const counterparts = new Map<number, number[]>();
  const add = (party: number, other: number) => {
    let l = counterparts.get(party);
    if (!l) counterparts.set(party, (l = []));
    l.push(other);
  };
  for (let e = 0; e < g.m; e++) {
    const a = g.src[e]!;
    const b = g.dst[e]!;
    if (judgedWhole(a) && isCounterpart(b)) add(a, b);
    else if (judgedWhole(b) && isCounterpart(a)) add(b, a);
  }
  return (ring) => {
    const users = new Map<number, number[]>();
    for (const m of ring.members) {
      for (const c of counterparts.get(m) ?? []) {
        let l = users.get(c);
        if (!l) users.set(c, (l = []));
        if (l[l.length - 1] !== m) l.push(m); // members come in order: a repeat is the last one
      }
    }
    const out = new Set<number>();
    for (const l of users.values()) if (l.length >= 2) for (const m of l) out.add(m);
    return out;
  };
}
