/**
 * Alerts delivered, over real sockets: the inbox through GraphQL (filters and pages as
 * variables, every role), what an investigator does with an alert, watches, the live push over
 * a real WebSocket (graphql-ws) with the API's keys and roles, and a webhook receiver on
 * 127.0.0.1 that gets signed payloads and a retry after answering 500.
 */
import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../src/api/server';
import type { SqliteGraphStore } from '../src/store/sqlite/sqlite-store';
import { servedApi, type GqlClient, type GqlResult } from './api-client';
import { analysedSyntheticStore, ingestInto, row, tempDir, toCsv } from './helpers';
import { until } from './workers';

const KEYS = { inv: ['investigator', 'al-inv'], inv2: ['investigator', 'al-inv2'], sco: ['scorer', 'al-sco'], clr: ['clearance', 'al-clr'] } satisfies Record<string, [string, string]>;
const SECRET = 'a-webhook-secret-of-some-length';
const tmp = tempDir('cg-alerts-api-');
let store: SqliteGraphStore;
let server: RunningServer;
let gql: GqlClient<keyof typeof KEYS>;
let receiver: Server;
const received: Array<{ headers: IncomingHttpHeaders; body: string; status: number; at: number }> = [];
const code = (r: GqlResult) => r.errors?.[0]?.extensions?.code;
const wsUrl = () => server.url.replace('http://', 'ws://');

function wsClient(apiKey: string, extra: Record<string, unknown> = {}): Client {
  return createClient({ url: wsUrl(), webSocketImpl: WebSocket, connectionParams: { apiKey, ...extra }, retryAttempts: 0, lazy: true });
}

/** The first `n` results (or the error) of a subscription. */
function take(client: Client, query: string, variables: Record<string, unknown>, n: number): Promise<{ results: any[]; error?: unknown }> {
  return new Promise((resolve) => {
    const results: any[] = [];
    const stop = client.subscribe({ query, variables }, {
      next: (r) => { results.push(r); if (results.length >= n) { stop(); resolve({ results }); } },
      error: (error) => resolve({ results, error }),
      complete: () => resolve({ results }),
    });
  });
}

const SUB = `subscription($f: AlertFilter) { alertRaised(filter: $f) { id type severity summary raisedAt
  entities { id kind key } evidence { kind ref note declaration { declarationId lodgedOn hsCode } } } }`;

/** A declaration naming the watchlisted phone, written as a clerk would. */
async function lodgeWatchlisted(id: string) {
  const file = join(tmp.dir, `${id}.csv`);
  writeFileSync(file, toCsv([row({ declaration_id: id, trader_id: `TW-${id}`, trader_name: `Watch ${id}`, trader_phone: '06 61 99 88 77', lodged_at: '2025-12-30' })]));
  await ingestInto(store, [file], tmp.dir);
}

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      // The first delivery fails: the retry must come.
      const status = received.length === 0 ? 500 : 200;
      received.push({ headers: req.headers, body, status, at: Date.now() });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  const port = (receiver.address() as { port: number }).port;
  const hooks = join(tmp.dir, 'webhooks.json');
  writeFileSync(hooks, JSON.stringify([{ subscriber: 'env-1-investigator', url: `http://127.0.0.1:${port}/hook`, secret: SECRET, types: ['watchlist_hit'] }]));
  process.env.CUSTOMS_GRAPH_WEBHOOKS = hooks;
  process.env.CUSTOMS_GRAPH_WEBHOOK_BACKOFF_MS = '100';
  ({ store } = await analysedSyntheticStore(tmp.dir, 'alerts.db', { traders: 200, seed: 5 }));
  await store.upsertWatchlist([{ kind: 'Phone', key: '+212661998877', reason: 'seized shipment contact', source: 'intel', severity: 1, listedAt: '2025-01-01' }]);
  ({ server, gql } = await servedApi(store, KEYS));
}, 180_000);

afterAll(async () => {
  await server?.close();
  await store?.close();
  await new Promise((r) => receiver.close(r));
  delete process.env.CUSTOMS_GRAPH_WEBHOOKS;
  delete process.env.CUSTOMS_GRAPH_WEBHOOK_BACKOFF_MS;
  tmp.cleanup();
});

describe('live push and webhooks', () => {
  let pushed: any;

  it('a subscription over a real WebSocket receives the alert, with its evidence (its latency is bench:alerts\' figure)', async () => {
    const client = wsClient('al-inv');
    const got = take(client, SUB, { f: { types: ['WATCHLIST_HIT'] } }, 1);
    await new Promise((r) => setTimeout(r, 300)); // subscribed before the alert is raised
    await lodgeWatchlisted('WS-1');
    const { results, error } = await got;
    await client.dispose();
    expect(error).toBeUndefined();
    pushed = results[0].data.alertRaised;
    expect(pushed).toMatchObject({ type: 'WATCHLIST_HIT', severity: 'CRITICAL', entities: [{ kind: 'PHONE', key: '+212661998877' }] });
    expect(pushed.evidence[0]).toMatchObject({ kind: 'DECLARATION', declaration: { declarationId: 'WS-1', lodgedOn: '2025-12-30', hsCode: '610910' } });
  });

  it('the push is an audited identity read', async () => {
    const log = (await store.listAudit({ limit: 20 })).filter((a) => a.operation === 'alertRaised');
    expect(log[0]).toMatchObject({ who: 'env-1-investigator', role: 'investigator' });
    expect(log[0]!.entityIds.length).toBeGreaterThan(0);
  });

  it('the webhook receiver gets the alert signed (HMAC-SHA256 over timestamp and body), again after answering 500', async () => {
    for (let i = 0; i < 100 && received.length < 2; i++) await new Promise((r) => setTimeout(r, 50));
    expect(received.map((r) => r.status)).toEqual([500, 200]);
    for (const r of received) {
      const [, t, v1] = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(String(r.headers['x-customs-graph-signature']))!;
      expect(createHmac('sha256', SECRET).update(`${t}.${r.body}`).digest('hex')).toBe(v1);
      expect(Math.abs(Number(t) - r.at / 1000)).toBeLessThan(5);
      const body = JSON.parse(r.body);
      expect(body.alert).toMatchObject({ id: pushed.id, type: 'watchlist_hit', severity: 'critical' });
      // Ids, not names: the receiver reads the rest through the API.
      expect(r.body).not.toContain('Watch WS-1');
    }
    expect(received[1]!.at - received[0]!.at).toBeGreaterThanOrEqual(90);
  });

  it('a key the server does not know is refused on connect; a scorer may not subscribe; queries are not served over WebSocket', async () => {
    const bad = await take(wsClient('nope'), SUB, {}, 1);
    expect((bad.error as { code?: number }).code).toBe(4403);
    const scorer = await take(wsClient('al-sco'), SUB, {}, 1);
    expect((scorer.error as Array<{ extensions?: { code?: string } }>)?.[0]?.extensions?.code ?? scorer.results[0]?.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const query = await take(wsClient('al-inv'), '{ alerts { totalCount } }', {}, 1);
    expect((query.error as Array<{ extensions?: { code?: string } }>)[0]!.extensions!.code).toBe('BAD_USER_INPUT');
    // The HTTP API's limits hold here too: 25 aliases where 20 are allowed.
    const aliased = await take(wsClient('al-inv'), `subscription { alertRaised { ${Array.from({ length: 25 }, (_, k) => `a${k}: id`).join(' ')} } }`, {}, 1);
    expect((aliased.error as Array<{ message: string; extensions?: { code?: string } }>)[0]!.extensions!.code).toBe('BAD_USER_INPUT');
  });
});

describe('the inbox', () => {
  const LIST = `query($f: AlertFilter, $first: Int, $after: String) { alerts(filter: $f, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage hasPreviousPage endCursor } edges { node { id type state severity assignee } } } }`;

  beforeAll(async () => {
    for (const id of ['WS-2', 'WS-3', 'WS-4']) await lodgeWatchlisted(id);
  });

  it('pages through every alert of a filter, as variables, with totalCount', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    let total = 0;
    for (let page = 0; page < 10; page++) {
      const r: GqlResult = await gql('inv', LIST, { f: { types: ['WATCHLIST_HIT'], minSeverity: 'HIGH' }, first: 1, after });
      const c = r.data!.alerts;
      total = c.totalCount;
      expect(c.pageInfo.hasPreviousPage).toBe(after !== null);
      seen.push(...c.edges.map((e: any) => e.node.id));
      if (!c.pageInfo.hasNextPage) break;
      after = c.pageInfo.endCursor;
    }
    expect(total).toBe(4);
    expect(new Set(seen).size).toBe(4);
    expect((await gql('inv', LIST, { f: { since: '2999-01-01T00:00:00Z' } })).data!.alerts.totalCount).toBe(0);
    expect(code(await gql('inv', LIST, { f: { since: 'yesterday' } }))).toBe('BAD_USER_INPUT');
    expect(code(await gql('inv', LIST, { first: 1000 }))).toBe('BAD_USER_INPUT');
  });

  it('refuses the roles that do not read identities', async () => {
    for (const who of ['sco', 'clr'] as const) expect(code(await gql(who, LIST, {}))).toBe('FORBIDDEN');
    expect(code(await gql('sco', 'mutation($id: ID!) { acknowledgeAlert(id: $id) { id } }', { id: pushed() }))).toBe('FORBIDDEN');
  });

  let ids: string[] = [];
  const pushed = () => ids[0]!;
  beforeAll(async () => {
    ids = (await gql('inv', LIST, { f: { types: ['WATCHLIST_HIT'] }, first: 10 })).data!.alerts.edges.map((e: any) => e.node.id);
  });

  it('acknowledge, assign, dismiss with a reason, attach to a case: each kept in its history', async () => {
    const [a, b, c] = ids;
    const ack = await gql('inv', 'mutation($id: ID!) { acknowledgeAlert(id: $id, note: "looking") { state history { action who detail } } }', { id: a });
    expect(ack.data!.acknowledgeAlert.state).toBe('ACKNOWLEDGED');
    expect(ack.data!.acknowledgeAlert.history.map((h: any) => h.action)).toEqual(['RAISED', 'ACKNOWLEDGED']);
    const assign = await gql('inv', 'mutation($id: ID!, $to: String!) { assignAlert(id: $id, assignee: $to) { assignee } }', { id: a, to: 'env-2-investigator' });
    expect(assign.data!.assignAlert.assignee).toBe('env-2-investigator');
    expect((await gql('inv2', LIST, { f: { mine: true } })).data!.alerts.edges.map((e: any) => e.node.id)).toEqual([a]);

    expect(code(await gql('inv', 'mutation($id: ID!, $r: String!) { dismissAlert(id: $id, reason: $r) { state } }', { id: b, r: '  ' }))).toBe('BAD_USER_INPUT');
    const dismissed = await gql('inv', 'mutation($id: ID!, $r: String!) { dismissAlert(id: $id, reason: $r) { state dismissReason } }', { id: b, r: 'known courier number' });
    expect(dismissed.data!.dismissAlert).toEqual({ state: 'DISMISSED', dismissReason: 'known courier number' });
    expect(code(await gql('inv', 'mutation($id: ID!) { acknowledgeAlert(id: $id) { state } }', { id: b }))).toBe('BAD_USER_INPUT');

    const opened = (await gql('inv', 'mutation { openCase(title: "Phone ring") { id version } }')).data!.openCase;
    const attached = await gql('inv', 'mutation($id: ID!, $c: ID!) { attachAlertToCase(id: $id, case: $c) { state case { id items { kind note entity { kind } } history { detail } } } }', { id: c, c: opened.id });
    expect(attached.data!.attachAlertToCase.state).toBe('ATTACHED');
    expect(attached.data!.attachAlertToCase.case.items).toEqual([expect.objectContaining({ kind: 'ENTITY', entity: { kind: 'PHONE' } })]);
    expect(code(await gql('inv', 'mutation($id: ID!, $c: ID!) { attachAlertToCase(id: $id, case: $c) { state } }', { id: a, c: 'Case:999999' }))).toBe('NOT_FOUND');
    expect((await gql('inv', LIST, { f: { states: ['NEW'] } })).data!.alerts.totalCount).toBe(1);
  });

  it('an alert by its global id, through node too; a missing one is NOT_FOUND naming the argument', async () => {
    const one = await gql('inv', 'query($id: ID!) { node(id: $id) { ... on Alert { id type } } alert(id: $id) { id } }', { id: ids[0] });
    expect(one.data!.node).toEqual({ id: ids[0], type: 'WATCHLIST_HIT' });
    const missing = await gql('inv', 'query($id: ID!) { alert(id: $id) { id } }', { id: 'Alert:99999999' });
    expect(missing.errors![0]!.extensions).toMatchObject({ code: 'NOT_FOUND', argument: 'id' });
    expect(code(await gql('inv', 'query($id: ID!) { alert(id: $id) { id } }', { id: 'Case:1' }))).toBe('BAD_USER_INPUT');
  });

  it('watches an entity and a ring, lists and stops them; only its owner stops a watch', async () => {
    const ring = (await gql('inv', '{ rings(first: 1) { edges { node { id members(first: 1) { edges { node { id } } } } } } }')).data!.rings.edges[0].node;
    const entity = ring.members.edges[0].node.id;
    const we = await gql('inv', 'mutation($e: ID!) { watchEntity(entity: $e, note: "director of two fronts") { id kind entity { id } who } }', { e: entity });
    expect(we.data!.watchEntity).toMatchObject({ kind: 'ENTITY', entity: { id: entity }, who: 'env-1-investigator' });
    const wr = await gql('inv', 'mutation($r: ID!) { watchRing(ring: $r) { id kind ring { id } } }', { r: ring.id });
    expect(wr.data!.watchRing).toMatchObject({ kind: 'RING', ring: { id: ring.id } });
    expect((await gql('inv', '{ watches { kind } }')).data!.watches).toHaveLength(2);
    expect((await gql('inv2', '{ watches { kind } }')).data!.watches).toHaveLength(0);
    expect(code(await gql('inv2', 'mutation($id: ID!) { unwatch(id: $id) }', { id: we.data!.watchEntity.id }))).toBe('BAD_USER_INPUT');
    expect((await gql('inv', 'mutation($id: ID!) { unwatch(id: $id) }', { id: we.data!.watchEntity.id })).data!.unwatch).toBe(true);
    expect(code(await gql('inv', 'mutation($e: ID!) { watchEntity(entity: $e) { id } }', { e: 'Entity:99999999' }))).toBe('NOT_FOUND');
  });

  it('counts the alerts it saw on /metrics', async () => {
    // The feed sees the store's new alerts at its next poll: on a loaded machine, a moment after they were written.
    const seen = async () => Number(/customs_graph_alerts_raised_total\{type="watchlist_hit",severity="critical"\} (\d+)/
      .exec(await (await fetch(server.url.replace('/graphql', '/metrics'))).text())?.[1]);
    await until(async () => (await seen()) >= 4, 10_000).catch(() => undefined);
    expect(await seen()).toBe(4);
  });
});
