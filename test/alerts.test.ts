/**
 * Each alert type on small crafted data: two runs whose scores and rings are written by hand over
 * a real store, the entity graph projected from the store's own declarations, and the ingest-time
 * watchlist check on a phone written another way.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadEntityGraph } from '../src/analysis/graph/projection';
import { prepareAlertPass, raiseAlertPass } from '../src/alerts/run-alerts';
import { DEFAULT_ALERT_SETTINGS } from '../src/alerts/settings';
import type { Alert } from '../src/domain/alerts';
import { scoreList, type CommunityRecord, type EntityScore } from '../src/domain/results';
import { SqliteGraphStore } from '../src/store/sqlite/sqlite-store';
import { ingestInto, row, runCli, tempDir, toCsv } from './helpers';

const { dir, cleanup } = tempDir('cg-alerts-');
let store: SqliteGraphStore;
const ids: Record<string, string> = {};
const model = { declarationModel: { features: [], model: { bias: 0, weights: [] }, source: 'defaults' as const }, medians: {} };

async function load(name: string, rows: Array<Record<string, string>>) {
  const file = join(dir, name);
  writeFileSync(file, toCsv(rows));
  const s = await ingestInto(store, [file], dir);
  expect(s.rejected).toBe(0);
}

async function idOf(kind: 'Trader' | 'Supplier', key: string): Promise<string> {
  const e = await store.findEntity({ kind, key });
  if (!e) throw new Error(`no ${kind} ${key}`);
  return e.id;
}

const score = (name: string, kind: EntityScore['kind'], risk: number, extra: Partial<EntityScore> = {}): EntityScore => ({
  entityId: ids[name]!, kind, risk, pagerank: 0, ppr: 0, seizures: 0, knownBad: false, signals: [], ...extra,
});
const ring = (community: number, members: string[], risk: number): CommunityRecord => ({
  community, rank: 1, size: members.length, byKind: {}, knownBad: 0, value: 0, risk, members: members.map((m) => ids[m]!), signals: [],
});

/** A run written whole and made current, then its alert pass prepared from the store as it stands, and raised. */
async function run(scores: EntityScore[], communities: CommunityRecord[]): Promise<{ runId: string; raised: number }> {
  const previous = await store.currentRun();
  const runId = await store.beginRun({ seed: 1, params: {}, startedAt: new Date().toISOString() });
  await store.writeRunResults(runId, { scores: scoreList(scores), communities, categories: [] });
  const g = await loadEntityGraph(store);
  const pass = await prepareAlertPass(store, { runId, previous, g, hub: new Uint8Array(g.n), scores: scoreList(scores), communities }, DEFAULT_ALERT_SETTINGS);
  await store.saveAlertPass(pass);
  await store.completeRun(runId, { timings: {}, counts: {}, params: {}, model });
  return { runId, raised: await raiseAlertPass(store, runId) };
}

const ofType = (all: Alert[], type: Alert['type']) => all.filter((a) => a.type === type);

describe('alerts on crafted data', () => {
  let first: { runId: string; raised: number };
  let second: { runId: string; raised: number };
  let all: Alert[];

  beforeAll(async () => {
    store = new SqliteGraphStore(join(dir, 'alerts.db'));
    await store.migrate();
    await load('first.csv', [
      row({ declaration_id: 'D1', trader_id: 'T1', trader_name: 'Atlas', trader_phone: '0661234567', supplier_id: 'S1', supplier_name: 'Shanghai One' }),
      row({ declaration_id: 'D2', trader_id: 'T2', trader_name: 'Beta', supplier_id: 'S2', supplier_name: 'Two Ltd' }),
      row({ declaration_id: 'D3', trader_id: 'T3', trader_name: 'Gamma', supplier_id: 'S2', supplier_name: 'Two Ltd' }),
      row({ declaration_id: 'D4', trader_id: 'T4', trader_name: 'Delta', supplier_id: 'SBAD', supplier_name: 'Bad Supply' }),
      row({ declaration_id: 'D9', trader_id: 'T7', trader_name: 'Eta', supplier_id: 'S3', supplier_name: 'Three Co' }),
    ]);
    for (const t of ['T1', 'T2', 'T3', 'T4', 'T7']) ids[t] = await idOf('Trader', t);
    for (const [name, label] of [['S1', 'Shanghai One'], ['SBAD', 'Bad Supply'], ['S3', 'Three Co']] as const) {
      ids[name] = (await store.searchByName(label, { kinds: ['Supplier'], limit: 1 }))[0]!.id;
    }

    first = await run([
      score('T1', 'Trader', 0.5, { community: 1 }), score('S1', 'Supplier', 0.4, { community: 1 }), score('T4', 'Trader', 0.3, { community: 1 }),
      score('T2', 'Trader', 0.3), score('T3', 'Trader', 0.1), score('SBAD', 'Supplier', 0.6, { knownBad: true }), score('T7', 'Trader', 0.2),
    ], [ring(1, ['T1', 'S1', 'T4'], 0.5)]);

    // Between the runs: an investigator watches T3; the phone of T1 goes on the watchlist; new declarations arrive.
    await store.addWatch({ kind: 'entity', ref: ids.T3!, who: 'desk-1', at: new Date().toISOString(), seen: { run: first.runId, risk: 0.1, declarations: 1 } });
    await store.upsertWatchlist([{ kind: 'Phone', key: '+212661234567', reason: 'front company line', source: 'intel', severity: 0.9, listedAt: '2025-01-01' }]);
    await load('second.csv', [
      // The watchlisted phone, written another way, on a new trader's declaration.
      row({ declaration_id: 'D5', trader_id: 'T5', trader_name: 'Zeta', trader_phone: '+212 661-23-45-67', supplier_id: 'S3', supplier_name: 'Three Co' }),
      row({ declaration_id: 'D6', trader_id: 'T6', trader_name: 'Theta', supplier_id: 'SBAD', supplier_name: 'Bad Supply' }),
      row({ declaration_id: 'D7', trader_id: 'T3', trader_name: 'Gamma', supplier_id: 'S2', supplier_name: 'Two Ltd' }),
    ]);
    for (const t of ['T5', 'T6']) ids[t] = await idOf('Trader', t);
    const d6 = (await store.getDeclaration('D6/1'))!.id;

    second = await run([
      score('T1', 'Trader', 0.55, { community: 7 }), score('S1', 'Supplier', 0.4, { community: 7 }), score('T4', 'Trader', 0.3, { community: 7 }),
      score('T7', 'Trader', 0.35, { community: 7 }), score('T2', 'Trader', 0.85), score('T3', 'Trader', 0.45), score('SBAD', 'Supplier', 0.6, { knownBad: true }),
      score('T5', 'Trader', 0.2), score('T6', 'Trader', 0.3, { signals: [{ name: 'new_trader_volume', value: 1, contribution: 0.4, evidence: [d6] }] }),
    ], [ring(7, ['T1', 'S1', 'T4', 'T7'], 0.7)]);
    all = await store.listAlerts({ limit: 100 });
  });
  afterAll(async () => {
    await store.close();
    cleanup();
  });

  it('raises nothing on the first run: it is the baseline', () => {
    expect(first.raised).toBe(0);
  });

  it('a risk crossing its threshold, and a risk rising by the margin', () => {
    const [crossed] = ofType(all, 'risk_threshold');
    expect(ofType(all, 'risk_threshold')).toHaveLength(1);
    expect(crossed!.entities).toEqual([ids.T2]);
    expect(crossed!.summary).toContain('0.30');
    expect(crossed!.runs).toEqual({ previous: first.runId, current: second.runId });
    expect(ofType(all, 'risk_rise').map((a) => a.entities[0])).toEqual([ids.T3]);
  });

  it('a ring that grew and whose risk rose, with who joined and both versions of the ring', () => {
    const [grew] = ofType(all, 'ring_grew');
    expect(grew!.summary).toContain('from 3 to 4');
    expect(grew!.evidence).toEqual(expect.arrayContaining([
      { kind: 'ring', ref: `${second.runId}:7`, note: 'ring 1' }, { kind: 'ring', ref: `${first.runId}:1`, note: 'as it was' }, { kind: 'entity', ref: ids.T7, note: 'joined' },
    ]));
    expect(ofType(all, 'ring_risk_rose')).toHaveLength(1);
  });

  it('a new tie to a ring member through a shared phone, and one to a known-bad entity through a declaration', async () => {
    const ringLinks = ofType(all, 'new_link_ring');
    // T7 joined the ring: its old ties are the ring's growth, not new links.
    expect(ringLinks.map((a) => a.entities)).toEqual([[ids.T5, ids.T1]]);
    const phone = ringLinks[0]!.evidence.find((e) => e.note === 'shared phone');
    expect((await store.getEntities([phone!.ref]))[0]).toMatchObject({ kind: 'Phone', key: '+212661234567' });
    const bad = ofType(all, 'new_link_known_bad');
    expect(bad.map((a) => a.entities)).toEqual([[ids.T6, ids.SBAD]]);
    // The declaration behind the tie, with its day and goods.
    const d6 = (await store.getDeclaration('D6/1'))!;
    expect(bad[0]!.evidence).toContainEqual({ kind: 'declaration', ref: d6.id, note: `${d6.lodged_at} ${d6.hs_code}` });
  });

  it('a new trader with sudden volume, pointing at its declarations', async () => {
    const [v] = ofType(all, 'sudden_volume');
    expect(v!.entities).toEqual([ids.T6]);
    expect(v!.evidence).toContainEqual({ kind: 'declaration', ref: (await store.getDeclaration('D6/1'))!.id, note: 'new_trader_volume' });
  });

  it('a watched entity that changed, assigned to whoever watches it', () => {
    const [w] = ofType(all, 'watch');
    expect(w!.assignee).toBe('desk-1');
    expect(w!.summary).toContain('risk 0.10 → 0.45');
    expect(w!.summary).toContain('declarations 1 → 2');
  });

  it('a watchlisted phone in a new declaration, however it was written, at ingest', async () => {
    const hits = ofType(all, 'watchlist_hit');
    expect(hits).toHaveLength(1);
    expect(hits[0]!.entities).toEqual([(await store.findEntity({ kind: 'Phone', key: '+212661234567' }))!.id]);
    expect(hits[0]!.evidence[0]).toMatchObject({ kind: 'declaration', ref: (await store.getDeclaration('D5/1'))!.id });
    expect(hits[0]!.severity).toBe('high');
    expect(hits[0]!.runs).toEqual({});
  });

  it('no alert twice for one change: raising again, preparing again, ingesting the same declaration again', async () => {
    const before = await store.countAlerts({});
    expect(before).toBe(all.length);
    expect(await raiseAlertPass(store, second.runId)).toBe(0);
    const pass = (await store.getAlertPass(second.runId))!;
    await store.saveAlertPass({ ...pass, raisedAt: undefined });
    expect(await raiseAlertPass(store, second.runId)).toBe(0);
    await load('again.csv', [row({ declaration_id: 'D5', trader_id: 'T5', trader_name: 'Zeta', trader_phone: '0661234567', supplier_id: 'S3', supplier_name: 'Three Co' })]);
    expect(await store.countAlerts({})).toBe(before);
    expect(new Set(all.map((a) => a.key)).size).toBe(all.length);
  });

  it('lists them on the terminal: customs-graph alerts, filtered, as JSON and as a table', () => {
    const json = runCli(['alerts', '--db', store.path, '--type', 'watchlist_hit', '--json']);
    expect(json.status, json.stderr).toBe(0);
    const out = JSON.parse(json.stdout) as { total: number; alerts: Array<{ type: string; main: string; summary: string }> };
    expect(out.total).toBe(1);
    expect(out.alerts[0]).toMatchObject({ type: 'watchlist_hit', main: 'Phone 0661234567' }); // the phone as first declared
    const text = runCli(['alerts', '--db', store.path, '--min-severity', 'high']);
    expect(text.stdout).toContain('risk_threshold');
    expect(text.stdout).not.toContain('| low |');
    const bad = runCli(['alerts', '--db', store.path, '--type', 'nonsense']);
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toContain('unknown value nonsense');
  });

  it('filters by type, state, severity, time, assignee and entity, newest first', async () => {
    expect((await store.listAlerts({ types: ['watch'], limit: 10 })).map((a) => a.type)).toEqual(['watch']);
    expect(await store.countAlerts({ minSeverity: 'high' })).toBe(all.filter((a) => a.severity === 'high' || a.severity === 'critical').length);
    expect(await store.countAlerts({ assignee: 'desk-1' })).toBe(1);
    expect(await store.countAlerts({ entityId: ids.T6 })).toBe(2);
    expect(await store.countAlerts({ since: '2999-01-01' })).toBe(0);
    const ids_ = all.map((a) => Number(a.id));
    expect(ids_).toEqual([...ids_].sort((a, b) => b - a));
  });
});
