/**
 * The record of a party that handles many traders' declarations (a carrier, broker, supplier or
 * route) is its seizure rate against its peers', not its seizure count: one seizure among a giant
 * carrier's thousands of declarations says nothing about the carrier. It is bad when the lower
 * confidence bound of its rate (Wilson, 95%) is above the pooled rate of its kind.
 */
import type { EntityKind } from '../../domain/entities';
import { wilsonLowerBound } from '../../util/stats';
import type { PartyAgg } from './party-figures';

/** Kinds judged by rate: they serve many traders, so some seizures among their declarations are expected. */
export const RATE_KINDS: ReadonlySet<EntityKind> = new Set<EntityKind>(['Carrier', 'Broker', 'Supplier', 'Route']);

export interface HubRecords {
  /** 1 where the party's seizure rate is above its peers' beyond doubt. */
  risky: Uint8Array;
  /** Lower bound of the rate over the peers' rate (> 1 where risky; 0 for kinds not judged by rate). */
  lift: Float64Array;
  /** Pooled seizures per declaration of each kind judged by rate. */
  peerRate: Map<EntityKind, number>;
}

export function hubRecords(kinds: readonly EntityKind[], agg: ArrayLike<PartyAgg | undefined>): HubRecords {
  const n = kinds.length;
  const totals = new Map<EntityKind, { seizures: number; declarations: number }>();
  for (let i = 0; i < n; i++) {
    const p = agg[i];
    if (!p || !RATE_KINDS.has(kinds[i]!)) continue;
    const t = totals.get(kinds[i]!) ?? { seizures: 0, declarations: 0 };
    t.seizures += p.seizures;
    t.declarations += p.n;
    totals.set(kinds[i]!, t);
  }
  const peerRate = new Map([...totals].map(([k, t]) => [k, t.seizures / Math.max(1, t.declarations)]));
  const risky = new Uint8Array(n);
  const lift = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const p = agg[i];
    if (!p || p.seizures === 0 || !RATE_KINDS.has(kinds[i]!)) continue;
    const peer = Math.max(1e-6, peerRate.get(kinds[i]!) ?? 0);
    lift[i] = wilsonLowerBound(p.seizures, p.n) / peer;
    if (lift[i]! > 1) risky[i] = 1;
  }
  return { risky, lift, peerRate };
}
