/**
 * The packed project runs on its production dependencies alone: `npm pack`, the tarball unpacked
 * in a folder of its own beside exactly the packages `npm ls --omit=dev` names (what
 * `npm ci --omit=dev` installs), then `ingest`, `analyze` and `serve` (with an export) from it.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, symlinkSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateSynthetic } from '../src/synth/generate';
import { ROOT, tempDir } from './helpers';

const tmp = tempDir('cg-pack-');
afterAll(() => tmp.cleanup());

/** Top-level packages of the production tree (nested ones come with their parents' folders). */
function productionPackages(): string[] {
  const r = spawnSync('npm', ['ls', '--omit=dev', '--all', '--parseable'], { cwd: ROOT, encoding: 'utf8', maxBuffer: 16 << 20 });
  const top = join(ROOT, 'node_modules');
  return r.stdout.split('\n').filter((p) => p && dirname(p) === top || dirname(dirname(p)) === top && basename(dirname(p)).startsWith('@'));
}

describe('the packed project with production dependencies only', () => {
  it('ingests, analyses and serves, exports included', async () => {
    const pack = spawnSync('npm', ['pack', '--ignore-scripts', '--pack-destination', tmp.dir, '--json'], { cwd: ROOT, encoding: 'utf8' });
    expect(pack.status, pack.stderr).toBe(0);
    const tarball = join(tmp.dir, (JSON.parse(pack.stdout) as Array<{ filename: string }>)[0]!.filename);
    expect(spawnSync('tar', ['-xzf', tarball, '-C', tmp.dir]).status).toBe(0);
    const app = join(tmp.dir, 'package');
    const modules = join(app, 'node_modules');
    const packages = productionPackages();
    expect(packages.some((p) => p.endsWith('graphology-gexf'))).toBe(true);
    expect(packages.some((p) => p.endsWith('vitest') || p.endsWith('csv-parse'))).toBe(false);
    for (const p of packages) {
      const to = join(modules, relative(join(ROOT, 'node_modules'), p));
      mkdirSync(dirname(to), { recursive: true });
      symlinkSync(p, to, 'dir');
    }
    const cli = join(app, 'bin', 'customs-graph.js');
    const run = (args: string[]) => spawnSync(process.execPath, ['--preserve-symlinks', cli, ...args], { cwd: tmp.dir, encoding: 'utf8', timeout: 240_000 });
    const synth = await generateSynthetic(join(tmp.dir, 'data'), { traders: 200, seed: 9 });
    const db = join(tmp.dir, 'p.db');
    const ingest = run(['ingest', synth.declarationsFile, '--db', db, '--rejects', join(tmp.dir, 'r.csv'), '--json']);
    expect(ingest.status, ingest.stderr).toBe(0);
    const analyze = run(['analyze', '--db', db, '--json']);
    expect(analyze.status, analyze.stderr).toBe(0);

    const server = spawn(process.execPath, ['--preserve-symlinks', cli, 'serve', '--db', db, '--port', '0'], {
      cwd: tmp.dir, env: { ...process.env, CUSTOMS_GRAPH_API_KEYS: 'investigator:k' }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let err = '';
        server.stderr!.on('data', (b: Buffer) => { err += b.toString(); });
        server.stdout!.on('data', (b: Buffer) => { const m = /API at (\S+)/.exec(b.toString()); if (m) resolve(m[1]!); });
        server.on('exit', (code) => reject(new Error(`serve exited ${code}: ${err}`)));
      });
      const gql = async (query: string) => (await (await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer k' }, body: JSON.stringify({ query }) })).json()) as { data?: any; errors?: unknown };
      const ring = (await gql('{ rings(first: 1) { edges { node { community } } } }')).data.rings.edges[0].node.community as number;
      const exported = await gql(`{ exportGraph(format: GEXF, ring: ${ring}) { content nodes } }`);
      expect(exported.errors).toBeUndefined();
      expect(exported.data.exportGraph.content).toMatch(/<gexf/);
      expect((await fetch(url.replace('/graphql', '/'))).status).toBe(200); // the explorer page is in the package
    } finally {
      server.kill('SIGTERM');
    }
  }, 300_000);
});
