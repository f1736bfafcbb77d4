/**
 * The OWASP GraphQL cheat sheet, item by item, against a running server (production mode unless
 * the item is about development): introspection, suggestions, batching, aliases, depth, cost,
 * CSRF, GET mutations, error leakage, timeouts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeyRing } from '../src/api/auth';
import { startServer, type RunningServer } from '../src/api/server';
import type { SqliteGraphStore } from '../src/store/sqlite/sqlite-store';
import { silentLogger } from '../src/util/logger';
import { analysedSyntheticStore, tempDir } from './helpers';

const tmp = tempDir('cg-owasp-');
let store: SqliteGraphStore;
let prod: RunningServer;
let slow: RunningServer;
const AUTH = { authorization: 'Bearer ana' };

beforeAll(async () => {
  ({ store } = await analysedSyntheticStore(tmp.dir, 'o.db', { traders: 200, seed: 5 }));
  const opts = { store, dbPath: store.path, keys: KeyRing.fromEnv('analyst:ana'), config: { dbPath: '', phoneRegion: 'MA', defaultCurrency: 'MAD' }, logger: silentLogger, port: 0, production: true };
  prod = await startServer(opts);
  slow = await startServer({ ...opts, limits: { timeBudgetMs: 0 } });
}, 120_000);
afterAll(async () => {
  await prod.close();
  await slow.close();
  await store.close();
  tmp.cleanup();
});

async function post(body: unknown, headers: Record<string, string> = {}, url = prod.url) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...AUTH, ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, text, json: (() => { try { return JSON.parse(text) as { data?: any; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> }; } catch { return undefined; } })() };
}

describe('OWASP GraphQL cheat sheet', () => {
  it('introspection is off in production', async () => {
    const r = await post({ query: '{ __schema { types { name } } }' });
    expect(r.json?.errors?.[0]?.message).toMatch(/introspection/i);
    expect(r.json?.data ?? null).toBeNull();
  });

  it('field suggestions are off in production', async () => {
    const r = await post({ query: '{ ring { rank } rigns { x } }' });
    expect(r.json?.errors?.length).toBeGreaterThan(0);
    expect(r.text).not.toMatch(/did you mean/i);
  });

  it('batched operations in one HTTP request are refused', async () => {
    const r = await post([{ query: '{ currentRun { id } }' }, { query: '{ currentRun { id } }' }]);
    expect(r.status).toBe(400);
    expect(r.text).not.toMatch(/"currentRun"/);
  });

  it('aliases, depth and cost are limited, sizes in variables included', async () => {
    const aliases = await post({ query: `{ ${Array.from({ length: 21 }, (_, i) => `a${i}: currentRun { id }`).join(' ')} }` });
    expect(aliases.json?.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', limit: 'maxAliases' });
    const deep = await post({ query: '{ rings { edges { node { members { edges { node { declarations { edges { node { id } } } risk { reasons { evidence } } } } } } } } }' });
    expect(deep.json?.errors?.length).toBeGreaterThan(0);
    const costly = await post({ query: 'query($n: Int) { rings(first: $n) { edges { node { members(first: $n) { edges { node { id name } } } } } } }', variables: { n: 100 } });
    expect(costly.json?.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', limit: 'maxCost' });
  });

  it('CSRF: a simple request a browser could send from another site is refused', async () => {
    const res = await fetch(prod.url, { method: 'POST', headers: { 'content-type': 'text/plain', ...AUTH }, body: JSON.stringify({ query: '{ currentRun { id } }' }) });
    expect(res.status).toBe(400);
    const get = await fetch(`${prod.url}?query=${encodeURIComponent('{ currentRun { id } }')}`, { headers: AUTH });
    expect(get.status).toBe(400);
  });

  it('mutations are never run over GET', async () => {
    const res = await fetch(`${prod.url}?query=${encodeURIComponent('mutation { removeFromWatchlist(kind: PHONE, key: "0661") }')}`, {
      headers: { ...AUTH, 'apollo-require-preflight': 'true' },
    });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(await res.text()).not.toMatch(/"removeFromWatchlist"/);
  });

  it('errors leak no stack, path, SQL or internals', async () => {
    for (const body of [
      { query: '{ entity(id: "1") { declarations(after: "eyJ2IjoieCJ9") { edges { node { id } } } } }' },
      { query: '{ rings(first: 0) { edges { node { rank } } } }' },
      { query: 'query { nope' },
      '{"query": "x"',
      { query: '{ neighborhood(id: "d999999999", hops: 1) { nodes { id } } }' },
    ]) {
      const r = await post(body);
      expect(r.status).toBeLessThan(500);
      expect(r.text).not.toMatch(/at [\w.<>]+ \(|\/work\/|node_modules|SQLITE|sqlite|stacktrace/i);
      for (const e of r.json?.errors ?? []) expect(typeof e.extensions?.code).toBe('string');
    }
  });

  it('a request is stopped when it runs past its time budget', async () => {
    const r = await post({ query: '{ rings(first: 5) { edges { node { rank } } } }' }, {}, slow.url);
    expect(r.json?.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', limit: 'timeBudgetMs' });
  });
});
