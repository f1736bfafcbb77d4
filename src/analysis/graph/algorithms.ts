/** Graph algorithms on CSR arrays: connected components, PageRank and personalized PageRank. */
import type { Csr } from './projection';

/** Weakly connected components (the graph is undirected): component id per node, by BFS. */
export function connectedComponents(g: Csr): { component: Int32Array; count: number } {
  const component = new Int32Array(g.n).fill(-1);
  const queue = new Int32Array(g.n);
  let count = 0;
  for (let start = 0; start < g.n; start++) {
    if (component[start] !== -1) continue;
    let head = 0;
    let tail = 0;
    queue[tail++] = start;
    component[start] = count;
    while (head < tail) {
      const v = queue[head++]!;
      for (let k = g.offsets[v]!; k < g.offsets[v + 1]!; k++) {
        const u = g.targets[k]!;
        if (component[u] === -1) {
          component[u] = count;
          queue[tail++] = u;
        }
      }
    }
    count++;
  }
  return { component, count };
}

export interface PageRankOptions {
  damping?: number;
  /**
   * Stop when the L1 change of the rank vector (which sums to 1) falls below this. The default,
   * 1e-7, is a ten-millionth of the total rank: far below any difference a ranking can show, and
   * reached in a few dozen iterations (graphology's default stops far too early on large graphs;
   * a tolerance that shrinks with N never converges within the iteration cap on 1M nodes).
   */
  tolerance?: number;
  maxIterations?: number;
  /** Restart distribution (personalized PageRank); uniform when absent. Need not be normalized. */
  personalization?: Float64Array;
}

export const PAGERANK_TOLERANCE = 1e-7;

/**
 * Weighted PageRank on an undirected CSR (each edge stored both ways, so a node pulls from its
 * neighbours). Gauss–Seidel sweeps: a node's new rank is used by the nodes after it in the same
 * sweep. Plain power iteration converges at the damping factor per step on a bipartite graph
 * (traders on one side, their counterparts on the other: the walk alternates sides), which is
 * ~100 iterations to 1e-7 here; Gauss–Seidel takes both sides in one sweep. Dangling mass and
 * teleports go to the personalization vector, so personalized PageRank from known-bad seeds is
 * the same routine.
 */
export function pageRank(g: Csr, opts: PageRankOptions = {}): { rank: Float64Array; iterations: number } {
  const n = g.n;
  const d = opts.damping ?? 0.85;
  const tol = opts.tolerance ?? PAGERANK_TOLERANCE;
  const maxIter = opts.maxIterations ?? 100;
  const { offsets, targets, weights } = g;
  const p = new Float64Array(n);
  if (opts.personalization) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += opts.personalization[i]!;
    for (let i = 0; i < n; i++) p[i] = sum > 0 ? opts.personalization[i]! / sum : 1 / n;
  } else {
    p.fill(1 / n);
  }
  const strength = new Float64Array(n);
  for (let v = 0; v < n; v++) {
    let s = 0;
    for (let k = offsets[v]!; k < offsets[v + 1]!; k++) s += weights[k]!;
    strength[v] = s;
  }
  const rank = Float64Array.from(p);
  // share[u]: what u passes along each unit of edge weight (d · rank / strength), kept current.
  const share = new Float64Array(n);
  let dangling = 0;
  for (let v = 0; v < n; v++) {
    if (strength[v] === 0) dangling += rank[v]!;
    else share[v] = (d * rank[v]!) / strength[v]!;
  }
  let iterations = 0;
  while (iterations < maxIter) {
    iterations++;
    const teleport = 1 - d + d * dangling;
    let diff = 0;
    let total = 0;
    for (let v = 0; v < n; v++) {
      let x = teleport * p[v]!;
      for (let k = offsets[v]!; k < offsets[v + 1]!; k++) x += share[targets[k]!]! * weights[k]!;
      diff += Math.abs(x - rank[v]!);
      rank[v] = x;
      total += x;
      if (strength[v]! > 0) share[v] = (d * x) / strength[v]!;
    }
    // Sweeps do not keep the sum at 1 exactly: rescale (the fixed point sums to 1).
    dangling = 0;
    for (let v = 0; v < n; v++) {
      const x = rank[v]! / total;
      rank[v] = x;
      if (strength[v] === 0) dangling += x;
      else share[v] = (d * x) / strength[v]!;
    }
    if (diff < tol) break;
  }
  return { rank, iterations };
}

/** Union-find with path halving. */
export class UnionFind {
  readonly parent: Int32Array;
  constructor(n: number) {
    this.parent = new Int32Array(n);
    for (let i = 0; i < n; i++) this.parent[i] = i;
  }
  find(x: number): number {
    const p = this.parent;
    while (p[x] !== x) {
      p[x] = p[p[x]!]!;
      x = p[x]!;
    }
    return x;
  }
  union(a: number, b: number): void {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra !== rb) this.parent[Math.max(ra, rb)] = Math.min(ra, rb);
  }
}
