/**
 * Random operations built from the schema (valid and invalid arguments, literals and variables,
 * nested selections, aliases), sent as every role and without a key: the server never answers
 * 500, never shows a stack trace, and never lets an identity out without an audit record.
 */
import fc from 'fast-check';
import {
  buildSchema, getNamedType, isEnumType, isInputObjectType, isListType, isNonNullType, isObjectType, isScalarType,
  type GraphQLField, type GraphQLInputType, type GraphQLObjectType, type GraphQLSchema,
} from 'graphql';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeyRing } from '../src/api/auth';
import { schemaSdl, startServer, type RunningServer } from '../src/api/server';
import type { SqliteGraphStore } from '../src/store/sqlite/sqlite-store';
import { silentLogger } from '../src/util/logger';
import { analysedSyntheticStore, identityIds, tempDir } from './helpers';

const tmp = tempDir('cg-property-');
const schema: GraphQLSchema = buildSchema(schemaSdl());
let store: SqliteGraphStore;
let server: RunningServer;
let ids: string[] = [];
const KEYS: Record<string, string | undefined> = { investigator: 'i', scorer: 's', analyst: 'a', admin: 'd', none: undefined, wrong: 'nope' };
/** Mutations left out: each would start a whole analysis run. */
const SKIP = new Set(['Mutation.startAnalysis']);

beforeAll(async () => {
  ({ store } = await analysedSyntheticStore(tmp.dir, 'p.db', { traders: 200, seed: 6 }));
  server = await startServer({
    store, dbPath: store.path, keys: KeyRing.fromEnv('investigator:i,scorer:s,analyst:a,admin:d'),
    config: { dbPath: '', phoneRegion: 'MA', defaultCurrency: 'MAD' }, logger: silentLogger, port: 0,
  });
  const top = await store.topCommunities(3);
  ids = [...top.flatMap((c) => c.members.slice(0, 3)), 'd1', 'd2'];
}, 120_000);
afterAll(async () => {
  await server.close();
  await store.close();
  tmp.cleanup();
});

/** A value for an input type: mostly plausible, sometimes of the wrong kind or size. */
function value(type: GraphQLInputType, depth = 0): fc.Arbitrary<unknown> {
  if (isNonNullType(type)) return value(type.ofType, depth);
  if (isListType(type)) return fc.array(value(type.ofType, depth + 1), { maxLength: depth > 0 ? 2 : 4 });
  const named = getNamedType(type);
  const wrong = fc.constantFrom<unknown>(null, 'x', -1, 1e308, 2 ** 31, true, [], {}, '0x10', '🙂'.repeat(3));
  let good: fc.Arbitrary<unknown>;
  if (isEnumType(named)) good = fc.constantFrom(...named.getValues().map((v) => v.name));
  else if (isInputObjectType(named)) {
    // Required fields always present (plausible ones for the contract's checks), the others now and then.
    const plausible: Record<string, unknown> = {
      declarationId: 'P1', lodgedAt: '2025-05-01', traderId: 'TP', originCountry: 'CN', hsCode: '610910', declaredValue: 10, kind: 'PHONE', key: '0661000000', reason: 'r', source: 's',
    };
    const fields = Object.values(named.getFields());
    good = fc.record(Object.fromEntries(fields.map((f) => [f.name, isNonNullType(f.type) ? fc.oneof({ weight: 6, arbitrary: fc.constant(plausible[f.name]) }, { weight: 1, arbitrary: value(f.type, depth + 1) }) : value(f.type, depth + 1)])),
      { requiredKeys: fields.filter((f) => isNonNullType(f.type)).map((f) => f.name) });
  } else if (isScalarType(named)) {
    good = named.name === 'Int' ? fc.constantFrom(1, 2, 3, 5, 20, 100, 0, 101, 501, -5)
      : named.name === 'Float' ? fc.constantFrom(0, 0.05, 0.5, 1, 2, -1)
        : named.name === 'Boolean' ? fc.boolean()
          // Ids of the store are known only once it is built: drawn when an operation is generated.
          : named.name === 'ID' ? fc.nat(30).map((i) => (i < 24 ? ids[i % Math.max(1, ids.length)] ?? '1' : ['d0', 'nope', '', '1'][i % 4]!))
            : fc.constantFrom('sarl', 'trading', 'import', 'Étoile', '0661234567', 'sa', '', 'x'.repeat(300), '2025-02-30', '%', "'; DROP TABLE entities; --");
  } else good = fc.constant(null);
  return fc.oneof({ weight: 12, arbitrary: good }, { weight: 1, arbitrary: wrong });
}

interface Built { text: string; vars: Array<[string, string, unknown]> }

/** Whether a type's objects can lead to an Entity or a Declaration (those fields are always selected: it is what the audit is about). */
const leads = new Map<string, boolean>();
function leadsToIdentity(type: GraphQLObjectType, path = new Set<string>()): boolean {
  if (type.name === 'Entity' || type.name === 'Declaration') return true;
  if (leads.has(type.name)) return leads.get(type.name)!;
  if (path.has(type.name)) return false;
  const found = Object.values(type.getFields()).some((f) => {
    const t = getNamedType(f.type);
    return isObjectType(t) && leadsToIdentity(t, new Set(path).add(type.name));
  });
  if (path.size === 0) leads.set(type.name, found);
  return found;
}

/** A selection set for an object type: a few fields, `__typename id` where the type has an id, nested up to `depth`. */
function selection(type: GraphQLObjectType, depth: number): fc.Arbitrary<Built> {
  const all = Object.values(type.getFields());
  const toIdentity = all.filter((f) => { const t = getNamedType(f.type); return isObjectType(t) && leadsToIdentity(t); }).slice(0, 2);
  const fields = all.filter((f) => !toIdentity.includes(f));
  return fc.subarray(fields, { minLength: toIdentity.length ? 0 : 1, maxLength: Math.min(2, fields.length) }).map((chosen) => [...toIdentity, ...chosen]).chain((chosen) => fc.tuple(...chosen.map((f) => field(f, depth, `${type.name}.${f.name}`))).map((parts) => {
    const always = type.getFields().id ? '__typename id ' : '';
    return { text: `{ ${always}${parts.map((p) => p.text).join(' ')} }`, vars: parts.flatMap((p) => p.vars) };
  }));
}

let varCount = 0;
function field(f: GraphQLField<unknown, unknown>, depth: number, name: string): fc.Arbitrary<Built> {
  // Required arguments nearly always given, optional ones half the time.
  const args = f.args.map((a) => fc.tuple(fc.constant(a), fc.option(value(a.type), { freq: isNonNullType(a.type) ? 20 : 2 }), fc.boolean()));
  const sub = isObjectType(getNamedType(f.type))
    ? (depth >= 3 ? fc.constant<Built>({ text: '{ __typename }', vars: [] }) : selection(getNamedType(f.type) as GraphQLObjectType, depth + 1))
    : fc.constant<Built>({ text: '', vars: [] });
  return fc.tuple(fc.tuple(...args), sub, fc.option(fc.constantFrom('x1', 'x2'), { freq: 4 })).map(([argv, s, alias]) => {
    const vars: Built['vars'] = [...s.vars];
    const parts: string[] = [];
    for (const [a, v, asVariable] of argv) {
      if (v === null) continue;
      if (asVariable) {
        const name = `v${varCount++}`;
        vars.push([name, String(a.type), v]);
        parts.push(`${a.name}: $${name}`);
      } else parts.push(`${a.name}: ${literal(v)}`);
    }
    const prefix = alias ? `${alias}_${f.name}: ` : '';
    return { text: `${prefix}${f.name}${parts.length ? `(${parts.join(', ')})` : ''} ${s.text}`, vars };
  }).filter(() => !SKIP.has(name));
}

function literal(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(literal).join(', ')}]`;
  if (v && typeof v === 'object') return `{ ${Object.entries(v).map(([k, x]) => `${k}: ${literal(x)}`).join(', ')} }`;
  if (typeof v === 'string' && /^[A-Z_]+$/.test(v)) return v;
  return String(v);
}

const operation = fc.constantFrom<'query' | 'mutation'>('query', 'query', 'query', 'mutation').chain((kind) => {
  const root = kind === 'query' ? schema.getQueryType()! : schema.getMutationType()!;
  const fields = Object.values(root.getFields()).filter((f) => !SKIP.has(`${root.name}.${f.name}`));
  return fc.subarray(fields, { minLength: 1, maxLength: Math.min(2, fields.length) }).chain((chosen) => fc.tuple(...chosen.map((f) => field(f, 1, `${root.name}.${f.name}`)))).map((parts) => {
    const vars = parts.flatMap((p) => p.vars);
    const decl = vars.length ? `(${vars.map(([n, t]) => `$${n}: ${t}`).join(', ')})` : '';
    return { query: `${kind}${decl} { ${parts.map((p) => p.text).join(' ')} }`, variables: Object.fromEntries(vars.map(([n, , v]) => [n, v])) };
  });
});

/** Reads that return identities, with sizes, pages and ids drawn at random and passed as variables. */
const cursor = (n: number) => Buffer.from(JSON.stringify({ v: n })).toString('base64url');
const identityReads = fc.record({
  n: fc.integer({ min: 1, max: 6 }), m: fc.integer({ min: 1, max: 12 }), page: fc.nat(5), hops: fc.integer({ min: 1, max: 2 }),
  limit: fc.integer({ min: 1, max: 80 }), a: fc.nat(30), b: fc.nat(30), template: fc.nat(5), alias: fc.boolean(),
}).map((r) => {
  const id = (i: number) => ids[i % Math.max(1, ids.length)] ?? '1';
  const e = '__typename id name';
  const templates = [
    `query($n: Int, $m: Int, $c: String) { rings(first: $n) { edges { node { members(first: $m, after: $c) { edges { node { ${e} } } } } } } }`,
    `query($id: ID!, $h: Int, $l: Int) { neighborhood(id: $id, hops: $h, limit: $l) { nodes { ${e} } } }`,
    `query($id: ID, $m: Int) { entity(id: $id) { ${e} declarations(first: $m) { edges { node { __typename id hsCode } } } } }`,
    `query($a: ID!, $b: ID!) { shortestPath(from: $a, to: $b) { nodes { ${e} } } }`,
    `query($m: Int) { search(text: "sarl", first: $m) { edges { node { ${e} } } } }`,
    `query($l: Int, $n: Int) { rings(first: $n) { edges { node { subgraph(limit: $l) { nodes { ${e} } } } } } }`,
  ];
  let query = templates[r.template]!;
  if (r.alias) query = query.replace(/\{ (\w+)\(/, '{ again: $1(');
  const variables: Record<string, unknown> = { n: r.n, m: r.m, c: r.page ? cursor(r.page) : null, id: id(r.a), a: id(r.a), b: id(r.b), h: r.hops, l: r.limit };
  const used = Object.fromEntries(Object.entries(variables).filter(([k]) => query.includes(`$${k}:`)));
  return { query, variables: used };
});

describe('random operations from the schema, as every role', () => {
  it('never get a 500, a stack trace, or an identity without its audit record', async () => {
    const seen = { identities: 0, errors: 0, data: 0 };
    const roles = fc.constantFrom('investigator', 'investigator', 'analyst', 'admin', 'scorer', 'none', 'wrong');
    await fc.assert(fc.asyncProperty(fc.oneof(operation, identityReads), roles, async (op, role) => {
      const requestId = randomUUID();
      const key = KEYS[role];
      const res = await fetch(server.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-request-id': requestId, ...(key ? { authorization: `Bearer ${key}` } : {}) },
        body: JSON.stringify(op),
      });
      const text = await res.text();
      expect(res.status, `${role}: ${op.query}\n${text}`).toBeLessThan(500);
      expect(text, op.query).not.toMatch(/at [\w.<>]+ \(|\/work\/|node_modules|SQLITE_|"stacktrace"/);
      const body = JSON.parse(text) as { data?: unknown; errors?: Array<{ extensions?: { code?: unknown } }> };
      for (const e of body.errors ?? []) expect(typeof e.extensions?.code, text).toBe('string');
      if (body.errors?.length) seen.errors++;
      if (body.data) seen.data++;
      const sent = identityIds(body.data);
      if (sent.size === 0) return;
      seen.identities++;
      expect(['investigator', 'analyst', 'admin']).toContain(role);
      const audited = new Set((await store.listAudit({ limit: 200 })).filter((r) => r.clientRequestId === requestId).flatMap((r) => r.entityIds));
      for (const id of sent) expect(audited.has(id), `${id} of ${op.query}`).toBe(true);
    }), { numRuns: 150, seed: 20261201 });
    // The operations reach every branch: refused ones, answered ones, and answers with identities.
    expect(seen.errors).toBeGreaterThan(20);
    expect(seen.data).toBeGreaterThan(20);
    expect(seen.identities).toBeGreaterThan(15);
  }, 300_000);
});
