import { afterAll, describe, expect, it } from 'vitest';
import { detectCommunities } from '../src/analysis/graph/louvain';
import { fastZoomOut, originalZoomOut, useZoomOut } from '../src/analysis/graph/louvain-zoom-out';
import { GraphBuilder } from '../src/analysis/graph/projection';
import { Rng } from '../src/util/rng';

/** Groups of traders sharing suppliers and phones, with some noise links between groups and weights that vary. */
function structuredGraph(groups: number, size: number, seed: number) {
  const rng = new Rng(seed);
  const b = new GraphBuilder();
  for (let g = 0; g < groups; g++) {
    for (let i = 0; i < size; i++) {
      for (let k = 0; k < 3; k++) {
        const other = rng.chance(0.05) ? rng.int(groups) : g;
        b.link({ source: `T${g}.${i}`, sourceKind: 'Trader', target: `S${other}.${rng.int(size)}`, targetKind: 'Supplier', type: 'SUPPLIED_BY', count: 1 + rng.int(5), value: 1 });
      }
      if (rng.chance(0.3)) b.link({ source: `T${g}.${i}`, sourceKind: 'Trader', target: `P${g}.${rng.int(4)}`, targetKind: 'Phone', type: 'HAS_PHONE', count: 1, value: 0 });
    }
  }
  const g = b.build();
  return { g, weight: Float64Array.from(g.count, (c) => Math.log2(1 + c) + 0.1 * rng.next()) };
}

afterAll(() => useZoomOut(fastZoomOut));

describe('the typed-array zoomOut', () => {
  for (const [groups, size, seed, maxTraders] of [[30, 40, 1, 25], [200, 60, 2, 25], [12, 300, 3, 1000]] as const) {
    it(`gives exactly graphology's communities and modularity (${groups} groups of ${size}, seed ${seed})`, () => {
      const { g, weight } = structuredGraph(groups, size, seed);
      const opts = { seed, resolution: 1, maxTraders };
      useZoomOut(originalZoomOut);
      const expected = detectCommunities(g, weight, () => true, opts);
      let calls = 0;
      useZoomOut(function (this: ThisParameterType<typeof fastZoomOut>) {
        calls++;
        return fastZoomOut.call(this);
      });
      const got = detectCommunities(g, weight, () => true, opts);
      expect(calls).toBeGreaterThan(0); // graphology's Louvain did fold through it
      expect(expected.count).toBeGreaterThan(groups / 2);
      expect(got.modularity).toBe(expected.modularity);
      expect(got.count).toBe(expected.count);
      expect(got.split).toBe(expected.split);
      expect(Array.from(got.community)).toEqual(Array.from(expected.community));
    });
  }
});
