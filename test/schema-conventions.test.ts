/**
 * The schema a client developer expects, over a real socket: global ids that node(id:) fetches
 * again, one not-found behaviour for every argument that names something (literals and
 * variables), full PageInfo and a totalCount that every page adds up to, Date and DateTime
 * scalars, enums for closed sets, and a ring addressed by an id that keeps naming its run's ring.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSchema, getNamedType, isEnumType, isScalarType, type GraphQLObjectType } from 'graphql';
import { schemaSdl, type RunningServer } from '../src/api/server';
import { DEFAULT_PARAMS, runAnalysis } from '../src/analysis/run';
import type { SqliteGraphStore } from '../src/store/sqlite/sqlite-store';
import { servedApi, type GqlClient, type GqlResult } from './api-client';
import { analysedSyntheticStore, tempDir } from './helpers';

const KEYS = { inv: ['investigator', 'sc-inv'], analyst: ['analyst', 'sc-ana'], admin: ['admin', 'sc-adm'], scorer: ['scorer', 'sc-sco'] } satisfies Record<string, [string, string]>;
const tmp = tempDir('cg-schema-');
let store: SqliteGraphStore;
let server: RunningServer;
let gql: GqlClient<keyof typeof KEYS>;
let runId: string;
let ring: { community: number; members: string[] };
let member: string;
let declaration: string;
let caseId: string;
let jobId: string;

const code = (r: GqlResult) => r.errors?.[0]?.extensions?.code;

beforeAll(async () => {
  ({ store } = await analysedSyntheticStore(tmp.dir, 'schema.db', { traders: 300, seed: 21 }));
  ({ server, gql } = await servedApi(store, KEYS));
  runId = (await store.currentRunId())!;
  const top = (await store.topCommunities(1))[0]!;
  ring = { community: top.community, members: top.members };
  member = top.members.find((m) => !m.startsWith('d'))!;
  declaration = (await store.entityDeclarations(member!, { limit: 1 }))[0]!.id;
  caseId = (await gql('inv', 'mutation { openCase(title: "Conventions") { id } }')).data!.openCase.id;
  const job = (await gql('analyst', 'mutation { startAnalysis(seed: 5) { id } }')).data!.startAnalysis.id as string;
  for (let i = 0, status = ''; i < 600 && status !== 'DONE'; i++) {
    status = (await gql('analyst', 'query($id: ID!) { job(id: $id) { status } }', { id: job })).data!.job.status;
    if (status !== 'DONE') await new Promise((r) => setTimeout(r, 50));
  }
  jobId = job;
}, 240_000);

afterAll(async () => {
  await server.close();
  await store.close();
  tmp.cleanup();
});

describe('the schema a client developer expects', () => {
  it('uses enums for closed sets and Date or DateTime for days and moments', () => {
    const schema = buildSchema(schemaSdl());
    const field = (type: string, name: string) => getNamedType((schema.getType(type) as GraphQLObjectType).getFields()[name]!.type);
    const enums: Array<[string, string, string]> = [
      ['Declaration', 'outcome', 'Outcome'], ['AnalysisRun', 'status', 'RunStatus'], ['Selection', 'why', 'SelectionReason'], ['Link', 'type', 'LinkType'],
      ['DeclarationParty', 'role', 'LinkType'], ['Job', 'kind', 'JobKind'], ['Job', 'status', 'JobStatus'], ['CaseEvent', 'action', 'CaseAction'],
      ['BiasGroup', 'dimension', 'BiasDimension'], ['WeightChange', 'model', 'WeightModel'], ['HeldOutQuality', 'model', 'HeldOutModel'],
    ];
    for (const [type, name, enumName] of enums) {
      const t = field(type, name);
      expect(isEnumType(t) && t.name, `${type}.${name}`).toBe(enumName);
    }
    const dated: Array<[string, string, string]> = [
      ['Declaration', 'lodgedOn', 'Date'], ['Declaration', 'lodgedAt', 'DateTime'], ['AnalysisRun', 'startedAt', 'DateTime'], ['Case', 'createdAt', 'DateTime'],
      ['LinkEvidence', 'firstDate', 'Date'], ['WatchlistEntry', 'listedAt', 'Date'], ['AuditRecord', 'at', 'DateTime'], ['ModelCard', 'cutoff', 'Date'],
    ];
    for (const [type, name, scalar] of dated) {
      const t = field(type, name);
      expect(isScalarType(t) && t.name, `${type}.${name}`).toBe(scalar);
    }
  });

  it('gives global ids that node(id:) fetches again, each type under its own role rule', async () => {
    const r = await gql('inv', `query($e: ID!, $d: ID!, $c: ID!, $j: ID!) {
      entity(id: $e) { id } declaration(id: $d) { id lodgedOn lodgedAt outcome } rings(first: 1) { edges { node { id runId community } } }
      currentRun { id startedAt status } case(id: $c) { id createdAt } job(id: $j) { id kind runId } }`, { e: member, d: declaration, c: caseId, j: jobId });
    expect(r.errors).toBeUndefined();
    const d = r.data!;
    expect(d.entity.id).toBe(`Entity:${member}`);
    expect(d.declaration.id).toBe(`Declaration:${declaration}`);
    expect(d.declaration.lodgedOn).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(['UNKNOWN', 'CLEAR', 'DISCREPANCY', 'SEIZURE']).toContain(d.declaration.outcome);
    expect(d.currentRun.startedAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    expect(d.currentRun.status).toBe('DONE');
    expect(d.job).toMatchObject({ id: jobId, kind: 'ANALYSIS', runId: d.currentRun.id });
    const ids = [d.entity.id, d.declaration.id, d.rings.edges[0].node.id, d.currentRun.id, d.case.id, d.job.id];
    for (const id of ids) {
      const again = await gql('inv', 'query($id: ID!) { node(id: $id) { __typename id } }', { id });
      expect(again.errors, id).toBeUndefined();
      expect(again.data!.node).toEqual({ __typename: id.split(':')[0], id });
    }
    // The scorer may read runs, never identities, through node as through the type's own field.
    expect(code(await gql('scorer', 'query($id: ID!) { node(id: $id) { id } }', { id: d.currentRun.id }))).toBeUndefined();
    expect(code(await gql('scorer', 'query($id: ID!) { node(id: $id) { id } }', { id: d.entity.id }))).toBe('FORBIDDEN');
    expect(code(await gql('scorer', 'query($id: ID!) { node(id: $id) { id } }', { id: d.case.id }))).toBe('FORBIDDEN');
    // A bare store id is not a global id; the id of another type is refused, naming the argument.
    expect((await gql('inv', `{ node(id: "${member}") { id } }`)).errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'id' });
    expect((await gql('inv', 'query($id: ID!) { entity(id: $id) { id } }', { id: d.case.id })).errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'id' });
    // Arguments still take the store's own ids, as earlier versions gave them.
    expect((await gql('inv', `{ entity(id: "${member}") { id } }`)).data!.entity.id).toBe(`Entity:${member}`);
  });

  it('answers every argument naming nothing with NOT_FOUND and the argument, as a literal and as a variable', async () => {
    const missingEntity = 'Entity:999999999';
    const cases: Array<[query: string, variables: Record<string, unknown>, argument: string]> = [
      ['query($x: ID!) { entity(id: $x) { id } }', { x: missingEntity }, 'id'],
      ['query($x: String!) { entity(kind: PHONE, key: $x) { id } }', { x: '+212 600 000 999' }, 'key'],
      ['query($x: ID!) { declaration(id: $x) { id } }', { x: 'Declaration:d999999999' }, 'id'],
      ['query($x: ID!) { ring(id: $x) { id } }', { x: `Ring:${runId}:999999` }, 'id'],
      ['query($x: Int!) { ring(community: $x) { id } }', { x: 999999 }, 'community'],
      ['query($x: ID!) { job(id: $x) { id } }', { x: 'Job:no-such-job' }, 'id'],
      ['query($x: ID!) { case(id: $x) { id } }', { x: 'Case:999999' }, 'id'],
      ['query($x: ID!) { node(id: $x) { id } }', { x: 'AnalysisRun:999999' }, 'id'],
      ['query($x: ID!) { node(id: $x) { id } }', { x: missingEntity }, 'id'],
      ['query($x: ID!) { neighborhood(id: $x) { truncated } }', { x: missingEntity }, 'id'],
      [`query($x: ID!) { shortestPath(from: "${member}", to: $x) { length } }`, { x: missingEntity }, 'to'],
      [`query($x: ID!) { shortestPath(from: $x, to: "${member}") { length } }`, { x: missingEntity }, 'from'],
      [`query($x: ID!) { linkEvidence(a: "${member}", b: $x) { declarations } }`, { x: missingEntity }, 'b'],
      ['query($x: ID!) { exportGraph(format: GEXF, id: $x) { nodes } }', { x: missingEntity }, 'id'],
      ['query($x: Int!) { exportGraph(format: GEXF, ring: $x) { nodes } }', { x: 999999 }, 'ring'],
      ['query($x: ID!) { runReport(run: $x) { generatedAt } }', { x: 'AnalysisRun:999999' }, 'run'],
      ['mutation($x: ID!) { annotateCase(id: $x, version: 1, text: "n") { id } }', { x: 'Case:999999' }, 'id'],
      [`mutation($x: ID!) { addToCase(id: "${caseId}", version: 1, kind: ENTITY, ref: $x) { id } }`, { x: missingEntity }, 'ref'],
      [`mutation($x: ID!) { addToCase(id: "${caseId}", version: 1, kind: RING, ref: $x) { id } }`, { x: `Ring:${runId}:999999` }, 'ref'],
    ];
    for (const [query, variables, argument] of cases) {
      for (const [how, q, v] of [['variable', query, variables], ['literal', inline(query, variables), {}]] as const) {
        const r = await gql('admin', q, v);
        expect(r.errors?.[0]?.extensions, `${how}: ${q}`).toMatchObject({ code: 'NOT_FOUND', argument });
        expect(JSON.stringify(r.data ?? null), `${how}: ${q}`).not.toMatch(/"id":"[^"]+"/);
      }
    }
  });

  it('pages every connection with a full PageInfo, and its totalCount is what the pages add up to', async () => {
    const connections: Array<[who: keyof typeof KEYS, query: string, path: (d: any) => any]> = [
      ['inv', 'query($n: Int, $c: String) { search(text: "sarl", first: $n, after: $c) { EDGES } }', (d) => d.search],
      ['inv', 'query($n: Int, $c: String) { rings(first: $n, after: $c) { EDGES } }', (d) => d.rings],
      ['inv', `query($n: Int, $c: String) { ring(community: ${ring.community}) { members(first: $n, after: $c) { EDGES } } }`, (d) => d.ring.members],
      ['inv', `query($n: Int, $c: String) { entity(id: "${member}") { declarations(first: $n, after: $c) { EDGES } } }`, (d) => d.entity.declarations],
      ['inv', `query($n: Int, $c: String) { linkEvidence(a: "${member}", b: "${member}") { page(first: $n, after: $c) { EDGES } } }`, (d) => d.linkEvidence.page],
      ['inv', 'query($n: Int, $c: String) { analysisRuns(first: $n, after: $c) { EDGES } }', (d) => d.analysisRuns],
      ['admin', 'query($n: Int, $c: String) { auditLog(first: $n, after: $c) { EDGES } }', (d) => d.auditLog],
      ['inv', 'query($n: Int, $c: String) { cases(first: $n, after: $c) { EDGES } }', (d) => d.cases],
      ['admin', 'query($n: Int, $c: String) { channelOverrides(first: $n, after: $c) { EDGES } }', (d) => d.channelOverrides],
    ];
    await gql('analyst', 'mutation { overrideChannel(input: { declarationId: "X1", modelChannel: RED, channel: GREEN, reason: CAPACITY }) { id } }');
    await gql('analyst', 'mutation { overrideChannel(input: { declarationId: "X2", modelChannel: GREEN, channel: RED, reason: INTELLIGENCE }) { id } }');
    for (const [who, template, path] of connections) {
      const query = template.replace('EDGES', 'totalCount edges { cursor node { __typename } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor }');
      let after: string | null = null;
      let walked = 0;
      let total: number | undefined;
      for (let page = 0; page < 200; page++) {
        const r = await gql(who, query, { n: 3, c: after });
        expect(r.errors, query).toBeUndefined();
        const conn = path(r.data);
        total ??= conn.totalCount;
        expect(conn.totalCount, query).toBe(total);
        expect(conn.pageInfo.hasPreviousPage, query).toBe(after !== null);
        expect(conn.pageInfo.startCursor, query).toBe(conn.edges[0]?.cursor ?? null);
        expect(conn.pageInfo.endCursor, query).toBe(conn.edges[conn.edges.length - 1]?.cursor ?? null);
        walked += conn.edges.length;
        if (!conn.pageInfo.hasNextPage) break;
        after = conn.pageInfo.endCursor;
      }
      expect(walked, query).toBe(total);
      if (!query.includes('linkEvidence(a: "')) expect(total, query).toBeGreaterThan(0);
    }
  });

  it('keeps a ring id naming its own run\'s ring after a new run, and a case keeps the ring it was given', async () => {
    const before = (await gql('inv', '{ rings(first: 1) { edges { node { id runId community size } } } }')).data!.rings.edges[0].node;
    const c = (await gql('inv', 'mutation { openCase(title: "Pinned ring") { id version } }')).data!.openCase;
    const added = await gql('inv', 'mutation($id: ID!, $v: Int!, $r: ID!) { addToCase(id: $id, version: $v, kind: RING, ref: $r) { items { ref ring { id } } } }', { id: c.id, v: c.version, r: before.id });
    expect(added.data!.addToCase.items[0]).toEqual({ ref: before.id, ring: { id: before.id } });
    await runAnalysis(store, { ...DEFAULT_PARAMS, seed: 99, resolution: 2 });
    const current = (await gql('inv', '{ currentRun { id } }')).data!.currentRun.id;
    expect(current).not.toBe(before.runId);
    const again = await gql('inv', 'query($id: ID!) { ring(id: $id) { id runId community size } }', { id: before.id });
    expect(again.data!.ring).toEqual(before);
    const kept = await gql('inv', 'query($id: ID!) { case(id: $id) { items { ref ring { id runId } } } }', { id: c.id });
    expect(kept.data!.case.items[0]).toEqual({ ref: before.id, ring: { id: before.id, runId: before.runId } });
  });
});

/** The query with its variables written into it as literals. */
function inline(query: string, variables: Record<string, unknown>): string {
  const body = query.replace(/^(query|mutation)\([^)]*\)\s*/, (_, kind: string) => (kind === 'mutation' ? 'mutation ' : ''));
  return body.replace(/\$(\w+)/g, (_, name: string) => JSON.stringify(variables[name]));
}
