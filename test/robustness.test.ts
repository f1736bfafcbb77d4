/**
 * A floor under detection on worlds the model was not tuned on: the small robustness grid (seizure
 * share 2% and 6% × honest look-alikes 12% and 25%, chained ties, 1,500 traders and 30 rings, one
 * seed), generated, ingested, analysed and evaluated through the command line. The full grid is a
 * benchmark: `npm run eval:robustness`.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { cellName, runGrid, SMALL_GRID, type CellResult } from '../bench/robustness-grid';
import { tempDir } from './helpers';

const tmp = tempDir('cg-robust-');
afterAll(() => tmp.cleanup());

describe('detection on independent worlds (small grid)', () => {
  let results: CellResult[] = [];

  it('runs every cell of the grid', async () => {
    results = await runGrid({ cells: SMALL_GRID, seeds: [1], traders: 1500, rings: 30, workDir: tmp.dir, parallel: 2 });
    expect(results.map((r) => cellName(r.cell))).toEqual(['2% chain 12%', '2% chain 25%', '6% chain 12%', '6% chain 25%']);
  }, 240_000);

  it('finds planted ring members among the top 100 traders without a seizure of their own: at least 0.70 in every cell, well above the baselines', () => {
    expect(results).toHaveLength(4);
    for (const r of results) {
      const p = r.runs[0]!.evaluation.precision['@100']!;
      expect(p.model, cellName(r.cell)).toBeGreaterThanOrEqual(0.7);
      expect(p.model - p.twoHop, cellName(r.cell)).toBeGreaterThanOrEqual(0.2);
      expect(p.random, cellName(r.cell)).toBeLessThan(0.3);
    }
  });

  it('recovers at least 70% of the planted rings in the top 30 candidate rings of every cell', () => {
    expect(results).toHaveLength(4);
    for (const r of results) expect(r.runs[0]!.evaluation.ringRecall, cellName(r.cell)).toBeGreaterThanOrEqual(0.7);
  });
});
