/**
 * The clearance system's flow in the embedded mode, over a real socket: declarations lodged are
 * channelled at once and stored by the in-process runner; the same request again is answered the
 * same and stored once; a changed declaration replaces the stored one and its links; control
 * results come back, an unknown declaration's refused with the reason; the clearance role reads
 * nothing else; /metrics parses as Prometheus text and its counters move; enough declarations
 * stored start an analysis.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { declarationKey } from '../src/domain/declaration-key';
import { keyFor } from '../src/domain/entities';
import type { RunningServer } from '../src/api/server';
import type { SqliteGraphStore } from '../src/store/sqlite/sqlite-store';
import { servedApi, type GqlClient, type GqlResult } from './api-client';
import { analysedSyntheticStore, tempDir } from './helpers';

const KEYS = { clearance: ['clearance', 'fl-clr'], inv: ['investigator', 'fl-inv'], scorer: ['scorer', 'fl-sco'] } satisfies Record<string, [string, string]>;
const tmp = tempDir('cg-flow-');
let store: SqliteGraphStore;
let server: RunningServer;
let gql: GqlClient<keyof typeof KEYS>;

const LODGE = `mutation($i: [DeclarationInput!]!, $c: Float!, $k: String) { lodgeDeclarations(inputs: $i, capacity: $c, idempotencyKey: $k) {
  replayed job { id kind status } selections { declarationId itemNo channel risk why } } }`;
const JOB = 'query($id: ID!) { job(id: $id) { status result error } }';

const decl = (n: number, extra: Record<string, unknown> = {}) => ({
  declarationId: `LODGE-${n}`, lodgedAt: '2025-12-30', traderId: `TL${n % 7}`, traderName: `Lodging Trader ${n % 7}`, originCountry: 'CN', hsCode: '610910',
  declaredValue: 1000 + n * 13, supplierId: `SL${n % 5}`, supplierName: `Supplier ${n % 5}`, ...extra,
});

const OPTS = { phoneRegion: 'MA' };
const code = (r: GqlResult) => r.errors?.[0]?.extensions?.code;

/** Waits for a job to end, asking as `who` through `client`. */
async function until<K extends string>(client: GqlClient<K>, id: string, who = 'clearance' as K): Promise<Record<string, any>> {
  for (let i = 0; i < 400; i++) {
    const job = (await client(who, JOB, { id })).data!.job;
    if (job.status === 'DONE' || job.status === 'FAILED') return job;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`job ${id} did not end`);
}

const untilDone = (who: keyof typeof KEYS, id: string) => until(gql, id, who);

async function metrics(): Promise<Map<string, Array<{ value?: string; labels?: Record<string, string>; count?: string }>>> {
  const res = await fetch(server.url.replace('/graphql', '/metrics'));
  expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
  return new Map(parsePrometheusTextFormat(await res.text()).map((f) => [f.name, f.metrics]));
}

const sample = (m: Awaited<ReturnType<typeof metrics>>, name: string, labels: Record<string, string> = {}) =>
  Number(m.get(name)?.find((s) => Object.entries(labels).every(([k, v]) => s.labels?.[k] === v))?.value ?? 0);

beforeAll(async () => {
  ({ store } = await analysedSyntheticStore(tmp.dir, 'flow.db', { traders: 300, seed: 31 }));
  ({ server, gql } = await servedApi(store, KEYS));
}, 180_000);

afterAll(async () => {
  await server.close();
  await store.close();
  tmp.cleanup();
});

describe('declarations lodged by the clearance system', () => {
  it('are channelled at once, stored by the runner, and answered the same when sent again', async () => {
    const before = await metrics();
    const batch = Array.from({ length: 10 }, (_, n) => decl(n));
    const r = await gql('clearance', LODGE, { i: batch, c: 0.2, k: 'batch-1' });
    expect(r.errors).toBeUndefined();
    const lodged = r.data!.lodgeDeclarations;
    expect(lodged.replayed).toBe(false);
    expect(lodged.job.kind).toBe('LODGE');
    expect(lodged.selections).toHaveLength(10);
    expect(lodged.selections.filter((s: { channel: string }) => s.channel === 'RED')).toHaveLength(2);
    // The channels are those selectDeclarations gives for the same batch.
    const same = await gql('scorer', 'query($i: [DeclarationInput!]!) { selectDeclarations(inputs: $i, capacity: 0.2) { declarationId channel risk } }', { i: batch });
    expect(lodged.selections.map((s: any) => [s.declarationId, s.channel, s.risk])).toEqual(same.data!.selectDeclarations.map((s: any) => [s.declarationId, s.channel, s.risk]));
    const job = await untilDone('clearance', lodged.job.id);
    expect(job.status).toBe('DONE');
    expect(job.result).toMatchObject({ stored: 10 });
    expect((await store.getDeclaration(declarationKey('LODGE-3', 1)))!.trader_id).toBe('TL3');
    const stored = (await store.counts()).declarations;
    // Sent again (a retry after a timeout): the same answer, nothing queued, nothing stored twice.
    const again = (await gql('clearance', LODGE, { i: batch, c: 0.2, k: 'batch-1' })).data!.lodgeDeclarations;
    expect(again.replayed).toBe(true);
    expect(again.job.id).toBe(lodged.job.id);
    expect(again.selections).toEqual(lodged.selections);
    // Without a key, the same declarations and parameters are the same request too.
    const unkeyed = (await gql('clearance', LODGE, { i: batch, c: 0.2 })).data!.lodgeDeclarations;
    await untilDone('clearance', unkeyed.job.id);
    expect((await gql('clearance', LODGE, { i: batch, c: 0.2 })).data!.lodgeDeclarations).toMatchObject({ replayed: true, job: { id: unkeyed.job.id } });
    expect((await store.counts()).declarations).toBe(stored);
    const after = await metrics();
    expect(sample(after, 'customs_graph_declarations_stored_total', { source: 'api' }) - sample(before, 'customs_graph_declarations_stored_total', { source: 'api' })).toBe(20);
    expect(sample(after, 'customs_graph_graphql_requests_total', { operation: 'lodgeDeclarations', outcome: 'ok' })).toBeGreaterThanOrEqual(4);
    expect(Number(after.get('customs_graph_ingest_lag_seconds')![0]!.count)).toBeGreaterThanOrEqual(2);
    expect(after.get('customs_graph_queue_waiting')!.map((s) => s.labels?.queue).sort()).toEqual(['analysis', 'deliver', 'export', 'ingest']);
  });

  it('replaces a declaration lodged again changed, with its links', async () => {
    const first = (await gql('clearance', LODGE, { i: [decl(100, { supplierId: 'S-OLD', supplierName: 'Old Supplier' })], c: 0.1 })).data!.lodgeDeclarations;
    await untilDone('clearance', first.job.id);
    const trader = (await store.findEntity({ kind: 'Trader', key: keyFor('Trader', 'TL2', OPTS) }))!.id;
    const old = (await store.findEntity({ kind: 'Supplier', key: keyFor('Supplier', 'S-OLD', OPTS) }))!.id;
    expect((await store.linkFigures(trader, old)).declarations).toBe(1);
    const changed = (await gql('clearance', LODGE, { i: [decl(100, { supplierId: 'S-NEW', supplierName: 'New Supplier' })], c: 0.1 })).data!.lodgeDeclarations;
    expect(changed.replayed).toBe(false);
    expect((await untilDone('clearance', changed.job.id)).result).toMatchObject({ stored: 1, replaced: 1 });
    expect((await store.getDeclaration(declarationKey('LODGE-100', 1)))!.supplier_id).toBe('S-NEW');
    // The trader's tie to the old supplier went with the old version; the new supplier took it.
    expect((await store.linkFigures(trader, old)).declarations).toBe(0);
    const fresh = (await store.findEntity({ kind: 'Supplier', key: keyFor('Supplier', 'S-NEW', OPTS) }))!.id;
    expect((await store.linkFigures(trader, fresh)).declarations).toBe(1);
  });

  it('refuses bad batches, given as variables, and lodges nothing for a scorer or an investigator', async () => {
    expect(code(await gql('clearance', LODGE, { i: [decl(1, { lodgedAt: '2025-13-40' })], c: 0.1 }))).toBe('BAD_USER_INPUT');
    expect(code(await gql('clearance', LODGE, { i: [], c: 0.1 }))).toBe('BAD_USER_INPUT');
    expect(code(await gql('clearance', LODGE, { i: [decl(1)], c: 1.5 }))).toBe('BAD_USER_INPUT');
    expect(code(await gql('clearance', LODGE, { i: Array.from({ length: 1001 }, (_, n) => decl(n)), c: 0.1 }))).toBe('BAD_USER_INPUT');
    expect(code(await gql('clearance', LODGE, { i: [decl(1)], c: 0.1, k: 'k'.repeat(201) }))).toBe('BAD_USER_INPUT');
    expect(code(await gql('scorer', LODGE, { i: [decl(1)], c: 0.1 }))).toBe('FORBIDDEN');
    expect(code(await gql('inv', LODGE, { i: [decl(1)], c: 0.1 }))).toBe('FORBIDDEN');
  });
});

describe('a service in another currency', () => {
  it('stores a lodged declaration that names no currency in the service\'s (CUSTOMS_GRAPH_CURRENCY)', async () => {
    const eur = await servedApi(store, { clearance: ['clearance', 'fl-clr-eur'] }, { config: { defaultCurrency: 'EUR' } });
    try {
      const r = (await eur.gql('clearance', LODGE, { i: [decl(900)], c: 0.1 })).data!.lodgeDeclarations;
      await until(eur.gql, r.job.id);
      expect((await store.getDeclaration(declarationKey('LODGE-900', 1)))!.currency).toBe('EUR');
      expect((await store.getDeclaration(declarationKey('LODGE-3', 1)))!.currency).toBe('MAD');
    } finally {
      await eur.server.close();
    }
  });
});

describe('control results', () => {
  it('are recorded for stored declarations; an unknown declaration or a bad field is refused with the reason', async () => {
    const q = 'mutation($o: [OutcomeInput!]!) { recordOutcomes(outcomes: $o) { accepted rejected { index declarationId reason } job { id } } }';
    const r = await gql('clearance', q, { o: [
      { declarationId: 'LODGE-4', outcome: 'SEIZURE', fraudType: 'undervaluation', recoveredAmount: 1234.5 },
      { declarationId: 'NEVER-LODGED', outcome: 'CLEAR' },
      { declarationId: 'LODGE-5', outcome: 'DISCREPANCY', fraudType: 'made-up' },
    ] });
    expect(r.errors).toBeUndefined();
    const out = r.data!.recordOutcomes;
    expect(out.accepted).toBe(1);
    expect(out.rejected).toEqual([
      { index: 1, declarationId: 'NEVER-LODGED', reason: expect.stringMatching(/no such declaration/) },
      { index: 2, declarationId: 'LODGE-5', reason: expect.stringMatching(/^fraud_type: /) },
    ]);
    expect((await untilDone('clearance', out.job.id)).result).toMatchObject({ updated: 1, missing: 0 });
    expect(await store.getDeclaration(declarationKey('LODGE-4', 1))).toMatchObject({ outcome: 'seizure', fraud_type: 'undervaluation', recovered_amount: 1234.5 });
    expect(code(await gql('inv', q, { o: [{ declarationId: 'LODGE-4', outcome: 'CLEAR' }] }))).toBe('FORBIDDEN');
  });
});

describe('the clearance role', () => {
  it('reads nothing but its jobs', async () => {
    for (const query of ['{ entity(id: "1") { id } }', '{ search(text: "sarl") { totalCount } }', '{ rings { totalCount } }', '{ currentRun { id } }',
      '{ cases { totalCount } }', '{ auditLog { totalCount } }', '{ runReport { generatedAt } }']) {
      expect(code(await gql('clearance', query)), query).toBe('FORBIDDEN');
    }
    const s = await gql('clearance', 'query($i: DeclarationInput!) { scoreDeclaration(input: $i) { risk } }', { i: decl(1) });
    expect(code(s)).toBe('FORBIDDEN');
    const jobs = await gql('clearance', '{ jobs(kind: LODGE, first: 2) { totalCount edges { node { id kind status queuedAt } } pageInfo { hasNextPage } } }');
    expect(jobs.errors).toBeUndefined();
    expect(jobs.data!.jobs.totalCount).toBeGreaterThanOrEqual(4);
    expect(jobs.data!.jobs.edges.every((e: { node: { kind: string } }) => e.node.kind === 'LODGE')).toBe(true);
  });
});

describe('analysis keeping up', () => {
  it('starts after every N declarations stored, one at a time', async () => {
    const previous = process.env.CUSTOMS_GRAPH_ANALYZE_AFTER;
    process.env.CUSTOMS_GRAPH_ANALYZE_AFTER = '15';
    const own = await servedApi(store, { clearance: ['clearance', 'fl-clr-2'], analyst: ['analyst', 'fl-ana-2'] });
    if (previous === undefined) delete process.env.CUSTOMS_GRAPH_ANALYZE_AFTER;
    else process.env.CUSTOMS_GRAPH_ANALYZE_AFTER = previous;
    try {
      const runBefore = await store.currentRunId();
      const lodge = async (from: number) => (await own.gql('clearance', LODGE, { i: Array.from({ length: 10 }, (_, n) => decl(500 + from + n)), c: 0.1 })).data!.lodgeDeclarations.job.id;
      await lodge(0);
      const second = await lodge(10);
      for (let i = 0; i < 400; i++) {
        const analyses = (await own.gql('analyst', '{ jobs(kind: ANALYSIS) { edges { node { status } } } }')).data!.jobs.edges;
        if (analyses.length && analyses[0].node.status === 'DONE') break;
        await new Promise((r) => setTimeout(r, 50));
      }
      expect((await own.gql('clearance', JOB, { id: second })).data!.job.status).toBe('DONE');
      const analyses = (await own.gql('analyst', '{ jobs(kind: ANALYSIS) { totalCount edges { node { status result } } } }')).data!.jobs;
      // 20 stored: one multiple of 15 crossed, one analysis.
      expect(analyses.totalCount).toBe(1);
      expect(analyses.edges[0].node.status).toBe('DONE');
      expect(await store.currentRunId()).not.toBe(runBefore);
    } finally {
      await own.server.close();
    }
  }, 120_000);
});
