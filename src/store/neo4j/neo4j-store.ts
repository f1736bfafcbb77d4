/**
 * The GraphStore on Neo4j 5.26+ (dynamic labels and relationship types) through neo4j-driver 6.
 * Every statement is a file under cypher/ (statements.ts); writes are batched `UNWIND $rows MERGE`
 * in managed transactions (`executeWrite`), so the driver retries transient errors and deadlocks
 * and a retry changes nothing. Contract ids are element ids.
 *
 * Tested here only as far as can be done without a server (the Cypher lint test, the record
 * mapping tests); the store contract suite runs against it whenever NEO4J_URI is set.
 */
import neo4j, { type Driver } from 'neo4j-driver';
import { randomUUID } from 'node:crypto';
import type { Declaration } from '../../domain/declaration';
import type { EntityKind, RelType } from '../../domain/entities';
import type {
  AnalysisRun, AuditRecord, CategoryRisk, CommunityRecord, DeclarationFacts, Entity, EntityLink, EntityRef,
  EntityScore, EntityStats, GraphBatch, GraphStore, NeighbourhoodOptions, OutcomeUpdate, RunResults, StoreCounts, Subgraph, WatchlistEntry,
} from '../graph-store';
import { runsToPrune } from '../run-retention';
import { recordToObject } from './mapping';
import { loadStatements, migrationNames } from './statements';

export interface Neo4jStoreOptions {
  uri: string;
  user: string;
  password: string;
  database?: string;
}

export const NEO4J_SCHEMA_VERSION = 1;
type Row = Record<string, unknown>;

function splitKey(key: string): [string, number] {
  const at = key.lastIndexOf('/');
  return at === -1 ? [key, 1] : [key.slice(0, at), Number(key.slice(at + 1))];
}

function declarationFromProps(id: string, p: Row): Declaration & { id: string } {
  const { seq: _s, kind: _k, key: _key, attrs, ...rest } = p;
  return {
    id, trader_directors: [], container_ids: [], transit_ports: [], ...rest,
    ...(typeof attrs === 'string' ? { attrs: JSON.parse(attrs) as Record<string, string> } : {}),
  } as unknown as Declaration & { id: string };
}

function runFromProps(p: Row): AnalysisRun {
  const parse = (v: unknown) => (typeof v === 'string' ? JSON.parse(v) : {});
  return {
    id: String(p.id), startedAt: String(p.started_at), finishedAt: (p.finished_at as string | undefined) ?? undefined,
    status: p.status as AnalysisRun['status'], seed: Number(p.seed), params: parse(p.params), timings: parse(p.timings),
    modularity: (p.modularity as number | undefined) ?? undefined, counts: parse(p.counts),
  };
}

function scoreFromProps(p: Row): EntityScore {
  return {
    entityId: String(p.entityId), kind: p.kind as EntityKind, risk: Number(p.risk), community: (p.community as number | undefined) ?? undefined,
    component: (p.component as number | undefined) ?? undefined, pagerank: Number(p.pagerank), ppr: Number(p.ppr), seizures: Number(p.seizures),
    knownBad: p.knownBad === true, signals: JSON.parse(String(p.signals)),
  };
}

function communityFromProps(p: Row): CommunityRecord {
  return {
    community: Number(p.community), rank: Number(p.rank), size: Number(p.size), byKind: JSON.parse(String(p.byKind)), knownBad: Number(p.knownBad),
    value: Number(p.value), risk: Number(p.risk), members: JSON.parse(String(p.members)), signals: JSON.parse(String(p.signals)),
  };
}

export class Neo4jGraphStore implements GraphStore {
  private readonly driver: Driver;
  private readonly statements = loadStatements();
  private readonly database?: string;

  constructor(opts: Neo4jStoreOptions) {
    this.driver = neo4j.driver(opts.uri, neo4j.auth.basic(opts.user, opts.password));
    this.database = opts.database;
  }

  private cypher(name: string): string {
    const s = this.statements.get(name);
    if (!s) throw new Error(`no statement cypher/${name}.cypher`);
    return s;
  }

  private async read(name: string, params: Row = {}): Promise<Row[]> {
    const session = this.driver.session({ database: this.database, defaultAccessMode: neo4j.session.READ });
    try {
      return await session.executeRead(async (tx) => (await tx.run(this.cypher(name), params)).records.map(recordToObject));
    } finally {
      await session.close();
    }
  }

  private async write(steps: Array<[string, Row]>): Promise<Row[][]> {
    const session = this.driver.session({ database: this.database });
    try {
      return await session.executeWrite(async (tx) => {
        const out: Row[][] = [];
        for (const [name, params] of steps) out.push((await tx.run(this.cypher(name), params)).records.map(recordToObject));
        return out;
      });
    } finally {
      await session.close();
    }
  }

  /** Streams a read: records are consumed as the server sends them, in batches. */
  private async *batches<T>(name: string, params: Row, batchSize: number, map: (r: Row) => T): AsyncIterable<T[]> {
    const session = this.driver.session({ database: this.database, defaultAccessMode: neo4j.session.READ });
    try {
      let batch: T[] = [];
      for await (const record of session.run(this.cypher(name), params)) {
        batch.push(map(recordToObject(record)));
        if (batch.length >= batchSize) {
          yield batch;
          batch = [];
        }
      }
      if (batch.length) yield batch;
    } finally {
      await session.close();
    }
  }

  async migrate(): Promise<void> {
    const session = this.driver.session({ database: this.database });
    try {
      for (const name of migrationNames(this.statements)) {
        // Schema statements cannot share a transaction with data writes: one auto-commit each.
        await session.run(this.cypher(name), name === 'migrate-011-schema-version'
          ? { version: NEO4J_SCHEMA_VERSION, appliedAt: new Date().toISOString() } : {});
      }
    } finally {
      await session.close();
    }
  }

  async bulk<T>(_expectedRows: number, work: () => Promise<T>): Promise<T> {
    return work();
  }

  async writeBatch(batch: GraphBatch): Promise<void> {
    const seq = Date.now() * 1000;
    await this.write([
      ['upsert-entities', { rows: batch.entities.map((e) => ({ kind: e.kind, key: e.key, name: e.name })) }],
      ['upsert-links', { rows: batch.links.map((l) => ({ fromKind: l.from.kind, fromKey: l.from.key, type: l.type, toKind: l.to.kind, toKey: l.to.key })) }],
      ['upsert-declarations', {
        rows: batch.declarations.map((d, i) => {
          const { attrs, ...fields } = d.declaration;
          const props: Row = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
          if (attrs) props.attrs = JSON.stringify(attrs);
          if (d.source) { props.source_file = d.source.file; props.source_line = d.source.line; }
          const parties = Object.entries(d.parties).map(([type, ref]) => ({ type, kind: ref!.kind, key: ref!.key }));
          for (const c of d.containers) parties.push({ type: 'IN_CONTAINER', kind: c.kind, key: c.key });
          return { declaration_id: d.declaration.declaration_id, item_no: d.declaration.item_no, key: d.key, seq: seq + i, props, parties };
        }),
      }],
    ]);
  }

  async upsertWatchlist(entries: WatchlistEntry[]): Promise<void> {
    await this.write([['upsert-watchlist', { rows: entries }]]);
  }

  async removeWatchlist(ref: EntityRef): Promise<boolean> {
    const [rows] = await this.write([['remove-watchlist', { kind: ref.kind, key: ref.key }]]);
    return Number(rows?.[0]?.removed ?? 0) > 0;
  }

  async updateOutcomes(rows: OutcomeUpdate[]): Promise<{ updated: number; missing: string[] }> {
    const [found] = await this.write([['update-outcomes', {
      rows: rows.map((r) => {
        const [id, item] = splitKey(r.key);
        return { key: r.key, declaration_id: id, item_no: item, outcome: r.outcome, fraudType: r.fraudType ?? null, recoveredAmount: r.recoveredAmount ?? null };
      }),
    }]]);
    const ok = new Set((found ?? []).map((r) => String(r.key)));
    return { updated: ok.size, missing: rows.map((r) => r.key).filter((k) => !ok.has(k)) };
  }

  async getEntities(ids: readonly string[]): Promise<Entity[]> {
    return (await this.read('get-entities', { ids: [...ids] })) as unknown as Entity[];
  }

  async findEntity(ref: EntityRef): Promise<Entity | null> {
    if (ref.kind === 'Declaration') {
      const [id, item] = splitKey(ref.key);
      return ((await this.read('find-declaration', { declarationId: id, itemNo: item }))[0] as Entity | undefined) ?? null;
    }
    return ((await this.read('find-entity', { kind: ref.kind, key: ref.key }))[0] as Entity | undefined) ?? null;
  }

  async getDeclaration(key: string): Promise<(Declaration & { id: string }) | null> {
    const [id, item] = splitKey(key);
    const r = (await this.read('get-declaration', { declarationId: id, itemNo: item }))[0];
    return r ? declarationFromProps(String(r.id), r.props as Row) : null;
  }

  async entityDeclarations(entityId: string, opts: { limit: number; after?: string }): Promise<Array<Declaration & { id: string }>> {
    const rows = await this.read('entity-declarations', { id: entityId, after: opts.after ?? null, limit: neo4j.int(opts.limit) });
    return rows.map((r) => declarationFromProps(String(r.id), r.props as Row));
  }

  async searchByName(text: string, opts: { kinds?: EntityKind[]; limit: number; after?: string }): Promise<Entity[]> {
    return (await this.read('search-by-name', {
      text, kinds: opts.kinds?.length ? opts.kinds : null, after: opts.after ?? '', limit: neo4j.int(opts.limit),
    })) as unknown as Entity[];
  }

  async neighbourhood(ids: readonly string[], opts: NeighbourhoodOptions): Promise<Subgraph> {
    const nodes = new Map((await this.getEntities(ids)).map((e) => [e.id, e]));
    const edges = new Map<string, { source: string; target: string; type: RelType }>();
    const kinds = opts.kinds?.length ? new Set(opts.kinds) : undefined;
    let frontier = [...nodes.keys()];
    let truncated = false;
    for (let hop = 0; hop < opts.hops && frontier.length && !truncated; hop++) {
      const next: string[] = [];
      for (const r of await this.read('neighbours', { ids: frontier, limit: neo4j.int(opts.limit + 1) })) {
        const other = String(r.otherId);
        if (!nodes.has(other)) {
          if (kinds && !kinds.has(r.otherKind as EntityKind)) continue;
          if (nodes.size >= opts.limit) { truncated = true; continue; }
          nodes.set(other, { id: other, kind: r.otherKind as EntityKind, key: String(r.otherKey), name: String(r.otherName) });
          next.push(other);
        }
        edges.set(`${r.source}|${r.type}|${r.target}`, { source: String(r.source), target: String(r.target), type: r.type as RelType });
      }
      frontier = next;
    }
    return { nodes: [...nodes.values()], edges: [...edges.values()], truncated };
  }

  async *streamEntityGraph(batchSize = 10_000): AsyncIterable<EntityLink[]> {
    yield* this.batches('entity-graph-declaration-links', {}, batchSize, (r) => ({
      source: String(r.source), sourceKind: 'Trader' as EntityKind, target: String(r.target), targetKind: r.targetKind as EntityKind,
      type: r.type as RelType, count: Number(r.count), value: Number(r.value),
    }));
    yield* this.batches('entity-graph-shared-identifiers', {}, batchSize, (r) => ({
      source: String(r.source), sourceKind: r.sourceKind as EntityKind, target: String(r.target), targetKind: r.targetKind as EntityKind,
      type: r.type as RelType, count: 1, value: 0,
    }));
  }

  async *streamEntityStats(batchSize = 10_000): AsyncIterable<EntityStats[]> {
    yield* this.batches('entity-stats', {}, batchSize, (r) => ({
      id: String(r.id), kind: r.kind as EntityKind, declarations: Number(r.n), value: Number(r.value), seizures: Number(r.seizures),
      discrepancies: Number(r.discrepancies), firstLodged: String(r.first), lastLodged: String(r.last),
    }));
  }

  async *streamDeclarationFacts(batchSize = 10_000): AsyncIterable<DeclarationFacts[]> {
    const opt = (v: unknown) => (v === null || v === undefined ? undefined : String(v));
    yield* this.batches('declaration-facts', {}, batchSize, (r) => ({
      id: String(r.id), lodgedAt: String(r.lodgedAt), trader: String(r.trader), consignee: opt(r.consignee), supplier: opt(r.supplier),
      broker: opt(r.broker), carrier: opt(r.carrier), route: String(r.route), hsCode: String(r.hsCode), origin: String(r.origin),
      goodsOrigin: opt(r.goodsOrigin), transit: (r.transit as string[] | null) ?? [], value: Number(r.value),
      quantity: (r.quantity as number | null) ?? undefined, weight: (r.weight as number | null) ?? undefined, currency: String(r.currency),
      outcome: r.outcome as DeclarationFacts['outcome'], ...(typeof r.attrs === 'string' ? { attrs: JSON.parse(r.attrs) as Record<string, string> } : {}),
    }));
  }

  async declarationsPerDay(): Promise<Array<{ day: string; count: number }>> {
    return (await this.read('declarations-per-day')).map((r) => ({ day: String(r.day), count: Number(r.count) }));
  }

  async *streamEntities(kinds: readonly EntityKind[], batchSize = 10_000): AsyncIterable<Entity[]> {
    yield* this.batches('stream-entities', { kinds: [...kinds] }, batchSize, (r) => r as unknown as Entity);
  }

  async watchlistHits(): Promise<Array<{ entity: Entity; entry: WatchlistEntry }>> {
    return (await this.read('watchlist-hits')).map((r) => ({
      entity: { id: String(r.id), kind: r.kind as EntityKind, key: String(r.key), name: String(r.name) },
      entry: { kind: r.kind as EntityKind, key: String(r.key), reason: String(r.reason), source: String(r.source), severity: Number(r.severity), listedAt: String(r.listedAt) },
    }));
  }

  async counts(): Promise<StoreCounts> {
    const entities: StoreCounts['entities'] = {};
    for (const r of await this.read('count-entities')) entities[r.kind as EntityKind] = Number(r.n);
    const relationships: StoreCounts['relationships'] = {};
    for (const r of await this.read('count-relationships')) relationships[r.type as RelType] = Number(r.n);
    const declarations = Number((await this.read('count-declarations'))[0]?.n ?? 0);
    if (declarations) entities.Declaration = declarations;
    return { entities, relationships, declarations, watchlist: Number((await this.read('count-watchlist'))[0]?.n ?? 0) };
  }

  async beginRun(run: { seed: number; params: Record<string, unknown>; startedAt: string }): Promise<string> {
    const id = `${run.startedAt}-${randomUUID().slice(0, 8)}`;
    await this.write([['begin-run', { id, startedAt: run.startedAt, seed: neo4j.int(run.seed), params: JSON.stringify(run.params) }]]);
    return id;
  }

  async writeRunResults(runId: string, results: RunResults, onProgress?: (done: number, total: number) => void): Promise<void> {
    const total = results.scores.length + results.communities.length + results.categories.length;
    for (let i = 0; i < results.scores.length; i += 2000) {
      await this.write([['write-scores', { runId, rows: results.scores.slice(i, i + 2000).map((s) => ({ ...s, community: s.community ?? null, component: s.component ?? null, signals: JSON.stringify(s.signals) })) }]]);
      onProgress?.(Math.min(results.scores.length, i + 2000), total);
    }
    await this.write([
      ['write-communities', { runId, rows: results.communities.map((c) => ({ ...c, byKind: JSON.stringify(c.byKind), members: JSON.stringify(c.members), signals: JSON.stringify(c.signals) })) }],
      ['write-categories', { runId, rows: results.categories }],
    ]);
    onProgress?.(total, total);
  }

  async completeRun(runId: string, s: { timings: Record<string, number>; modularity?: number; counts: Record<string, number>; params: Record<string, unknown> }): Promise<void> {
    await this.write([['complete-run', {
      id: runId, finishedAt: new Date().toISOString(), timings: JSON.stringify(s.timings), modularity: s.modularity ?? null,
      counts: JSON.stringify(s.counts), params: JSON.stringify(s.params),
    }]]);
  }

  async pruneRuns(keep: number): Promise<string[]> {
    const ids = runsToPrune(await this.listRuns(1_000_000), await this.currentRunId(), keep);
    for (const id of ids) {
      // In slices: one transaction deleting a whole run's 700k nodes would hold too much memory.
      for (;;) {
        const [rows] = await this.write([['prune-run-results', { runId: id, limit: neo4j.int(10_000) }]]);
        if (Number(rows?.[0]?.deleted ?? 0) === 0) break;
      }
      await this.write([['mark-run-pruned', { id }]]);
    }
    return ids;
  }

  async failRun(runId: string, reason: string): Promise<void> {
    await this.write([['fail-run', { id: runId, finishedAt: new Date().toISOString(), counts: JSON.stringify({ error: reason }) }]]);
  }

  async currentRun(): Promise<AnalysisRun | null> {
    const r = (await this.read('current-run'))[0];
    return r ? runFromProps(r.run as Row) : null;
  }

  async currentRunId(): Promise<string | null> {
    const r = (await this.read('current-run-id'))[0];
    return r ? String(r.id) : null;
  }

  async listRuns(limit: number): Promise<AnalysisRun[]> {
    return (await this.read('list-runs', { limit: neo4j.int(limit) })).map((r) => runFromProps(r.run as Row));
  }

  private async runOrCurrent(runId?: string): Promise<string | null> {
    return runId ?? (await this.currentRunId());
  }

  async getScores(entityIds: readonly string[], runId?: string): Promise<EntityScore[]> {
    const run = await this.runOrCurrent(runId);
    if (!run) return [];
    return (await this.read('get-scores', { runId: run, ids: [...entityIds] })).map((r) => scoreFromProps(r.score as Row));
  }

  async topEntities(opts: { kind?: EntityKind; limit: number; runId?: string }): Promise<EntityScore[]> {
    const run = await this.runOrCurrent(opts.runId);
    if (!run) return [];
    return (await this.read('top-entities', { runId: run, kind: opts.kind ?? null, limit: neo4j.int(opts.limit) })).map((r) => scoreFromProps(r.score as Row));
  }

  async topCommunities(limit: number, runId?: string, offset = 0): Promise<CommunityRecord[]> {
    const run = await this.runOrCurrent(runId);
    if (!run) return [];
    return (await this.read('top-communities', { runId: run, offset: neo4j.int(offset), limit: neo4j.int(limit) })).map((r) => communityFromProps(r.community as Row));
  }

  async getCommunity(community: number, runId?: string): Promise<CommunityRecord | null> {
    const run = await this.runOrCurrent(runId);
    if (!run) return null;
    const r = (await this.read('get-community', { runId: run, community: neo4j.int(community) }))[0];
    return r ? communityFromProps(r.community as Row) : null;
  }

  async categoryRisk(runId?: string): Promise<CategoryRisk[]> {
    const run = await this.runOrCurrent(runId);
    if (!run) return [];
    return (await this.read('category-risk', { runId: run })).map((r) => ({ field: String(r.field), value: String(r.value), n: Number(r.n), bad: Number(r.bad) }));
  }

  async appendAudit(r: AuditRecord): Promise<void> {
    // Ids sort by time: the timestamp, then a random suffix for records of the same millisecond.
    await this.write([['append-audit', { id: `${Date.now().toString().padStart(15, '0')}-${randomUUID().slice(0, 8)}`, at: r.at, who: r.who, role: r.role, operation: r.operation, entityIds: r.entityIds, requestId: r.requestId }]]);
  }

  async listAudit(opts: { limit: number; before?: string }): Promise<AuditRecord[]> {
    return (await this.read('list-audit', { before: opts.before ?? null, limit: neo4j.int(opts.limit) })).map((r) => {
      const p = r.record as Row;
      return { id: String(p.id), at: String(p.at), who: String(p.who), role: String(p.role), operation: String(p.operation), entityIds: (p.entity_ids as string[]) ?? [], requestId: String(p.request_id) };
    });
  }

  async close(): Promise<void> {
    await this.driver.close();
  }
}
