import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { DeclarationScorer } from '../src/analysis/scoring/declaration-scorer';
import { evaluateRun } from '../src/analysis/evaluate';
import { DEFAULT_PARAMS, runAnalysis } from '../src/analysis/run';
import { normalizeId } from '../src/domain/normalize';
import { RejectsWriter } from '../src/ingest/rejects';
import { importWatchlist } from '../src/ingest/watchlist';
import type { RunSummary } from '../src/store/run-store';
import { printAnalysis } from '../src/cli/commands/analysis';
import { SqliteGraphStore } from '../src/store/sqlite/sqlite-store';
import { generateSynthetic, type SynthResult } from '../src/synth/generate';
import { batchOf, declaration, ingestInto, ROOT, row, runCli, storeWith, tempDir } from './helpers';

const tmp = tempDir('cg-analysis-');
let synth: SynthResult;
let store: SqliteGraphStore;
let firstRun: string;

async function load(db: string, s: SynthResult): Promise<SqliteGraphStore> {
  const st = new SqliteGraphStore(db);
  await st.migrate();
  await ingestInto(st, [s.declarationsFile], tmp.dir);
  const w = new RejectsWriter(join(tmp.dir, 'wr.csv'));
  await importWatchlist(st, s.watchlistFile, w, { phoneRegion: 'MA' });
  await w.close();
  return st;
}

beforeAll(async () => {
  synth = await generateSynthetic(join(tmp.dir, 'synth'), { traders: 1500, seed: 5 });
  store = await load(join(tmp.dir, 'a.db'), synth);
  firstRun = (await runAnalysis(store, { ...DEFAULT_PARAMS, seed: 42 })).runId;
});
afterAll(async () => {
  await store.close();
  tmp.cleanup();
});

/** A copy of the shared store's file (closed while copied, so its WAL is in it). */
async function copyOfStore(name: string): Promise<string> {
  await store.close();
  const path = join(tmp.dir, name);
  copyFileSync(join(tmp.dir, 'a.db'), path);
  store = new SqliteGraphStore(join(tmp.dir, 'a.db'));
  return path;
}

describe('an analysis run', () => {
  it('is recorded with its parameters, seed, timings per stage, modularity and counts', async () => {
    const run = (await store.currentRun())!;
    expect(run).toMatchObject({ id: firstRun, status: 'done', seed: 42 });
    expect(run.params.hubRule).toMatch(/left out of community detection/);
    expect(run.params.resolution).toBe(1);
    for (const stage of ['scan', 'projection', 'wcc', 'louvain', 'pagerank', 'rings', 'scoring', 'write_back', 'total']) {
      expect(run.timings[stage], stage).toBeGreaterThanOrEqual(0);
    }
    expect(run.modularity).toBeGreaterThan(0.3);
    expect(run.counts.communities).toBeGreaterThan(10);
    expect(run.counts.hubs).toBeGreaterThan(0);
  });

  it('finds the planted rings (detection regression check)', async () => {
    const e = await evaluateRun(store, synth.truth);
    expect(e.precision['@50']!.model).toBeGreaterThanOrEqual(0.8);
    expect(e.precision['@50']!.model).toBeGreaterThan(e.precision['@50']!.random);
    expect(e.ringRecall).toBeGreaterThanOrEqual(0.8);
  });

  it('is deterministic: the same input and seed give the same scores and communities', async () => {
    const again = (await runAnalysis(store, { ...DEFAULT_PARAMS, seed: 42 })).runId;
    const a = await store.topEntities({ limit: 100_000, runId: firstRun });
    const b = await store.topEntities({ limit: 100_000, runId: again });
    expect(b.map((s) => [s.entityId, s.risk, s.community])).toEqual(a.map((s) => [s.entityId, s.risk, s.community]));
    expect(await store.topCommunities(50, again)).toEqual(await store.topCommunities(50, firstRun));
  });

  it('gives reasons whose evidence ids are real entities and declarations', async () => {
    const top = await store.topEntities({ kind: 'Trader', limit: 30 });
    const ids = new Set<string>();
    for (const s of top) {
      expect(s.signals.length).toBeGreaterThan(0);
      const sum = s.signals.reduce((a, x) => a + x.contribution, 0);
      expect(s.risk).toBeGreaterThan(0);
      expect(sum).toBeGreaterThan(0);
      for (const sig of s.signals) for (const id of sig.evidence) if (!/^(ring|community):/.test(id)) ids.add(id);
    }
    expect(ids.size).toBeGreaterThan(10);
    const found = await store.getEntities([...ids]);
    expect(found.map((e) => e.id).sort()).toEqual([...ids].sort());
  });

  it('ranks communities with size, members by kind, known-bad members, value and risk', async () => {
    const [first, second] = await store.topCommunities(2);
    expect(first!.rank).toBe(1);
    expect(first!.risk).toBeGreaterThanOrEqual(second!.risk);
    expect(first!.byKind.Trader).toBeGreaterThanOrEqual(2);
    expect(first!.size).toBe(Object.values(first!.byKind).reduce((a, b) => a + (b ?? 0), 0));
    expect(first!.members.length).toBe(first!.size);
    expect(first!.value).toBeGreaterThan(0);
  });
});

describe('the graph half and the declaration model on a second thread', () => {
  it('gives exactly the run of a single thread (customs-graph analyze with and without --single-thread)', async () => {
    const threaded = await copyOfStore('threaded.db');
    const single = await copyOfStore('single.db');
    const t = runCli(['analyze', '--db', threaded, '--seed', '9', '--json']);
    const s = runCli(['analyze', '--db', single, '--seed', '9', '--json', '--single-thread']);
    expect(t.status, t.stderr).toBe(0);
    expect(s.status, s.stderr).toBe(0);
    expect(Object.keys(JSON.parse(t.stdout).timings)).toContain('graph_wait'); // the worker thread did run
    expect(Object.keys(JSON.parse(s.stdout).timings)).not.toContain('graph_wait');
    const dump = (db: string) => {
      const st = new SqliteGraphStore(db, { readonly: true });
      try {
        return {
          scores: st.db.prepare(`SELECT entity_id, risk, community, component, pagerank, ppr, signals FROM entity_scores
            WHERE run_id = (SELECT run_id FROM current_run) ORDER BY entity_id`).raw().all(),
          communities: st.db.prepare(`SELECT community, rank, size, risk, members FROM communities
            WHERE run_id = (SELECT run_id FROM current_run) ORDER BY community`).raw().all(),
          params: JSON.parse(st.db.prepare('SELECT params FROM analysis_runs WHERE id = (SELECT run_id FROM current_run)').pluck().get() as string) as
            Record<string, unknown>,
          model: JSON.parse(st.db.prepare('SELECT model FROM analysis_runs WHERE id = (SELECT run_id FROM current_run)').pluck().get() as string) as
            { declarationModel: { source: string } },
        };
      } finally {
        st.db.close();
      }
    };
    const a = dump(threaded);
    const b = dump(single);
    expect(a.scores.length).toBeGreaterThan(1000);
    expect(a.model.declarationModel.source).toBe('fitted');
    const threads = (p: Record<string, unknown>) => [p.graphThread, p.pageRankThread, p.declarationModelThread];
    expect(threads(a.params)).toEqual([true, true, true]);
    expect(threads(b.params)).toEqual([false, false, false]);
    expect([b.params.pageRankOnMain, b.params.ringsOnMain]).toEqual([false, false]);
    expect({ ...a, params: { ...a.params, graphThread: false, pageRankOnMain: false, ringsOnMain: false, pageRankThread: false, declarationModelThread: false } }).toEqual(b);
  });
});

describe('run retention', () => {
  it('analyze --keep-runs 1 leaves only the new run with results; older runs stay listed as pruned', async () => {
    const db = await copyOfStore('retention.db');
    const before = new SqliteGraphStore(db, { readonly: true });
    const older = (await before.listRuns(100)).filter((r) => r.status === 'done').map((r) => r.id);
    before.db.close();
    expect(older.length).toBeGreaterThanOrEqual(2);
    const r = runCli(['analyze', '--db', db, '--seed', '3', '--keep-runs', '1', '--json']);
    expect(r.status, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout) as { runId: string; pruned: string[] };
    expect(summary.pruned.sort()).toEqual([...older].sort());
    const after = new SqliteGraphStore(db, { readonly: true });
    expect(after.db.prepare('SELECT DISTINCT run_id FROM entity_scores').pluck().all()).toEqual([Number(summary.runId)]);
    expect(after.db.prepare('SELECT DISTINCT run_id FROM communities').pluck().all()).toEqual([Number(summary.runId)]);
    const runs = await after.listRuns(100);
    expect(runs.find((x) => x.id === summary.runId)?.status).toBe('done');
    expect(runs.filter((x) => older.includes(x.id)).every((x) => x.status === 'pruned')).toBe(true);
    after.db.close();
  });
});

describe('switching runs', () => {
  it('a run killed (SIGKILL) during write-back leaves the previous run current', async () => {
    const db = await copyOfStore('kill.db');
    const victim = new SqliteGraphStore(db);
    const before = (await victim.currentRun())!.id;
    const r = spawnSync(process.execPath, [join(ROOT, 'test', 'fixtures', 'kill-during-writeback.js'), db], { encoding: 'utf8' });
    expect(r.signal).toBe('SIGKILL');
    const runs = await victim.listRuns(10);
    expect(runs[0]!.status).toBe('running');
    const partial = victim.db.prepare('SELECT COUNT(*) FROM entity_scores WHERE run_id = ?').pluck().get(Number(runs[0]!.id)) as number;
    expect(partial).toBeGreaterThan(0); // half a run is on disk ...
    expect((await victim.currentRun())!.id).toBe(before); // ... and nobody sees it
    const top = await victim.topEntities({ limit: 5 });
    expect(top.length).toBe(5);
    await victim.close();

    // Its process is gone: the run falls silent, and once that is longer than the stale limit,
    // `stats` (like the next run and analysisRuns) marks it failed instead of leaving it running.
    await new Promise((r) => setTimeout(r, 1100));
    const stats = runCli(['stats', '--db', db, '--json'], { env: { CUSTOMS_GRAPH_RUN_STALE_MS: '1000' } });
    expect(stats.status, stats.stderr).toBe(0);
    const killed = (JSON.parse(stats.stdout) as { runs: Array<Record<string, unknown>> }).runs[0]!;
    expect(killed).toMatchObject({ id: runs[0]!.id, status: 'failed', current: false, error: expect.stringMatching(/^abandoned: no heartbeat since \d{4}-/) });
    const text = runCli(['stats', '--db', db]).stdout;
    const row = text.split('\n').map((l) => l.trim()).find((l) => l.startsWith(`${runs[0]!.id} `))!;
    expect(row).toMatch(/^\d+\s+failed\s/);
    expect(text).toMatch(/abandoned: no\s+heartbeat since/);
  });

  it('a live run keeps its heartbeat: a run in progress is not taken for abandoned', async () => {
    const db = await copyOfStore('alive.db');
    const live = new SqliteGraphStore(db);
    const id = await live.beginRun({ seed: 1, params: {}, startedAt: new Date(Date.now() - 5000).toISOString() });
    await live.heartbeat(id);
    expect(await live.failAbandonedRuns(2000)).toEqual([]);
    await new Promise((r) => setTimeout(r, 30));
    expect(await live.failAbandonedRuns(10)).toEqual([id]);
    expect((await live.listRuns(1))[0]).toMatchObject({ id, status: 'failed', error: expect.stringMatching(/abandoned/) });
    await live.close();
  });

  it('gives the same graph half whether the run takes PageRank and the rings while Louvain runs in the thread or leaves them there', async () => {
    const db = await copyOfStore('placements.db');
    const r = spawnSync(process.execPath, [join(ROOT, 'test', 'fixtures', 'graph-thread-placements.js'), db], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { digests: string[]; placements: unknown[]; rings: number; communities: number; watchlist: number; cycles: number };
    expect(out.placements).toEqual([{ pageRankOnMain: true, ringsOnMain: true }, { pageRankOnMain: false, ringsOnMain: false }]);
    expect(new Set(out.digests).size).toBe(1);
    // Something to compare: rings, circular trade and watchlist hits are in the world.
    expect([out.rings, out.cycles, out.watchlist].every((n) => n > 0)).toBe(true);
    expect(out.communities).toBeGreaterThan(10);
  });

  it('a run whose graph thread fails is marked failed and the previous one stays current', async () => {
    const db = await copyOfStore('thread-fails.db');
    const victim = new SqliteGraphStore(db, { readonly: true });
    const before = await victim.currentRunId();
    victim.db.close();
    const r = spawnSync(process.execPath, [join(ROOT, 'test', 'fixtures', 'graph-thread-fails.js'), db], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { failed: boolean; message: string; lastRun: string; current: string };
    expect(out.failed).toBe(true);
    expect(out.message).toMatch(/unable to open database file|directory does not exist/i);
    expect(out.lastRun).toBe('failed');
    expect(out.current).toBe(before);
  });

  it.each(['declaration-model-thread.js', 'pagerank-thread.js'])('a run whose %s fails (out of memory) is marked failed and the previous one stays current', async (thread) => {
    const db = await copyOfStore(`fails-${thread}.db`);
    const victim = new SqliteGraphStore(db, { readonly: true });
    const before = await victim.currentRunId();
    victim.db.close();
    const r = spawnSync(process.execPath, [join(ROOT, 'test', 'fixtures', 'thread-out-of-memory.js'), db, thread], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { failed: boolean; message: string; lastRun: string; current: string };
    expect(out.failed).toBe(true);
    expect(out.message).toMatch(/out of memory/i);
    expect(out.lastRun).toBe('failed');
    expect(out.current).toBe(before);
  });

  it('a run overtaken by one begun after it (two runs of a store at once) is done but not current, and raises no alert', async () => {
    const db = await copyOfStore('overtaken.db');
    const s = new SqliteGraphStore(db);
    try {
      let newer: string | undefined;
      // Another run, begun after this one (by another process, say), completes just before it.
      const overtaken = storeWith(s, {
        completeRun: async (id: string, summary: RunSummary) => {
          newer = await s.beginRun({ seed: 7, params: {}, startedAt: new Date().toISOString() });
          expect(await s.completeRun(newer, { timings: {}, counts: {}, params: {}, model: summary.model })).toBe(true);
          return s.completeRun(id, summary);
        },
      });
      const summary = await runAnalysis(overtaken, { ...DEFAULT_PARAMS, seed: 42 });
      expect(summary.supersededBy).toBe(newer);
      expect(await s.currentRunId()).toBe(newer);
      expect((await s.listRuns(5)).find((r) => r.id === summary.runId)).toMatchObject({ status: 'done' });
      expect(summary.alertsRaised).toBe(0);
      expect((await s.getAlertPass(summary.runId))?.raisedAt).toBeUndefined();
      expect(printAnalysis(summary)).toMatch(new RegExp(`^analysis run ${summary.runId} is done but not current: run ${newer}, begun after it, completed first`));
      // The next run follows the current one, as always.
      expect((await runAnalysis(s, { ...DEFAULT_PARAMS, seed: 42 })).supersededBy).toBeUndefined();
    } finally {
      await s.close();
    }
  });

  it('a run that fails is marked failed and the previous one stays current', async () => {
    const before = (await store.currentRun())!.id;
    const failing = storeWith(store, { writeRunResults: async () => { throw new Error('disk full'); } });
    await expect(runAnalysis(failing, { ...DEFAULT_PARAMS, seed: 1 })).rejects.toThrow('disk full');
    expect((await store.currentRun())!.id).toBe(before);
    expect((await store.listRuns(1))[0]!.status).toBe('failed');
  });
});

describe('hub damping', () => {
  it('keeps a planted ring apart from a business-centre address shared by many honest companies', async () => {
    const t = tempDir('cg-hub-');
    const st = new SqliteGraphStore(join(t.dir, 'hub.db'));
    await st.migrate();
    const centre = '10 Boulevard Zerktouni, Casablanca';
    const rows = [];
    for (let i = 0; i < 70; i++) {
      rows.push(row({ declaration_id: `H${i}`, trader_id: `HONEST${i}`, trader_address: centre, supplier_id: `S${i}`, broker_id: `B${i % 7}` }));
    }
    rows.push(
      row({ declaration_id: 'R1', trader_id: 'RING1', trader_address: centre, trader_phone: '0661000001', supplier_id: 'RS', broker_id: 'RB' }),
      row({ declaration_id: 'R2', trader_id: 'RING2', trader_address: centre, trader_phone: '0661000001', trader_bank_account: 'MA11', supplier_id: 'RS', broker_id: 'RB', outcome: 'seizure' }),
      row({ declaration_id: 'R3', trader_id: 'RING3', trader_address: centre, trader_bank_account: 'MA11', supplier_id: 'RS', broker_id: 'RB' }),
    );
    await st.writeBatch(batchOf(rows));
    await runAnalysis(st, { ...DEFAULT_PARAMS, seed: 3 });
    const run = (await st.currentRun())!;
    expect((run.params.hubExamples as string[]).some((h) => h.startsWith('Address'))).toBe(true);
    const ids = await Promise.all(['RING1', 'RING2', 'RING3', 'HONEST0'].map((k) => st.findEntity({ kind: 'Trader', key: k })));
    const scores = new Map((await st.getScores(ids.map((e) => e!.id))).map((s) => [s.entityId, s]));
    const c = ids.map((e) => scores.get(e!.id)!.community);
    expect(c[0]).toBe(c[1]);
    expect(c[1]).toBe(c[2]);
    expect(c[3]).not.toBe(c[0]);
    const ring1 = scores.get(ids[0]!.id)!;
    expect(ring1.signals.map((s) => s.name)).toContain('shared_identifier_ring');
    expect(scores.get(ids[3]!.id)!.signals.map((s) => s.name)).not.toContain('shared_identifier_ring');
    await st.close();
    t.cleanup();
  });
});

describe('declaration scoring', () => {
  it('scores a ring member above an honest trader, with reasons and no personal data', async () => {
    const scorer = await DeclarationScorer.load(store, { phoneRegion: 'MA' });
    const ring = synth.truth.rings[0]!;
    const top = await store.topEntities({ kind: 'Trader', limit: 100_000 });
    const keys = new Map((await store.getEntities(top.map((s) => s.entityId))).map((e) => [e.key, e.id]));
    const risky = ring.members[0]!;
    const honestScore = top[top.length - 1]!;
    const honestKey = (await store.getEntities([honestScore.entityId]))[0]!.key;
    expect(keys.has(normalizeId(risky))).toBe(true);
    const a = scorer.score(declaration({ declaration_id: 'NEW1', trader_id: risky, trader_name: 'Secret Name SARL', trader_phone: '0661999888', broker_id: ring.broker, supplier_id: ring.suppliers[0]! }));
    const b = scorer.score(declaration({ declaration_id: 'NEW2', trader_id: honestKey }));
    expect(a.risk).toBeGreaterThan(b.risk);
    expect(a.reasons.length).toBeGreaterThan(0);
    const json = JSON.stringify(a);
    expect(json).not.toContain('Secret Name');
    expect(json).not.toContain('661999888');
  });
});
