/**
 * The hop-by-hop neighbourhood of some nodes, cut at a node limit, over any store that can give
 * the links of a node (LinkSource): one search and one truncation rule for every adapter.
 */
import type { Edge, Entity, LinkSource, NeighbourhoodOptions, Subgraph } from './graph-reader';

export async function neighbourhood(source: LinkSource, ids: readonly string[], opts: NeighbourhoodOptions): Promise<Subgraph> {
  const nodes = new Map<string, Entity>();
  const edges = new Map<string, Edge>();
  let truncated = false;
  const start = await source.getEntities(ids);
  for (const e of start) nodes.set(e.id, e);
  let frontier = start;
  const kindFilter = opts.kinds?.length ? new Set(opts.kinds) : undefined;
  for (let hop = 0; hop < opts.hops && frontier.length > 0 && !truncated; hop++) {
    const next: Entity[] = [];
    for (let i = 0; i < frontier.length && !truncated; i += source.linkBatch) {
      const part = frontier.slice(i, i + source.linkBatch);
      const found = await source.linksOf(part, opts.limit - nodes.size + 1);
      for (const links of found) {
        for (const { edge, other } of links) {
          const known = nodes.get(other.id);
          if (!known) {
            if (kindFilter && !kindFilter.has(other.kind)) continue;
            if (nodes.size >= opts.limit) {
              // Links among nodes already in still count; new nodes do not.
              truncated = true;
              continue;
            }
            nodes.set(other.id, other);
            next.push(other);
          }
          edges.set(`${edge.source}|${edge.type}|${edge.target}`, edge);
        }
        if (truncated) break;
      }
    }
    frontier = next;
  }
  return { nodes: [...nodes.values()], edges: [...edges.values()], truncated };
}
