/**
 * The run report and channel overrides through GraphQL, over a real socket: who may read and
 * write them, the limits given as variables as well as literals, an override counted in the next
 * run's model card, and every override audited.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_PARAMS, runAnalysis } from '../src/analysis/run';
import type { RunningServer } from '../src/api/server';
import type { SqliteGraphStore } from '../src/store/sqlite/sqlite-store';
import { servedApi, type GqlClient } from './api-client';
import { analysedSyntheticStore, tempDir } from './helpers';

const KEYS = {
  investigator: ['investigator', 'inv-key-2'], scorer: ['scorer', 'sco-key-2'], analyst: ['analyst', 'ana-key-2'], admin: ['admin', 'adm-key-2'],
} satisfies Record<string, [string, string]>;

const tmp = tempDir('cg-report-api-');
let store: SqliteGraphStore;
let server: RunningServer;
let gql: GqlClient<keyof typeof KEYS>;


const OVERRIDE = `mutation($input: ChannelOverrideInput!) { overrideChannel(input: $input) { id who declarationId modelChannel channel reason note runId } }`;
const REPORT = `query($run: ID, $from: Date, $to: Date, $capacity: Float) { runReport(run: $run, from: $from, to: $to, capacity: $capacity) {
  run { id } modelCard { declarations heldOut { auc size precisionAt5 calibration { size } } overrides { total released controlled byReason { reason count } } changes { previousRun } }
  biasAudit { from to items selectionRate flagged { dimension group } groups { dimension } }
  dataQuality { rows fill { field rate } months { month rows } defaultIdentifierLimit }
  overridesSince { total } html } }`;

beforeAll(async () => {
  ({ store } = await analysedSyntheticStore(tmp.dir, 'report.db', { traders: 600, seed: 13 }));
  ({ server, gql } = await servedApi(store, KEYS));
}, 240_000);

afterAll(async () => {
  await server.close();
  await store.close();
  tmp.cleanup();
});

describe('channel overrides', () => {
  it('are recorded by an investigator, audited, listed, and counted in the next run\'s model card', async () => {
    const before = await gql('analyst', REPORT);
    expect(before.errors).toBeUndefined();
    expect(before.data!.runReport.modelCard.overrides.total).toBe(0);
    const released = await gql('investigator', OVERRIDE, { input: { declarationId: '2025000000017', modelChannel: 'RED', channel: 'GREEN', reason: 'DOCUMENTS_VERIFIED' } });
    expect(released.errors).toBeUndefined();
    expect(released.data!.overrideChannel).toMatchObject({ who: 'env-1-investigator', modelChannel: 'RED', channel: 'GREEN', reason: 'DOCUMENTS_VERIFIED', note: null });
    expect(released.data!.overrideChannel.runId).toBe(`AnalysisRun:${await store.currentRunId()}`);
    const controlled = await gql('analyst', OVERRIDE, { input: { declarationId: '2025000000018', modelChannel: 'GREEN', channel: 'RED', reason: 'OTHER', note: 'tip from the port' } });
    expect(controlled.errors).toBeUndefined();
    const audit = await store.listAudit({ limit: 10 });
    expect(audit.filter((a) => a.operation === 'overrideChannel').map((a) => a.who).sort()).toEqual(['env-1-investigator', 'env-3-analyst']);
    const listed = await gql('admin', '{ channelOverrides(first: 1) { edges { node { declarationId note } } pageInfo { hasNextPage endCursor } } }');
    expect(listed.data!.channelOverrides.edges[0].node).toEqual({ declarationId: '2025000000018', note: 'tip from the port' });
    const page2 = await gql('admin', 'query($a: String) { channelOverrides(first: 5, after: $a) { edges { node { declarationId } } } }', { a: listed.data!.channelOverrides.pageInfo.endCursor });
    expect(page2.data!.channelOverrides.edges.map((e: { node: { declarationId: string } }) => e.node.declarationId)).toEqual(['2025000000017']);
    // The report of the run they overruled says so at once; the next run's card counts them.
    expect((await gql('analyst', REPORT)).data!.runReport.overridesSince.total).toBe(2);
    await runAnalysis(store, { ...DEFAULT_PARAMS, seed: 42 });
    const after = (await gql('analyst', REPORT)).data!.runReport.modelCard;
    expect(after.overrides).toMatchObject({ total: 2, released: 1, controlled: 1 });
    expect(after.overrides.byReason).toEqual([{ reason: 'DOCUMENTS_VERIFIED', count: 1 }, { reason: 'OTHER', count: 1 }]);
  });

  it('refuse what is not an override, as literals and as variables', async () => {
    const same = await gql('investigator', OVERRIDE, { input: { declarationId: 'D', modelChannel: 'RED', channel: 'RED', reason: 'CAPACITY' } });
    expect(same.errors![0]!.extensions!.code).toBe('BAD_USER_INPUT');
    const noNote = await gql('investigator', 'mutation { overrideChannel(input: { declarationId: "D", modelChannel: RED, channel: GREEN, reason: OTHER }) { id } }');
    expect(noNote.errors![0]).toMatchObject({ message: expect.stringContaining('note is required'), extensions: { code: 'BAD_USER_INPUT' } });
    const longNote = await gql('investigator', OVERRIDE, { input: { declarationId: 'D', modelChannel: 'RED', channel: 'GREEN', reason: 'OTHER', note: 'x'.repeat(2001) } });
    expect(longNote.errors![0]!.extensions!.code).toBe('BAD_USER_INPUT');
    const longId = await gql('investigator', OVERRIDE, { input: { declarationId: 'D'.repeat(1001), modelChannel: 'RED', channel: 'GREEN', reason: 'CAPACITY' } });
    expect(longId.errors![0]!.extensions!.code).toBe('BAD_USER_INPUT');
    const badReason = await gql('investigator', OVERRIDE, { input: { declarationId: 'D', modelChannel: 'RED', channel: 'GREEN', reason: 'BECAUSE' } });
    expect(badReason.errors![0]!.extensions!.code).toBe('BAD_USER_INPUT');
    for (const r of [same, noNote, longNote, longId, badReason]) expect(JSON.stringify(r.errors)).not.toMatch(/\.ts:\d+|at .*\(/);
  });

  it('are not open to a scorer, nor is the report', async () => {
    const write = await gql('scorer', OVERRIDE, { input: { declarationId: 'D', modelChannel: 'RED', channel: 'GREEN', reason: 'CAPACITY' } });
    expect(write.errors![0]!.extensions!.code).toBe('FORBIDDEN');
    expect((await gql('scorer', REPORT)).errors![0]!.extensions!.code).toBe('FORBIDDEN');
    expect((await gql('scorer', '{ channelOverrides { edges { node { id } } } }')).errors![0]!.extensions!.code).toBe('FORBIDDEN');
  });
});

describe('the run report', () => {
  it('gives the card, the audit of the period asked and the data quality, with the HTML page', async () => {
    const r = await gql('investigator', REPORT, { from: '2025-07-01', to: '2025-09-30', capacity: 0.1 });
    expect(r.errors).toBeUndefined();
    const rep = r.data!.runReport;
    expect(rep.biasAudit).toMatchObject({ from: '2025-07-01', to: '2025-09-30' });
    expect(rep.biasAudit.items).toBeGreaterThan(0);
    expect(rep.biasAudit.selectionRate).toBeGreaterThan(0.1);
    expect(rep.modelCard.heldOut.calibration).toHaveLength(10);
    expect(rep.dataQuality.rows).toBe(rep.modelCard.declarations);
    expect(rep.dataQuality.fill.find((f: { field: string }) => f.field === 'declaration_id').rate).toBe(1);
    expect(rep.html).toMatch(/^<!doctype html>/);
    for (const id of ['precision-capacity', 'calibration', 'selection-fraud', 'score-drift', 'data-quality-trend']) expect(rep.html).toContain(`data-chart="${id}"`);
    const audit = await store.listAudit({ limit: 5 });
    expect(audit.find((a) => a.operation === 'runReport')).toBeTruthy();
  });

  it('refuses periods and capacities out of bounds, and an unknown run', async () => {
    const notDays = [{ from: 'yesterday', to: '2025-07-01' }, { from: '2025-02-30', to: '2025-03-01' }, { from: '2025-07-01T10:00:00Z', to: '2025-07-02' }];
    for (const vars of [{ from: '2025-09-30', to: '2025-07-01' }, { from: '2025-07-01' }, ...notDays, { capacity: 1.5 }, { capacity: -0.1 }]) {
      const r = await gql('analyst', REPORT, vars);
      expect(r.errors![0]!.extensions!.code, JSON.stringify(vars)).toBe('BAD_USER_INPUT');
    }
    const literal = await gql('analyst', '{ runReport(capacity: 2) { generatedAt } }');
    expect(literal.errors![0]!.extensions!.code).toBe('BAD_USER_INPUT');
    // A literal that is not a calendar day fails validation, before anything runs, and says why.
    const badDay = await gql('analyst', '{ runReport(from: "2025-02-30", to: "2025-03-01") { generatedAt } }');
    expect(badDay.errors![0]!.extensions!.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(badDay.errors![0]!.message).toMatch(/Date must be a calendar day/);
    const unknown = await gql('analyst', REPORT, { run: '999999' });
    expect(unknown.errors![0]!.extensions!.code).toBe('NOT_FOUND');
  });
});
