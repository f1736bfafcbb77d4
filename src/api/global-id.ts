/**
 * Global ids (Relay's Node): `Type:local`, the GraphQL type's name and the store's own id (a
 * number in SQLite, an element id in Neo4j). Readable, so that an investigator can share one in a
 * link, and unambiguous across types: a case and an entity may share a store id, never a global id.
 * An argument takes the global id of the types it accepts or, as earlier versions gave it, the bare
 * store id.
 */
import { badInput } from './errors';

export const NODE_TYPES = ['Entity', 'Declaration', 'Ring', 'AnalysisRun', 'Job', 'Case', 'Alert'] as const;
export type NodeType = (typeof NODE_TYPES)[number];

const IS_NODE_TYPE = new Set<string>(NODE_TYPES);

export function globalId(type: NodeType, local: string | number): string {
  return `${type}:${local}`;
}

/** The type and store id of a global id; null when `id` is not one (a bare store id). */
export function parseGlobalId(id: string): { type: NodeType; local: string } | null {
  const colon = id.indexOf(':');
  const type = colon > 0 ? id.slice(0, colon) : '';
  return IS_NODE_TYPE.has(type) ? { type: type as NodeType, local: id.slice(colon + 1) } : null;
}

/**
 * The store id an argument names: the global id of one of the `accepted` types, or a bare store
 * id. The global id of another type is BAD_USER_INPUT naming the argument.
 */
export function localId(id: string, accepted: readonly NodeType[], argument: string): string {
  const parsed = parseGlobalId(id);
  if (!parsed) return id;
  if (!accepted.includes(parsed.type)) {
    throw badInput(`${argument} takes ${accepted.map((t) => `a ${t}`).join(' or ')} id; ${id.slice(0, 80)} is a ${parsed.type} id`, { argument });
  }
  return parsed.local;
}

/** A ring's local id, `run:community` (domain/ring-ref.ts). */
export { parseRingLocal, ringLocal } from '../domain/ring-ref';
