/** The GraphQL API end to end over real HTTP on 127.0.0.1, with the roles, limits and audit. */
import { globalId, parseGlobalId } from '../src/api/global-id';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Graph from 'graphology';
import { parse as parseGexf } from 'graphology-gexf';
import { parse as parseGraphml } from 'graphology-graphml';
import { DEFAULT_PARAMS, runAnalysis } from '../src/analysis/run';
import { KeyRing } from '../src/api/auth';
import { startServer, type RunningServer } from '../src/api/server';
import type { SqliteGraphStore } from '../src/store/sqlite/sqlite-store';
import type { SynthResult } from '../src/synth/generate';
import { silentLogger } from '../src/util/logger';
import { analysedSyntheticStore, tempDir } from './helpers';

const KEYS = { investigator: 'inv-key-1', scorer: 'sco-key-1', analyst: 'ana-key-1', admin: 'adm-key-1' } as const;
type Role = keyof typeof KEYS;
const CONFIG = { dbPath: '', phoneRegion: 'MA', defaultCurrency: 'MAD' };

const tmp = tempDir('cg-api-');
let store: SqliteGraphStore;
let server: RunningServer;
let synth: SynthResult;
let ringMembers: string[];

interface GqlResponse {
  status: number;
  data?: Record<string, any>;
  errors?: Array<{ message: string; extensions?: Record<string, any> }>;
}

async function gql(role: Role | null, query: string, variables?: Record<string, unknown>, url = server.url): Promise<GqlResponse> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(role ? { authorization: `Bearer ${KEYS[role]}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return { status: res.status, ...((await res.json()) as object) } as GqlResponse;
}

const code = (r: GqlResponse) => r.errors?.[0]?.extensions?.code;

const DECL = {
  declarationId: 'API-1', lodgedAt: '2025-06-01', traderId: 'T-NEW', originCountry: 'CN', hsCode: '610910', declaredValue: 1000,
  traderName: 'Secret Trading SARL', traderPhone: '0661112233',
};

beforeAll(async () => {
  ({ synth, store } = await analysedSyntheticStore(tmp.dir, 'api.db', { traders: 500, seed: 21 }));
  server = await startServer({
    store, dbPath: store.path, keys: KeyRing.fromEnv(Object.entries(KEYS).map(([r, k]) => `${r}:${k}`).join(',')), config: CONFIG, logger: silentLogger, port: 0,
  });
  const ring = synth.truth.rings.find((r) => r.type === 'shell')!;
  ringMembers = [];
  for (const m of ring.members) ringMembers.push((await store.findEntity({ kind: 'Trader', key: m }))!.id);
});

afterAll(async () => {
  await server.close();
  await store.close();
  tmp.cleanup();
});

describe('health', () => {
  it('answers /healthz and /readyz', async () => {
    const base = server.url.replace('/graphql', '');
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ ready: true });
  });
});

describe('authentication', () => {
  it('refuses a request without a key, or with a wrong one, before touching the store', async () => {
    const before = (await store.listAudit({ limit: 1000 })).length;
    for (const r of [await gql(null, '{ entity(id: "1") { id name } }'), await fetch(server.url, {
      method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer nope' }, body: '{"query":"{ currentRun { id } }"}',
    }).then(async (res) => ({ status: res.status, ...((await res.json()) as object) }) as GqlResponse)]) {
      expect(r.status).toBe(401);
      expect(code(r)).toBe('UNAUTHENTICATED');
      expect(r.data ?? null).toBeNull();
    }
    expect((await store.listAudit({ limit: 1000 })).length).toBe(before);
  });

  it('accepts the key as X-Api-Key too', async () => {
    const res = await fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': KEYS.scorer }, body: '{"query":"{ currentRun { id } }"}' });
    expect(((await res.json()) as GqlResponse).data?.currentRun.id).toBe(globalId('AnalysisRun', (await store.currentRunId())!));
  });
});

describe('role matrix', () => {
  const ops: Array<[string, string, Record<string, unknown> | undefined, Role[]]> = [
    ['entity', '{ entity(id: "1") { id name } }', undefined, ['investigator', 'analyst', 'admin']],
    ['search', '{ search(text: "Atlas") { edges { node { id } } } }', undefined, ['investigator', 'analyst', 'admin']],
    ['neighborhood', '{ neighborhood(id: "1") { truncated } }', undefined, ['investigator', 'analyst', 'admin']],
    ['shortestPath', '{ shortestPath(from: "1", to: "2") { length } }', undefined, ['investigator', 'analyst', 'admin']],
    ['rings', '{ rings(first: 1) { edges { node { rank } } } }', undefined, ['investigator', 'analyst', 'admin']],
    ['ring', '{ ring(community: 0) { rank } }', undefined, ['investigator', 'analyst', 'admin']],
    ['exportGraph', '{ exportGraph(format: CYTOSCAPE, id: "1") { nodes } }', undefined, ['investigator', 'analyst', 'admin']],
    ['currentRun', '{ currentRun { id } }', undefined, ['investigator', 'scorer', 'analyst', 'admin']],
    ['analysisRuns', '{ analysisRuns { edges { node { id } } } }', undefined, ['investigator', 'scorer', 'analyst', 'admin']],
    ['scoreDeclaration', 'query($i: DeclarationInput!) { scoreDeclaration(input: $i) { risk } }', { i: DECL }, ['investigator', 'scorer', 'analyst', 'admin']],
    ['scoreDeclarations', 'query($i: [DeclarationInput!]!) { scoreDeclarations(inputs: $i) { risk } }', { i: [DECL] }, ['investigator', 'scorer', 'analyst', 'admin']],
    ['selectDeclarations', 'query($i: [DeclarationInput!]!) { selectDeclarations(inputs: $i, capacity: 0.05) { channel } }', { i: [DECL] }, ['investigator', 'scorer', 'analyst', 'admin']],
    ['auditLog', '{ auditLog(first: 1) { edges { node { id } } } }', undefined, ['admin']],
    ['addToWatchlist', 'mutation { addToWatchlist(input: { kind: PHONE, key: "0600000001", reason: "test", source: "test" }) { key } }', undefined, ['analyst', 'admin']],
    ['removeFromWatchlist', 'mutation { removeFromWatchlist(kind: PHONE, key: "0600000001") }', undefined, ['analyst', 'admin']],
  ];
  for (const [name, query, variables, allowed] of ops) {
    it(`${name}: allowed for ${allowed.join(', ')}, FORBIDDEN for the others`, async () => {
      for (const role of Object.keys(KEYS) as Role[]) {
        const r = await gql(role, query, variables);
        if (allowed.includes(role)) expect(r.errors, `${name} as ${role}: ${JSON.stringify(r.errors)}`).toBeUndefined();
        else expect(code(r), `${name} as ${role}`).toBe('FORBIDDEN');
      }
    });
  }

  it('startAnalysis: analysts only; the job runs and its run becomes current', async () => {
    expect(code(await gql('scorer', 'mutation { startAnalysis { id } }'))).toBe('FORBIDDEN');
    expect(code(await gql('investigator', 'mutation { startAnalysis { id } }'))).toBe('FORBIDDEN');
    const before = (await store.currentRun())!.id;
    const started = await gql('analyst', 'mutation { startAnalysis(seed: 7) { id status } }');
    const jobId = started.data!.startAnalysis.id;
    let job: Record<string, any> = started.data!.startAnalysis;
    for (let i = 0; i < 600 && job.status !== 'DONE' && job.status !== 'FAILED'; i++) {
      await new Promise((r) => setTimeout(r, 50));
      job = (await gql('analyst', `{ job(id: "${jobId}") { status progress runId error } }`)).data!.job;
    }
    expect(job).toMatchObject({ status: 'DONE', progress: 1 });
    expect(job.runId).not.toBe(before);
    expect((await gql('scorer', '{ currentRun { id seed } }')).data!.currentRun).toEqual({ id: job.runId, seed: 7 });
    const scored = await gql('scorer', 'query($i: DeclarationInput!) { scoreDeclaration(input: $i) { risk } }', { i: DECL });
    expect(scored.data!.scoreDeclaration.risk).toBeGreaterThan(0);
  });

  it('startAnalysis(full: true) reads every declaration; without it the run reads the analysis cache', async () => {
    const run = async (args: string) => {
      const started = await gql('analyst', `mutation { startAnalysis(${args}) { id } }`);
      let job: Record<string, any> = { status: 'QUEUED' };
      for (let i = 0; i < 1200 && job.status !== 'DONE' && job.status !== 'FAILED'; i++) {
        await new Promise((r) => setTimeout(r, 50));
        job = (await gql('analyst', `{ job(id: "${started.data!.startAnalysis.id}") { status runId } }`)).data!.job;
      }
      expect(job.status).toBe('DONE');
      return (await gql('analyst', '{ currentRun { id params } }')).data!.currentRun.params.declarationReading;
    };
    expect(await run('seed: 41, full: true')).toMatchObject({ mode: 'full', reason: 'asked for (analyze --full)' });
    expect(await run('seed: 41')).toMatchObject({ mode: 'incremental', fromStore: 0 });
  }, 120_000);

  it('startAnalysis: the same parameters give the running job, one more may wait, and no more; a finished one runs again', async () => {
    const same = await gql('analyst', 'mutation { a: startAnalysis(seed: 31) { id } b: startAnalysis(seed: 31) { id } }');
    expect(same.data!.a.id).toBe(same.data!.b.id);
    // While seed 31 runs: seed 32 may wait, seed 33 may not (one request: mutations run in order).
    const more = await gql('analyst', 'mutation { c: startAnalysis(seed: 32) { id } d: startAnalysis(seed: 33) { id } }');
    if (more.errors) {
      expect(more.errors).toHaveLength(1);
      expect(more.errors[0]).toMatchObject({ path: ['d'], extensions: { code: 'BAD_USER_INPUT' }, message: expect.stringMatching(/already queued/) });
    }
    const currentSeed = async () => (await gql('analyst', '{ currentRun { seed } }')).data!.currentRun.seed as number;
    for (let i = 0; i < 1200 && (await currentSeed()) !== (more.errors ? 32 : 33); i++) await new Promise((r) => setTimeout(r, 50));
    const again = await gql('analyst', 'mutation { startAnalysis(seed: 31) { id } }');
    expect(again.data!.startAnalysis.id).not.toBe(same.data!.a.id);
    for (let i = 0; i < 1200 && (await currentSeed()) !== 31; i++) await new Promise((r) => setTimeout(r, 50));
    expect(await currentSeed()).toBe(31);
  }, 120_000);
});

describe('selectDeclarations', () => {
  it('gives the items of one declaration its channel, and counts the capacity in declarations', async () => {
    const items = Array.from({ length: 40 }, (_, i) => ({ ...DECL, declarationId: `SEL-${Math.floor(i / 2)}`, itemNo: (i % 2) + 1, declaredValue: 100 + i * 37 }));
    const r = await gql('scorer', 'query($i: [DeclarationInput!]!) { selectDeclarations(inputs: $i, capacity: 0.1, exploration: 0) { declarationId itemNo channel } }', { i: items });
    const channels = new Map<string, Set<string>>();
    for (const s of r.data!.selectDeclarations as Array<{ declarationId: string; channel: string }>) channels.set(s.declarationId, (channels.get(s.declarationId) ?? new Set()).add(s.channel));
    expect(channels.size).toBe(20);
    expect([...channels.values()].every((c) => c.size === 1)).toBe(true);
    expect([...channels.values()].filter((c) => c.has('RED'))).toHaveLength(2);
  });
});

describe('investigator queries', () => {
  it('reads an entity by id or by key as written, with its risk, reasons and declarations', async () => {
    const byId = await gql('investigator', `{ entity(id: "${ringMembers[0]}") { id kind key name risk { score knownBad reasons { name value contribution evidence } } declarations(first: 2) { edges { cursor node { id hsCode declaredValue } } pageInfo { hasNextPage endCursor } } } }`);
    const e = byId.data!.entity;
    expect(e.kind).toBe('TRADER');
    expect(e.risk.score).toBeGreaterThan(0);
    expect(e.risk.reasons.length).toBeGreaterThan(0);
    expect(e.declarations.edges).toHaveLength(2);
    expect(e.declarations.pageInfo.hasNextPage).toBe(true);
    const next = await gql('investigator', `{ entity(id: "${ringMembers[0]}") { declarations(first: 2, after: "${e.declarations.pageInfo.endCursor}") { edges { node { id } } } } }`);
    const ids = next.data!.entity.declarations.edges.map((x: any) => x.node.id);
    expect(ids).not.toContain(e.declarations.edges[0].node.id);
    const written = `${e.key.slice(0, 5)} ${e.key.slice(5)}`; // as a user might type it
    expect((await gql('investigator', `{ entity(kind: TRADER, key: "${written}") { id } }`)).data!.entity.id).toBe(e.id);
    const missing = await gql('investigator', '{ entity(id: "999999999") { id } }');
    expect(missing.data!.entity).toBeNull();
    expect(missing.errors![0]!.extensions).toMatchObject({ code: 'NOT_FOUND', argument: 'id' });
  });

  it('finds owners of a phone typed any way', async () => {
    const phone = (await store.topEntities({ kind: 'Phone', limit: 1 }))[0];
    const entity = phone ? (await store.getEntities([phone.entityId]))[0]! : (await store.findEntity({ kind: 'Phone', key: '+212661234567' }))!;
    const national = `0${entity.key.slice(4, 5)} ${entity.key.slice(5, 7)} ${entity.key.slice(7, 9)} ${entity.key.slice(9, 11)} ${entity.key.slice(11)}`;
    const r = await gql('investigator', `{ search(text: "${national}") { edges { node { id kind } } } }`);
    expect(r.data!.search.edges.map((x: any) => x.node.id)).toContain(globalId('Entity', entity.id));
  });

  it('returns a capped neighborhood that says when it was truncated, and filters by kind and weight', async () => {
    const full = await gql('investigator', `{ neighborhood(id: "${ringMembers[0]}", hops: 2, limit: 500) { nodes { id kind } edges { source target type } truncated } }`);
    const small = await gql('investigator', `{ neighborhood(id: "${ringMembers[0]}", hops: 2, limit: 5) { nodes { id } truncated } }`);
    expect(small.data!.neighborhood.nodes).toHaveLength(5);
    expect(small.data!.neighborhood.truncated).toBe(true);
    const ids = new Set(full.data!.neighborhood.nodes.map((n: any) => n.id));
    for (const e of full.data!.neighborhood.edges) expect(ids.has(e.source) && ids.has(e.target)).toBe(true);
    const strong = await gql('investigator', `{ neighborhood(id: "${ringMembers[0]}", hops: 2, limit: 500, minWeight: 4) { edges { type } } }`);
    for (const e of strong.data!.neighborhood.edges) expect(['HAS_ACCOUNT', 'HAS_PHONE', 'HAS_EMAIL', 'DIRECTS']).toContain(e.type);
    const phones = await gql('investigator', `{ neighborhood(id: "${ringMembers[0]}", kinds: [PHONE]) { nodes { kind } } }`);
    expect(new Set(phones.data!.neighborhood.nodes.map((n: any) => n.kind))).toEqual(new Set(['TRADER', 'PHONE']));
  });

  it('finds the chain of shared identifiers linking two ring members', async () => {
    const r = await gql('investigator', `{ shortestPath(from: "${ringMembers[0]}", to: "${ringMembers[1]}") { length nodes { id kind } edges { source target type } } }`);
    const p = r.data!.shortestPath;
    expect(p.length).toBeGreaterThanOrEqual(2);
    expect(p.nodes[0].id).toBe(globalId('Entity', ringMembers[0]!));
    expect(p.nodes[p.nodes.length - 1].id).toBe(globalId('Entity', ringMembers[1]!));
    expect(p.edges).toHaveLength(p.length);
  });

  it('lists rings ranked by risk with members and subgraph, page by page', async () => {
    const first = await gql('investigator', '{ rings(first: 2) { edges { cursor node { rank risk size membersByKind reasons { name } members(first: 3) { edges { node { id kind } } } subgraph(limit: 50) { nodes { id } edges { type } truncated } } } pageInfo { hasNextPage endCursor } } }');
    const edges = first.data!.rings.edges;
    expect(edges.map((e: any) => e.node.rank)).toEqual([1, 2]);
    expect(edges[0].node.risk).toBeGreaterThanOrEqual(edges[1].node.risk);
    expect(edges[0].node.members.edges.length).toBeGreaterThan(0);
    expect(edges[0].node.subgraph.nodes.length).toBeGreaterThan(0);
    const next = await gql('investigator', `{ rings(first: 2, after: "${first.data!.rings.pageInfo.endCursor}") { edges { node { rank } } } }`);
    expect(next.data!.rings.edges.map((e: any) => e.node.rank)).toEqual([3, 4]);
  });

  it('exports a ring and a neighborhood as GEXF, GraphML and Cytoscape JSON that parse back', async () => {
    const ring = (await gql('investigator', '{ rings(first: 1) { edges { node { community } } } }')).data!.rings.edges[0].node.community;
    const gexf = (await gql('investigator', `{ exportGraph(format: GEXF, ring: ${ring}) { content nodes edges } }`)).data!.exportGraph;
    const g1 = parseGexf(Graph, gexf.content);
    expect(g1.order).toBe(gexf.nodes);
    expect(g1.size).toBe(gexf.edges);
    const gml = (await gql('investigator', `{ exportGraph(format: GRAPHML, id: "${ringMembers[0]}", hops: 2, limit: 100) { content nodes edges } }`)).data!.exportGraph;
    const g2 = parseGraphml(Graph, gml.content);
    expect(g2.order).toBe(gml.nodes);
    expect(g2.getNodeAttribute(ringMembers[0], 'kind')).toBe('Trader');
    const cy = (await gql('investigator', `{ exportGraph(format: CYTOSCAPE, id: "${ringMembers[0]}") { content nodes } }`)).data!.exportGraph;
    expect(JSON.parse(cy.content).elements.nodes).toHaveLength(cy.nodes);
  });
});

describe('scoring', () => {
  it('scores one declaration and a batch, with reasons and no personal data', async () => {
    const one = await gql('scorer', 'query($i: DeclarationInput!) { scoreDeclaration(input: $i) { declarationId itemNo risk reasons { name value contribution evidence } } }', { i: DECL });
    const s = one.data!.scoreDeclaration;
    expect(s).toMatchObject({ declarationId: 'API-1', itemNo: 1 });
    expect(s.risk).toBeGreaterThan(0);
    expect(s.risk).toBeLessThan(1);
    const text = JSON.stringify(one);
    expect(text).not.toContain('Secret Trading');
    expect(text).not.toContain('661112233');
    const batch = await gql('scorer', 'query($i: [DeclarationInput!]!) { scoreDeclarations(inputs: $i) { declarationId risk } }', {
      i: Array.from({ length: 50 }, (_, k) => ({ ...DECL, declarationId: `B${k}` })),
    });
    expect(batch.data!.scoreDeclarations).toHaveLength(50);
  });

  it('selects channels for a batch under a capacity, for the scoring service', async () => {
    const r = await gql('scorer', 'query($i: [DeclarationInput!]!) { selectDeclarations(inputs: $i, capacity: 0.1, documentary: 0.1, exploration: 0.5, seed: 3) { declarationId channel why risk reasons { name } } }', {
      i: Array.from({ length: 40 }, (_, k) => ({ ...DECL, declarationId: `S${k}`, declaredValue: 100 + k * 50 })),
    });
    const sel = r.data!.selectDeclarations as Array<{ channel: string; why: string }>;
    expect(sel.filter((s) => s.channel === 'RED')).toHaveLength(4);
    expect(sel.filter((s) => s.why === 'EXPLORATION')).toHaveLength(2);
    expect(sel.filter((s) => s.channel === 'ORANGE')).toHaveLength(4);
    expect(code(await gql('scorer', 'query($i: [DeclarationInput!]!) { selectDeclarations(inputs: $i, capacity: 2) { channel } }', { i: [DECL] }))).toBe('BAD_USER_INPUT');
  });

  it('rejects malformed declarations with the field named', async () => {
    const r = await gql('scorer', 'query($i: DeclarationInput!) { scoreDeclaration(input: $i) { risk } }', { i: { ...DECL, lodgedAt: '2025-13-45' } });
    expect(code(r)).toBe('BAD_USER_INPUT');
    expect(r.errors![0]!.extensions!.field).toBe('lodged_at');
    const missing = await gql('scorer', 'query($i: DeclarationInput!) { scoreDeclaration(input: $i) { risk } }', { i: { declarationId: 'x' } });
    expect(missing.status).toBe(400);
    expect(code(missing)).toBe('BAD_USER_INPUT');
  });
});

describe('limits', () => {
  it('caps hops, subgraph size, page size and batch size, naming the limit', async () => {
    const cases: Array<[string, Record<string, unknown> | undefined, string]> = [
      [`{ neighborhood(id: "1", hops: 10) { truncated } }`, undefined, 'maxHops'],
      [`{ neighborhood(id: "1", limit: 100000) { truncated } }`, undefined, 'maxSubgraph'],
      ['{ rings(first: 1000) { edges { cursor } } }', undefined, 'maxFirst'],
      ['query($i: [DeclarationInput!]!) { scoreDeclarations(inputs: $i) { risk } }', { i: Array.from({ length: 1001 }, () => DECL) }, 'maxBatch'],
    ];
    for (const [q, v, limit] of cases) {
      const r = await gql(q.includes('score') ? 'scorer' : 'investigator', q, v);
      expect(code(r), q).toBe('BAD_USER_INPUT');
      expect(r.errors![0]!.extensions!.limit, q).toBe(limit);
    }
  });

  it('refuses queries over the depth, alias and cost limits', async () => {
    // The deepest valid path (rings > edges > node > subgraph > nodes > declarations > edges > node > id) passes ...
    const deepest = '{ rings(first: 1) { edges { node { subgraph(limit: 2) { nodes { declarations(first: 1) { edges { node { id } } } } } } } } }';
    expect(code(await gql('investigator', deepest))).toBeUndefined();
    // ... and anything nested further is refused by the depth rule, whatever it asks for.
    const nested = Array.from({ length: 14 }, () => 'x {').join(' ');
    const rd = await gql('investigator', `{ ${nested} id ${'}'.repeat(14)} }`);
    const depth = rd.errors!.find((e) => e.extensions?.limit === 'maxDepth');
    expect(depth?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(depth?.message).toMatch(/depth limit of 10/);

    const aliases = `{ ${Array.from({ length: 25 }, (_, i) => `a${i}: currentRun { id }`).join(' ')} }`;
    const ra = await gql('investigator', aliases);
    expect(code(ra)).toBe('BAD_USER_INPUT');
    expect(ra.errors![0]!.extensions!.limit).toBe('maxAliases');
    const costly = '{ rings(first: 100) { edges { node { members(first: 100) { edges { node { declarations(first: 100) { edges { node { id hsCode } } } } } } } } } }';
    const rc = await gql('investigator', costly);
    expect(code(rc)).toBe('BAD_USER_INPUT');
    expect(rc.errors![0]!.extensions!.limit).toBe('maxCost');
  });
});

describe('bad arguments and errors', () => {
  it('gives coded errors and never a stack trace or SQL', async () => {
    const results = [
      await gql('investigator', '{ neighborhood(id: "424242424") { truncated } }'),
      await gql('investigator', '{ rings(after: "%%%") { edges { cursor } } }'),
      await gql('investigator', '{ entity { id } }'),
      await gql('investigator', '{ entity(id: 1 }'),
      await gql('investigator', '{ nosuchfield }'),
      await gql('investigator', '{ rings(first: 1000000) { edges { cursor } } }'),
      await gql('investigator', '{ analysisRuns(first: 1000000) { edges { cursor } } }'),
    ];
    expect(results.map(code)).toEqual([
      'NOT_FOUND', 'BAD_USER_INPUT', 'BAD_USER_INPUT', 'GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'BAD_USER_INPUT', 'BAD_USER_INPUT',
    ]);
    for (const r of results) {
      const text = JSON.stringify(r.errors);
      expect(text).not.toMatch(/stacktrace|SELECT |sqlite|at .*\.ts:\d+/i);
    }
  });

  it('keeps CSRF prevention on', async () => {
    const res = await fetch(`${server.url}?query=${encodeURIComponent('{ currentRun { id } }')}`, { headers: { authorization: `Bearer ${KEYS.scorer}` } });
    expect(res.status).toBe(400);
  });
});

describe('audit log', () => {
  it('records investigator reads with who, role, operation, ids and request id, and nothing for scoring', async () => {
    const before = await store.listAudit({ limit: 1 });
    await gql('investigator', `{ entity(id: "${ringMembers[0]}") { id } }`);
    const after = await store.listAudit({ limit: 5 });
    expect(after[0]).toMatchObject({ who: 'env-1-investigator', role: 'investigator', operation: 'entity', entityIds: [ringMembers[0]] });
    expect(after[0]!.requestId).toMatch(/.{8,}/);
    expect(Number(after[0]!.id)).toBeGreaterThan(Number(before[0]?.id ?? 0));
    const last = after[0]!.id;
    await gql('scorer', 'query($i: DeclarationInput!) { scoreDeclaration(input: $i) { risk } }', { i: DECL });
    expect((await store.listAudit({ limit: 1 }))[0]!.id).toBe(last);
    const log = await gql('admin', '{ auditLog(first: 3) { edges { node { who role operation entityIds requestId } } } }');
    expect(log.data!.auditLog.edges[0].node).toMatchObject({ role: 'INVESTIGATOR', operation: 'entity' });
    expect(JSON.stringify(log)).not.toContain(KEYS.investigator);
    expect(() => store.db.prepare('DELETE FROM audit_log').run()).toThrow(/append-only/);
  });
});

describe('production mode', () => {
  it('turns off introspection and field suggestions', async () => {
    const prod = await startServer({
      store, keys: KeyRing.fromEnv(`scorer:${KEYS.scorer}`), config: CONFIG, logger: silentLogger, port: 0, production: true,
    });
    try {
      const intro = await gql('scorer', '{ __schema { types { name } } }', undefined, prod.url);
      expect(intro.errors?.[0]?.message).toMatch(/introspection/i);
      const typo = await gql('scorer', '{ currentRn { id } }', undefined, prod.url);
      expect(typo.errors?.[0]?.message).not.toMatch(/Did you mean/);
    } finally {
      await prod.close();
    }
  });
});

describe('paging on the store\'s own ids', () => {
  // Cursors carry the store's ids as strings (numbers in SQLite, element ids or time-ordered keys
  // in Neo4j), never the ids read as numbers: a Neo4j id read as a number is NaN.
  const decoded = (cursor: string) => (JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { v: unknown }).v;

  it('pages a name search to its end without repeats, each cursor the id of its entity', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 4; page++) {
      const r = await gql('investigator', 'query($after: String) { search(text: "SARL", first: 5, after: $after) { edges { cursor node { id } } pageInfo { hasNextPage endCursor } } }', { after });
      const { edges, pageInfo } = r.data!.search;
      for (const e of edges) {
        expect(globalId('Entity', decoded(e.cursor) as string)).toBe(e.node.id);
        seen.push(e.node.id);
      }
      expect(pageInfo.hasNextPage).toBe(true);
      after = pageInfo.endCursor;
    }
    expect(new Set(seen).size).toBe(20);
  });

  it('pages the audit log and the analysis runs, newest first, and refuses a cursor it never gave', async () => {
    const first = await gql('admin', '{ auditLog(first: 2) { edges { cursor node { id } } pageInfo { endCursor } } }');
    const next = await gql('admin', 'query($a: String) { auditLog(first: 2, after: $a) { edges { node { id } } } }', { a: first.data!.auditLog.pageInfo.endCursor });
    const ids = [...first.data!.auditLog.edges, ...next.data!.auditLog.edges].map((e: { node: { id: string } }) => Number(e.node.id));
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    expect(new Set(ids).size).toBe(4);
    expect(decoded(first.data!.auditLog.edges[0].cursor)).toBe(first.data!.auditLog.edges[0].node.id);

    await runAnalysis(store, { ...DEFAULT_PARAMS, seed: 7 });
    const runs = await gql('investigator', '{ analysisRuns(first: 1) { edges { cursor node { id } } pageInfo { hasNextPage endCursor } } }');
    const older = await gql('investigator', 'query($a: String) { analysisRuns(first: 1, after: $a) { edges { node { id } } } }', { a: runs.data!.analysisRuns.pageInfo.endCursor });
    expect(runs.data!.analysisRuns.pageInfo.hasNextPage).toBe(true);
    const local = (id: string) => parseGlobalId(id)!.local;
    expect(decoded(runs.data!.analysisRuns.edges[0].cursor)).toBe(local(runs.data!.analysisRuns.edges[0].node.id));
    expect(Number(local(older.data!.analysisRuns.edges[0].node.id))).toBeLessThan(Number(local(runs.data!.analysisRuns.edges[0].node.id)));
    const unknown = Buffer.from(JSON.stringify({ v: '4:never:1' })).toString('base64url');
    expect(code(await gql('investigator', 'query($a: String) { analysisRuns(after: $a) { edges { cursor } } }', { a: unknown }))).toBe('BAD_USER_INPUT');
    expect(code(await gql('admin', 'query($a: String) { auditLog(after: $a) { edges { cursor } } }', { a: unknown }))).toBe('BAD_USER_INPUT');
  });
});
