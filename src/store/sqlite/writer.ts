/**
 * Writes of the embedded store: graph batches (one transaction each), watchlist entries and
 * outcomes. Entity ids are kept in memory per kind while writing, so rows that name the same
 * traders and counterparts do not look them up again.
 */
import type Database from 'better-sqlite3';
import { splitDeclarationKey } from '../../domain/declaration-key';
import type { EntityKind } from '../../domain/entities';
import { searchName } from '../../domain/normalize';
import { GenerationalMap } from '../../util/generational-map';
import { detach } from '../../util/strings';
import type { GraphWriter, OutcomeUpdate, WatchlistEntry } from '../graph-writer';
import type { BatchResult, DeclarationFact, EntityRef, GraphBatch, LinkFact, ReplacedDeclaration } from '../../domain/graph-facts';
import { IDENTIFIER_KINDS, type EntityKind as Kind } from '../../domain/entities';
import { ensureIndexes, spacedCheckpoints } from './connection';
import { DEFERRED_INDEXES } from './migrations';
import { declarationValues } from './rows';
import { DeclarationRows, replacedDeclaration } from './declaration-rows';

export interface WriterOptions {
  /** (kind, key) → id pairs kept in memory while writing: per kind, between this many and twice as many. */
  cacheSize?: number;
  /** Loads of at least this many rows defer secondary indexes (and at least half the rows already stored). */
  bulkThreshold?: number;
}

/** Entities that exist only through the links that name them (an identifier, a director). */
const LINKED_ONLY = new Set<Kind>([...IDENTIFIER_KINDS, 'Person']);

export class SqliteGraphWriter implements GraphWriter {
  private readonly cacheSize: number;
  private readonly bulkThreshold: number;
  /** Per kind: key → entity id. Keys are the resolver's memoized strings, so lookups do not rehash. */
  private idCache = new Map<EntityKind, GenerationalMap<string, number>>();
  private readonly linkCache: GenerationalMap<string, true>;
  private sourceFiles = new Map<string, number>();
  private stmts?: ReturnType<SqliteGraphWriter['prepareWrites']>;

  constructor(private readonly db: Database.Database, opts: WriterOptions = {}) {
    this.cacheSize = opts.cacheSize ?? 8_000;
    this.bulkThreshold = opts.bulkThreshold ?? 50_000;
    this.linkCache = new GenerationalMap(this.cacheSize);
  }

  /** Declarations with a row id above this were written by the load under way (row ids only grow). */
  private loadStart = Number.MAX_SAFE_INTEGER;

  async bulk<T>(expectedRows: number, work: () => Promise<T>): Promise<T> {
    this.loadStart = (this.db.prepare('SELECT coalesce(MAX(id), 0) FROM declarations').pluck().get() as number);
    try {
      return await this.bulkLoad(expectedRows, work);
    } finally {
      this.loadStart = Number.MAX_SAFE_INTEGER;
    }
  }

  private async bulkLoad<T>(expectedRows: number, work: () => Promise<T>): Promise<T> {
    const stored = (this.db.prepare('SELECT COUNT(*) AS n FROM declarations').get() as { n: number }).n;
    if (expectedRows < this.bulkThreshold || expectedRows < stored / 2) return work();
    for (const idx of DEFERRED_INDEXES) this.db.exec(`DROP INDEX IF EXISTS ${idx.name}`);
    try {
      return await spacedCheckpoints(this.db, work);
    } finally {
      ensureIndexes(this.db);
    }
  }

  private prepareWrites() {
    const db = this.db;
    return {
      insertEntity: db.prepare('INSERT OR IGNORE INTO entities (kind, key, name, search_name) VALUES (?, ?, ?, ?)'),
      selectEntity: db.prepare('SELECT id FROM entities WHERE kind = ? AND key = ?').pluck(),
      insertEdge: db.prepare('INSERT OR IGNORE INTO edges (src, type, dst) VALUES (?, ?, ?)'),
      declarations: new DeclarationRows(db),
      insertSourceFile: db.prepare('INSERT OR IGNORE INTO source_files (name) VALUES (?)'),
      selectSourceFile: db.prepare('SELECT id FROM source_files WHERE name = ?').pluck(),
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
    const ins = this.writes.insertEntity.run(kind, key, name, searchName(name));
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

  async writeBatch(batch: GraphBatch): Promise<BatchResult> {
    return this.writeBatchSync(batch);
  }

  /** One transaction per batch: a killed process leaves whole batches or none of a batch. */
  writeBatchSync(batch: GraphBatch): BatchResult {
    const replaced: ReplacedDeclaration[] = [];
    const tx = this.db.transaction(() => {
      // The batch's entities by object: links and declarations name the same objects, so their
      // ids are found without the key lookups (or, past the cache, the SELECTs) of refId by key.
      const ids = new Map<EntityRef, number>();
      for (const e of batch.entities) ids.set(e, this.entityId(e.kind, e.key, e.name));
      for (const l of batch.links) this.edge(this.refId(l.from, ids), l.type, this.refId(l.to, ids));
      for (const d of batch.declarations) {
        const r = this.writeDeclaration(d, ids);
        if (r) replaced.push(r);
      }
    });
    try {
      tx.immediate();
      return { replaced };
    } catch (err) {
      // The caches may hold ids of rows that were rolled back.
      this.sourceFiles = new Map();
      this.idCache = new Map();
      this.linkCache.clear();
      throw err;
    }
  }

  /** Writes a declaration; when it replaces one loaded before, says what that one was. */
  private writeDeclaration(fact: DeclarationFact, ids: ReadonlyMap<EntityRef, number>): ReplacedDeclaration | undefined {
    const w = this.writes;
    const { id, previous } = w.declarations.write(declarationValues(fact, (r) => this.refId(r, ids), (name) => this.sourceFileId(name)));
    for (const c of fact.containers) w.insertContainer.run(id, this.refId(c, ids));
    return previous && replacedDeclaration(previous, fact.declaration, (previous.id as number) > this.loadStart, fact.source);
  }

  async removeLinks(links: LinkFact[]): Promise<{ links: number; entities: number }> {
    const select = this.writes.selectEntity;
    const drop = this.db.prepare('DELETE FROM edges WHERE src = ? AND type = ? AND dst = ?');
    const linked = this.db.prepare('SELECT 1 FROM edges WHERE src = ? OR dst = ? LIMIT 1').pluck();
    const dropEntity = this.db.prepare('DELETE FROM entities WHERE id = ?');
    let removed = 0;
    let entities = 0;
    this.db.transaction(() => {
      const loose = new Set<number>();
      for (const l of links) {
        const src = select.get(l.from.kind, l.from.key) as number | undefined;
        const dst = select.get(l.to.kind, l.to.key) as number | undefined;
        if (src === undefined || dst === undefined) continue;
        removed += drop.run(src, l.type, dst).changes;
        // Identifiers and directors exist through their links; parties through their declarations.
        for (const [kind, id] of [[l.from.kind, src], [l.to.kind, dst]] as Array<[Kind, number]>) if (LINKED_ONLY.has(kind)) loose.add(id);
      }
      for (const id of loose) if (!linked.get(id, id)) entities += dropEntity.run(id).changes;
    }).immediate();
    // The caches may name what was just removed.
    this.idCache = new Map();
    this.linkCache.clear();
    return { links: removed, entities };
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
}
