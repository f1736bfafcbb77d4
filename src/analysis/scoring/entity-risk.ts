/**
 * Risk of every entity with the signals behind it. Each signal (signals/entity-signals.ts) is a
 * value in [0, 1]; the risk is sigmoid(bias + Σ weight × value), and each signal's contribution
 * (weight × value, in log-odds) is kept with the ids of its evidence, so an investigator sees why.
 */
import type { Signal } from '../../domain/results';
import { S, SIGNALS, type Features, type SignalName } from '../signals/entity-signals';
import { sigmoid } from './logistic';

export interface RiskWeights {
  bias: number;
  weights: Record<SignalName, number>;
}

/**
 * Documented defaults, used when there are too few recorded outcomes to fit: a trader's own
 * seizures and undervaluation weigh most; network evidence (a ring, a risky community, proximity
 * to known fraud) next; context (broker, new volume) least. bias -4 puts an entity with no signal
 * at 1.8% risk.
 */
export const DEFAULT_WEIGHTS: RiskWeights = {
  bias: -4,
  weights: {
    seizures: 3.5, watchlist: 3, network_proximity: 2, shared_identifier_ring: 2.5, community: 2.5, circular_trade: 2,
    origin_laundering: 2.5, undervaluation: 3.5, risky_broker: 2, new_trader_volume: 1.5,
  },
};

export function featureRow(f: Features, i: number): number[] {
  return Array.from(f.values.subarray(i * S, i * S + S));
}

/** A node's risk: the logistic of its weighted signals (signalsOf gives the reasons). */
export function riskValue(f: Features, i: number, w: RiskWeights): number {
  let z = w.bias;
  for (let s = 0; s < S; s++) {
    const v = f.values[i * S + s]!;
    if (v !== 0) z += w.weights[SIGNALS[s]!] * v;
  }
  return sigmoid(z);
}

/** The signals behind a node's risk (riskValue), largest contribution first. */
export function signalsOf(f: Features, i: number, w: RiskWeights): Signal[] {
  const signals: Signal[] = [];
  const ev = f.evidence[i];
  for (let s = 0; s < S; s++) {
    const v = f.values[i * S + s]!;
    if (v === 0) continue;
    const name = SIGNALS[s]!;
    const contribution = w.weights[name] * v;
    signals.push({ name, value: round(v), contribution: round(contribution), evidence: ev?.[name] ?? [] });
  }
  signals.sort((a, b) => b.contribution - a.contribution);
  return signals;
}

function round(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}
