/**
 * A run's model card and data quality, checked against figures this test computes by itself from
 * the store and the declarations file: the held-out AUC by counting pairs, precision at 1/5/10% and
 * calibration from the stored predictions and the outcomes the store holds, fill rates from the CSV.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'csv-parse/sync';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_PARAMS, runAnalysis } from '../src/analysis/run';
import type { RunCard } from '../src/domain/accountability';
import { isBadOutcome } from '../src/domain/fields';
import type { DeclarationFacts } from '../src/domain/results';
import { SqliteGraphStore } from '../src/store/sqlite/sqlite-store';
import { generateSynthetic, type SynthResult } from '../src/synth/generate';
import { ingestInto, tempDir } from './helpers';

const tmp = tempDir('cg-card-');
let synth: SynthResult;
let store: SqliteGraphStore;
let first: { runId: string; card: RunCard };
let second: { runId: string; card: RunCard };
const facts = new Map<string, DeclarationFacts>();

beforeAll(async () => {
  synth = await generateSynthetic(join(tmp.dir, 'synth'), { traders: 1500, seed: 5 });
  store = new SqliteGraphStore(join(tmp.dir, 'card.db'));
  await store.migrate();
  await ingestInto(store, [synth.declarationsFile], tmp.dir);
  for (const run of [0, 1]) {
    const { runId } = await runAnalysis(store, { ...DEFAULT_PARAMS, seed: 42 });
    const card = (await store.runCard(runId))!;
    if (run === 0) first = { runId, card };
    else second = { runId, card };
  }
  for await (const batch of store.streamDeclarationFacts()) for (const d of batch) facts.set(d.id, d);
}, 240_000);

afterAll(async () => {
  await store.close();
  tmp.cleanup();
});

describe('the model card', () => {
  it('holds out the latest third of the labelled declarations after the cutoff, by lodging date', () => {
    const { modelCard } = first.card;
    const h = modelCard.heldOut!;
    expect(h.model).toBe('fitted');
    const labelledAfterCutoff = [...facts.values()].filter((d) => d.lodgedAt >= modelCard.data.cutoff && d.outcome !== 'unknown');
    expect(modelCard.labels.declarationModel.declarations).toBe(labelledAfterCutoff.length);
    expect(h.n + h.train.n).toBe(labelledAfterCutoff.length);
    expect(h.n).toBe(labelledAfterCutoff.length - Math.floor((labelledAfterCutoff.length * 2) / 3));
    expect(h.predictions).toHaveLength(h.n);
    for (const [id] of h.predictions!) {
      const d = facts.get(id)!;
      expect(d.outcome).not.toBe('unknown');
      expect(d.lodgedAt >= h.from && d.lodgedAt >= h.train.to).toBe(true);
    }
  });

  it('gives held-out AUC, precision at 1/5/10% and calibration equal to figures computed here from the outcomes in the store', () => {
    const h = first.card.modelCard.heldOut!;
    const risk = h.predictions!.map((p) => p[1]);
    const bad = h.predictions!.map((p) => (isBadOutcome(facts.get(p[0])!.outcome) ? 1 : 0));
    expect(h.positives).toBe(bad.filter((b) => b === 1).length);
    // AUC: the share of (bad, good) pairs the model orders right, ties half.
    let right = 0;
    let pairs = 0;
    for (let i = 0; i < risk.length; i++) {
      if (!bad[i]) continue;
      for (let j = 0; j < risk.length; j++) {
        if (bad[j]) continue;
        pairs++;
        right += risk[i]! > risk[j]! ? 1 : risk[i] === risk[j] ? 0.5 : 0;
      }
    }
    expect(h.auc).toBeCloseTo(right / pairs, 5);
    expect(h.auc).toBeGreaterThan(0.6);
    // Precision among the riskiest ceil(share × n), ties in held-out order.
    const order = risk.map((r, i) => ({ r, i, y: bad[i]! })).sort((a, b) => b.r - a.r || a.i - b.i);
    for (const [label, share] of [['1%', 0.01], ['5%', 0.05], ['10%', 0.1]] as const) {
      const k = Math.ceil(risk.length * share);
      expect(h.precisionAt[label]).toBeCloseTo(order.slice(0, k).reduce((a, x) => a + x.y, 0) / k, 5);
    }
    // Calibration: ten bins of equal counts, lowest risks first; predicted and observed means.
    const ascending = [...order].reverse();
    expect(h.calibration).toHaveLength(10);
    h.calibration.forEach((bin, b) => {
      const slice = ascending.slice(Math.floor((ascending.length * b) / 10), Math.floor((ascending.length * (b + 1)) / 10));
      expect(bin.n).toBe(slice.length);
      expect(bin.predicted).toBeCloseTo(slice.reduce((a, x) => a + x.r, 0) / slice.length, 5);
      expect(bin.observed).toBeCloseTo(slice.reduce((a, x) => a + x.y, 0) / slice.length, 5);
    });
    expect(h.brier).toBeCloseTo(risk.reduce((a, r, i) => a + (r - bad[i]!) ** 2, 0) / risk.length, 5);
  });

  it('lists the fitted weights beside the defaults, and the labels it learned from', () => {
    const { weights, labels, data } = first.card.modelCard;
    expect(weights.entity.weights.map((w) => w.name)).toContain('seizures');
    expect(weights.entity.weights.find((w) => w.name === 'seizures')!.default).toBe(3.5);
    expect(weights.declaration.source).toBe('fitted');
    expect(weights.declaration.weights.length).toBeGreaterThan(6);
    expect(labels.entityModel.traders).toBeGreaterThan(0);
    expect(data.declarations).toBe(facts.size);
    expect(data.controlled).toBe([...facts.values()].filter((d) => d.outcome !== 'unknown').length);
    expect(first.card.modelCard.software).toMatchObject({ name: 'customs-graph', version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
  });

  it('says what changed since the previous run: nothing, for the same data and seed', () => {
    expect(first.card.modelCard.changes).toBeUndefined();
    const c = second.card.modelCard.changes!;
    expect(c.previousRun).toBe(first.runId);
    expect(c.entityWeights).toEqual([]);
    expect(c.declarationWeights).toEqual([]);
    expect(c.topTraders.stayed).toBe(c.topTraders.compared);
    expect(c.topRings).toMatchObject({ kept: c.topRings.compared, new: 0, gone: 0 });
    expect(c.previousRisk).toEqual(first.card.modelCard.risk);
  });
});

describe('the run\'s data quality', () => {
  it('gives the fill rate of every contract field as the declarations file has it', () => {
    const rows = parse(readFileSync(synth.declarationsFile), { columns: true }) as Array<Record<string, string>>;
    const q = first.card.dataQuality;
    expect(q.rows).toBe(rows.length);
    for (const field of ['trader_phone', 'supplier_id', 'consignee_id', 'container_ids', 'fraud_type']) {
      const filled = rows.filter((r) => r[field] !== '').length;
      expect(q.fill[field], field).toBeCloseTo(filled / rows.length, 4);
    }
    expect(q.fill.outcome).toBeCloseTo(rows.filter((r) => r.outcome !== '').length / rows.length, 4);
    // Month by month: the months of the file, each with its rows.
    const byMonth = new Map<string, number>();
    for (const r of rows) byMonth.set(r.lodged_at!.slice(0, 7), (byMonth.get(r.lodged_at!.slice(0, 7)) ?? 0) + 1);
    expect(q.months.map((m) => [m.month, m.rows])).toEqual([...byMonth].sort());
  });
});
