/** Analysis runs of the Neo4j adapter: results in batches, made current by one write, pruned in slices. */
import neo4j from 'neo4j-driver';
import { randomUUID } from 'node:crypto';
import type { RunCard } from '../../domain/accountability';
import type { EntityKind } from '../../domain/entities';
import type { AnalysisRun, CategoryRisk, CommunityRecord, EntityScore } from '../../domain/results';
import { runsToPrune } from '../run-retention';
import type { RunResults, RunStore, RunSummary } from '../run-store';
import { communityFromProps, runFromProps, scoreFromProps } from './rows';
import type { Neo4jSession, Row } from './session';

export class Neo4jRunStore implements RunStore {
  constructor(private readonly s: Neo4jSession) {}

  async beginRun(run: { seed: number; params: Record<string, unknown>; startedAt: string }): Promise<string> {
    const id = `${run.startedAt}-${randomUUID().slice(0, 8)}`;
    await this.s.write([['begin-run', { id, startedAt: run.startedAt, seed: neo4j.int(run.seed), params: JSON.stringify(run.params) }]]);
    return id;
  }

  async writeRunResults(runId: string, results: RunResults, onProgress?: (done: number, total: number) => void): Promise<void> {
    const total = results.scores.length + results.communities.length + results.categories.length;
    let done = 0;
    // Each kind of result in slices, one transaction each: a run has hundreds of thousands of
    // scores and categories, too many for one transaction.
    const inSlices = async <T>(statement: string, rows: { length: number; at(k: number): T | undefined }, size: number, toRow: (row: T) => Row) => {
      for (let i = 0; i < rows.length; i += size) {
        const slice = Array.from({ length: Math.min(size, rows.length - i) }, (_, k) => toRow(rows.at(i + k)!));
        await this.s.write([[statement, { runId, rows: slice }]]);
        onProgress?.((done += slice.length), total);
      }
    };
    await inSlices<EntityScore>('write-scores', results.scores, 2000, (s) => ({
      ...s, community: s.community === undefined ? null : neo4j.int(s.community), component: s.component === undefined ? null : neo4j.int(s.component),
      seizures: neo4j.int(s.seizures), signals: JSON.stringify(s.signals),
    }));
    await inSlices('write-communities', results.communities, 2000, (c) => ({
      ...c, community: neo4j.int(c.community), rank: neo4j.int(c.rank), size: neo4j.int(c.size), knownBad: neo4j.int(c.knownBad),
      byKind: JSON.stringify(c.byKind), members: JSON.stringify(c.members), signals: JSON.stringify(c.signals),
    }));
    await inSlices('write-categories', results.categories, 5000, (c) => ({ ...c, n: neo4j.int(c.n), bad: neo4j.int(c.bad) }));
    onProgress?.(total, total);
  }

  async completeRun(runId: string, s: RunSummary): Promise<boolean> {
    const [rows] = await this.s.write([['complete-run', {
      id: runId, finishedAt: new Date().toISOString(), timings: JSON.stringify(s.timings), modularity: s.modularity ?? null,
      counts: JSON.stringify(s.counts), params: JSON.stringify(s.params), model: JSON.stringify(s.model),
      card: s.card ? JSON.stringify(s.card) : null,
    }]]);
    return rows?.[0]?.current === true;
  }

  async runCard(runId: string): Promise<RunCard | null> {
    const [row] = await this.s.read('run-card', { id: runId });
    return typeof row?.card === 'string' ? (JSON.parse(row.card) as RunCard) : null;
  }

  async pruneRuns(keep: number): Promise<string[]> {
    const ids = runsToPrune(await this.listRuns(1_000_000), await this.currentRunId(), keep);
    for (const id of ids) {
      // In slices: one transaction deleting a whole run's 700k nodes would hold too much memory.
      // One label at a time, each statement served by its run index.
      for (const statement of ['prune-run-scores', 'prune-run-communities', 'prune-run-categories']) {
        for (;;) {
          const [rows] = await this.s.write([[statement, { runId: id, limit: neo4j.int(10_000) }]]);
          if (Number(rows?.[0]?.deleted ?? 0) === 0) break;
        }
      }
      await this.s.write([['mark-run-pruned', { id }]]);
    }
    return ids;
  }

  async failRun(runId: string, reason: string): Promise<void> {
    await this.s.write([['fail-run', { id: runId, finishedAt: new Date().toISOString(), counts: JSON.stringify({ error: reason }) }]]);
  }

  async heartbeat(runId: string): Promise<void> {
    await this.s.write([['run-heartbeat', { id: runId, at: new Date().toISOString() }]]);
  }

  async failAbandonedRuns(staleMs: number): Promise<string[]> {
    const now = Date.now();
    const [rows] = await this.s.write([['fail-abandoned-runs', { before: new Date(now - staleMs).toISOString(), now: new Date(now).toISOString() }]]);
    return (rows ?? []).map((r) => String(r.id));
  }

  async currentRun(): Promise<AnalysisRun | null> {
    const r = (await this.s.read('current-run'))[0];
    return r ? runFromProps(r.run as Row) : null;
  }

  async currentRunId(): Promise<string | null> {
    const r = (await this.s.read('current-run-id'))[0];
    return r ? String(r.id) : null;
  }

  async listRuns(limit: number): Promise<AnalysisRun[]> {
    return (await this.s.read('list-runs', { limit: neo4j.int(limit) })).map((r) => runFromProps(r.run as Row));
  }

  private async runOrCurrent(runId?: string): Promise<string | null> {
    return runId ?? (await this.currentRunId());
  }

  async getScores(entityIds: readonly string[], runId?: string): Promise<EntityScore[]> {
    const run = await this.runOrCurrent(runId);
    if (!run) return [];
    return (await this.s.read('get-scores', { runId: run, ids: [...entityIds] })).map((r) => scoreFromProps(r.score as Row));
  }

  async topEntities(opts: { kind?: EntityKind; limit: number; runId?: string }): Promise<EntityScore[]> {
    const run = await this.runOrCurrent(opts.runId);
    if (!run) return [];
    // Two statements: `$kind IS NULL OR s.kind = $kind` would keep the planner off the (run_id, kind, risk) index.
    const rows = opts.kind
      ? await this.s.read('top-entities', { runId: run, kind: opts.kind, limit: neo4j.int(opts.limit) })
      : await this.s.read('top-entities-any-kind', { runId: run, limit: neo4j.int(opts.limit) });
    return rows.map((r) => scoreFromProps(r.score as Row));
  }

  async topCommunities(limit: number, runId?: string, offset = 0): Promise<CommunityRecord[]> {
    const run = await this.runOrCurrent(runId);
    if (!run) return [];
    return (await this.s.read('top-communities', { runId: run, offset: neo4j.int(offset), limit: neo4j.int(limit) })).map((r) => communityFromProps(r.community as Row));
  }

  async countCommunities(runId?: string): Promise<number> {
    const run = await this.runOrCurrent(runId);
    return run ? Number((await this.s.read('count-communities', { runId: run }))[0]?.n ?? 0) : 0;
  }

  async getCommunity(community: number, runId?: string): Promise<CommunityRecord | null> {
    const run = await this.runOrCurrent(runId);
    if (!run) return null;
    const r = (await this.s.read('get-community', { runId: run, community: neo4j.int(community) }))[0];
    return r ? communityFromProps(r.community as Row) : null;
  }

  async categoryRisk(runId?: string): Promise<CategoryRisk[]> {
    const run = await this.runOrCurrent(runId);
    if (!run) return [];
    return (await this.s.read('category-risk', { runId: run })).map((r) => ({ field: String(r.field), value: String(r.value), n: Number(r.n), bad: Number(r.bad) }));
  }
}
