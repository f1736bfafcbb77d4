/** Reading the graph for people: entities, declarations, search, neighbourhoods, watchlist hits, counts. */
import type { Declaration } from '../domain/declaration';
import type { DeclarationRel, EntityKind, RelType } from '../domain/entities';
import type { WatchlistEntry } from './graph-writer';
import type { EntityRef } from '../domain/graph-facts';

/** A node: an entity or a declaration (kind 'Declaration', key `declaration_id/item_no`). */
export interface Entity {
  id: string;
  kind: EntityKind;
  key: string;
  name: string;
}

export interface Edge {
  source: string;
  target: string;
  type: RelType;
}

export interface Subgraph {
  nodes: Entity[];
  edges: Edge[];
  /** True when a limit cut the subgraph short. */
  truncated: boolean;
}

export interface NeighbourhoodOptions {
  hops: number;
  /** Most nodes returned, the start nodes included. */
  limit: number;
  kinds?: EntityKind[];
}

export interface StoreCounts {
  entities: Partial<Record<EntityKind, number>>;
  relationships: Partial<Record<RelType, number>>;
  declarations: number;
  watchlist: number;
}

/** A declaration as stored, with the entity each of its relationships points to (its parties, route, vessel). */
export interface StoredDeclaration extends Declaration {
  id: string;
  parties: Array<{ rel: DeclarationRel; entityId: string }>;
}

/** What ties two entities through the declarations that name both. */
export interface LinkFigures {
  declarations: number;
  /** First and last lodging date (absent when no declaration names both). */
  first?: string;
  last?: string;
  /** Declared value, by currency. */
  value: Array<{ currency: string; total: number }>;
}

/** Link figures from per-currency rows (count, first and last day, total), as both adapters read them. */
export function linkFiguresOf(rows: ReadonlyArray<{ currency: string; n: number; first: string; last: string; total: number }>): LinkFigures {
  const dated = rows.filter((r) => r.n > 0);
  return {
    declarations: dated.reduce((a, r) => a + r.n, 0),
    ...(dated.length ? { first: dated.map((r) => r.first).sort()[0]!, last: dated.map((r) => r.last).sort().pop()! } : {}),
    value: dated.map((r) => ({ currency: r.currency, total: r.total })),
  };
}

/** A link of a node and the node at its other end. */
export interface NodeLink {
  edge: Edge;
  other: Entity;
}

/** What an adapter supplies for the neighbourhood search (store/neighbourhood.ts): the links of some nodes. */
export interface LinkSource {
  getEntities(ids: readonly string[]): Promise<Entity[]>;
  /**
   * For each node, in order, the links touching it (both directions, declarations included): at
   * least `limit` of them when it has that many, so a search that may add `limit - 1` more nodes
   * can tell when it was cut short.
   */
  linksOf(nodes: readonly Entity[], limit: number): Promise<NodeLink[][]>;
  /** How many frontier nodes one linksOf call takes (1: the search re-reads its budget after each node). */
  readonly linkBatch: number;
}

export interface GraphReader extends LinkSource {
  findEntity(ref: EntityRef): Promise<Entity | null>;
  getDeclaration(key: string): Promise<(Declaration & { id: string }) | null>;
  /** Declarations naming an entity (any role), newest first, after the given declaration id. */
  entityDeclarations(entityId: string, opts: { limit: number; after?: string }): Promise<Array<Declaration & { id: string }>>;
  /** How many declarations name an entity (every page of entityDeclarations). */
  countEntityDeclarations(entityId: string): Promise<number>;
  /** Declarations by their node ids (unknown ids are left out), with their parties' entity ids. */
  getDeclarations(ids: readonly string[]): Promise<StoredDeclaration[]>;
  /** The declarations naming both entities (as trader, consignee, supplier, broker, carrier, route or vessel): counts, dates, value. */
  linkFigures(a: string, b: string): Promise<LinkFigures>;
  /** Those declarations, newest first, paged by the last one's id as entityDeclarations pages. */
  linkDeclarations(a: string, b: string, opts: { limit: number; after?: string }): Promise<Array<Declaration & { id: string }>>;
  /** Entities whose name starts with or contains the text (case-insensitive), by id after `after`. */
  searchByName(text: string, opts: { kinds?: EntityKind[]; limit: number; after?: string }): Promise<Entity[]>;
  /** How many entities searchByName finds in all. */
  countByName(text: string, opts: { kinds?: EntityKind[] }): Promise<number>;
  neighbourhood(ids: readonly string[], opts: NeighbourhoodOptions): Promise<Subgraph>;
  /** Every watchlist entry (ingest checks new declarations against them). */
  watchlistEntries(): Promise<WatchlistEntry[]>;
  /** Entities that match a watchlist entry. */
  watchlistHits(): Promise<Array<{ entity: Entity; entry: WatchlistEntry }>>;
  counts(): Promise<StoreCounts>;
}
