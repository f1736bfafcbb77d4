/**
 * A run's entity scores as a table over the graph's nodes: which nodes are scored and their risk,
 * in typed columns; each EntityScore (with its signals, largest contribution first) made when it
 * is read, from the features and the graph half the run holds anyway. At 1M nodes the scores as
 * objects took 300 MB of live heap from scoring to the end of the run, and the garbage collector
 * let the heap grow to twice that.
 */
import { isPartyKind } from '../../domain/entities';
import type { EntityScore, ScoreHead, ScoreList } from '../../domain/results';
import type { GraphStageResult } from '../graph/graph-stage';
import { S, SIGNALS, type Features, type SignalName } from '../signals/entity-signals';
import { riskValue, signalsOf, type RiskWeights } from './entity-risk';

export interface ScoreTable extends ScoreList {
  /** Every node's risk (unrounded; scored or not), by node index. */
  readonly risk: Float64Array;
}

/**
 * Scores the graph's nodes: parties always; an identifier or route only when a signal says
 * something about it (the others carry the base risk, and a reader treats a missing score as
 * "nothing known").
 */
export function scoreTable(gs: Pick<GraphStageResult, 'g' | 'community' | 'component' | 'pagerank'>, f: Features, weights: RiskWeights): ScoreTable {
  const { g } = gs;
  const risk = new Float64Array(g.n);
  const scored = new Int32Array(g.n);
  let length = 0;
  for (let i = 0; i < g.n; i++) {
    risk[i] = riskValue(f, i, weights);
    if (isPartyKind(g.kinds[i]!) || hasSignal(f, i)) scored[length++] = i;
  }
  const nodes = scored.slice(0, length);
  const rounded = (i: number) => Math.round(risk[i]! * 1e6) / 1e6;
  return {
    risk,
    length,
    at(k: number): EntityScore {
      const i = nodeAt(nodes, k);
      return {
        entityId: g.ids[i]!, kind: g.kinds[i]!, risk: rounded(i),
        community: gs.community[i]! >= 0 ? gs.community[i] : undefined, component: gs.component[i],
        pagerank: gs.pagerank[i]!, ppr: f.ppr[i]!, seizures: f.seizures[i]!, knownBad: f.knownBad[i] === 1, signals: signalsOf(f, i, weights),
      };
    },
    head(k: number): ScoreHead {
      const i = nodeAt(nodes, k);
      return { entityId: g.ids[i]!, kind: g.kinds[i]!, risk: rounded(i), knownBad: f.knownBad[i] === 1 };
    },
    hasSignal(k: number, name: string): boolean {
      // signalsOf gives a reason for every non-zero signal value.
      const s = SIGNALS.indexOf(name as SignalName);
      return s >= 0 && f.values[nodeAt(nodes, k) * S + s] !== 0;
    },
  };
}

function nodeAt(nodes: Int32Array, k: number): number {
  if (!(k >= 0 && k < nodes.length)) throw new RangeError(`score ${k} of ${nodes.length}`);
  return nodes[k]!;
}

/** Whether any signal of node i is non-zero (signalsOf would give it a reason). */
function hasSignal(f: Features, i: number): boolean {
  for (let s = i * S; s < i * S + S; s++) if (f.values[s] !== 0) return true;
  return false;
}
