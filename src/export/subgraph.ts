/**
 * The subgraphs people look at and export: a ring (its members and what at least two of them
 * share), the neighbourhood of an entity, and the filter that keeps only strong links. One set of
 * rules for the API and the export jobs; each caller sets its own node limit.
 */
import type { CommunityRecord } from '../domain/results';
import type { Entity, Subgraph } from '../store/graph-reader';
import type { GraphStore } from '../store/graph-store';
import { NotFoundError } from '../util/errors';

/** Link weights for minWeight: how strong a tie the relationship is (shared identifiers weigh most). */
const LINK_WEIGHT: Record<string, number> = { HAS_ACCOUNT: 6, HAS_PHONE: 5, HAS_EMAIL: 4, DIRECTS: 4, AT_ADDRESS: 2 };
export const linkWeight = (type: string) => LINK_WEIGHT[type] ?? 1;

/** What to draw: a ring of the current run, or the neighbourhood of an entity. */
export type SubgraphTarget = { ring: number } | { entityId: string; hops: number };

/** A ring's members (riskiest first, up to `limit`) and the nodes that tie at least two of them (a shared phone, a common declaration). */
export async function ringSubgraph(store: Pick<GraphStore, 'neighbourhood'>, c: CommunityRecord, limit: number): Promise<Subgraph> {
  const members = c.members.slice(0, limit);
  const inRing = new Set(members);
  const sub = await store.neighbourhood(members, { hops: 1, limit: limit * 4 });
  const ties = new Map<string, Set<string>>();
  for (const e of sub.edges) {
    for (const [m, o] of [[e.source, e.target], [e.target, e.source]] as const) {
      if (inRing.has(m) && !inRing.has(o)) ties.set(o, (ties.get(o) ?? new Set()).add(m));
    }
  }
  const keep = new Set([...members, ...[...ties].filter(([, ms]) => ms.size >= 2).map(([o]) => o)]);
  const nodes = sub.nodes.filter((n) => keep.has(n.id)).slice(0, limit);
  const kept = new Set(nodes.map((n) => n.id));
  return { nodes, edges: sub.edges.filter((e) => kept.has(e.source) && kept.has(e.target)), truncated: sub.truncated || c.members.length > limit || keep.size > limit };
}

/** Subgraphs drawn together (a case's rings and neighbourhoods): each node and link once, the first `limit` nodes, in order. */
export function mergeSubgraphs(parts: readonly Subgraph[], limit: number): Subgraph {
  const nodes = new Map<string, Entity>();
  for (const part of parts) for (const n of part.nodes) if (!nodes.has(n.id)) nodes.set(n.id, n);
  const kept = new Set([...nodes.keys()].slice(0, limit));
  const edges = new Map<string, Subgraph['edges'][number]>();
  for (const part of parts) {
    for (const e of part.edges) if (kept.has(e.source) && kept.has(e.target)) edges.set(`${e.source}|${e.type}|${e.target}`, e);
  }
  return { nodes: [...nodes.values()].filter((n) => kept.has(n.id)), edges: [...edges.values()], truncated: nodes.size > limit || parts.some((p) => p.truncated) };
}

/** The subgraph of a target, or NotFoundError when its ring or entity does not exist. */
export async function subgraphOf(store: Pick<GraphStore, 'neighbourhood' | 'getCommunity'>, target: SubgraphTarget, limit: number): Promise<Subgraph> {
  if ('ring' in target) {
    const c = await store.getCommunity(target.ring);
    if (!c) throw new NotFoundError(`no ring ${target.ring} in the current run`);
    return ringSubgraph(store, c, limit);
  }
  const sub = await store.neighbourhood([target.entityId], { hops: target.hops, limit });
  if (sub.nodes.length === 0) throw new NotFoundError(`no entity ${target.entityId}`);
  return sub;
}

/** Keeps the links at or above minWeight, and the nodes still reachable from the start. */
export function filterByWeight(sub: Subgraph, start: string, minWeight: number): Subgraph {
  if (minWeight <= 0) return sub;
  const edges = sub.edges.filter((e) => linkWeight(e.type) >= minWeight);
  const adj = new Map<string, string[]>();
  for (const e of edges) {
    adj.set(e.source, [...(adj.get(e.source) ?? []), e.target]);
    adj.set(e.target, [...(adj.get(e.target) ?? []), e.source]);
  }
  const seen = new Set([start]);
  const queue = [start];
  while (queue.length) for (const n of adj.get(queue.shift()!) ?? []) if (!seen.has(n)) { seen.add(n); queue.push(n); }
  return { nodes: sub.nodes.filter((n) => seen.has(n.id)), edges: edges.filter((e) => seen.has(e.source) && seen.has(e.target)), truncated: sub.truncated };
}

/** The subgraph's nodes with their risk in the current run (undefined where the run says nothing of them). */
export async function withRisk(store: Pick<GraphStore, 'getScores'>, nodes: Entity[]): Promise<Array<Entity & { risk?: number }>> {
  const scores = new Map((await store.getScores(nodes.map((n) => n.id))).map((s) => [s.entityId, s.risk]));
  return nodes.map((n) => ({ ...n, risk: scores.get(n.id) }));
}
