/**
 * Shortest path between two entities: breadth-first from both ends over the store's one-hop
 * neighbourhoods (shared identifiers, declarations, directors), meeting in the middle.
 */
import type { Edge } from './graph-reader';
import type { GraphStore } from './graph-store';

export interface FoundPath {
  nodeIds: string[];
  edges: Edge[];
}

export async function shortestPath(store: GraphStore, from: string, to: string, maxHops: number, maxVisited = 20_000): Promise<FoundPath | null> {
  if (from === to) return { nodeIds: [from], edges: [] };
  // parent[x] = [previous node, edge] on the side that reached x
  const parents = [new Map<string, [string, Edge] | null>([[from, null]]), new Map<string, [string, Edge] | null>([[to, null]])];
  let frontiers = [[from], [to]];
  for (let hops = 0; hops < maxHops; hops++) {
    const side = frontiers[0]!.length <= frontiers[1]!.length ? 0 : 1;
    const mine = parents[side]!;
    const other = parents[1 - side]!;
    const sub = await store.neighbourhood(frontiers[side]!, { hops: 1, limit: maxVisited });
    const next: string[] = [];
    for (const e of sub.edges) {
      for (const [a, b] of [[e.source, e.target], [e.target, e.source]] as const) {
        if (!mine.has(a) || mine.has(b)) continue;
        mine.set(b, [a, e]);
        next.push(b);
        if (other.has(b)) return assemble(b, parents[0]!, parents[1]!);
      }
    }
    if (next.length === 0 || mine.size + other.size > maxVisited) return null;
    frontiers[side] = next;
  }
  return null;
}

function assemble(meet: string, fromSide: Map<string, [string, Edge] | null>, toSide: Map<string, [string, Edge] | null>): FoundPath {
  const left: string[] = [];
  const edges: Edge[] = [];
  for (let x: string | undefined = meet; x !== undefined;) {
    left.unshift(x);
    const p = fromSide.get(x);
    if (p) edges.unshift(p[1]);
    x = p?.[0];
  }
  const right: string[] = [];
  for (let p = toSide.get(meet); p; p = toSide.get(p[0])) {
    right.push(p[0]);
    edges.push(p[1]);
  }
  return { nodeIds: [...left, ...right], edges };
}
