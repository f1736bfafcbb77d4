/**
 * What a hostile client can still do to a running server, in both modes (production and not):
 * malformed bodies, missing keys, framing and sniffing, source maps, a port already taken.
 */
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeyRing } from '../src/api/auth';
import { startServer, type RunningServer } from '../src/api/server';
import type { SqliteGraphStore } from '../src/store/sqlite/sqlite-store';
import { silentLogger } from '../src/util/logger';
import { analysedSyntheticStore, spawnCli, tempDir } from './helpers';

const tmp = tempDir('cg-hostile-server-');
const CONFIG = { dbPath: '', phoneRegion: 'MA', defaultCurrency: 'MAD' };
let store: SqliteGraphStore;
const servers: Record<'development' | 'production', RunningServer> = {} as never;

beforeAll(async () => {
  ({ store } = await analysedSyntheticStore(tmp.dir, 'h.db', { traders: 200, seed: 3 }));
  for (const mode of ['development', 'production'] as const) {
    servers[mode] = await startServer({
      store, dbPath: store.path, keys: KeyRing.fromEnv('investigator:inv'), config: CONFIG, logger: silentLogger, port: 0, production: mode === 'production',
    });
  }
}, 120_000);
afterAll(async () => {
  for (const s of Object.values(servers)) await s.close();
  await store.close();
  tmp.cleanup();
});

const post = (url: string, body: string, headers: Record<string, string> = {}) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });

describe.each(['development', 'production'] as const)('a %s server', (mode) => {
  it('answers a malformed body without a key with 401 JSON, before reading it', async () => {
    const res = await post(servers[mode].url, '{"query": "x"');
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    expect(await res.json()).toEqual({ errors: [{ message: expect.stringMatching(/API key/), extensions: { code: 'UNAUTHENTICATED' } }] });
  });

  it('answers a malformed body with a key as JSON with a code, never a stack trace or a path', async () => {
    const res = await post(servers[mode].url, '{"query": "x"', { authorization: 'Bearer inv' });
    const text = await res.text();
    expect(res.status).toBe(400);
    expect(JSON.parse(text)).toEqual({ errors: [{ message: 'the request body is not valid JSON', extensions: { code: 'BAD_REQUEST' } }] });
    expect(text).not.toMatch(/<html|node_modules|at .*\.js|\/work\//i);
  });

  it('sends the security headers on the page and the API', async () => {
    for (const path of ['/', '/graphql']) {
      const res = path === '/' ? await fetch(servers[mode].url.replace('/graphql', '/')) : await post(servers[mode].url, '{"query":"{ currentRun { id } }"}', { authorization: 'Bearer inv' });
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp, path).toMatch(/default-src 'self'/);
      expect(csp, path).toMatch(/frame-ancestors 'none'/);
      expect(csp, path).toMatch(/script-src 'self'(;|$)/);
      expect(res.headers.get('x-frame-options'), path).toBe('DENY');
      expect(res.headers.get('x-content-type-options'), path).toBe('nosniff');
      expect(res.headers.get('referrer-policy'), path).toBe('no-referrer');
      expect(res.headers.get('x-powered-by'), path).toBeNull();
    }
  });
});

describe('source maps', () => {
  it('are served outside production only', async () => {
    const map = (mode: 'development' | 'production') => fetch(servers[mode].url.replace('/graphql', '/app.js.map'));
    expect((await map('development')).status).toBe(200);
    expect((await map('production')).status).toBe(404);
  });
});

describe('serve on a port already in use', () => {
  it('says so and exits 1, announcing nothing', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const proc = spawnCli(['serve', '--db', store.path, '--port', String(port)], { env: { CUSTOMS_GRAPH_API_KEYS: 'investigator:x' } });
      let out = '';
      let err = '';
      proc.stdout!.on('data', (b: Buffer) => { out += b.toString(); });
      proc.stderr!.on('data', (b: Buffer) => { err += b.toString(); });
      const code = await new Promise<number | null>((resolve) => proc.on('exit', resolve));
      expect(code).toBe(1);
      expect(err).toMatch(new RegExp(`cannot serve on 127\\.0\\.0\\.1:${port}: the port is already in use`));
      expect(out).not.toMatch(/API at/);
    } finally {
      blocker.close();
    }
  });
});

describe('what the server says it does', () => {
  it('logs its configuration at start-up and one line per request, never a key', async () => {
    const proc = spawnCli(['serve', '--db', store.path, '--port', '0'], {
      env: { CUSTOMS_GRAPH_API_KEYS: 'investigator:secret-inv-key,scorer:secret-sco-key', LOG_LEVEL: 'info' },
    });
    let out = '';
    let err = '';
    proc.stderr!.on('data', (b: Buffer) => { err += b.toString(); });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        proc.stdout!.on('data', (b: Buffer) => { out += b.toString(); const m = /API at (\S+)/.exec(out); if (m) resolve(m[1]!); });
        proc.on('exit', (code) => reject(new Error(`serve exited ${code}: ${err}`)));
      });
      const res = await fetch(url, {
        method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer secret-inv-key', 'x-request-id': 'req-42' },
        body: JSON.stringify({ query: 'query TopRings { rings(first: 1) { edges { node { rank } } } }' }),
      });
      // The server names the request itself; the client's id is kept beside it, never instead.
      const serverId = res.headers.get('x-request-id')!;
      expect(serverId).toMatch(/^[0-9a-f-]{36}$/);
      await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ currentRun { id } }"}' });
      await new Promise((r) => setTimeout(r, 200));
      const lines = err.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, any>);
      const start = lines.find((l) => l.msg === 'serving')!;
      expect(start).toMatchObject({ url, jobs: 'in-process', keys: { investigator: ['env-1-investigator'], scorer: ['env-2-scorer'] }, limits: { maxCost: 20_000 } });
      const requests = lines.filter((l) => l.msg === 'request' || l.msg === 'request failed');
      expect(requests[0]).toMatchObject({ req: { id: serverId, method: 'POST', url: '/graphql' }, res: { statusCode: 200 }, operation: 'TopRings', role: 'investigator', who: 'env-1-investigator' });
      expect(typeof requests[0]!.responseTime).toBe('number');
      expect(requests[1]).toMatchObject({ res: { statusCode: 401 } });
      expect(err).not.toMatch(/secret-(inv|sco)-key/);
      // The audit record carries the id of the logged request, and the client's beside it.
      const audited = (await store.listAudit({ limit: 10 })).find((r) => r.requestId === serverId);
      expect(audited).toMatchObject({ operation: 'rings', clientRequestId: 'req-42' });
    } finally {
      proc.kill('SIGTERM');
    }
  });
});
