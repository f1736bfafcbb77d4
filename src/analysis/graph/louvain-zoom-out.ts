/**
 * A faster `zoomOut` for graphology's undirected Louvain index (graphology-indices 0.17).
 *
 * After each level, Louvain folds every community into one node. graphology-indices does it with
 * an object per community keyed by neighbour community (`adj[cj] += w`) and walks those objects
 * with `for...in`, which turns every key into a string and back: on the benchmark graph it was the
 * single largest cost of community detection (more than the local moves themselves), above all
 * for the thousands of small sub-graph runs that split oversized communities.
 *
 * This does the same fold with typed arrays. It visits nodes, neighbours and communities in the
 * same order and adds the same weights in the same order, so the index it leaves is identical,
 * bit for bit, to the original's (test/louvain-zoom-out.test.ts checks it against the original).
 */
import { UndirectedLouvainIndex } from 'graphology-indices/louvain';

/** The index fields zoomOut reads and writes (see graphology-indices/louvain.js). */
interface IndexState {
  C: number;
  U: number;
  E: number;
  level: number;
  nodes: unknown[];
  keepDendrogram: boolean;
  dendrogram: ArrayLike<number>[];
  mapping: Uint32Array | Uint16Array | Uint8Array | null;
  neighborhood: Uint32Array | Uint16Array | Uint8Array;
  weights: Float64Array;
  loops: Float64Array;
  starts: Uint32Array | Uint16Array | Uint8Array;
  belongings: Uint32Array | Uint16Array | Uint8Array;
  counts: Uint32Array | Uint16Array | Uint8Array;
  totalWeights: Float64Array;
}

/** mnemonist's getPointerArray: the smallest unsigned array that can index `size` items. */
function pointerArray(size: number): Uint8ArrayConstructor | Uint16ArrayConstructor | Uint32ArrayConstructor {
  const max = size - 1;
  return max <= 255 ? Uint8Array : max <= 65535 ? Uint16Array : Uint32Array;
}

export function fastZoomOut(this: IndexState): Record<string, number> {
  const oldC = this.C;
  const N = this.nodes.length;
  // Renumber communities in order of first appearance.
  const label = new Int32Array(oldC).fill(-1);
  const total = new Float64Array(oldC);
  let C = 0;
  for (let i = 0; i < oldC; i++) {
    const ci = this.belongings[i]!;
    if (label[ci] === -1) {
      label[ci] = C;
      total[C] = this.totalWeights[ci]!;
      C++;
    }
    this.belongings[i] = label[ci]!;
  }
  if (this.keepDendrogram) {
    const current = this.dendrogram[this.level]!;
    const next = new (pointerArray(C))(N);
    for (let i = 0; i < N; i++) next[i] = this.belongings[current[i]!]!;
    this.dendrogram.push(next);
  } else {
    for (let i = 0; i < N; i++) this.mapping![i] = this.belongings[this.mapping![i]!]!;
  }

  // Members of each new community, in node order (a stable counting sort).
  const first = new Int32Array(C + 1);
  for (let i = 0; i < oldC; i++) first[this.belongings[i]! + 1]!++;
  for (let c = 0; c < C; c++) first[c + 1]! += first[c]!;
  const members = new Int32Array(oldC);
  const fill = first.slice(0, C);
  for (let i = 0; i < oldC; i++) members[fill[this.belongings[i]!]!++] = i;

  // Fold: per community, the summed weight to each neighbouring community, neighbours ascending
  // (the order for...in gives integer keys). Written aside, then copied over the old arrays.
  const outNeighbours = new Uint32Array(this.E);
  const outWeights = new Float64Array(this.E);
  const loops = new Float64Array(C);
  const starts = new Int32Array(C + 1);
  const stamp = new Int32Array(C).fill(-1);
  const slot = new Int32Array(C);
  // Scratch for one community's neighbour communities (in first-seen order) and their sums.
  const found = new Int32Array(C);
  const sums = new Float64Array(C);
  let E = 0;
  for (let ci = 0; ci < C; ci++) {
    let internal = 0;
    let m = 0;
    for (let k = first[ci]!; k < first[ci + 1]!; k++) {
      const i = members[k]!;
      internal += this.loops[i]!;
      for (let j = this.starts[i]!, end = this.starts[i + 1]!; j < end; j++) {
        const cj = this.belongings[this.neighborhood[j]!]!;
        if (cj === ci) {
          internal += this.weights[j]!;
          continue;
        }
        if (stamp[cj] !== ci) {
          stamp[cj] = ci;
          slot[cj] = m;
          found[m] = cj;
          sums[m] = 0;
          m++;
        }
        sums[slot[cj]!]! += this.weights[j]!;
      }
    }
    loops[ci] = internal;
    starts[ci] = E;
    // Neighbours ascending; each keeps the sum at its first-seen slot.
    const neighbours = found.subarray(0, m);
    if (m > 16) neighbours.sort();
    else {
      for (let a = 1; a < m; a++) {
        const v = neighbours[a]!;
        let b = a;
        while (b > 0 && neighbours[b - 1]! > v) {
          neighbours[b] = neighbours[b - 1]!;
          b--;
        }
        neighbours[b] = v;
      }
    }
    for (let x = 0; x < m; x++) {
      const cj = neighbours[x]!;
      outNeighbours[E] = cj;
      outWeights[E] = sums[slot[cj]!]!;
      E++;
    }
  }
  starts[C] = E;

  this.C = C;
  for (let ci = 0; ci < C; ci++) {
    this.totalWeights[ci] = total[ci]!;
    this.loops[ci] = loops[ci]!;
    this.counts[ci] = 1;
    this.starts[ci] = starts[ci]!;
    this.belongings[ci] = ci;
  }
  this.starts[C] = E;
  this.neighborhood.set(outNeighbours.subarray(0, E));
  this.weights.set(outWeights.subarray(0, E));
  this.E = E;
  this.U = 0;
  this.level++;
  // The original returns its relabelling (an object of up to a million keys); graphology-communities-louvain
  // never reads it, so none is built.
  return NO_LABELS;
}

const NO_LABELS: Record<string, number> = Object.freeze({}) as Record<string, number>;

type ZoomOut = (this: IndexState) => Record<string, number>;
const proto = UndirectedLouvainIndex.prototype as unknown as { zoomOut: ZoomOut };

/** graphology's own zoomOut, kept for the equivalence test. */
export const originalZoomOut: ZoomOut = proto.zoomOut;

/** Installs the fast fold (or, for a comparison, the original) on graphology's index. */
export function useZoomOut(fn: ZoomOut = fastZoomOut): void {
  proto.zoomOut = fn;
}
