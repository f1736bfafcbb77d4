/**
 * Limits tested the way an attacker sends them: sizes as variables and defaults as well as
 * literals, many aliases, later pages and crafted cursors, against a running server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeyRing } from '../src/api/auth';
import { startServer, type RunningServer } from '../src/api/server';
import type { SqliteGraphStore } from '../src/store/sqlite/sqlite-store';
import { silentLogger } from '../src/util/logger';
import { analysedSyntheticStore, tempDir } from './helpers';

const tmp = tempDir('cg-hostile-api-');
const CONFIG = { dbPath: '', phoneRegion: 'MA', defaultCurrency: 'MAD' };
let store: SqliteGraphStore;
let server: RunningServer;
let tight: RunningServer;

interface Gql { data?: Record<string, any> | null; errors?: Array<{ message: string; path?: string[]; extensions?: Record<string, any> }> }

async function gql(query: string, variables?: Record<string, unknown>, url = server.url, key = 'inv'): Promise<Gql> {
  const res = await fetch(url, {
    method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as Gql;
}

beforeAll(async () => {
  ({ store } = await analysedSyntheticStore(tmp.dir, 'api.db', { traders: 400, seed: 8 }));
  const keys = KeyRing.fromEnv('investigator:inv,scorer:sco,clearance:clr');
  server = await startServer({ store, dbPath: store.path, keys, config: CONFIG, logger: silentLogger, port: 0 });
  tight = await startServer({ store, dbPath: store.path, keys, config: CONFIG, logger: silentLogger, port: 0, limits: { timeBudgetMs: 0, maxResponseBytes: 2_000 } });
}, 120_000);
afterAll(async () => {
  await server.close();
  await tight.close();
  await store.close();
  tmp.cleanup();
});

const NESTED = 'query($n: Int) { rings(first: $n) { edges { node { rank members(first: $n) { edges { node { id name key declarations(first: $n) { edges { node { id declarationId declaredValue hsCode } } } } } } } } } }';
const DECL = { declarationId: 'X', lodgedAt: '2025-06-01', traderId: 'T-X', originCountry: 'CN', hsCode: '610910', declaredValue: 1000 };

describe('query cost', () => {
  it('counts sizes given as variables as it counts literals', async () => {
    const literal = await gql(NESTED.replace('query($n: Int) ', '').replaceAll('$n', '100'));
    const variable = await gql(NESTED, { n: 100 });
    for (const r of [literal, variable]) {
      expect(r.data ?? null).toBeNull();
      expect(r.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', limit: 'maxCost' });
    }
    expect((await gql(NESTED, { n: 3 })).errors).toBeUndefined();
  });

  it('counts defaults, fragments and aliases, and a subgraph by its limit', async () => {
    // members(first: 20) by default: 100 rings x 20 members x 20 declarations is over the limit.
    const defaults = await gql('query($n: Int) { rings(first: $n) { edges { node { members { edges { node { declarations { edges { node { id } } } } } } } } } }', { n: 100 });
    expect(defaults.errors![0]!.extensions).toMatchObject({ limit: 'maxCost' });
    const fragments = await gql('query($n: Int) { rings(first: $n) { edges { node { ...M } } } } fragment M on Ring { members(first: $n) { edges { node { id name key kind } } } }', { n: 100 });
    expect(fragments.errors![0]!.extensions).toMatchObject({ limit: 'maxCost' });
    expect((await gql('query($n: Int) { rings(first: $n) { edges { node { ...M } } } } fragment M on Ring { members(first: $n) { edges { node { id } } } }', { n: 5 })).errors).toBeUndefined();
    const aliases = await gql(`query($n: Int) { ${[1, 2, 3, 4].map((i) => `a${i}: rings(first: $n) { edges { node { members(first: $n) { edges { node { id name } } } } } }`).join(' ')} }`, { n: 40 });
    expect(aliases.errors![0]!.extensions).toMatchObject({ limit: 'maxCost' });
    const subgraph = await gql('query($n: Int) { rings(first: 100) { edges { node { subgraph(limit: $n) { nodes { id name kind } } } } } }', { n: 500 });
    expect(subgraph.errors![0]!.extensions).toMatchObject({ limit: 'maxCost' });
  });

  it('counts what a fragment selects on its own type, inside node(id:) as anywhere', async () => {
    const ring = `Ring:${await store.currentRunId()}:${(await store.topCommunities(1))[0]!.community}`;
    const deep = 'query($id: ID!, $n: Int) { node(id: $id) { ... on Ring { members(first: $n) { edges { node { declarations(first: $n) { edges { node { id hsCode declaredValue } } } } } } } } }';
    const spread = 'query($id: ID!, $n: Int) { node(id: $id) { ...R } } fragment R on Ring { members(first: $n) { edges { node { declarations(first: $n) { edges { node { id hsCode declaredValue } } } } } } }';
    for (const query of [deep, spread]) {
      const r = await gql(query, { id: ring, n: 100 });
      expect(r.data ?? null, query).toBeNull();
      expect(r.errors![0]!.extensions, query).toMatchObject({ code: 'BAD_USER_INPUT', limit: 'maxCost' });
      expect((await gql(query, { id: ring, n: 3 })).errors, query).toBeUndefined();
    }
  });

  it('keeps a field past its own limit refused by that limit, however it is given', async () => {
    const r = await gql('query($l: Int!) { neighborhood(id: "1", limit: $l) { truncated } }', { l: 100_000 });
    expect(r.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', limit: 'maxSubgraph' });
  });

  it('counts the declarations of every batch field of a request together', async () => {
    const inputs = Array.from({ length: 1000 }, (_, i) => ({ ...DECL, declarationId: `X${i}` }));
    const query = `query($i: [DeclarationInput!]!) { ${Array.from({ length: 20 }, (_, k) => `s${k}: scoreDeclarations(inputs: $i) { risk }`).join(' ')} }`;
    const started = Date.now();
    const r = await gql(query, { i: inputs }, server.url, 'sco');
    expect(r.data ?? null).toBeNull();
    expect(r.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', limit: 'maxBatch' });
    expect(r.errors![0]!.message).toMatch(/at most 1000 declarations per request \(this one asks for 20000\)/);
    expect(Date.now() - started).toBeLessThan(5000);
    // Lodging and control results are batches too: aliases cannot multiply them past the limit.
    const lodge = `mutation($i: [DeclarationInput!]!) { ${Array.from({ length: 3 }, (_, k) => `l${k}: lodgeDeclarations(inputs: $i, capacity: 0.1) { replayed }`).join(' ')} }`;
    const lodged = await gql(lodge, { i: inputs.slice(0, 600) }, server.url, 'clr');
    expect(lodged.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', limit: 'maxBatch' });
    expect(lodged.errors![0]!.message).toMatch(/this one asks for 1800/);
    const outcomes = Array.from({ length: 600 }, (_, i) => ({ declarationId: `X${i}`, outcome: 'CLEAR' }));
    const recorded = await gql(`mutation($o: [OutcomeInput!]!) { a: recordOutcomes(outcomes: $o) { accepted } b: recordOutcomes(outcomes: $o) { accepted } }`, { o: outcomes }, server.url, 'clr');
    expect(recorded.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', limit: 'maxBatch' });
    const two = await gql('query($i: [DeclarationInput!]!) { a: scoreDeclarations(inputs: $i) { risk } b: scoreDeclarations(inputs: $i) { risk } }', { i: inputs.slice(0, 500) }, server.url, 'sco');
    expect(two.errors).toBeUndefined();
    expect(two.data!.a).toHaveLength(500);
  });

  it('stops a request past its time budget and refuses a response over the size limit', async () => {
    const slow = await gql('{ rings(first: 3) { edges { node { rank } } } }', undefined, tight.url);
    expect(slow.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', limit: expect.stringMatching(/timeBudgetMs|maxResponseBytes/) });
    const big = await fetch(tight.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer inv' }, body: JSON.stringify({ query: '{ currentRun { params } }' }) });
    const body = (await big.json()) as Gql;
    expect(body.errors?.[0]?.extensions?.limit).toMatch(/timeBudgetMs|maxResponseBytes/);
    expect(JSON.stringify(body).length).toBeLessThan(2_000);
  });
});

describe('cursors', () => {
  const crafted = ['eyJ2IjoieCJ9' /* {"v":"x"} */, Buffer.from(JSON.stringify({ v: -5 })).toString('base64url'), Buffer.from(JSON.stringify({ v: 1.5 })).toString('base64url'), 'not base64 at all!'];
  it('a crafted cursor on any paged field is BAD_USER_INPUT, never an internal error', async () => {
    const ring = (await gql('{ rings(first: 1) { edges { node { community members(first: 1) { edges { node { id } } } } } } }')).data!.rings.edges[0].node;
    const paged = [
      (c: string) => `{ rings(first: 2, after: "${c}") { edges { node { rank } } } }`,
      (c: string) => `{ search(text: "trading", after: "${c}") { edges { node { id } } } }`,
      (c: string) => `{ analysisRuns(after: "${c}") { edges { node { id } } } }`,
      (c: string) => `{ ring(community: ${ring.community}) { members(after: "${c}") { edges { node { id } } } } }`,
      (c: string) => `{ entity(id: "${ring.members.edges[0].node.id}") { declarations(after: "${c}") { edges { node { id } } } } }`,
    ];
    for (const q of paged) {
      for (const c of crafted) {
        const r = await gql(q(c));
        expect(r.errors?.[0]?.extensions?.code, q(c)).toBe('BAD_USER_INPUT');
      }
    }
  });

  it('the cursors the server gives page through every item once', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 50; page++) {
      const r: Gql = await gql('query($a: String) { rings(first: 7, after: $a) { edges { node { rank } } pageInfo { hasNextPage endCursor } } }', { a: after });
      const c = r.data!.rings;
      seen.push(...c.edges.map((e: { node: { rank: number } }) => String(e.node.rank)));
      if (!c.pageInfo.hasNextPage) break;
      after = c.pageInfo.endCursor;
    }
    const total = (await store.topCommunities(1_000_000)).length;
    expect(seen).toEqual(Array.from({ length: total }, (_, i) => String(i + 1)));
  });
});

describe('search', () => {
  it('finds names however their accents and case are written', async () => {
    const name = (await store.searchByName('a', { limit: 1, kinds: ['Trader'] }))[0]!.name;
    const word = name.split(' ')[0]!;
    const ids = async (text: string) => ((await gql('query($t: String!) { search(text: $t, first: 100) { edges { node { id } } } }', { t: text })).data!.search.edges as Array<{ node: { id: string } }>).map((e) => e.node.id).sort();
    const plain = await ids(word.toLowerCase());
    expect(plain.length).toBeGreaterThan(0);
    expect(await ids(word.toUpperCase())).toEqual(plain);
    const accented = word.replace(/e/i, 'É').replace(/a/i, 'À');
    expect(await ids(accented)).toEqual(plain);
  });
});
