/** When a run raises alerts: thresholds, margins, how many rings and entities are watched for change. */
import { PARTY_KINDS, type PartyKind } from '../domain/entities';
import { UsageError } from '../util/errors';

export interface AlertSettings {
  /** Risk an entity of each kind must reach to raise risk_threshold (CUSTOMS_GRAPH_ALERT_THRESHOLDS=Trader=0.8,Broker=0.7). */
  thresholds: Record<PartyKind, number>;
  /** Rise in risk between two runs that raises risk_rise (CUSTOMS_GRAPH_ALERT_RISE). */
  rise: number;
  /** Rise in a ring's risk that raises ring_risk_rose (CUSTOMS_GRAPH_ALERT_RING_RISE). */
  ringRise: number;
  /** Top-ranked rings whose growth, risk and new ties are followed (CUSTOMS_GRAPH_ALERT_TOP_RINGS). */
  topRings: number;
  /** Riskiest entities of each kind compared with the previous run (CUSTOMS_GRAPH_ALERT_TOP_ENTITIES). */
  topEntities: number;
  /** Known-bad entities whose new ties are followed, riskiest first. */
  knownBad: number;
  /** Most alerts of one type one run raises, most severe first: a model change that moves everyone is not 50,000 alerts. */
  maxPerType: number;
}

export const DEFAULT_ALERT_SETTINGS: AlertSettings = {
  thresholds: Object.fromEntries(PARTY_KINDS.map((k) => [k, 0.8])) as Record<PartyKind, number>,
  rise: 0.2, ringRise: 0.1, topRings: 20, topEntities: 1000, knownBad: 2000, maxPerType: 500,
};

function fraction(name: string, text: string): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0 || n > 1) throw new UsageError(`${name}: expected a number in (0, 1], got "${text}"`);
  return n;
}

function count(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined || text === '') return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${name}: expected a positive whole number, got "${text}"`);
  return n;
}

export function alertSettings(env: NodeJS.ProcessEnv = process.env): AlertSettings {
  const thresholds = { ...DEFAULT_ALERT_SETTINGS.thresholds };
  for (const part of (env.CUSTOMS_GRAPH_ALERT_THRESHOLDS ?? '').split(',').map((p) => p.trim()).filter(Boolean)) {
    const [kind, value] = part.split('=').map((x) => x.trim());
    const k = PARTY_KINDS.find((p) => p.toLowerCase() === (kind ?? '').toLowerCase());
    if (!k || value === undefined) throw new UsageError(`CUSTOMS_GRAPH_ALERT_THRESHOLDS: expected Kind=number (kinds ${PARTY_KINDS.join(', ')}), got "${part}"`);
    thresholds[k] = fraction('CUSTOMS_GRAPH_ALERT_THRESHOLDS', value);
  }
  return {
    thresholds,
    rise: env.CUSTOMS_GRAPH_ALERT_RISE ? fraction('CUSTOMS_GRAPH_ALERT_RISE', env.CUSTOMS_GRAPH_ALERT_RISE) : DEFAULT_ALERT_SETTINGS.rise,
    ringRise: env.CUSTOMS_GRAPH_ALERT_RING_RISE ? fraction('CUSTOMS_GRAPH_ALERT_RING_RISE', env.CUSTOMS_GRAPH_ALERT_RING_RISE) : DEFAULT_ALERT_SETTINGS.ringRise,
    topRings: count('CUSTOMS_GRAPH_ALERT_TOP_RINGS', env.CUSTOMS_GRAPH_ALERT_TOP_RINGS, DEFAULT_ALERT_SETTINGS.topRings),
    topEntities: count('CUSTOMS_GRAPH_ALERT_TOP_ENTITIES', env.CUSTOMS_GRAPH_ALERT_TOP_ENTITIES, DEFAULT_ALERT_SETTINGS.topEntities),
    knownBad: DEFAULT_ALERT_SETTINGS.knownBad,
    maxPerType: DEFAULT_ALERT_SETTINGS.maxPerType,
  };
}
