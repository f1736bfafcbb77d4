/**
 * What the analysis relies on inside graphology, which it does not own: louvain-zoom-out.ts
 * replaces UndirectedLouvainIndex.prototype.zoomOut (graphology-indices), and louvain.ts hands
 * graphology-communities-louvain a read-only view of CSR arrays instead of a Graph. Both hold only
 * for the versions they were written against: those are pinned exactly, and these tests fail when
 * an upgrade changes the shape they read.
 */
import Graph from 'graphology';
import louvain from 'graphology-communities-louvain';
import { UndirectedLouvainIndex } from 'graphology-indices/louvain';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runLouvain, type Adjacency } from '../src/analysis/graph/louvain';
import { Rng } from '../src/util/rng';
import { ROOT } from './helpers';

const PATCHED = ['graphology', 'graphology-communities-louvain', 'graphology-indices'];

/** A weighted graph of dense groups with some links between them, as CSR (each pair once per side, no loops). */
function groups(n: number, size: number, seed: number): Adjacency {
  const rng = new Rng(seed);
  const pairs = new Map<string, number>();
  for (let v = 0; v < n * size; v++) {
    for (let k = 0; k < 4; k++) {
      const u = rng.chance(0.1) ? rng.int(n * size) : Math.floor(v / size) * size + rng.int(size);
      if (u === v) continue;
      const key = v < u ? `${v},${u}` : `${u},${v}`;
      pairs.set(key, (pairs.get(key) ?? 0) + 1 + rng.int(3));
    }
  }
  const adj: Array<Array<[number, number]>> = Array.from({ length: n * size }, () => []);
  for (const [key, w] of pairs) {
    const [a, b] = key.split(',').map(Number) as [number, number];
    adj[a]!.push([b, w]);
    adj[b]!.push([a, w]);
  }
  const offsets = new Int32Array(n * size + 1);
  adj.forEach((l, v) => { offsets[v + 1] = offsets[v]! + l.length; });
  return {
    n: n * size, offsets, targets: Int32Array.from(adj.flat().map(([u]) => u)), weights: Float64Array.from(adj.flat().map(([, w]) => w)),
  };
}

describe('graphology internals the analysis relies on', () => {
  it('are the exact versions pinned in package.json', () => {
    const deps = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> }).dependencies;
    for (const name of PATCHED) {
      const installed = (JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
      expect(deps[name], `${name} must be pinned to an exact version`).toMatch(/^\d+\.\d+\.\d+$/);
      expect(installed, name).toBe(deps[name]);
    }
  });

  it('UndirectedLouvainIndex has the fields the typed-array zoomOut reads and writes', () => {
    const g = new Graph({ type: 'undirected' });
    for (const [a, b] of [['a', 'b'], ['b', 'c'], ['c', 'a'], ['c', 'd']] as const) g.mergeEdge(a, b, { weight: 1 });
    const index = new UndirectedLouvainIndex(g, { keepDendrogram: true }) as unknown as Record<string, unknown>;
    expect(typeof UndirectedLouvainIndex.prototype.zoomOut).toBe('function');
    for (const field of ['C', 'U', 'E', 'level']) expect(typeof index[field], field).toBe('number');
    expect(typeof index.keepDendrogram).toBe('boolean');
    for (const field of ['nodes', 'dendrogram']) expect(Array.isArray(index[field]), field).toBe(true);
    for (const field of ['neighborhood', 'starts', 'belongings', 'counts']) expect(ArrayBuffer.isView(index[field]), field).toBe(true);
    for (const field of ['weights', 'loops', 'totalWeights']) expect(index[field], field).toBeInstanceOf(Float64Array);
    expect('mapping' in index).toBe(true);
  });

  it('the CSR view gives the communities and modularity of a real graphology Graph with the same edges', () => {
    const a = groups(40, 12, 3);
    const g = new Graph({ type: 'undirected' });
    for (let v = 0; v < a.n; v++) g.addNode(String(v));
    for (let v = 0; v < a.n; v++) {
      for (let k = a.offsets[v]!; k < a.offsets[v + 1]!; k++) if (a.targets[k]! > v) g.addEdge(String(v), String(a.targets[k]), { weight: a.weights[k] });
    }
    const rng = new Rng(9);
    const real = louvain.detailed(g, { resolution: 1, rng: () => rng.next() });
    const view = runLouvain(a, 9, 1);
    expect(real.count).toBeGreaterThan(10);
    expect(view.count).toBe(real.count);
    expect(view.modularity).toBe(real.modularity);
    expect(Array.from(view.of)).toEqual(Array.from({ length: a.n }, (_, v) => real.communities[String(v)]));
  });
});
