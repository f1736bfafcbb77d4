/** Reads of the embedded store for people: entities, declarations, name search, links, watchlist hits, counts. */
import type Database from 'better-sqlite3';
import type { Declaration } from '../../domain/declaration';
import { splitDeclarationKey } from '../../domain/declaration-key';
import { searchName } from '../../domain/normalize';
import { DECLARATION_RELS, type EntityKind, type RelType } from '../../domain/entities';
import {
  linkFiguresOf, type Edge, type Entity, type GraphReader, type LinkFigures, type NeighbourhoodOptions, type NodeLink, type StoreCounts,
  type StoredDeclaration, type Subgraph,
} from '../graph-reader';
import type { WatchlistEntry } from '../graph-writer';
import type { EntityRef } from '../../domain/graph-facts';
import { neighbourhood } from '../neighbourhood';
import {
  declarationCursor, declarationEntity, declarationFromRow, declarationNodeId, DECL_RELS, isDeclarationNode, REL_COLUMN, rowIdCursor, toEntity, type EntityRow,
} from './rows';

/** Row ids of the declarations naming the entity in parameter `param`, in any role, each role by its indexed column. */
function namingSql(param: string): string {
  return DECL_RELS.map((rel) => `SELECT id FROM declarations WHERE ${REL_COLUMN[rel]} = @${param}`).join(' UNION ');
}
export class SqliteGraphReader implements GraphReader {
  /** In-process reads are cheap: the neighbourhood search re-reads its budget after every node. */
  readonly linkBatch = 1;

  constructor(private readonly db: Database.Database) {}

  async getEntities(ids: readonly string[]): Promise<Entity[]> {
    const out: Entity[] = [];
    const entityIds: number[] = [];
    const declIds: number[] = [];
    for (const id of ids) {
      if (isDeclarationNode(id)) declIds.push(Number(id.slice(1)));
      else entityIds.push(Number(id));
    }
    const byEntity = this.db.prepare('SELECT id, kind, key, name FROM entities WHERE id IN (SELECT value FROM json_each(?))');
    const byDecl = this.db.prepare(`SELECT id, declaration_id, item_no FROM declarations
      WHERE id IN (SELECT value FROM json_each(?))`);
    for (let i = 0; i < entityIds.length; i += 500) {
      for (const r of byEntity.all(JSON.stringify(entityIds.slice(i, i + 500))) as EntityRow[]) out.push(toEntity(r));
    }
    for (let i = 0; i < declIds.length; i += 500) {
      const rows = byDecl.all(JSON.stringify(declIds.slice(i, i + 500))) as Array<{ id: number; declaration_id: string; item_no: number }>;
      for (const r of rows) out.push(declarationEntity(r));
    }
    return out;
  }

  async findEntity(ref: EntityRef): Promise<Entity | null> {
    if (ref.kind === 'Declaration') {
      const [declarationId, item] = splitDeclarationKey(ref.key);
      const r = this.db.prepare('SELECT id, declaration_id, item_no FROM declarations WHERE declaration_id = ? AND item_no = ?')
        .get(declarationId, item) as { id: number; declaration_id: string; item_no: number } | undefined;
      return r ? declarationEntity(r) : null;
    }
    const r = this.db.prepare('SELECT id, kind, key, name FROM entities WHERE kind = ? AND key = ?').get(ref.kind, ref.key) as
      | EntityRow
      | undefined;
    return r ? toEntity(r) : null;
  }

  async getDeclaration(key: string): Promise<(Declaration & { id: string }) | null> {
    const [declarationId, item] = splitDeclarationKey(key);
    const row = this.db.prepare('SELECT * FROM declarations WHERE declaration_id = ? AND item_no = ?').get(declarationId, item) as
      | Record<string, unknown>
      | undefined;
    return row ? declarationFromRow(row) : null;
  }

  async entityDeclarations(entityId: string, opts: { limit: number; after?: string }): Promise<Array<Declaration & { id: string }>> {
    if (isDeclarationNode(entityId)) return [];
    const after = opts.after === undefined ? Number.MAX_SAFE_INTEGER : declarationCursor(opts.after);
    const parts = DECL_RELS.map((rel) => `SELECT * FROM declarations WHERE ${REL_COLUMN[rel]} = @id AND id < @after`);
    const rows = this.db.prepare(`SELECT * FROM (${parts.join(' UNION ')}) ORDER BY id DESC LIMIT @limit`)
      .all({ id: Number(entityId), after, limit: opts.limit }) as Array<Record<string, unknown>>;
    return rows.map(declarationFromRow);
  }

  async countEntityDeclarations(entityId: string): Promise<number> {
    if (isDeclarationNode(entityId)) return 0;
    return (this.db.prepare(`SELECT COUNT(*) AS n FROM (${namingSql('id')})`).get({ id: Number(entityId) }) as { n: number }).n;
  }

  async getDeclarations(ids: readonly string[]): Promise<StoredDeclaration[]> {
    const rowIds = ids.filter(isDeclarationNode).map((id) => Number(id.slice(1))).filter(Number.isSafeInteger);
    const stmt = this.db.prepare('SELECT * FROM declarations WHERE id IN (SELECT value FROM json_each(?))');
    const out: StoredDeclaration[] = [];
    for (let i = 0; i < rowIds.length; i += 500) {
      for (const row of stmt.all(JSON.stringify(rowIds.slice(i, i + 500))) as Array<Record<string, unknown>>) {
        const parties = DECL_RELS.filter((rel) => row[REL_COLUMN[rel]] !== null).map((rel) => ({ rel, entityId: String(row[REL_COLUMN[rel]]) }));
        out.push({ ...declarationFromRow(row), parties });
      }
    }
    return out;
  }

  /** Row ids of the declarations naming both entities: each side's by its indexed columns, intersected. */
  private bothSql(): string {
    return `SELECT id FROM (${namingSql('a')}) INTERSECT SELECT id FROM (${namingSql('b')})`;
  }

  async linkFigures(a: string, b: string): Promise<LinkFigures> {
    if (isDeclarationNode(a) || isDeclarationNode(b)) return { declarations: 0, value: [] };
    const rows = this.db.prepare(`SELECT currency, COUNT(*) AS n, MIN(lodged_at) AS first, MAX(lodged_at) AS last, SUM(declared_value) AS total
      FROM declarations WHERE id IN (${this.bothSql()}) GROUP BY currency ORDER BY currency`).all({ a: Number(a), b: Number(b) }) as
      Array<{ currency: string; n: number; first: string; last: string; total: number }>;
    return linkFiguresOf(rows);
  }

  async linkDeclarations(a: string, b: string, opts: { limit: number; after?: string }): Promise<Array<Declaration & { id: string }>> {
    if (isDeclarationNode(a) || isDeclarationNode(b)) return [];
    const after = opts.after === undefined ? Number.MAX_SAFE_INTEGER : declarationCursor(opts.after);
    const rows = this.db.prepare(`SELECT * FROM declarations WHERE id IN (${this.bothSql()}) AND id < @after ORDER BY id DESC LIMIT @limit`)
      .all({ a: Number(a), b: Number(b), after, limit: opts.limit }) as Array<Record<string, unknown>>;
    return rows.map(declarationFromRow);
  }

  async searchByName(text: string, opts: { kinds?: EntityKind[]; limit: number; after?: string }): Promise<Entity[]> {
    const where = this.nameWhere(text, opts.kinds);
    if (!where) return [];
    const rows = this.db.prepare(`SELECT id, kind, key, name FROM entities WHERE ${where.sql} AND id > @after ORDER BY id LIMIT @limit`)
      .all({ ...where.params, after: opts.after === undefined ? 0 : rowIdCursor(opts.after), limit: opts.limit }) as EntityRow[];
    return rows.map(toEntity);
  }

  async countByName(text: string, opts: { kinds?: EntityKind[] }): Promise<number> {
    const where = this.nameWhere(text, opts.kinds);
    return where ? (this.db.prepare(`SELECT COUNT(*) AS n FROM entities WHERE ${where.sql}`).get(where.params) as { n: number }).n : 0;
  }

  /** The name search's condition: the folded text anywhere in the search name, of some kinds. */
  private nameWhere(text: string, kinds?: EntityKind[]): { sql: string; params: Record<string, string> } | undefined {
    const only = (kinds?.length ? kinds : null)?.filter((k) => k !== 'Declaration');
    const folded = searchName(text);
    if (!folded) return undefined;
    return {
      sql: `search_name LIKE @pattern ESCAPE '\\' ${only ? 'AND kind IN (SELECT value FROM json_each(@kinds))' : ''}`,
      params: { pattern: `%${folded.replace(/[\\%_]/g, (c) => `\\${c}`)}%`, ...(only ? { kinds: JSON.stringify(only) } : {}) },
    };
  }

  async linksOf(nodes: readonly Entity[], limit: number): Promise<NodeLink[][]> {
    const out: NodeLink[][] = [];
    for (const node of nodes) {
      const edges = this.edgesOf(node, limit);
      const others = new Map((await this.getEntities([...new Set(edges.map((e) => (e.source === node.id ? e.target : e.source)))])).map((e) => [e.id, e]));
      const links: NodeLink[] = [];
      for (const edge of edges) {
        const other = others.get(edge.source === node.id ? edge.target : edge.source);
        if (other) links.push({ edge, other });
      }
      out.push(links);
    }
    return out;
  }

  /** Edges touching one node: stored edges both ways, and the declaration columns. */
  private edgesOf(node: Entity, limit: number): Edge[] {
    const out: Edge[] = [];
    if (node.kind === 'Declaration') {
      const rowid = Number(node.id.slice(1));
      const row = this.db.prepare(`SELECT ${DECL_RELS.map((r) => REL_COLUMN[r]).join(', ')} FROM declarations WHERE id = ?`)
        .get(rowid) as Record<string, number | null> | undefined;
      if (row) {
        for (const rel of DECL_RELS) {
          const dst = row[REL_COLUMN[rel]];
          if (dst !== null && dst !== undefined) out.push({ source: node.id, target: String(dst), type: rel });
        }
      }
      for (const c of this.db.prepare('SELECT container FROM declaration_containers WHERE declaration = ? LIMIT ?').pluck().all(rowid, limit) as number[]) {
        out.push({ source: node.id, target: String(c), type: 'IN_CONTAINER' });
      }
      return out;
    }
    const id = Number(node.id);
    for (const r of this.db.prepare('SELECT type, dst FROM edges WHERE src = ? LIMIT ?').all(id, limit) as Array<{ type: RelType; dst: number }>) {
      out.push({ source: node.id, target: String(r.dst), type: r.type });
    }
    for (const r of this.db.prepare('SELECT type, src FROM edges WHERE dst = ? LIMIT ?').all(id, limit) as Array<{ type: RelType; src: number }>) {
      out.push({ source: String(r.src), target: node.id, type: r.type });
    }
    if (node.kind === 'Container') {
      for (const d of this.db.prepare('SELECT declaration FROM declaration_containers WHERE container = ? LIMIT ?').pluck().all(id, limit) as number[]) {
        out.push({ source: declarationNodeId(d), target: node.id, type: 'IN_CONTAINER' });
      }
    }
    for (const rel of DECL_RELS) {
      if (DECLARATION_RELS[rel] !== node.kind) continue;
      const col = REL_COLUMN[rel];
      const rows = this.db.prepare(`SELECT id FROM declarations WHERE ${col} = ? ORDER BY id DESC LIMIT ?`).pluck()
        .all(id, limit) as number[];
      for (const d of rows) out.push({ source: declarationNodeId(d), target: node.id, type: rel });
    }
    return out;
  }

  neighbourhood(ids: readonly string[], opts: NeighbourhoodOptions): Promise<Subgraph> {
    return neighbourhood(this, ids, opts);
  }

  async watchlistHits(): Promise<Array<{ entity: Entity; entry: WatchlistEntry }>> {
    const rows = this.db.prepare(`SELECT e.id, e.kind, e.key, e.name, w.reason, w.source, w.severity, w.listed_at
      FROM watchlist w JOIN entities e ON e.kind = w.kind AND e.key = w.key ORDER BY e.id`).all() as Array<
      EntityRow & { reason: string; source: string; severity: number; listed_at: string }
    >;
    return rows.map((r) => ({
      entity: toEntity(r),
      entry: { kind: r.kind, key: r.key, reason: r.reason, source: r.source, severity: r.severity, listedAt: r.listed_at },
    }));
  }

  async watchlistEntries(): Promise<WatchlistEntry[]> {
    return (this.db.prepare('SELECT kind, key, reason, source, severity, listed_at AS listedAt FROM watchlist').all() as WatchlistEntry[]);
  }

  async counts(): Promise<StoreCounts> {
    return this.countsSync();
  }

  countsSync(): StoreCounts {
    const entities: StoreCounts['entities'] = {};
    for (const r of this.db.prepare('SELECT kind, COUNT(*) AS n FROM entities GROUP BY kind').all() as Array<{ kind: EntityKind; n: number }>) {
      entities[r.kind] = r.n;
    }
    const relationships: StoreCounts['relationships'] = {};
    for (const r of this.db.prepare('SELECT type, COUNT(*) AS n FROM edges GROUP BY type').all() as Array<{ type: RelType; n: number }>) {
      relationships[r.type] = r.n;
    }
    const sums = DECL_RELS.map((rel) => `COUNT(${REL_COLUMN[rel]}) AS ${rel}`).join(', ');
    const d = this.db.prepare(`SELECT COUNT(*) AS n, ${sums} FROM declarations`).get() as Record<string, number>;
    for (const rel of DECL_RELS) if (d[rel]) relationships[rel] = d[rel];
    const containers = (this.db.prepare('SELECT COUNT(*) AS n FROM declaration_containers').get() as { n: number }).n;
    if (containers) relationships.IN_CONTAINER = containers;
    if (d.n) entities.Declaration = d.n;
    const watchlist = (this.db.prepare('SELECT COUNT(*) AS n FROM watchlist').get() as { n: number }).n;
    return { entities, relationships, declarations: d.n ?? 0, watchlist };
  }
}
