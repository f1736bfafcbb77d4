/** Reads of the Neo4j adapter for people: entities, declarations, name search, links, watchlist hits, counts. */
import neo4j from 'neo4j-driver';
import type { Declaration } from '../../domain/declaration';
import { splitDeclarationKey } from '../../domain/declaration-key';
import { searchName } from '../../domain/normalize';
import type { DeclarationRel, EntityKind, RelType } from '../../domain/entities';
import {
  linkFiguresOf, type Entity, type GraphReader, type LinkFigures, type NeighbourhoodOptions, type NodeLink, type StoreCounts, type StoredDeclaration,
  type Subgraph,
} from '../graph-reader';
import type { WatchlistEntry } from '../graph-writer';
import type { EntityRef } from '../../domain/graph-facts';
import { neighbourhood } from '../neighbourhood';
import { declarationFromProps } from './rows';
import type { Neo4jSession, Row } from './session';

export class Neo4jGraphReader implements GraphReader {
  /** A round trip per call: the neighbourhood search asks for the links of many frontier nodes at once. */
  readonly linkBatch = 100;

  constructor(private readonly s: Neo4jSession) {}

  async getEntities(ids: readonly string[]): Promise<Entity[]> {
    return (await this.s.read('get-entities', { ids: [...ids] })) as unknown as Entity[];
  }

  async findEntity(ref: EntityRef): Promise<Entity | null> {
    if (ref.kind === 'Declaration') {
      const [id, item] = splitDeclarationKey(ref.key);
      return ((await this.s.read('find-declaration', { declarationId: id, itemNo: item }))[0] as Entity | undefined) ?? null;
    }
    return ((await this.s.read('find-entity', { kind: ref.kind, key: ref.key }))[0] as Entity | undefined) ?? null;
  }

  async getDeclaration(key: string): Promise<(Declaration & { id: string }) | null> {
    const [id, item] = splitDeclarationKey(key);
    const r = (await this.s.read('get-declaration', { declarationId: id, itemNo: item }))[0];
    return r ? declarationFromProps(String(r.id), r.props as Row) : null;
  }

  async getDeclarations(ids: readonly string[]): Promise<StoredDeclaration[]> {
    if (ids.length === 0) return [];
    return (await this.s.read('get-declarations', { ids: [...ids] })).map((r) => ({
      ...declarationFromProps(String(r.id), r.props as Row),
      parties: (r.parties as Array<{ rel: string; id: string } | null>).filter((p): p is { rel: string; id: string } => p !== null)
        .map((p) => ({ rel: p.rel as DeclarationRel, entityId: String(p.id) })),
    }));
  }

  async linkFigures(a: string, b: string): Promise<LinkFigures> {
    const rows = await this.s.read('link-figures', { a, b });
    return linkFiguresOf(rows.map((r) => ({ currency: String(r.currency), n: Number(r.n), first: String(r.first), last: String(r.last), total: Number(r.total) })));
  }

  async linkDeclarations(a: string, b: string, opts: { limit: number; after?: string }): Promise<Array<Declaration & { id: string }>> {
    const rows = await this.s.read('link-declarations', { a, b, after: opts.after ?? null, limit: neo4j.int(opts.limit) });
    return rows.map((r) => declarationFromProps(String(r.id), r.props as Row));
  }

  async entityDeclarations(entityId: string, opts: { limit: number; after?: string }): Promise<Array<Declaration & { id: string }>> {
    const rows = await this.s.read('entity-declarations', { id: entityId, after: opts.after ?? null, limit: neo4j.int(opts.limit) });
    return rows.map((r) => declarationFromProps(String(r.id), r.props as Row));
  }

  async countEntityDeclarations(entityId: string): Promise<number> {
    return Number((await this.s.read('count-entity-declarations', { id: entityId }))[0]?.n ?? 0);
  }

  async countByName(text: string, opts: { kinds?: EntityKind[] }): Promise<number> {
    return Number((await this.s.read('count-by-name', { text: searchName(text), kinds: opts.kinds?.length ? opts.kinds : null }))[0]?.n ?? 0);
  }

  async searchByName(text: string, opts: { kinds?: EntityKind[]; limit: number; after?: string }): Promise<Entity[]> {
    return (await this.s.read('search-by-name', {
      text: searchName(text), kinds: opts.kinds?.length ? opts.kinds : null, after: opts.after ?? '', limit: neo4j.int(opts.limit),
    })) as unknown as Entity[];
  }

  async linksOf(nodes: readonly Entity[], limit: number): Promise<NodeLink[][]> {
    const byNode = new Map<string, NodeLink[]>(nodes.map((n) => [n.id, []]));
    for (const r of await this.s.read('neighbours', { ids: nodes.map((n) => n.id), limit: neo4j.int(limit) })) {
      byNode.get(String(r.node))?.push({
        edge: { source: String(r.source), target: String(r.target), type: r.type as RelType },
        other: { id: String(r.otherId), kind: r.otherKind as EntityKind, key: String(r.otherKey), name: String(r.otherName) },
      });
    }
    return nodes.map((n) => byNode.get(n.id) ?? []);
  }

  neighbourhood(ids: readonly string[], opts: NeighbourhoodOptions): Promise<Subgraph> {
    return neighbourhood(this, ids, opts);
  }

  async watchlistHits(): Promise<Array<{ entity: Entity; entry: WatchlistEntry }>> {
    return (await this.s.read('watchlist-hits')).map((r) => ({
      entity: { id: String(r.id), kind: r.kind as EntityKind, key: String(r.key), name: String(r.name) },
      entry: { kind: r.kind as EntityKind, key: String(r.key), reason: String(r.reason), source: String(r.source), severity: Number(r.severity), listedAt: String(r.listedAt) },
    }));
  }

  async watchlistEntries(): Promise<WatchlistEntry[]> {
    return (await this.s.read('watchlist-entries')).map((r) => ({
      kind: r.kind as EntityKind, key: String(r.key), reason: String(r.reason), source: String(r.source), severity: Number(r.severity), listedAt: String(r.listedAt),
    }));
  }

  async counts(): Promise<StoreCounts> {
    const entities: StoreCounts['entities'] = {};
    // Kinds and types with none are left out, as SQLite's grouped counts leave them out.
    for (const r of await this.s.read('count-entities')) if (Number(r.n) > 0) entities[r.kind as EntityKind] = Number(r.n);
    const relationships: StoreCounts['relationships'] = {};
    for (const r of await this.s.read('count-relationships')) if (Number(r.n) > 0) relationships[r.type as RelType] = Number(r.n);
    const declarations = Number((await this.s.read('count-declarations'))[0]?.n ?? 0);
    if (declarations) entities.Declaration = declarations;
    return { entities, relationships, declarations, watchlist: Number((await this.s.read('count-watchlist'))[0]?.n ?? 0) };
  }
}
