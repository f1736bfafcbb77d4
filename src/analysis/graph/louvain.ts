/**
 * Community detection with graphology-communities-louvain, seeded so the same input gives the
 * same communities.
 *
 * The algorithm runs on a read-only view of the CSR arrays that offers the part of graphology's
 * Graph API the Louvain index reads (order, size, forEachNode, forEachEdge, degrees): building a
 * real graphology Graph of 1M nodes and 3.5M edges takes ~25 s and 1.5 GB here, the view nothing.
 *
 * Modularity has a resolution limit: on a large graph it merges small dense groups (a ring of six
 * shell companies) into communities of hundreds. Communities with more traders than `maxTraders`
 * are therefore split again by Louvain on their own subgraph, a few levels deep.
 */
import louvain from 'graphology-communities-louvain';
import type Graph from 'graphology';
import { Rng } from '../../util/rng';
import { useZoomOut } from './louvain-zoom-out';
import type { EntityGraph } from './projection';

// The same Louvain, with the level fold done on typed arrays (identical output; see the module).
useZoomOut();

export interface LouvainResult {
  /** Community per node; -1 for nodes left out (hubs, isolated). */
  community: Int32Array;
  count: number;
  /** Modularity of the first, whole-graph partition. */
  modularity: number;
  /** Communities that were split because they were too large. */
  split: number;
}

/** Undirected weighted CSR with duplicate pairs merged and no self loops. */
export interface Adjacency {
  n: number;
  offsets: Int32Array;
  targets: Int32Array;
  weights: Float64Array;
}

const NO_ATTRIBUTES = Object.freeze({});

/**
 * The slice of graphology's Graph API that graphology-communities-louvain uses, over CSR arrays.
 * Nodes are given as their indices, not as strings: the Louvain index only uses a node as a key
 * of the plain object it numbers nodes in (and of the one it returns), where an index is the key
 * its string would be, without a string made and parsed back per node and per edge end.
 */
class CsrGraphView {
  readonly type = 'undirected';
  readonly multi = false;
  readonly selfLoopCount = 0;

  constructor(private readonly a: Adjacency) {}

  get order(): number {
    return this.a.n;
  }

  get size(): number {
    return this.a.offsets[this.a.n]! / 2;
  }

  forEachNode(cb: (node: number, attributes: object) => void): void {
    for (let i = 0; i < this.a.n; i++) cb(i, NO_ATTRIBUTES);
  }

  undirectedDegreeWithoutSelfLoops(node: number): number {
    return this.a.offsets[node + 1]! - this.a.offsets[node]!;
  }

  /** Each undirected edge once; the edge "key" is its CSR slot, which the weight getter reads. */
  forEachEdge(cb: (edge: number, attributes: object, source: number, target: number, sa: object, ta: object, undirected: boolean) => void): void {
    const { offsets, targets } = this.a;
    for (let v = 0; v < this.a.n; v++) {
      for (let k = offsets[v]!; k < offsets[v + 1]!; k++) {
        const u = targets[k]!;
        if (u > v) cb(k, NO_ATTRIBUTES, v, u, NO_ATTRIBUTES, NO_ATTRIBUTES, true);
      }
    }
  }

  // Present so graphology-utils recognises a graph; the view is read-only.
  addUndirectedEdgeWithKey(): never {
    throw new Error('read-only graph view');
  }
  dropNode(): never {
    throw new Error('read-only graph view');
  }
  setNodeAttribute(): never {
    throw new Error('read-only graph view');
  }
}

/** Adjacency of the kept edges among `nodes` (global indices), duplicate pairs summed. */
function adjacency(g: EntityGraph, weight: Float64Array, keep: (e: number) => boolean, nodes: Int32Array, local: Int32Array): Adjacency {
  const n = nodes.length;
  const count = new Int32Array(n + 1);
  for (let e = 0; e < g.m; e++) {
    const a = local[g.src[e]!]!;
    const b = local[g.dst[e]!]!;
    if (a < 0 || b < 0 || a === b || !keep(e)) continue;
    count[a + 1]!++;
    count[b + 1]!++;
  }
  for (let i = 0; i < n; i++) count[i + 1]! += count[i]!;
  const fill = count.slice(0, n);
  const rawT = new Int32Array(count[n]!);
  const rawW = new Float64Array(count[n]!);
  for (let e = 0; e < g.m; e++) {
    const a = local[g.src[e]!]!;
    const b = local[g.dst[e]!]!;
    if (a < 0 || b < 0 || a === b || !keep(e)) continue;
    rawT[fill[a]!] = b;
    rawW[fill[a]!++] = weight[e]!;
    rawT[fill[b]!] = a;
    rawW[fill[b]!++] = weight[e]!;
  }
  // Merge repeated neighbours (a trader and its supplier can be linked by several relationships).
  const offsets = new Int32Array(n + 1);
  const slot = new Int32Array(n).fill(-1);
  let w = 0;
  for (let v = 0; v < n; v++) {
    const start = w;
    for (let k = count[v]!; k < count[v + 1]!; k++) {
      const u = rawT[k]!;
      if (slot[u]! >= start) rawW[slot[u]!] = rawW[slot[u]!]! + rawW[k]!;
      else {
        slot[u] = w;
        rawT[w] = u;
        rawW[w++] = rawW[k]!;
      }
    }
    offsets[v + 1] = w;
  }
  return { n, offsets, targets: rawT.subarray(0, w), weights: rawW.subarray(0, w) };
}

/** graphology's Louvain on the CSR arrays through the read-only Graph view (exported for the test that holds it to a real Graph). */
export function runLouvain(a: Adjacency, seed: number, resolution: number): { of: Int32Array; count: number; modularity: number } {
  const of = new Int32Array(a.n).fill(-1);
  if (a.n === 0) return { of, count: 0, modularity: 0 };
  const rng = new Rng(seed);
  const view = new CsrGraphView(a) as unknown as Graph;
  const weights = a.weights;
  const result = louvain.detailed(view, { getEdgeWeight: (edge) => weights[edge as unknown as number]!, resolution, rng: () => rng.next() });
  // Keyed by node index (see CsrGraphView).
  const communities = result.communities as unknown as ArrayLike<number>;
  for (let i = 0; i < a.n; i++) of[i] = communities[i]!;
  return { of, count: result.count, modularity: result.modularity };
}

/** The subgraph of `adj` induced by `members` (all in community `c`), re-indexed 0..k-1. */
function subAdjacency(adj: Adjacency, members: Int32Array, community: Int32Array, c: number, local: Int32Array): Adjacency {
  members.forEach((v, i) => { local[v] = i; });
  const offsets = new Int32Array(members.length + 1);
  let size = 0;
  for (let i = 0; i < members.length; i++) {
    const v = members[i]!;
    for (let k = adj.offsets[v]!; k < adj.offsets[v + 1]!; k++) if (community[adj.targets[k]!] === c) size++;
    offsets[i + 1] = size;
  }
  const targets = new Int32Array(size);
  const weights = new Float64Array(size);
  let w = 0;
  for (const v of members) {
    for (let k = adj.offsets[v]!; k < adj.offsets[v + 1]!; k++) {
      const u = adj.targets[k]!;
      if (community[u] !== c) continue;
      targets[w] = local[u]!;
      weights[w++] = adj.weights[k]!;
    }
  }
  return { n: members.length, offsets, targets, weights };
}

export function detectCommunities(
  g: EntityGraph, weight: Float64Array, keep: (e: number) => boolean,
  opts: { seed: number; resolution: number; maxTraders?: number },
): LouvainResult {
  const maxTraders = opts.maxTraders ?? 25;
  // Nodes with at least one kept edge take part; the others stay at -1.
  const touched = new Uint8Array(g.n);
  for (let e = 0; e < g.m; e++) {
    if (g.src[e] !== g.dst[e] && keep(e)) touched[g.src[e]!] = touched[g.dst[e]!] = 1;
  }
  const nodes = Int32Array.from({ length: g.n }, (_, i) => i).filter((i) => touched[i] === 1);
  const local = new Int32Array(g.n).fill(-1);
  nodes.forEach((v, i) => { local[v] = i; });
  const adj = adjacency(g, weight, keep, nodes, local);
  const top = runLouvain(adj, opts.seed, opts.resolution);
  // Communities in the compact index space of `adj`; mapped back to graph nodes at the end.
  const comm = top.of;
  const isTrader = Uint8Array.from(nodes, (v) => (g.kinds[v] === 'Trader' ? 1 : 0));
  let next = top.count;
  let split = 0;
  const scratch = new Int32Array(adj.n);

  for (let depth = 0; depth < 3; depth++) {
    const traders = new Map<number, number>();
    for (let i = 0; i < adj.n; i++) if (isTrader[i]) traders.set(comm[i]!, (traders.get(comm[i]!) ?? 0) + 1);
    const large = new Set([...traders].filter(([, n]) => n > maxTraders).map(([c]) => c));
    if (large.size === 0) break;
    const members = new Map<number, number[]>();
    for (let i = 0; i < adj.n; i++) {
      if (!large.has(comm[i]!)) continue;
      let l = members.get(comm[i]!);
      if (!l) members.set(comm[i]!, (l = []));
      l.push(i);
    }
    let changed = false;
    for (const c of [...large].sort((x, y) => x - y)) {
      const list = Int32Array.from(members.get(c)!);
      const res = runLouvain(subAdjacency(adj, list, comm, c, scratch), opts.seed + c, opts.resolution);
      if (res.count <= 1) continue;
      changed = true;
      split++;
      const ids = new Map<number, number>();
      list.forEach((v, i) => {
        let id = ids.get(res.of[i]!);
        if (id === undefined) ids.set(res.of[i]!, (id = next++));
        comm[v] = id;
      });
    }
    if (!changed) break;
  }
  const community = new Int32Array(g.n).fill(-1);
  const used = new Set<number>();
  nodes.forEach((v, i) => {
    community[v] = comm[i]!;
    used.add(comm[i]!);
  });
  return { community, count: used.size, modularity: top.modularity, split };
}
