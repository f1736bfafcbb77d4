/** The embedded GraphStore: one SQLite file through better-sqlite3 (WAL, batched transactions). */
import Database from 'better-sqlite3';
import type { Declaration } from '../../domain/declaration';
import { DECLARATION_FIELDS } from '../../domain/fields';
import { DECLARATION_RELS, type DeclarationRel, type EntityKind, type RelType } from '../../domain/entities';
import type {
  AnalysisRun, AuditRecord, CategoryRisk, OutcomeUpdate, CommunityRecord, DeclarationFact, DeclarationFacts, Edge, Entity, EntityLink, EntityRef, EntityScore,
  EntityStats, GraphBatch, GraphStore, NeighbourhoodOptions, RunResults, StoreCounts, Subgraph, WatchlistEntry,
} from '../graph-store';
import type { Outcome } from '../../domain/fields';
import { runsToPrune } from '../run-retention';
import { declarationLinks } from './declaration-links';
import { MIGRATIONS, DEFERRED_INDEXES } from './migrations';
import { GenerationalMap } from '../../util/generational-map';
import { detach } from '../../util/strings';

/** Column of `declarations` holding the entity each declaration relationship points to. */
export const REL_COLUMN: Record<DeclarationRel, string> = {
  FILED_BY: 'trader_ref', CONSIGNED_TO: 'consignee_ref', SUPPLIED_BY: 'supplier_ref', DECLARED_BY: 'broker_ref',
  CARRIED_BY: 'carrier_ref', ROUTED_VIA: 'route_ref', ON_VESSEL: 'vessel_ref',
};
const DECL_RELS = Object.keys(REL_COLUMN) as DeclarationRel[];
/** Counterparts whose links to the trader make up the entity graph (vessels are transport, not parties). */
const GRAPH_RELS: DeclarationRel[] = ['CONSIGNED_TO', 'SUPPLIED_BY', 'DECLARED_BY', 'CARRIED_BY', 'ROUTED_VIA'];
const IDENTIFIER_LINK_TYPES = ['AT_ADDRESS', 'HAS_PHONE', 'HAS_EMAIL', 'HAS_ACCOUNT'] as const;
/** Contract fields kept as columns of `declarations`; the rest is the `declared` JSON. */
const COLUMN_FIELDS = [
  'lodged_at', 'office', 'regime', 'transport_mode', 'origin_country', 'transit_ports', 'hs_code', 'goods_origin_country',
  'quantity', 'gross_weight_kg', 'declared_value', 'currency', 'outcome', 'fraud_type', 'recovered_amount',
] as const;
/**
 * Order of the values in the `declared` JSON array (positional, to keep rows small). Stored data
 * depends on it: only ever append to it.
 */
const DECLARED_FIELDS: string[] = DECLARATION_FIELDS.filter(
  (f) => f !== 'declaration_id' && f !== 'item_no' && !(COLUMN_FIELDS as readonly string[]).includes(f),
);

/** Declarations live in their own table; their node ids carry a `d` prefix to stay apart from entity ids. */
export const declarationNodeId = (rowid: number | bigint) => `d${rowid}`;
const NO_PORTS: string[] = Object.freeze([]) as unknown as string[];
const isDeclarationNode = (id: string) => id.charCodeAt(0) === 100; /* d */

interface EntityRow { id: number; kind: EntityKind; key: string; name: string }

export interface SqliteStoreOptions {
  /** (kind, key) → id pairs kept in memory while writing: per kind, between this many and twice as many. */
  cacheSize?: number;
  readonly?: boolean;
  /** Loads of at least this many rows defer secondary indexes (and at least half the rows already stored). */
  bulkThreshold?: number;
}

/**
 * Switches a new store to WAL. The switch needs the file to itself and SQLite does not wait for
 * that (busy_timeout does not apply), so processes opening a new store at once retry for a while.
 */
function useWal(db: Database.Database): void {
  const until = Date.now() + 10_000;
  for (;;) {
    try {
      db.pragma('journal_mode = WAL');
      return;
    } catch (err) {
      if ((err as { code?: string }).code !== 'SQLITE_BUSY' || Date.now() > until) throw err;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
    }
  }
}

export class SqliteGraphStore implements GraphStore {
  readonly db: Database.Database;
  private readonly cacheSize: number;
  private readonly bulkThreshold: number;
  /** Per kind: key → entity id. Keys are the resolver's memoized strings, so lookups do not rehash. */
  private idCache = new Map<EntityKind, GenerationalMap<string, number>>();
  private readonly linkCache: GenerationalMap<string, true>;
  private stmts?: ReturnType<SqliteGraphStore['prepareWrites']>;

  constructor(readonly path: string, opts: SqliteStoreOptions = {}) {
    this.db = new Database(path, { readonly: opts.readonly ?? false });
    this.cacheSize = opts.cacheSize ?? 8_000;
    this.bulkThreshold = opts.bulkThreshold ?? 50_000;
    this.linkCache = new GenerationalMap(this.cacheSize);
    this.db.pragma('busy_timeout = 10000');
    if (!opts.readonly) {
      useWal(this.db);
      this.db.pragma('synchronous = NORMAL');
    }
    this.db.pragma('cache_size = -32768'); // 32 MiB page cache
  }

  async migrate(): Promise<void> {
    this.migrateSync();
  }

  migrateSync(): void {
    this.db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`);
    const applied = new Set(
      (this.db.prepare('SELECT version FROM schema_migrations').all() as Array<{ version: number }>).map((r) => r.version),
    );
    const isApplied = this.db.prepare('SELECT 1 FROM schema_migrations WHERE version = ?').pluck();
    for (const m of MIGRATIONS) {
      if (applied.has(m.version)) continue;
      this.db.transaction(() => {
        // Another process (a second worker on the same new store) may have applied it meanwhile.
        if (isApplied.get(m.version)) return;
        this.db.exec(m.sql);
        this.db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)')
          .run(m.version, m.name, new Date().toISOString());
      }).immediate();
    }
    this.ensureIndexes();
  }

  /** Builds any secondary index that is missing (after a bulk load, or one that was killed). */
  ensureIndexes(): void {
    for (const idx of DEFERRED_INDEXES) this.db.exec(idx.sql);
  }

  schemaVersion(): number {
    const row = this.db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as { v: number | null };
    return row.v ?? 0;
  }

  async bulk<T>(expectedRows: number, work: () => Promise<T>): Promise<T> {
    const stored = (this.db.prepare('SELECT COUNT(*) AS n FROM declarations').get() as { n: number }).n;
    if (expectedRows < this.bulkThreshold || expectedRows < stored / 2) return work();
    for (const idx of DEFERRED_INDEXES) this.db.exec(`DROP INDEX IF EXISTS ${idx.name}`);
    try {
      return await this.spacedCheckpoints(work);
    } finally {
      this.ensureIndexes();
    }
  }

  /**
   * Fewer, larger checkpoints during a large write (each one copies the WAL into the file and
   * syncs), or, with `pages` 0, none until the write ends and then one that waits for nobody
   * (a run's write-back: its rows are invisible until the run is made current anyway).
   */
  private async spacedCheckpoints<T>(work: () => T | Promise<T>, pages = 20_000): Promise<T> {
    this.db.pragma(`wal_autocheckpoint = ${pages}`);
    try {
      return await work();
    } finally {
      this.db.pragma('wal_autocheckpoint = 1000');
      if (pages === 0) this.db.pragma('wal_checkpoint(PASSIVE)');
    }
  }

  private prepareWrites() {
    const db = this.db;
    const cols = ['declaration_id', 'item_no', ...COLUMN_FIELDS, ...DECL_RELS.map((r) => REL_COLUMN[r]),
      'declared', 'attrs', 'source_file', 'source_line'];
    const updates = cols.slice(2).map((c) => `${c} = ?`).join(', ');
    return {
      cols,
      insertEntity: db.prepare('INSERT OR IGNORE INTO entities (kind, key, name) VALUES (?, ?, ?)'),
      selectEntity: db.prepare('SELECT id FROM entities WHERE kind = ? AND key = ?').pluck(),
      insertEdge: db.prepare('INSERT OR IGNORE INTO edges (src, type, dst) VALUES (?, ?, ?)'),
      insertDeclaration: db.prepare(`INSERT OR IGNORE INTO declarations (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`),
      updateDeclaration: db.prepare(`UPDATE declarations SET ${updates}
        WHERE declaration_id = ? AND item_no = ? RETURNING id`).pluck(),
      insertSourceFile: db.prepare('INSERT OR IGNORE INTO source_files (name) VALUES (?)'),
      selectSourceFile: db.prepare('SELECT id FROM source_files WHERE name = ?').pluck(),
      clearContainers: db.prepare('DELETE FROM declaration_containers WHERE declaration = ?'),
      insertContainer: db.prepare('INSERT OR IGNORE INTO declaration_containers (declaration, container) VALUES (?, ?)'),
      upsertWatch: db.prepare(`INSERT INTO watchlist (kind, key, reason, source, severity, listed_at) VALUES (?,?,?,?,?,?)
        ON CONFLICT (kind, key) DO UPDATE SET reason = excluded.reason, source = excluded.source,
        severity = excluded.severity, listed_at = excluded.listed_at`),
    };
  }

  private get writes() {
    this.stmts ??= this.prepareWrites();
    return this.stmts;
  }

  /** Id of an entity, created on first sight (its name is the one first declared). */
  private entityId(kind: EntityKind, key: string, name: string): number {
    let byKey = this.idCache.get(kind);
    if (!byKey) {
      // Per kind, so that the one-off keys of one kind (containers) do not push out the others.
      byKey = new GenerationalMap(this.cacheSize);
      this.idCache.set(kind, byKey);
    }
    const cached = byKey.get(key);
    if (cached !== undefined) return cached;
    const ins = this.writes.insertEntity.run(kind, key, name);
    const id = ins.changes === 1 ? Number(ins.lastInsertRowid) : (this.writes.selectEntity.get(kind, key) as number);
    byKey.set(detach(key), id);
    return id;
  }

  /** Id of an entity that must exist: from the batch being written, the cache, or the store. */
  private refId(ref: EntityRef, batchIds: ReadonlyMap<EntityRef, number>): number {
    const inBatch = batchIds.get(ref);
    if (inBatch !== undefined) return inBatch;
    const cached = this.idCache.get(ref.kind)?.get(ref.key);
    if (cached !== undefined) return cached;
    const id = this.writes.selectEntity.get(ref.kind, ref.key) as number | undefined;
    if (id === undefined) throw new Error(`entity ${ref.kind} ${ref.key} is referenced before it is written`);
    return id;
  }

  private sourceFiles = new Map<string, number>();
  private sourceFileId(name: string): number {
    let id = this.sourceFiles.get(name);
    if (id === undefined) {
      this.writes.insertSourceFile.run(name);
      id = this.writes.selectSourceFile.get(name) as number;
      this.sourceFiles.set(name, id);
    }
    return id;
  }

  private edge(src: number, type: string, dst: number): void {
    const k = `${src}:${type}:${dst}`;
    if (this.linkCache.get(k)) return;
    this.writes.insertEdge.run(src, type, dst);
    this.linkCache.set(k, true);
  }

  async writeBatch(batch: GraphBatch): Promise<void> {
    this.writeBatchSync(batch);
  }

  /** One transaction per batch: a killed process leaves whole batches or none of a batch. */
  writeBatchSync(batch: GraphBatch): void {
    const tx = this.db.transaction(() => {
      // The batch's entities by object: links and declarations name the same objects, so their
      // ids are found without the key lookups (or, past the cache, the SELECTs) of refId by key.
      const ids = new Map<EntityRef, number>();
      for (const e of batch.entities) ids.set(e, this.entityId(e.kind, e.key, e.name));
      for (const l of batch.links) this.edge(this.refId(l.from, ids), l.type, this.refId(l.to, ids));
      for (const d of batch.declarations) this.writeDeclaration(d, ids);
    });
    try {
      tx.immediate();
    } catch (err) {
      // The caches may hold ids of rows that were rolled back.
      this.sourceFiles = new Map();
      this.idCache = new Map();
      this.linkCache.clear();
      throw err;
    }
  }

  private writeDeclaration(fact: DeclarationFact, ids: ReadonlyMap<EntityRef, number>): void {
    const d = fact.declaration;
    const w = this.writes;
    const params: unknown[] = new Array(w.cols.length);
    let i = 0;
    params[i++] = d.declaration_id;
    params[i++] = d.item_no;
    for (const f of COLUMN_FIELDS) {
      const v = d[f];
      params[i++] = v === undefined ? null : f === 'transit_ports' ? (d.transit_ports.length ? d.transit_ports.join(';') : null) : v;
    }
    for (const rel of DECL_RELS) {
      const r = fact.parties[rel];
      params[i++] = r ? this.refId(r, ids) : null;
    }
    const declared = new Array<unknown>(DECLARED_FIELDS.length);
    for (let k = 0; k < DECLARED_FIELDS.length; k++) declared[k] = d[DECLARED_FIELDS[k] as keyof Declaration] ?? null;
    params[i++] = JSON.stringify(declared);
    params[i++] = d.attrs ? JSON.stringify(d.attrs) : null;
    params[i++] = fact.source ? this.sourceFileId(fact.source.file) : null;
    params[i++] = fact.source?.line ?? null;
    const ins = w.insertDeclaration.run(params);
    let id: number;
    if (ins.changes === 1) {
      id = Number(ins.lastInsertRowid);
    } else {
      // Loaded before: take the new values, and keep only the containers it now names.
      id = w.updateDeclaration.get([...params.slice(2), params[0], params[1]]) as number;
      w.clearContainers.run(id);
    }
    for (const c of fact.containers) w.insertContainer.run(id, this.refId(c, ids));
  }

  async upsertWatchlist(entries: WatchlistEntry[]): Promise<void> {
    this.db.transaction(() => {
      for (const e of entries) this.writes.upsertWatch.run(e.kind, e.key, e.reason, e.source, e.severity, e.listedAt);
    }).immediate();
  }

  async updateOutcomes(rows: OutcomeUpdate[]): Promise<{ updated: number; missing: string[] }> {
    const stmt = this.db.prepare('UPDATE declarations SET outcome = ?, fraud_type = ?, recovered_amount = ? WHERE declaration_id = ? AND item_no = ?');
    const missing: string[] = [];
    let updated = 0;
    this.db.transaction(() => {
      for (const r of rows) {
        const [id, item] = splitDeclarationKey(r.key);
        const n = stmt.run(r.outcome, r.fraudType ?? null, r.recoveredAmount ?? null, id, item).changes;
        if (n) updated += n;
        else missing.push(r.key);
      }
    }).immediate();
    return { updated, missing };
  }

  async removeWatchlist(ref: EntityRef): Promise<boolean> {
    return this.db.prepare('DELETE FROM watchlist WHERE kind = ? AND key = ?').run(ref.kind, ref.key).changes > 0;
  }

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
    const after = opts.after ? Number(opts.after.slice(1)) : Number.MAX_SAFE_INTEGER;
    const parts = DECL_RELS.map((rel) => `SELECT * FROM declarations WHERE ${REL_COLUMN[rel]} = @id AND id < @after`);
    const rows = this.db.prepare(`SELECT * FROM (${parts.join(' UNION ')}) ORDER BY id DESC LIMIT @limit`)
      .all({ id: Number(entityId), after, limit: opts.limit }) as Array<Record<string, unknown>>;
    return rows.map(declarationFromRow);
  }

  async searchByName(text: string, opts: { kinds?: EntityKind[]; limit: number; after?: string }): Promise<Entity[]> {
    const kinds = (opts.kinds?.length ? opts.kinds : null)?.filter((k) => k !== 'Declaration');
    const rows = this.db.prepare(`SELECT id, kind, key, name FROM entities
      WHERE name LIKE @pattern ESCAPE '\\' AND id > @after ${kinds ? 'AND kind IN (SELECT value FROM json_each(@kinds))' : ''}
      ORDER BY id LIMIT @limit`).all({
      pattern: `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`, after: Number(opts.after ?? 0), limit: opts.limit,
      ...(kinds ? { kinds: JSON.stringify(kinds) } : {}),
    }) as EntityRow[];
    return rows.map(toEntity);
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

  async neighbourhood(ids: readonly string[], opts: NeighbourhoodOptions): Promise<Subgraph> {
    const nodes = new Map<string, Entity>();
    const edges = new Map<string, Edge>();
    let truncated = false;
    const start = await this.getEntities(ids);
    for (const e of start) nodes.set(e.id, e);
    let frontier = start;
    const kindFilter = opts.kinds?.length ? new Set<EntityKind>(opts.kinds) : undefined;
    for (let hop = 0; hop < opts.hops && frontier.length > 0 && !truncated; hop++) {
      const next: Entity[] = [];
      for (const node of frontier) {
        const found = this.edgesOf(node, opts.limit - nodes.size + 1);
        const unknown = new Set<string>();
        for (const e of found) {
          const other = e.source === node.id ? e.target : e.source;
          if (!nodes.has(other)) unknown.add(other);
        }
        const others = new Map((await this.getEntities([...unknown])).map((e) => [e.id, e]));
        for (const e of found) {
          const otherId = e.source === node.id ? e.target : e.source;
          const known = nodes.get(otherId);
          const other = known ?? others.get(otherId);
          if (!other || (!known && kindFilter && !kindFilter.has(other.kind))) continue;
          if (!known) {
            if (nodes.size >= opts.limit) {
              truncated = true;
              continue;
            }
            nodes.set(other.id, other);
            next.push(other);
          }
          edges.set(`${e.source}|${e.type}|${e.target}`, e);
        }
        if (truncated) break;
      }
      frontier = next;
    }
    return { nodes: [...nodes.values()], edges: [...edges.values()], truncated };
  }

  /**
   * Rows of a query on a dedicated read connection, so a long stream never blocks writers or
   * readers. Rows are read as arrays (half the cost of row objects) and mapped by `map`.
   */
  private async *streamQuery<T>(sql: string, batchSize: number, map: (row: unknown[]) => T): AsyncIterable<T[]> {
    const reader = new Database(this.path, { readonly: true });
    try {
      let batch: T[] = [];
      for (const row of reader.prepare(sql).raw(true).iterate() as IterableIterator<unknown[]>) {
        batch.push(map(row));
        if (batch.length >= batchSize) {
          yield batch;
          batch = [];
        }
      }
      if (batch.length) yield batch;
    } finally {
      reader.close();
    }
  }

  async *streamEntityGraph(batchSize = 10_000): AsyncIterable<EntityLink[]> {
    const reader = new Database(this.path, { readonly: true });
    try {
      yield* declarationLinks(reader, GRAPH_RELS, REL_COLUMN, batchSize);
    } finally {
      reader.close();
    }
    // Identifier links only where the identifier is shared: one used by a single entity tells nothing.
    const idTypes = IDENTIFIER_LINK_TYPES.map((t) => `'${t}'`).join(',');
    const shared = `SELECT e.src AS s, se.kind AS sk, e.dst AS t, te.kind AS tk, e.type AS type FROM edges e
      JOIN (SELECT dst, type FROM edges WHERE type IN (${idTypes}) GROUP BY dst, type HAVING COUNT(*) > 1) s
        ON s.dst = e.dst AND s.type = e.type
      JOIN entities se ON se.id = e.src JOIN entities te ON te.id = e.dst
      UNION ALL
      SELECT e.src, 'Person', e.dst, 'Trader', e.type FROM edges e
      JOIN (SELECT src FROM edges WHERE type = 'DIRECTS' GROUP BY src HAVING COUNT(*) > 1) p ON p.src = e.src
      WHERE e.type = 'DIRECTS'`;
    yield* this.streamQuery<EntityLink>(shared, batchSize, (r) => ({
      source: String(r[0]), sourceKind: r[1] as EntityKind, target: String(r[2]), targetKind: r[3] as EntityKind, type: r[4] as RelType, count: 1, value: 0,
    }));
  }

  async *streamEntityStats(batchSize = 10_000): AsyncIterable<EntityStats[]> {
    const parts = GRAPH_RELS.concat(['FILED_BY']).map((rel) => `SELECT ${REL_COLUMN[rel]} AS id, declared_value, outcome, lodged_at
      FROM declarations WHERE ${REL_COLUMN[rel]} IS NOT NULL`);
    const sql = `SELECT x.id AS id, e.kind AS kind, COUNT(*) AS n, SUM(x.declared_value) AS v,
        SUM(x.outcome = 'seizure') AS seizures, SUM(x.outcome = 'discrepancy') AS discrepancies,
        MIN(x.lodged_at) AS first, MAX(x.lodged_at) AS last
      FROM (${parts.join(' UNION ALL ')}) x JOIN entities e ON e.id = x.id GROUP BY x.id`;
    yield* this.streamQuery<EntityStats>(sql, batchSize, (r) => ({
      id: String(r[0]), kind: r[1] as EntityKind, declarations: r[2] as number, value: r[3] as number, seizures: r[4] as number,
      discrepancies: r[5] as number, firstLodged: r[6] as string, lastLodged: r[7] as string,
    }));
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

  // ---- analysis ----

  async *streamDeclarationFacts(batchSize = 10_000): AsyncIterable<DeclarationFacts[]> {
    const sql = `SELECT id, lodged_at, trader_ref, consignee_ref, supplier_ref, broker_ref, carrier_ref, route_ref, hs_code,
      origin_country, goods_origin_country, transit_ports, declared_value, quantity, gross_weight_kg, currency, outcome, attrs
      FROM declarations ORDER BY id`;
    const opt = (v: unknown) => (v === null ? undefined : String(v));
    // Millions of rows: one object each, of one shape (attrs always present), no per-row empty arrays.
    yield* this.streamQuery<DeclarationFacts>(sql, batchSize, (r) => ({
      id: declarationNodeId(r[0] as number), lodgedAt: r[1] as string, trader: String(r[2]), consignee: opt(r[3]),
      supplier: opt(r[4]), broker: opt(r[5]), carrier: opt(r[6]), route: String(r[7]), hsCode: r[8] as string, origin: r[9] as string,
      goodsOrigin: (r[10] as string | null) ?? undefined, transit: r[11] ? (r[11] as string).split(';') : NO_PORTS, value: r[12] as number,
      quantity: (r[13] as number | null) ?? undefined, weight: (r[14] as number | null) ?? undefined, currency: r[15] as string,
      outcome: r[16] as Outcome, attrs: r[17] ? (JSON.parse(r[17] as string) as Record<string, string>) : undefined,
    }));
  }

  async declarationsPerDay(): Promise<Array<{ day: string; count: number }>> {
    // Counted here rather than by GROUP BY, whose sort of millions of days costs SQLite several
    // times more; read in rowid ranges of single values (no row arrays to build), in one snapshot.
    return this.db.transaction(() => {
      const { lo, hi } = this.db.prepare('SELECT MIN(id) AS lo, MAX(id) AS hi FROM declarations').get() as { lo: number | null; hi: number | null };
      const perDay = new Map<string, number>();
      const days = this.db.prepare('SELECT substr(lodged_at, 1, 10) FROM declarations WHERE id >= ? AND id < ?').pluck();
      const step = 100_000;
      for (let from = lo ?? 0; hi !== null && from <= hi; from += step) {
        for (const day of days.all(from, from + step) as string[]) perDay.set(day, (perDay.get(day) ?? 0) + 1);
      }
      return [...perDay].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([day, count]) => ({ day, count }));
    })();
  }

  async beginRun(run: { seed: number; params: Record<string, unknown>; startedAt: string }): Promise<string> {
    const r = this.db.prepare("INSERT INTO analysis_runs (started_at, status, seed, params) VALUES (?, 'running', ?, ?)")
      .run(run.startedAt, run.seed, JSON.stringify(run.params));
    return String(r.lastInsertRowid);
  }

  async writeRunResults(runId: string, results: RunResults, onProgress?: (done: number, total: number) => void): Promise<void> {
    const run = Number(runId);
    const scoreStmt = this.db.prepare(`INSERT OR REPLACE INTO entity_scores
      (run_id, entity_id, kind, risk, community, component, pagerank, ppr, seizures, known_bad, signals) VALUES (?,?,?,?,?,?,?,?,?,?,?)`);
    const total = results.scores.length + results.communities.length + results.categories.length;
    // Transactions of a few hundred milliseconds: readers never wait (WAL), a writer at most that
    // long; larger ones write each index page once rather than once per small transaction. Nothing
    // is visible before completeRun.
    const chunk = 25_000;
    // In key order, so the rows append to the (run_id, entity_id) tree instead of landing all over it.
    const scores = results.scores.map((sc) => ({ sc, id: Number(sc.entityId) })).sort((a, b) => a.id - b.id).map((x) => x.sc);
    const commStmt = this.db.prepare(`INSERT OR REPLACE INTO communities
      (run_id, community, rank, size, by_kind, known_bad, value, risk, members, signals) VALUES (?,?,?,?,?,?,?,?,?,?)`);
    const catStmt = this.db.prepare('INSERT OR REPLACE INTO category_risk (run_id, field, value, n, bad) VALUES (?,?,?,?,?)');
    const rankStmt = this.db.prepare('INSERT OR REPLACE INTO entity_ranks (run_id, kind, rank, entity_id) VALUES (?,?,?,?)');
    // Ranks within each kind, in the order they are read back (and appended to their tree in that order).
    const ranked = scores.map((sc) => ({ kind: sc.kind, risk: sc.risk, id: Number(sc.entityId), rank: 1 }))
      .sort((a, b) => (a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : b.risk - a.risk || a.id - b.id));
    for (let k = 1; k < ranked.length; k++) if (ranked[k]!.kind === ranked[k - 1]!.kind) ranked[k]!.rank = ranked[k - 1]!.rank + 1;
    await this.spacedCheckpoints(() => {
      for (let i = 0; i < scores.length; i += chunk) {
        this.db.transaction(() => {
          for (const sc of scores.slice(i, i + chunk)) {
            scoreStmt.run(run, Number(sc.entityId), sc.kind, sc.risk, sc.community ?? null, sc.component ?? null, sc.pagerank,
              sc.ppr, sc.seizures, sc.knownBad ? 1 : 0, sc.signals.length ? JSON.stringify(sc.signals) : '[]');
          }
        }).immediate();
        onProgress?.(Math.min(scores.length, i + chunk), total);
      }
      for (let i = 0; i < ranked.length; i += chunk) {
        this.db.transaction(() => {
          for (let k = i; k < Math.min(ranked.length, i + chunk); k++) rankStmt.run(run, ranked[k]!.kind, ranked[k]!.rank, ranked[k]!.id);
        }).immediate();
      }
      this.db.transaction(() => {
        for (const c of results.communities) {
          commStmt.run(run, c.community, c.rank, c.size, JSON.stringify(c.byKind), c.knownBad, c.value, c.risk,
            JSON.stringify(c.members), JSON.stringify(c.signals));
        }
        // In key order too: hundreds of thousands of rows, appended to the (run_id, field, value) tree.
        const categories = [...results.categories].sort((a, b) => (a.field < b.field ? -1 : a.field > b.field ? 1 : a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
        for (const c of categories) catStmt.run(run, c.field, c.value, c.n, c.bad);
      }).immediate();
    }, 0);
    onProgress?.(total, total);
  }

  async pruneRuns(keep: number): Promise<string[]> {
    const ids = runsToPrune(await this.listRuns(1_000_000), await this.currentRunId(), keep);
    const drop = ['DELETE FROM entity_scores WHERE run_id = ?', 'DELETE FROM entity_ranks WHERE run_id = ?', 'DELETE FROM communities WHERE run_id = ?',
      'DELETE FROM category_risk WHERE run_id = ?', "UPDATE analysis_runs SET status = 'pruned' WHERE id = ?"].map((sql) => this.db.prepare(sql));
    // One transaction per run: writers wait for one run's delete at most.
    for (const id of ids) this.db.transaction(() => { for (const stmt of drop) stmt.run(Number(id)); }).immediate();
    return ids;
  }

  async completeRun(runId: string, summary: {
    timings: Record<string, number>; modularity?: number; counts: Record<string, number>; params: Record<string, unknown>;
  }): Promise<void> {
    this.db.transaction(() => {
      this.db.prepare(`UPDATE analysis_runs SET status = 'done', finished_at = ?, timings = ?, modularity = ?, counts = ?, params = ?
        WHERE id = ?`).run(new Date().toISOString(), JSON.stringify(summary.timings), summary.modularity ?? null,
        JSON.stringify(summary.counts), JSON.stringify(summary.params), Number(runId));
      this.db.prepare('INSERT INTO current_run (singleton, run_id) VALUES (1, ?) ON CONFLICT (singleton) DO UPDATE SET run_id = excluded.run_id')
        .run(Number(runId));
    }).immediate();
  }

  async failRun(runId: string, reason: string): Promise<void> {
    this.db.prepare("UPDATE analysis_runs SET status = 'failed', finished_at = ?, counts = ? WHERE id = ?")
      .run(new Date().toISOString(), JSON.stringify({ error: reason }), Number(runId));
  }

  private runRow(r: Record<string, unknown>): AnalysisRun {
    return {
      id: String(r.id), startedAt: r.started_at as string, finishedAt: (r.finished_at as string | null) ?? undefined,
      status: r.status as AnalysisRun['status'], seed: r.seed as number, params: JSON.parse(r.params as string),
      timings: r.timings ? JSON.parse(r.timings as string) : {}, modularity: (r.modularity as number | null) ?? undefined,
      counts: r.counts ? JSON.parse(r.counts as string) : {},
    };
  }

  private currentRunNumber(): number | undefined {
    return this.db.prepare('SELECT run_id FROM current_run WHERE singleton = 1').pluck().get() as number | undefined;
  }

  async currentRunId(): Promise<string | null> {
    const id = this.currentRunNumber();
    return id === undefined ? null : String(id);
  }

  async currentRun(): Promise<AnalysisRun | null> {
    const r = this.db.prepare('SELECT a.* FROM analysis_runs a JOIN current_run c ON c.run_id = a.id').get() as Record<string, unknown> | undefined;
    return r ? this.runRow(r) : null;
  }

  async listRuns(limit: number): Promise<AnalysisRun[]> {
    return (this.db.prepare('SELECT * FROM analysis_runs ORDER BY id DESC LIMIT ?').all(limit) as Array<Record<string, unknown>>)
      .map((r) => this.runRow(r));
  }

  private scoreRow(r: Record<string, unknown>): EntityScore {
    return {
      entityId: String(r.entity_id), kind: r.kind as EntityKind, risk: r.risk as number,
      community: (r.community as number | null) ?? undefined, component: (r.component as number | null) ?? undefined,
      pagerank: r.pagerank as number, ppr: r.ppr as number, seizures: r.seizures as number, knownBad: r.known_bad === 1,
      signals: JSON.parse(r.signals as string),
    };
  }

  async getScores(entityIds: readonly string[], runId?: string): Promise<EntityScore[]> {
    const run = runId ? Number(runId) : this.currentRunNumber();
    if (run === undefined) return [];
    const stmt = this.db.prepare('SELECT * FROM entity_scores WHERE run_id = ? AND entity_id IN (SELECT value FROM json_each(?))');
    const out: EntityScore[] = [];
    const ids = entityIds.filter((id) => !isDeclarationNode(id)).map(Number);
    for (let i = 0; i < ids.length; i += 500) {
      for (const r of stmt.all(run, JSON.stringify(ids.slice(i, i + 500))) as Array<Record<string, unknown>>) out.push(this.scoreRow(r));
    }
    return out;
  }

  async topEntities(opts: { kind?: EntityKind; limit: number; runId?: string }): Promise<EntityScore[]> {
    const run = opts.runId ? Number(opts.runId) : this.currentRunNumber();
    if (run === undefined) return [];
    const rows = opts.kind
      ? this.db.prepare(`SELECT s.* FROM entity_ranks r JOIN entity_scores s ON s.run_id = r.run_id AND s.entity_id = r.entity_id
          WHERE r.run_id = ? AND r.kind = ? ORDER BY r.rank LIMIT ?`).all(run, opts.kind, opts.limit)
      : this.db.prepare('SELECT * FROM entity_scores WHERE run_id = ? ORDER BY risk DESC, entity_id LIMIT ?').all(run, opts.limit);
    return (rows as Array<Record<string, unknown>>).map((r) => this.scoreRow(r));
  }

  async topCommunities(limit: number, runId?: string, offset = 0): Promise<CommunityRecord[]> {
    const run = runId ? Number(runId) : this.currentRunNumber();
    if (run === undefined) return [];
    const rows = this.db.prepare('SELECT * FROM communities WHERE run_id = ? ORDER BY rank LIMIT ? OFFSET ?').all(run, limit, offset) as Array<Record<string, unknown>>;
    return rows.map(communityFromRow);
  }

  async getCommunity(community: number, runId?: string): Promise<CommunityRecord | null> {
    const run = runId ? Number(runId) : this.currentRunNumber();
    if (run === undefined) return null;
    const r = this.db.prepare('SELECT * FROM communities WHERE run_id = ? AND community = ?').get(run, community) as Record<string, unknown> | undefined;
    return r ? communityFromRow(r) : null;
  }

  async categoryRisk(runId?: string): Promise<CategoryRisk[]> {
    const run = runId ? Number(runId) : this.currentRunNumber();
    if (run === undefined) return [];
    return this.db.prepare('SELECT field, value, n, bad FROM category_risk WHERE run_id = ?').all(run) as CategoryRisk[];
  }

  async *streamEntities(kinds: readonly EntityKind[], batchSize = 10_000): AsyncIterable<Entity[]> {
    const list = kinds.filter((k) => k !== 'Declaration').map((k) => `'${k.replace(/'/g, '')}'`).join(',');
    if (!list) return;
    yield* this.streamQuery<Entity>(`SELECT id, kind, key, name FROM entities WHERE kind IN (${list}) ORDER BY id`, batchSize,
      (r) => ({ id: String(r[0]), kind: r[1] as EntityKind, key: r[2] as string, name: r[3] as string }));
  }

  async appendAudit(r: AuditRecord): Promise<void> {
    this.db.prepare('INSERT INTO audit_log (at, who, role, operation, entity_ids, request_id) VALUES (?, ?, ?, ?, ?, ?)')
      .run(r.at, r.who, r.role, r.operation, JSON.stringify(r.entityIds), r.requestId);
  }

  async listAudit(opts: { limit: number; before?: string }): Promise<AuditRecord[]> {
    const rows = this.db.prepare('SELECT * FROM audit_log WHERE id < ? ORDER BY id DESC LIMIT ?')
      .all(Number(opts.before ?? Number.MAX_SAFE_INTEGER), opts.limit) as Array<Record<string, unknown>>;
    return rows.map((r) => ({
      id: String(r.id), at: r.at as string, who: r.who as string, role: r.role as string, operation: r.operation as string,
      entityIds: JSON.parse(r.entity_ids as string) as string[], requestId: r.request_id as string,
    }));
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}

function communityFromRow(r: Record<string, unknown>): CommunityRecord {
  return {
    community: r.community as number, rank: r.rank as number, size: r.size as number, byKind: JSON.parse(r.by_kind as string),
    knownBad: r.known_bad as number, value: r.value as number, risk: r.risk as number,
    members: JSON.parse(r.members as string), signals: JSON.parse(r.signals as string),
  };
}

function declarationFromRow(row: Record<string, unknown>): Declaration & { id: string } {
  const out: Record<string, unknown> = { id: declarationNodeId(row.id as number), trader_directors: [], container_ids: [] };
  (JSON.parse(row.declared as string) as unknown[]).forEach((v, k) => {
    if (v !== null) out[DECLARED_FIELDS[k] as string] = v;
  });
  for (const f of ['declaration_id', 'item_no', ...COLUMN_FIELDS]) {
    const v = row[f];
    if (f === 'transit_ports') out[f] = v ? String(v).split(';') : [];
    else if (v !== null) out[f] = v;
  }
  if (row.attrs) out.attrs = JSON.parse(row.attrs as string);
  return out as unknown as Declaration & { id: string };
}

function toEntity(r: EntityRow): Entity {
  return { id: String(r.id), kind: r.kind, key: r.key, name: r.name };
}

function declarationEntity(r: { id: number; declaration_id: string; item_no: number }): Entity {
  return { id: declarationNodeId(r.id), kind: 'Declaration', key: `${r.declaration_id}/${r.item_no}`, name: r.declaration_id };
}

/** `declaration_id/item_no` → parts; the id itself may contain '/'. */
function splitDeclarationKey(key: string): [string, number] {
  const at = key.lastIndexOf('/');
  if (at === -1) return [key, 1];
  return [key.slice(0, at), Number(key.slice(at + 1))];
}
