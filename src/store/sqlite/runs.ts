/** Analysis runs in the embedded store: results written in key order, made current in one transaction, pruned by run. */
import type Database from 'better-sqlite3';
import type { RunCard } from '../../domain/accountability';
import type { EntityKind } from '../../domain/entities';
import type { AnalysisRun, CategoryRisk, CommunityRecord, EntityScore } from '../../domain/results';
import { runsToPrune } from '../run-retention';
import { abandonedReason, type RunResults, type RunStore, type RunSummary } from '../run-store';
import { spacedCheckpoints } from './connection';
import { RowAppender } from './row-appender';
import { communityFromRow, isDeclarationNode, runFromRow, scoreFromRow } from './rows';

export class SqliteRunStore implements RunStore {
  constructor(private readonly db: Database.Database) {}

  async beginRun(run: { seed: number; params: Record<string, unknown>; startedAt: string }): Promise<string> {
    const r = this.db.prepare("INSERT INTO analysis_runs (started_at, heartbeat_at, status, seed, params) VALUES (?, ?, 'running', ?, ?)")
      .run(run.startedAt, run.startedAt, run.seed, JSON.stringify(run.params));
    return String(r.lastInsertRowid);
  }

  async writeRunResults(runId: string, results: RunResults, onProgress?: (done: number, total: number) => void): Promise<void> {
    const run = Number(runId);
    const scoreRows = new RowAppender(this.db, `INSERT OR REPLACE INTO entity_scores
      (run_id, entity_id, kind, risk, community, component, pagerank, ppr, seizures, known_bad, signals)`, 11);
    const total = results.scores.length + results.communities.length + results.categories.length;
    // Transactions of a few hundred milliseconds: readers never wait (WAL), a writer at most that
    // long; larger ones write each index page once rather than once per small transaction. Nothing
    // is visible before completeRun.
    const chunk = 25_000;
    // In key order, so the rows append to the (run_id, entity_id) tree instead of landing all over it.
    const { length } = results.scores;
    const ids = new Float64Array(length);
    const risks = new Float64Array(length);
    const kinds: string[] = new Array(length);
    for (let k = 0; k < length; k++) {
      const h = results.scores.head(k);
      ids[k] = Number(h.entityId);
      risks[k] = h.risk;
      kinds[k] = h.kind;
    }
    const byId = Int32Array.from({ length }, (_, k) => k).sort((a, b) => ids[a]! - ids[b]!);
    const commStmt = this.db.prepare(`INSERT OR REPLACE INTO communities
      (run_id, community, rank, size, by_kind, known_bad, value, risk, members, signals) VALUES (?,?,?,?,?,?,?,?,?,?)`);
    const catRows = new RowAppender(this.db, 'INSERT OR REPLACE INTO category_risk (run_id, field, value, n, bad)', 5);
    const rankRows = new RowAppender(this.db, 'INSERT OR REPLACE INTO entity_ranks (run_id, kind, rank, entity_id)', 4);
    // Ranks within each kind, in the order they are read back (and appended to their tree in that order).
    const ranked = Int32Array.from({ length }, (_, k) => k)
      .sort((a, b) => (kinds[a]! < kinds[b]! ? -1 : kinds[a]! > kinds[b]! ? 1 : risks[b]! - risks[a]! || ids[a]! - ids[b]!));
    await spacedCheckpoints(this.db, () => {
      for (let i = 0; i < length; i += chunk) {
        this.db.transaction(() => {
          for (let j = i; j < Math.min(length, i + chunk); j++) {
            const sc = results.scores.at(byId[j]!);
            scoreRows.row(run, Number(sc.entityId), sc.kind, sc.risk, sc.community ?? null, sc.component ?? null, sc.pagerank,
              sc.ppr, sc.seizures, sc.knownBad ? 1 : 0, sc.signals.length ? JSON.stringify(sc.signals) : '[]');
          }
          scoreRows.flush();
        }).immediate();
        onProgress?.(Math.min(length, i + chunk), total);
      }
      let rank = 0;
      for (let i = 0; i < length; i += chunk) {
        this.db.transaction(() => {
          for (let j = i; j < Math.min(length, i + chunk); j++) {
            const k = ranked[j]!;
            rank = j > 0 && kinds[k] === kinds[ranked[j - 1]!] ? rank + 1 : 1;
            rankRows.row(run, kinds[k], rank, ids[k]);
          }
          rankRows.flush();
        }).immediate();
      }
      this.db.transaction(() => {
        for (const c of results.communities) {
          commStmt.run(run, c.community, c.rank, c.size, JSON.stringify(c.byKind), c.knownBad, c.value, c.risk,
            JSON.stringify(c.members), JSON.stringify(c.signals));
        }
        // In key order too: hundreds of thousands of rows, appended to the (run_id, field, value) tree.
        const categories = [...results.categories].sort((a, b) => (a.field < b.field ? -1 : a.field > b.field ? 1 : a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
        for (const c of categories) catRows.row(run, c.field, c.value, c.n, c.bad);
        catRows.flush();
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

  async completeRun(runId: string, summary: RunSummary): Promise<boolean> {
    return this.db.transaction(() => {
      this.db.prepare(`UPDATE analysis_runs SET status = 'done', finished_at = ?, timings = ?, modularity = ?, counts = ?, params = ?, model = ?,
        card = ? WHERE id = ?`).run(new Date().toISOString(), JSON.stringify(summary.timings), summary.modularity ?? null,
        JSON.stringify(summary.counts), JSON.stringify(summary.params), JSON.stringify(summary.model),
        summary.card ? JSON.stringify(summary.card) : null, Number(runId));
      // Ids grow with each run begun: a run completed after a newer one is current stays done, not current.
      return this.db.prepare(`INSERT INTO current_run (singleton, run_id) VALUES (1, ?)
        ON CONFLICT (singleton) DO UPDATE SET run_id = excluded.run_id WHERE excluded.run_id > current_run.run_id`).run(Number(runId)).changes > 0;
    }).immediate();
  }

  async runCard(runId: string): Promise<RunCard | null> {
    const row = this.db.prepare('SELECT card FROM analysis_runs WHERE id = ?').get(Number(runId)) as { card: string | null } | undefined;
    return row?.card ? (JSON.parse(row.card) as RunCard) : null;
  }

  async failRun(runId: string, reason: string): Promise<void> {
    this.db.prepare("UPDATE analysis_runs SET status = 'failed', finished_at = ?, counts = ? WHERE id = ?")
      .run(new Date().toISOString(), JSON.stringify({ error: reason }), Number(runId));
  }

  async heartbeat(runId: string): Promise<void> {
    this.db.prepare("UPDATE analysis_runs SET heartbeat_at = ? WHERE id = ? AND status = 'running'").run(new Date().toISOString(), Number(runId));
  }

  async failAbandonedRuns(staleMs: number): Promise<string[]> {
    const now = Date.now();
    const stale = this.db.prepare("SELECT id, coalesce(heartbeat_at, started_at) AS last FROM analysis_runs WHERE status = 'running' AND coalesce(heartbeat_at, started_at) < ?")
      .all(new Date(now - staleMs).toISOString()) as Array<{ id: number; last: string }>;
    const fail = this.db.prepare("UPDATE analysis_runs SET status = 'failed', finished_at = ?, counts = ? WHERE id = ? AND status = 'running'");
    this.db.transaction(() => {
      for (const r of stale) fail.run(new Date(now).toISOString(), JSON.stringify({ error: abandonedReason(r.last) }), r.id);
    }).immediate();
    return stale.map((r) => String(r.id));
  }

  private currentRunNumber(): number | undefined {
    return this.db.prepare('SELECT run_id FROM current_run WHERE singleton = 1').pluck().get() as number | undefined;
  }

  private runNumber(runId?: string): number | undefined {
    return runId ? Number(runId) : this.currentRunNumber();
  }

  async currentRunId(): Promise<string | null> {
    const id = this.currentRunNumber();
    return id === undefined ? null : String(id);
  }

  async currentRun(): Promise<AnalysisRun | null> {
    const r = this.db.prepare('SELECT a.* FROM analysis_runs a JOIN current_run c ON c.run_id = a.id').get() as Record<string, unknown> | undefined;
    return r ? runFromRow(r) : null;
  }

  async listRuns(limit: number): Promise<AnalysisRun[]> {
    return (this.db.prepare('SELECT * FROM analysis_runs ORDER BY id DESC LIMIT ?').all(limit) as Array<Record<string, unknown>>).map(runFromRow);
  }

  async getScores(entityIds: readonly string[], runId?: string): Promise<EntityScore[]> {
    const run = this.runNumber(runId);
    if (run === undefined) return [];
    const stmt = this.db.prepare('SELECT * FROM entity_scores WHERE run_id = ? AND entity_id IN (SELECT value FROM json_each(?))');
    const out: EntityScore[] = [];
    const ids = entityIds.filter((id) => !isDeclarationNode(id)).map(Number);
    for (let i = 0; i < ids.length; i += 500) {
      for (const r of stmt.all(run, JSON.stringify(ids.slice(i, i + 500))) as Array<Record<string, unknown>>) out.push(scoreFromRow(r));
    }
    return out;
  }

  async topEntities(opts: { kind?: EntityKind; limit: number; runId?: string }): Promise<EntityScore[]> {
    const run = this.runNumber(opts.runId);
    if (run === undefined) return [];
    const rows = opts.kind
      ? this.db.prepare(`SELECT s.* FROM entity_ranks r JOIN entity_scores s ON s.run_id = r.run_id AND s.entity_id = r.entity_id
          WHERE r.run_id = ? AND r.kind = ? ORDER BY r.rank LIMIT ?`).all(run, opts.kind, opts.limit)
      : this.db.prepare('SELECT * FROM entity_scores WHERE run_id = ? ORDER BY risk DESC, entity_id LIMIT ?').all(run, opts.limit);
    return (rows as Array<Record<string, unknown>>).map(scoreFromRow);
  }

  async topCommunities(limit: number, runId?: string, offset = 0): Promise<CommunityRecord[]> {
    const run = this.runNumber(runId);
    if (run === undefined) return [];
    const rows = this.db.prepare('SELECT * FROM communities WHERE run_id = ? ORDER BY rank LIMIT ? OFFSET ?').all(run, limit, offset) as Array<Record<string, unknown>>;
    return rows.map(communityFromRow);
  }

  async countCommunities(runId?: string): Promise<number> {
    const run = this.runNumber(runId);
    return run === undefined ? 0 : (this.db.prepare('SELECT COUNT(*) AS n FROM communities WHERE run_id = ?').get(run) as { n: number }).n;
  }

  async getCommunity(community: number, runId?: string): Promise<CommunityRecord | null> {
    const run = this.runNumber(runId);
    if (run === undefined) return null;
    const r = this.db.prepare('SELECT * FROM communities WHERE run_id = ? AND community = ?').get(run, community) as Record<string, unknown> | undefined;
    return r ? communityFromRow(r) : null;
  }

  async categoryRisk(runId?: string): Promise<CategoryRisk[]> {
    const run = this.runNumber(runId);
    if (run === undefined) return [];
    return this.db.prepare('SELECT field, value, n, bad FROM category_risk WHERE run_id = ?').all(run) as CategoryRisk[];
  }
}
