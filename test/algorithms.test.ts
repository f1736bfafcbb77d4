import { describe, expect, it } from 'vitest';
import { connectedComponents, pageRank, UnionFind } from '../src/analysis/graph/algorithms';
import { detectCommunities } from '../src/analysis/graph/louvain';
import { auc, fitLogistic, precisionAtK, predict, smoothedLogOdds } from '../src/analysis/scoring/logistic';
import { GraphBuilder, toCsr, type EntityGraph } from '../src/analysis/graph/projection';
import { graphStructure } from '../src/analysis/graph/graph-stage';
import { DEFAULT_PARAMS } from '../src/analysis/run';
import { findRings, findTradeCycles } from '../src/analysis/graph/rings';
import type { EntityKind, RelType } from '../src/domain/entities';
import { Rng } from '../src/util/rng';

/** A graph from [source, kind, target, kind, type] tuples. */
function graph(edges: Array<[string, EntityKind, string, EntityKind, RelType?]>): EntityGraph {
  const b = new GraphBuilder();
  for (const [s, sk, t, tk, type] of edges) b.link({ source: s, sourceKind: sk, target: t, targetKind: tk, type: type ?? 'SUPPLIED_BY', count: 1, value: 0 });
  return b.build();
}
const ones = (g: EntityGraph) => new Float64Array(g.m).fill(1);

describe('connected components', () => {
  it('finds two components and an isolated pair', () => {
    const g = graph([['a', 'Trader', 'b', 'Supplier'], ['b', 'Supplier', 'c', 'Trader'], ['d', 'Trader', 'e', 'Supplier']]);
    const { component, count } = connectedComponents(toCsr(g, ones(g)));
    expect(count).toBe(2);
    const c = (id: string) => component[g.index.get(id)!];
    expect(c('a')).toBe(c('c'));
    expect(c('a')).not.toBe(c('d'));
  });
});

describe('PageRank', () => {
  it('is uniform on a cycle and sums to one', () => {
    const g = graph([['a', 'Trader', 'b', 'Trader'], ['b', 'Trader', 'c', 'Trader'], ['c', 'Trader', 'd', 'Trader'], ['d', 'Trader', 'a', 'Trader']]);
    const { rank } = pageRank(toCsr(g, ones(g)));
    for (const r of rank) expect(r).toBeCloseTo(0.25, 8);
  });

  it('matches the closed form on a star', () => {
    // Star with 4 leaves, d = 0.85, n = 5: c = 0.03 + 0.85 × 4l and l = 0.03 + 0.85 × c/4,
    // so c = 0.132 / 0.2775 = 0.47568 and l = 0.03 + 0.2125c = 0.13108.
    const g = graph([['c', 'Broker', 'a', 'Trader'], ['c', 'Broker', 'b', 'Trader'], ['c', 'Broker', 'e', 'Trader'], ['c', 'Broker', 'f', 'Trader']]);
    const { rank } = pageRank(toCsr(g, ones(g)), { tolerance: 1e-12, maxIterations: 1000 });
    expect(rank[g.index.get('c')!]).toBeCloseTo(0.47568, 4);
    expect(rank[g.index.get('a')!]).toBeCloseTo(0.13108, 4);
  });

  it('personalized from a seed puts more mass near the seed than far from it', () => {
    const g = graph([['s', 'Trader', 'x', 'Phone'], ['x', 'Phone', 'n', 'Trader'], ['n', 'Trader', 'y', 'Broker'], ['y', 'Broker', 'far', 'Trader']]);
    const p = new Float64Array(g.n);
    p[g.index.get('s')!] = 1;
    const { rank } = pageRank(toCsr(g, ones(g)), { personalization: p });
    expect(rank[g.index.get('n')!]).toBeGreaterThan(rank[g.index.get('far')!]!);
    expect(rank.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
  });
});

/** The exact PageRank of a small weighted undirected graph, by solving the linear system densely. */
function exactPageRank(n: number, edges: Array<[number, number, number]>, d = 0.85): number[] {
  const strength = new Array<number>(n).fill(0);
  for (const [a, b, w] of edges) { strength[a]! += w; strength[b]! += w; }
  // x = d·(W·D⁻¹)·x + d·(dangling mass)/n + (1 - d)/n, with Σx = 1: (I - d·M - d·J/n)·x = (1 - d)/n.
  const A = Array.from({ length: n }, (_, i) => Array.from({ length: n + 1 }, (_, j) => (j === n ? (1 - d) / n : i === j ? 1 : 0)));
  for (const [a, b, w] of edges) { A[a]![b]! -= (d * w) / strength[b]!; A[b]![a]! -= (d * w) / strength[a]!; }
  for (let j = 0; j < n; j++) if (strength[j] === 0) for (let i = 0; i < n; i++) A[i]![j]! -= d / n;
  for (let c = 0; c < n; c++) {
    let piv = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(A[r]![c]!) > Math.abs(A[piv]![c]!)) piv = r;
    [A[c], A[piv]] = [A[piv]!, A[c]!];
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = A[r]![c]! / A[c]![c]!;
      for (let k = c; k <= n; k++) A[r]![k]! -= f * A[c]![k]!;
    }
  }
  return A.map((row, i) => row[n]! / row[i]!);
}

describe('PageRank precision', () => {
  it('at the default tolerance matches the exact solution of a weighted graph with dangling nodes within 1e-6 (L1)', () => {
    const rng = new Rng(7);
    const n = 60;
    const edges: Array<[number, number, number]> = [];
    for (let k = 0; k < 150; k++) {
      const a = rng.int(n - 5);
      const b = rng.int(n - 5);
      if (a !== b) edges.push([a, b, 0.5 + rng.next() * 4]);
    } // nodes n-5 .. n-1 stay isolated: dangling mass
    const b = new GraphBuilder();
    for (let i = 0; i < n; i++) b.node(`n${i}`, 'Trader');
    for (const [s, t] of edges) b.link({ source: `n${s}`, sourceKind: 'Trader', target: `n${t}`, targetKind: 'Trader', type: 'SUPPLIED_BY', count: 1, value: 0 });
    const g = b.build();
    const { rank, iterations } = pageRank(toCsr(g, Float64Array.from(edges, (e) => e[2])));
    const exact = exactPageRank(n, edges);
    const l1 = exact.reduce((a, x, i) => a + Math.abs(x - rank[g.index.get(`n${i}`)!]!), 0);
    expect(l1).toBeLessThan(1e-6);
    expect(iterations).toBeLessThan(100);
  });

  it('converges well within the iteration cap on a large sparse graph', () => {
    const rng = new Rng(3);
    const n = 50_000;
    const b = new GraphBuilder();
    for (let k = 0; k < 4 * n; k++) {
      const s = rng.int(n);
      const t = rng.int(n);
      if (s !== t) b.link({ source: String(s), sourceKind: 'Trader', target: String(t), targetKind: 'Supplier', type: 'SUPPLIED_BY', count: 1, value: 0 });
    }
    const g = b.build();
    const csr = toCsr(g, ones(g));
    const fast = pageRank(csr);
    const tight = pageRank(csr, { tolerance: 1e-13, maxIterations: 1000 });
    expect(fast.iterations).toBeLessThan(60);
    expect(tight.iterations).toBeGreaterThan(fast.iterations);
    expect(fast.rank.reduce((a, x, i) => a + Math.abs(x - tight.rank[i]!), 0)).toBeLessThan(1e-6);
  });
});

describe('the damped graph in shared memory', () => {
  const g = graph([['a', 'Trader', 'b', 'Supplier'], ['b', 'Supplier', 'c', 'Trader'], ['c', 'Trader', 'p', 'Phone', 'HAS_PHONE'], ['a', 'Trader', 'p', 'Phone', 'HAS_PHONE']]);

  it('is the same CSR as one in private memory', () => {
    const w = Float64Array.from({ length: g.m }, (_, e) => e + 1);
    const mine = toCsr(g, w);
    const shared = toCsr(g, w, undefined, true);
    for (const k of ['offsets', 'targets', 'weights'] as const) {
      expect(shared[k].buffer).toBeInstanceOf(SharedArrayBuffer);
      expect(Array.from(shared[k])).toEqual(Array.from(mine[k]));
    }
  });

  it('is what a run gives the personalized PageRank thread: read where it is, not copied', () => {
    const { damped } = graphStructure(g, { ...DEFAULT_PARAMS, seed: 1 });
    for (const a of [damped.offsets, damped.targets, damped.weights]) expect(a.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(damped.offsets[damped.n]).toBeGreaterThan(0);
  });
});

describe('union-find', () => {
  it('joins sets', () => {
    const uf = new UnionFind(5);
    uf.union(0, 1);
    uf.union(3, 4);
    uf.union(1, 4);
    expect(uf.find(0)).toBe(uf.find(3));
    expect(uf.find(2)).not.toBe(uf.find(0));
  });
});

describe('Louvain', () => {
  const cliques = () => {
    const edges: Array<[string, EntityKind, string, EntityKind]> = [];
    for (const side of ['a', 'b']) {
      for (let i = 0; i < 5; i++) for (let j = i + 1; j < 5; j++) edges.push([`${side}${i}`, 'Trader', `${side}${j}`, 'Trader']);
    }
    edges.push(['a0', 'Trader', 'b0', 'Trader']);
    return graph(edges);
  };

  it('separates two cliques joined by one edge', () => {
    const g = cliques();
    const { community, count, modularity } = detectCommunities(g, ones(g), () => true, { seed: 1, resolution: 1 });
    expect(count).toBe(2);
    expect(modularity).toBeGreaterThan(0.3);
    const c = (id: string) => community[g.index.get(id)!];
    expect(c('a1')).toBe(c('a4'));
    expect(c('b1')).toBe(c('b3'));
    expect(c('a1')).not.toBe(c('b1'));
  });

  it('gives the same communities for the same seed', () => {
    const g = cliques();
    const a = detectCommunities(g, ones(g), () => true, { seed: 7, resolution: 1 });
    const b = detectCommunities(g, ones(g), () => true, { seed: 7, resolution: 1 });
    expect([...a.community]).toEqual([...b.community]);
  });

  it('leaves out what keep() rejects', () => {
    const g = cliques();
    const bridge = [...Array(g.m).keys()].find((e) => g.ids[g.src[e]!] === 'a0' && g.ids[g.dst[e]!] === 'b0')!;
    const { community } = detectCommunities(g, ones(g), (e) => e !== bridge, { seed: 1, resolution: 1 });
    expect(community[g.index.get('a0')!]).not.toBe(community[g.index.get('b0')!]);
  });

  it('splits communities with more traders than allowed (the resolution limit)', () => {
    // A ring of 40 five-cliques: whole-graph modularity merges neighbouring cliques; their own
    // subgraphs separate them again.
    const edges: Array<[string, EntityKind, string, EntityKind]> = [];
    for (let k = 0; k < 40; k++) {
      for (let i = 0; i < 5; i++) for (let j = i + 1; j < 5; j++) edges.push([`c${k}n${i}`, 'Trader', `c${k}n${j}`, 'Trader']);
      edges.push([`c${k}n0`, 'Trader', `c${(k + 1) % 40}n1`, 'Trader']);
    }
    const g = graph(edges);
    const sizes = (community: Int32Array) => {
      const n = new Map<number, number>();
      for (const c of community) n.set(c, (n.get(c) ?? 0) + 1);
      return Math.max(...n.values());
    };
    const loose = detectCommunities(g, ones(g), () => true, { seed: 1, resolution: 1, maxTraders: 1000 });
    expect(sizes(loose.community)).toBeGreaterThan(5);
    const split = detectCommunities(g, ones(g), () => true, { seed: 1, resolution: 1, maxTraders: 5 });
    expect(split.split).toBeGreaterThan(0);
    expect(sizes(split.community)).toBe(5);
  });
});

describe('shared-identifier rings', () => {
  it('chains parties through distinct shared identifiers', () => {
    const g = graph([
      ['A', 'Trader', 'p1', 'Phone', 'HAS_PHONE'], ['B', 'Trader', 'p1', 'Phone', 'HAS_PHONE'],
      ['B', 'Trader', 'acc', 'BankAccount', 'HAS_ACCOUNT'], ['C', 'Trader', 'acc', 'BankAccount', 'HAS_ACCOUNT'],
      ['dir', 'Person', 'C', 'Trader', 'DIRECTS'], ['dir', 'Person', 'D', 'Trader', 'DIRECTS'],
      // A family: two companies sharing only a director is not a ring.
      ['mum', 'Person', 'F1', 'Trader', 'DIRECTS'], ['mum', 'Person', 'F2', 'Trader', 'DIRECTS'],
    ]);
    const { rings, ringOf } = findRings(g, { maxSharing: 8 });
    expect(rings).toHaveLength(1);
    expect(rings[0]!.members.map((i) => g.ids[i]).sort()).toEqual(['A', 'B', 'C', 'D']);
    expect(rings[0]!.identifiers.map((i) => g.ids[i]).sort()).toEqual(['acc', 'dir', 'p1']);
    expect(ringOf[g.index.get('F1')!]).toBe(-1);
  });

  it('does not chain through an identifier shared by too many (a business centre)', () => {
    const edges: Array<[string, EntityKind, string, EntityKind, RelType]> = [];
    for (let i = 0; i < 12; i++) edges.push([`T${i}`, 'Trader', 'centre', 'Address', 'AT_ADDRESS']);
    edges.push(['T0', 'Trader', 'ph', 'Phone', 'HAS_PHONE'], ['T1', 'Trader', 'ph', 'Phone', 'HAS_PHONE']);
    const g = graph(edges);
    const { rings } = findRings(g, { maxSharing: 8 });
    expect(rings).toHaveLength(0); // T0–T1 share only a phone once the centre is set aside
  });
});

describe('rings at a country\'s scale', () => {
  it('finds a chain of 400,000 firms through shared phones as one ring', () => {
    const n = 400_000;
    const b = new GraphBuilder();
    for (let i = 0; i + 1 < n; i++) {
      b.link({ source: `T${i}`, sourceKind: 'Trader', target: `P${i}`, targetKind: 'Phone', type: 'HAS_PHONE', count: 1, value: 0 });
      b.link({ source: `T${i + 1}`, sourceKind: 'Trader', target: `P${i}`, targetKind: 'Phone', type: 'HAS_PHONE', count: 1, value: 0 });
    }
    const g = b.build();
    const { rings } = findRings(g, { maxSharing: 8 });
    expect(rings).toHaveLength(1);
    expect(rings[0]!.members).toHaveLength(n);
  });
});

describe('circular trade', () => {
  it('finds short directed cycles and nothing else', () => {
    const cycles = findTradeCycles(6, [[0, 1], [1, 2], [2, 0], [3, 4], [4, 3], [4, 5]], 4);
    expect(cycles.get(0)?.sort()).toEqual([0, 1, 2]);
    expect(cycles.get(3)?.sort()).toEqual([3, 4]);
    expect(cycles.has(5)).toBe(false);
  });

  it('respects the maximum length', () => {
    const ring5: Array<[number, number]> = [[0, 1], [1, 2], [2, 3], [3, 4], [4, 0]];
    expect(findTradeCycles(5, ring5, 4).size).toBe(0);
    expect(findTradeCycles(5, ring5, 5).size).toBe(5);
  });
});

describe('statistics', () => {
  it('logistic regression learns the direction of a signal', () => {
    const x: number[][] = [];
    const y: number[] = [];
    for (let i = 0; i < 200; i++) {
      const v = (i % 10) / 10;
      x.push([v, 0.5]);
      y.push(v > 0.55 ? 1 : 0);
    }
    const m = fitLogistic(x, y, { iterations: 500 });
    expect(m.weights[0]).toBeGreaterThan(1);
    expect(predict(m, [0.9, 0.5])).toBeGreaterThan(predict(m, [0.1, 0.5]));
    expect(fitLogistic(x, y.map((v) => 1 - v), { nonNegative: true }).weights[0]).toBe(0);
  });

  it('logistic regression stops once it has settled, with the weights of the full run', () => {
    const rng = new Rng(11);
    const x: number[][] = [];
    const y: number[] = [];
    for (let i = 0; i < 3000; i++) {
      const row = [rng.next(), rng.chance(0.1) ? 1 : 0, rng.next() * 0.2];
      x.push(row);
      y.push(rng.chance(1 / (1 + Math.exp(-(-3 + 2.5 * row[0]! + 1.5 * row[1]!)))) ? 1 : 0);
    }
    const full = fitLogistic(x, y, { iterations: 2000, tolerance: 0, nonNegative: true, l2: 0.01 });
    const early = fitLogistic(x, y, { iterations: 2000, nonNegative: true, l2: 0.01 });
    expect(full.iterations).toBe(2000);
    expect(early.iterations).toBeLessThan(1000);
    early.weights.forEach((w, j) => expect(Math.abs(w - full.weights[j]!)).toBeLessThan(0.01));
    expect(Math.abs(early.bias - full.bias)).toBeLessThan(0.01);
  });

  it('logistic regression skips the zeros of sparse rows and gives the dense sums\' fit to the last bit', () => {
    // The fit as it was written for dense rows (every product added, zeros too): the oracle.
    const dense = (x: number[][], y: number[], l2: number, iterations: number) => {
      const k = x[0]!.length;
      const w = new Float64Array(k);
      const mean = y.reduce((a, b) => a + b, 0) / y.length;
      let b = Math.log(Math.min(0.99, Math.max(0.01, mean)) / (1 - Math.min(0.99, Math.max(0.01, mean))));
      const m = new Float64Array(k + 1);
      const v = new Float64Array(k + 1);
      for (let t = 1; t <= iterations; t++) {
        const g = new Float64Array(k + 1);
        x.forEach((row, i) => {
          let z = b;
          for (let j = 0; j < k; j++) z += w[j]! * row[j]!;
          const err = 1 / (1 + Math.exp(-z)) - y[i]!;
          for (let j = 0; j < k; j++) g[j]! += err * row[j]!;
          g[k]! += err;
        });
        for (let j = 0; j <= k; j++) {
          const grad = g[j]! / y.length + (j < k ? l2 * w[j]! : 0);
          m[j] = 0.9 * m[j]! + (1 - 0.9) * grad;
          v[j] = 0.999 * v[j]! + (1 - 0.999) * grad * grad;
          const step = (0.05 * (m[j]! / (1 - 0.9 ** t))) / (Math.sqrt(v[j]! / (1 - 0.999 ** t)) + 1e-8);
          if (j === k) b -= step;
          else if ((w[j] = w[j]! - step) < 0) w[j] = 0;
        }
      }
      return { bias: b, weights: Array.from(w) };
    };
    const rng = new Rng(5);
    const x = Array.from({ length: 2000 }, () => Array.from({ length: 8 }, (_, j) => (rng.chance(0.6) ? 0 : j % 2 ? 1 : rng.next())));
    const y = x.map((row) => (rng.chance(1 / (1 + Math.exp(-(-2 + 2 * row[1]! + row[2]!)))) ? 1 : 0));
    const fit = fitLogistic(x, y, { iterations: 150, tolerance: 0, nonNegative: true, l2: 0.01 });
    const oracle = dense(x, y, 0.01, 150);
    expect(fit.bias).toBe(oracle.bias);
    expect(fit.weights).toEqual(oracle.weights);
    expect(fit.weights.filter((w) => w > 0).length).toBeGreaterThan(1);
  });

  it('AUC and precision at k on known rankings', () => {
    expect(auc([0.9, 0.8, 0.2, 0.1], [1, 1, 0, 0])).toBe(1);
    expect(auc([0.1, 0.2, 0.8, 0.9], [1, 1, 0, 0])).toBe(0);
    expect(auc([0.5, 0.5], [1, 0])).toBe(0.5);
    expect(precisionAtK([0.9, 0.8, 0.7, 0.1], [1, 0, 1, 1], 2)).toBe(0.5);
  });

  it('shrinks small samples towards the base rate', () => {
    expect(smoothedLogOdds(1, 1, 0.1)).toBeLessThan(smoothedLogOdds(100, 100, 0.1));
    expect(smoothedLogOdds(0, 0, 0.1)).toBe(0);
    expect(smoothedLogOdds(10, 100, 0.1)).toBeCloseTo(0, 6);
  });
});
