/**
 * The entity graph analysis works on, built once from the store's stream: parties linked by the
 * declarations they share and by the identifiers they share, as flat typed arrays. Each algorithm
 * then takes the representation it runs fastest on (CSR for PageRank and components, a graphology
 * graph for Louvain) from these arrays.
 */
import { grown } from '../../util/grow';
import { ENTITY_KINDS, REL_TYPE_CODE, REL_TYPES, type EntityKind, type RelType } from '../../domain/entities';
import type { DeclarationLinkColumns, EntityLink, EntityLinkColumns } from '../../store/analysis-source';
import type { GraphStore } from '../../store/graph-store';
import { IdNumbers } from '../../util/id-numbers';
import { typedArray } from '../../util/typed-arrays';

/** A link's type in the graph (`rel`) is its index here: the domain's REL_TYPES, the codes EntityLinkColumns carry too. */
export const REL_CODES: readonly RelType[] = REL_TYPES;

export interface EntityGraph {
  n: number;
  /** Store id of each node. */
  ids: string[];
  kinds: EntityKind[];
  /** Node of a store id. */
  index: { get(id: string): number | undefined };
  m: number;
  src: Int32Array;
  dst: Int32Array;
  rel: Uint8Array;
  /** Declarations behind the link (1 for identifier links). */
  count: Float64Array;
  /** Declared value behind the link. */
  value: Float64Array;
}

/** A growable edge list. */
class EdgeBuffer {
  m = 0;
  src = new Int32Array(1024);
  dst = new Int32Array(1024);
  rel = new Uint8Array(1024);
  count = new Float64Array(1024);
  value = new Float64Array(1024);

  push(s: number, d: number, rel: number, count: number, value: number): void {
    if (this.m === this.src.length) this.grow();
    this.src[this.m] = s;
    this.dst[this.m] = d;
    this.rel[this.m] = rel;
    this.count[this.m] = count;
    this.value[this.m] = value;
    this.m++;
  }

  private grow(): void {
    const size = this.src.length * 2;
    this.src = grown(this.src, size);
    this.dst = grown(this.dst, size);
    this.rel = grown(this.rel, size);
    this.count = grown(this.count, size);
    this.value = grown(this.value, size);
  }
}

export class GraphBuilder {
  private numbers = new IdNumbers();
  private kinds: EntityKind[] = [];
  private edges = new EdgeBuffer();

  node(id: string, kind: EntityKind): number {
    const i = this.numbers.of(id);
    if (i === this.kinds.length) this.kinds.push(kind);
    return i;
  }

  link(l: EntityLink): void {
    const s = this.node(l.source, l.sourceKind);
    const d = this.node(l.target, l.targetKind);
    this.edges.push(s, d, REL_TYPE_CODE.get(l.type) ?? 0, l.count, l.value);
  }

  /** The links of a batch of columns: the same nodes, in the same order, as `link` for each would give. */
  links(c: EntityLinkColumns): void {
    for (let i = 0; i < c.length; i++) {
      const s = this.nodeOfInt(c.source[i]!, c.sourceKind[i]!);
      const d = this.nodeOfInt(c.target[i]!, c.targetKind[i]!);
      this.edges.push(s, d, c.type[i]!, c.count[i]!, c.value[i]!);
    }
  }

  /** The node of store id String(id), its kind given as an ENTITY_KINDS index. */
  private nodeOfInt(id: number, kind: number): number {
    const i = this.numbers.ofInt(id);
    if (i === this.kinds.length) this.kinds.push(ENTITY_KINDS[kind]!);
    return i;
  }

  build(): EntityGraph {
    const e = this.edges;
    return {
      n: this.kinds.length, ids: this.numbers.ids, kinds: this.kinds, index: indexOf(this.numbers), m: e.m,
      src: e.src.subarray(0, e.m), dst: e.dst.subarray(0, e.m), rel: e.rel.subarray(0, e.m),
      count: e.count.subarray(0, e.m), value: e.value.subarray(0, e.m),
    };
  }
}

function indexOf(numbers: IdNumbers): EntityGraph['index'] {
  return { get: (id) => numbers.peek(id) };
}

/** The node index of a list of ids (as the graph thread sends them back). */
export function indexIds(ids: readonly string[]): EntityGraph['index'] {
  const numbers = new IdNumbers();
  for (const id of ids) numbers.of(id);
  return indexOf(numbers);
}

export async function loadEntityGraph(store: GraphStore, onProgress?: (links: number) => void, declarations?: DeclarationLinkColumns): Promise<EntityGraph> {
  const b = new GraphBuilder();
  let links = 0;
  for await (const batch of linkBatches(store, declarations)) {
    if (Array.isArray(batch)) for (const l of batch) b.link(l);
    else b.links(batch);
    links += batch.length;
    onProgress?.(links);
  }
  return b.build();
}

/** The graph's links in columns where the store gives them (no object or id string per link), else as objects. */
async function* linkBatches(store: GraphStore, declarations?: DeclarationLinkColumns): AsyncIterable<EntityLinkColumns | EntityLink[]> {
  if (store.streamEntityGraphColumns) yield* store.streamEntityGraphColumns(20_000, declarations);
  else yield* store.streamEntityGraph(20_000, declarations);
}

/** Compressed sparse rows of an undirected weighted graph (each edge stored both ways). */
export interface Csr {
  n: number;
  offsets: Int32Array;
  targets: Int32Array;
  weights: Float64Array;
}

/**
 * CSR of the edges `keep` accepts, with weight `weight(e)`; with `shared`, its arrays are in
 * shared memory, so that a worker thread given the graph reads them where they are instead of a
 * copy made for it.
 */
export function toCsr(g: EntityGraph, weight: Float64Array, keep?: (e: number) => boolean, shared = false): Csr {
  const degree = typedArray(Int32Array, g.n + 1, shared);
  for (let e = 0; e < g.m; e++) {
    if (keep && !keep(e)) continue;
    degree[g.src[e]! + 1]!++;
    degree[g.dst[e]! + 1]!++;
  }
  for (let i = 0; i < g.n; i++) degree[i + 1]! += degree[i]!;
  const offsets = degree;
  const fill = offsets.slice(0, g.n);
  const targets = typedArray(Int32Array, offsets[g.n]!, shared);
  const weights = typedArray(Float64Array, offsets[g.n]!, shared);
  for (let e = 0; e < g.m; e++) {
    if (keep && !keep(e)) continue;
    const s = g.src[e]!;
    const d = g.dst[e]!;
    const w = weight[e]!;
    targets[fill[s]!] = d;
    weights[fill[s]!++] = w;
    targets[fill[d]!] = s;
    weights[fill[d]!++] = w;
  }
  return { n: g.n, offsets, targets, weights };
}
