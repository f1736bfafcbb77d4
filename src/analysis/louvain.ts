/**
 * Community detection with graphology's Louvain, seeded so the same input gives the same
 * communities. Modularity has a resolution limit: on a large graph it merges small dense groups
 * (a ring of six shell companies) into communities of hundreds. Communities with more traders than
 * `maxTraders` are therefore split again by Louvain on their own subgraph, recursively.
 */
import Graph from 'graphology';
import louvain from 'graphology-communities-louvain';
import { Rng } from '../synth/rng';
import type { EntityGraph } from './projection';

export interface LouvainResult {
  /** Community per node; -1 for nodes left out (hubs, isolated). */
  community: Int32Array;
  count: number;
  /** Modularity of the first, whole-graph partition. */
  modularity: number;
  /** Communities that were split because they were too large. */
  split: number;
}


/** Louvain on a set of weighted pairs; returns community per node index given. */
function louvainOn(pairs: Map<number, number>, n: number, seed: number, resolution: number): { of: Map<number, number>; count: number; modularity: number } {
  const graph = new Graph({ type: 'undirected', multi: false, allowSelfLoops: false });
  // Insertion in sorted order keeps the traversal, and so the result, deterministic.
  for (const key of [...pairs.keys()].sort((x, y) => x - y)) {
    const a = Math.floor(key / n);
    const b = key - a * n;
    if (!graph.hasNode(String(a))) graph.addNode(String(a));
    if (!graph.hasNode(String(b))) graph.addNode(String(b));
    graph.addUndirectedEdge(String(a), String(b), { weight: pairs.get(key) });
  }
  const of = new Map<number, number>();
  if (graph.order === 0) return { of, count: 0, modularity: 0 };
  const rng = new Rng(seed);
  const result = louvain.detailed(graph, { getEdgeWeight: 'weight', resolution, rng: () => rng.next() });
  for (const [node, c] of Object.entries(result.communities)) of.set(Number(node), c);
  return { of, count: result.count, modularity: result.modularity };
}

export function detectCommunities(
  g: EntityGraph, weight: Float64Array, keep: (e: number) => boolean,
  opts: { seed: number; resolution: number; maxTraders?: number },
): LouvainResult {
  const maxTraders = opts.maxTraders ?? 25;
  const pairs = new Map<number, number>();
  for (let e = 0; e < g.m; e++) {
    if (!keep(e)) continue;
    const a = Math.min(g.src[e]!, g.dst[e]!);
    const b = Math.max(g.src[e]!, g.dst[e]!);
    if (a === b) continue;
    const key = a * g.n + b;
    pairs.set(key, (pairs.get(key) ?? 0) + weight[e]!);
  }
  const community = new Int32Array(g.n).fill(-1);
  const top = louvainOn(pairs, g.n, opts.seed, opts.resolution);
  for (const [node, c] of top.of) community[node] = c;
  let next = top.count;
  let split = 0;

  // Split communities that are too large to be a ring, a few levels deep.
  for (let depth = 0; depth < 3; depth++) {
    const traders = new Map<number, number>();
    for (let i = 0; i < g.n; i++) if (community[i]! >= 0 && g.kinds[i] === 'Trader') traders.set(community[i]!, (traders.get(community[i]!) ?? 0) + 1);
    const large = new Set([...traders].filter(([, n]) => n > maxTraders).map(([c]) => c));
    if (large.size === 0) break;
    const inner = new Map<number, Map<number, number>>();
    for (const [key, w] of pairs) {
      const a = Math.floor(key / g.n);
      const b = key - a * g.n;
      const c = community[a]!;
      if (c !== community[b] || !large.has(c)) continue;
      let m = inner.get(c);
      if (!m) inner.set(c, (m = new Map()));
      m.set(key, w);
    }
    let changed = false;
    for (const c of [...large].sort((x, y) => x - y)) {
      const sub = louvainOn(inner.get(c) ?? new Map(), g.n, opts.seed + c, opts.resolution);
      if (sub.count <= 1) continue;
      changed = true;
      split++;
      const ids = new Map<number, number>();
      for (const [node, s] of [...sub.of].sort((x, y) => x[0] - y[0])) {
        let id = ids.get(s);
        if (id === undefined) ids.set(s, (id = next++));
        community[node] = id;
      }
    }
    if (!changed) break;
  }
  const used = new Set<number>();
  for (let i = 0; i < g.n; i++) if (community[i]! >= 0) used.add(community[i]!);
  return { community, count: used.size, modularity: top.modularity, split };
}
