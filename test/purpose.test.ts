/**
 * Access by purpose, over a real socket: with CUSTOMS_GRAPH_PURPOSE_REQUIRED naming a role, its
 * identity reads without a purpose are refused with a clear error and no data (literals and
 * variables, every kind of identity root); a purpose naming a case must name one that exists; the
 * audit record keeps the purpose and the client's request id beside the server's; watchlist
 * changes are audited with what changed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../src/api/server';
import type { SqliteGraphStore } from '../src/store/sqlite/sqlite-store';
import { servedApi } from './api-client';
import { analysedSyntheticStore, tempDir } from './helpers';

const KEYS = { inv: ['investigator', 'pp-inv'], analyst: ['analyst', 'pp-ana'], scorer: ['scorer', 'pp-sco'] } satisfies Record<string, [string, string]>;
const tmp = tempDir('cg-purpose-');
let store: SqliteGraphStore;
let server: RunningServer;
let member: string;
let caseId: string;

async function ask(who: keyof typeof KEYS, query: string, opts: { variables?: Record<string, unknown>; purpose?: string; bodyPurpose?: string; requestId?: string } = {}) {
  const res = await fetch(server.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json', authorization: `Bearer ${KEYS[who][1]}`,
      ...(opts.purpose ? { 'x-purpose': opts.purpose } : {}), ...(opts.requestId ? { 'x-request-id': opts.requestId } : {}),
    },
    body: JSON.stringify({ query, variables: opts.variables, ...(opts.bodyPurpose ? { extensions: { purpose: opts.bodyPurpose } } : {}) }),
  });
  return { serverId: res.headers.get('x-request-id')!, ...((await res.json()) as { data?: Record<string, any> | null; errors?: Array<{ message: string; extensions?: Record<string, any> }> }) };
}

beforeAll(async () => {
  ({ store } = await analysedSyntheticStore(tmp.dir, 'purpose.db', { traders: 200, seed: 8 }));
  ({ server } = await servedApi(store, KEYS, { config: { purposeRequired: ['investigator'] } }));
  member = (await store.topCommunities(1))[0]!.members.find((m) => !m.startsWith('d'))!;
  const at = new Date().toISOString();
  caseId = `Case:${(await store.createCase({ title: 'Purpose', status: 'open', createdAt: at, createdBy: 'x', updatedAt: at, version: 1, items: [], notes: [], history: [] })).id}`;
}, 120_000);

afterAll(async () => {
  await server.close();
  await store.close();
  tmp.cleanup();
});

describe('access by purpose', () => {
  it('refuses an identity read without a purpose, with a clear error and no data, as literal and as variable', async () => {
    const reads: Array<[string, Record<string, unknown> | undefined]> = [
      [`{ entity(id: "${member}") { name } }`, undefined],
      ['query($id: ID!) { entity(id: $id) { name } }', { id: member }],
      ['query($t: String!) { search(text: $t) { edges { node { name } } } }', { t: 'sarl' }],
      ['query($id: ID!) { neighborhood(id: $id) { nodes { name } } }', { id: member }],
      ['{ rings(first: 1) { edges { node { members(first: 3) { edges { node { name } } } } } } }', undefined],
      ['query($id: ID!) { node(id: $id) { ... on Entity { name } } }', { id: `Entity:${member}` }],
      ['query($id: ID!) { case(id: $id) { title } }', { id: caseId }],
    ];
    for (const [query, variables] of reads) {
      const r = await ask('inv', query, { variables });
      expect(r.errors?.[0]?.extensions, query).toMatchObject({ code: 'FORBIDDEN', reason: 'PURPOSE_REQUIRED' });
      expect(r.errors![0]!.message).toMatch(/X-Purpose/);
      expect(JSON.stringify(r.data ?? null), query).not.toMatch(/"name":"|"title":"/);
    }
    // Roles not named keep reading without one; the scorer scores without one.
    expect((await ask('analyst', `{ entity(id: "${member}") { name } }`)).data!.entity.name).toBeTruthy();
  });

  it('reads with a purpose given in a header or in the request, and keeps it in the audit record beside both request ids', async () => {
    const r = await ask('inv', `{ entity(id: "${member}") { name } }`, { purpose: `case:${caseId}`, requestId: 'client-trace-1' });
    expect(r.errors).toBeUndefined();
    expect(r.data!.entity.name).toBeTruthy();
    const record = (await store.listAudit({ limit: 20 })).find((a) => a.requestId === r.serverId)!;
    expect(record).toMatchObject({ operation: 'entity', entityIds: [member], purpose: `case:${caseId}`, clientRequestId: 'client-trace-1' });
    expect(r.serverId).not.toBe('client-trace-1');
    const viaBody = await ask('inv', 'query($id: ID!) { entity(id: $id) { name } }', { variables: { id: member }, bodyPurpose: 'tip from the port of Tanger Med, ref 2025/114' });
    expect(viaBody.errors).toBeUndefined();
    expect((await store.listAudit({ limit: 20 })).find((a) => a.requestId === viaBody.serverId)!.purpose).toBe('tip from the port of Tanger Med, ref 2025/114');
    // Read back by an admin, through the API.
    const admin = await servedApi(store, { admin: ['admin', 'pp-adm'] });
    try {
      const log = await admin.gql('admin', '{ auditLog(first: 30) { edges { node { requestId clientRequestId purpose operation } } } }');
      expect(log.data!.auditLog.edges.map((e: any) => e.node)).toContainEqual({ requestId: r.serverId, clientRequestId: 'client-trace-1', purpose: `case:${caseId}`, operation: 'entity' });
    } finally {
      await admin.server.close();
    }
  });

  it('refuses a purpose naming a case that does not exist', async () => {
    const r = await ask('inv', `{ entity(id: "${member}") { name } }`, { purpose: 'case:Case:999999' });
    expect(r.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'purpose' });
    expect(r.data?.entity ?? null).toBeNull();
  });

  it('audits watchlist changes with what changed', async () => {
    const add = await ask('analyst', 'mutation { addToWatchlist(input: { kind: PHONE, key: "0661 23 45 67", reason: "front company", source: "intelligence", severity: 0.8 }) { key } }');
    expect(add.errors).toBeUndefined();
    const remove = await ask('analyst', 'mutation { removeFromWatchlist(kind: PHONE, key: "+212661234567") }');
    const records = await store.listAudit({ limit: 50 });
    expect(records.find((a) => a.requestId === add.serverId)!.detail).toMatch(/^listed PHONE \+212661234567 \(severity 0\.8, source intelligence, since \d{4}-\d{2}-\d{2}\): front company$/);
    expect(records.find((a) => a.requestId === remove.serverId)!.detail).toBe('removed PHONE +212661234567');
  });
});
