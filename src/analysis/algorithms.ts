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
  /** Stop when the L1 change is below this; default 1e-6 / N (graphology's default stops far too early). */
  tolerance?: number;
  maxIterations?: number;
  /** Restart distribution (personalized PageRank); uniform when absent. Need not be normalized. */
  personalization?: Float64Array;
}

/**
 * Weighted PageRank by power iteration. Dangling mass and teleports go to the personalization
 * vector, so personalized PageRank from known-bad seeds is the same routine.
 */
export function pageRank(g: Csr, opts: PageRankOptions = {}): { rank: Float64Array; iterations: number } {
  const n = g.n;
  const d = opts.damping ?? 0.85;
  const tol = opts.tolerance ?? 1e-6 / Math.max(1, n);
  const maxIter = opts.maxIterations ?? 100;
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
    for (let k = g.offsets[v]!; k < g.offsets[v + 1]!; k++) s += g.weights[k]!;
    strength[v] = s;
  }
  let rank = Float64Array.from(p);
  let next = new Float64Array(n);
  let iterations = 0;
  for (; iterations < maxIter; iterations++) {
    let dangling = 0;
    next.fill(0);
    for (let v = 0; v < n; v++) {
      const s = strength[v]!;
      if (s === 0) {
        dangling += rank[v]!;
        continue;
      }
      const share = (d * rank[v]!) / s;
      for (let k = g.offsets[v]!; k < g.offsets[v + 1]!; k++) next[g.targets[k]!]! += share * g.weights[k]!;
    }
    const teleport = 1 - d + d * dangling;
    let diff = 0;
    for (let i = 0; i < n; i++) {
      const x = next[i]! + teleport * p[i]!;
      diff += Math.abs(x - rank[i]!);
      next[i] = x;
    }
    [rank, next] = [next, rank];
    if (diff < tol) {
      iterations++;
      break;
    }
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
