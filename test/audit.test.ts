/**
 * Every identity that leaves the server is in the audit log: for each top-level field whose
 * result can reach an Entity or a Declaration (the list comes from the schema, so a new field
 * without a case here fails), the ids in the response equal the ids audited for that request,
 * pages and aliases included.
 */
import { kindFromGql } from '../src/api/kinds';
import { buildSchema } from 'graphql';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { identityRoots } from '../src/api/audit';
import { KeyRing } from '../src/api/auth';
import { schemaSdl, startServer, type RunningServer } from '../src/api/server';
import type { SqliteGraphStore } from '../src/store/sqlite/sqlite-store';
import { silentLogger } from '../src/util/logger';
import { analysedSyntheticStore, identityIds, tempDir } from './helpers';

const tmp = tempDir('cg-audit-');
let store: SqliteGraphStore;
let server: RunningServer;
let ring: number;
let member: string;
let other: string;
let declaration: string;
let counterpart: string;
let caseId: string;
/** Alerts about the ring's members: one to read, one to acknowledge, one to dismiss, one to attach. */
let alerts: string[] = [];

async function gql(query: string, requestId: string) {
  const res = await fetch(server.url, {
    method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer inv', 'x-request-id': requestId }, body: JSON.stringify({ query }),
  });
  return (await res.json()) as { data?: unknown; errors?: unknown[] };
}

const E = '__typename id name';
const caseVersion = async () => (await store.getCase(caseId))!.version;
const CASE_FIELDS = 'items { entity { __typename id } declaration { __typename id } }';
const ALERT_FIELDS = `entities { ${E} } evidence { entity { __typename id } declaration { __typename id } }`;

/** One query per identity root, asking for as much as it can reach (later pages too). */
const CASES: Record<string, () => string | Promise<string>> = {
  'Query.entity': () => `{ entity(id: "${member}") { ${E} declarations(first: 3) { edges { node { __typename id declarationId } } } } }`,
  'Query.search': () => '{ search(text: "sarl", first: 30) { edges { node { __typename id } } } }',
  'Query.neighborhood': () => `{ neighborhood(id: "${member}", hops: 2, limit: 60) { nodes { ${E} } } }`,
  'Query.shortestPath': () => `{ shortestPath(from: "${member}", to: "${other}") { nodes { ${E} } } }`,
  'Query.rings': () => '{ rings(first: 5) { edges { node { members(first: 100) { edges { node { __typename id } } } } } } }',
  'Query.ring': () => `{ ring(community: ${ring}) { members(first: 3, after: "${Buffer.from(JSON.stringify({ v: 3 })).toString('base64url')}") { edges { node { ${E} } } } subgraph(limit: 40) { nodes { __typename id } } } }`,
  'Query.exportGraph': () => `{ exportGraph(format: CYTOSCAPE, id: "${member}", hops: 1, limit: 30) { content } }`,
  'Query.runReport': () => '{ runReport { dataQuality { defaultIdentifiers { kind key } } html } }',
  'Query.declaration': () => `{ declaration(id: "${declaration}") { __typename id declarationId parties { role entity { __typename id name } } } }`,
  'Query.cases': () => `{ cases(first: 5) { edges { node { ${CASE_FIELDS} } } } }`,
  'Query.case': () => `{ case(id: "${caseId}") { ${CASE_FIELDS} } }`,
  'Mutation.openCase': () => `mutation { openCase(title: "Audit test") { ${CASE_FIELDS} } }`,
  'Mutation.addToCase': async () => `mutation { addToCase(id: "${caseId}", version: ${await caseVersion()}, kind: DECLARATION, ref: "${declaration}") { ${CASE_FIELDS} } }`,
  'Mutation.annotateCase': async () => `mutation { annotateCase(id: "${caseId}", version: ${await caseVersion()}, text: "seen") { ${CASE_FIELDS} } }`,
  'Mutation.setCaseStatus': async () => `mutation { setCaseStatus(id: "${caseId}", version: ${await caseVersion()}, status: REFERRED) { ${CASE_FIELDS} } }`,
  'Query.node': () => `{ node(id: "Entity:${member}") { __typename id ... on Entity { name declarations(first: 2) { edges { node { __typename id } } } } } }`,
  'Query.alerts': () => `{ alerts(first: 10) { edges { node { ${ALERT_FIELDS} } } } }`,
  'Query.alert': () => `{ alert(id: "Alert:${alerts[0]}") { ${ALERT_FIELDS} } }`,
  'Mutation.acknowledgeAlert': () => `mutation { acknowledgeAlert(id: "${alerts[1]}") { ${ALERT_FIELDS} } }`,
  'Mutation.dismissAlert': () => `mutation { dismissAlert(id: "${alerts[2]}", reason: "checked") { ${ALERT_FIELDS} } }`,
  'Mutation.assignAlert': () => `mutation { assignAlert(id: "${alerts[0]}", assignee: "desk-2") { ${ALERT_FIELDS} } }`,
  'Mutation.attachAlertToCase': () => `mutation { attachAlertToCase(id: "${alerts[3]}", case: "${caseId}") { ${ALERT_FIELDS} } }`,
  'Query.watches': () => '{ watches { entity { __typename id name } } }',
  'Mutation.watchEntity': () => `mutation { watchEntity(entity: "${other}") { entity { ${E} } } }`,
  'Mutation.watchRing': async () => `mutation { watchRing(ring: "Ring:${await store.currentRunId()}:${ring}") { ring { members(first: 3) { edges { node { __typename id } } } } } }`,
  'Query.linkEvidence': () => `{ linkEvidence(a: "${member}", b: "${counterpart}") { a { __typename id } b { __typename id } page(first: 5) { edges { node { __typename id } } } } }`,
};

beforeAll(async () => {
  ({ store } = await analysedSyntheticStore(tmp.dir, 'audit.db', { traders: 400, seed: 12 }));
  server = await startServer({ store, dbPath: store.path, keys: KeyRing.fromEnv('investigator:inv'), config: { dbPath: '', phoneRegion: 'MA', defaultCurrency: 'MAD' }, logger: silentLogger, port: 0 });
  const top = (await store.topCommunities(1))[0]!;
  ring = top.community;
  member = top.members.find((m) => !m.startsWith('d'))!;
  other = top.members.filter((m) => !m.startsWith('d'))[1]!;
  declaration = (await store.entityDeclarations(member, { limit: 1 }))[0]!.id;
  counterpart = (await store.getDeclarations([declaration]))[0]!.parties.find((p) => p.rel !== 'FILED_BY')!.entityId;
  const at = new Date().toISOString();
  caseId = (await store.createCase({
    title: 'Audit', status: 'open', createdAt: at, createdBy: 'inv', updatedAt: at, version: 1, notes: [], history: [],
    items: [{ kind: 'entity', ref: member, addedAt: at, addedBy: 'inv' }],
  })).id;
  alerts = (await store.addAlerts([0, 1, 2, 3].map((i) => ({
    key: `audit-${i}`, type: 'watch' as const, severity: 'medium' as const, summary: 'changed', entities: [member, other], runs: {},
    evidence: [{ kind: 'entity' as const, ref: member }, { kind: 'declaration' as const, ref: declaration }],
  })), at)).map((a) => a.id);
  await store.addWatch({ kind: 'entity', ref: member, who: 'env-1-investigator', at });
}, 120_000);
afterAll(async () => {
  await server.close();
  await store.close();
  tmp.cleanup();
});

async function audited(requestId: string): Promise<Map<string, Set<string>>> {
  const out = new Map<string, Set<string>>();
  for (const r of await store.listAudit({ limit: 100 })) {
    if (r.clientRequestId !== requestId) continue;
    const ids = out.get(r.operation) ?? new Set<string>();
    for (const id of r.entityIds) ids.add(id);
    out.set(r.operation, ids);
  }
  return out;
}

describe('the audit of identity reads', () => {
  it('covers every top-level field that can return an identity, as the schema says', () => {
    expect(identityRoots(buildSchema(schemaSdl())).sort()).toEqual(Object.keys(CASES).sort());
  });

  for (const [root, query] of Object.entries(CASES)) {
    it(`${root}: every identity in the response is audited under it`, async () => {
      const requestId = randomUUID();
      const r = await gql(await query(), requestId);
      expect(r.errors).toBeUndefined();
      const log = await audited(requestId);
      const field = root.split('.')[1]!;
      expect([...log.keys()]).toEqual([field]);
      if (root === 'Query.runReport') {
        // The report's identities are the default identifiers it names (in its fields and its HTML).
        const named = (r.data as { runReport: { dataQuality: { defaultIdentifiers: Array<{ kind: string; key: string }> } } }).runReport.dataQuality.defaultIdentifiers;
        const ids = await Promise.all(named.map(async (d) => (await store.findEntity({ kind: kindFromGql(d.kind), key: d.key }))?.id));
        expect([...log.get(field)!].sort()).toEqual(ids.sort());
      } else if (root === 'Query.exportGraph') {
        const content = JSON.parse((r.data as { exportGraph: { content: string } }).exportGraph.content) as { elements: { nodes: Array<{ data: { id: string } }> } };
        expect([...log.get(field)!].sort()).toEqual(content.elements.nodes.map((n) => n.data.id).sort());
      } else {
        const sent = identityIds(r.data);
        // A case opened just now holds nothing yet: its opening is still recorded (the entry above).
        if (root !== 'Mutation.openCase') expect(sent.size).toBeGreaterThan(0);
        expect([...log.get(field)!].sort()).toEqual([...sent].sort());
      }
    });
  }

  it('records each alias of a request, and a read that found nothing', async () => {
    const requestId = randomUUID();
    await gql(`{ a: entity(id: "${member}") { id } b: entity(id: "${other}") { id } none: search(text: "zzzz-nothing", first: 5) { edges { node { id } } } }`, requestId);
    const records = (await store.listAudit({ limit: 20 })).filter((r) => r.clientRequestId === requestId);
    expect(records.map((r) => [r.operation, r.entityIds]).sort()).toEqual([['entity', [member]], ['entity', [other]], ['search', []]].sort());
  });
});
