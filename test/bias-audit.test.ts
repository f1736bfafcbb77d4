/**
 * The bias audit on two synthetic worlds made from the same seed: one where the clean controls of
 * goods from Turkey were often recorded as discrepancies with nothing recovered (a planted bias in
 * the labels), one without. The audit must flag Turkey in the first and nothing in the second.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { auditBias, AUDIT_DIMENSIONS, FLAG_DISPARITY, type BiasAudit } from '../src/accountability/bias-audit';
import { DeclarationScorer } from '../src/analysis/scoring/declaration-scorer';
import { DEFAULT_PARAMS, runAnalysis } from '../src/analysis/run';
import { isConfirmedFraud } from '../src/domain/fields';
import { SqliteGraphStore } from '../src/store/sqlite/sqlite-store';
import { generateSynthetic, type SynthOptions } from '../src/synth/generate';
import { ingestInto, tempDir } from './helpers';

const tmp = tempDir('cg-bias-');
const PERIOD = { from: '2025-10-01', to: '2025-12-31', capacity: 0.05, documentary: 0.05, seed: 1 };

async function auditedWorld(name: string, knobs: Partial<SynthOptions>): Promise<{ audit: BiasAudit; store: SqliteGraphStore }> {
  const dir = join(tmp.dir, name);
  const synth = await generateSynthetic(join(dir, 'synth'), { traders: 2000, seed: 5, ...knobs });
  const store = new SqliteGraphStore(join(dir, 'a.db'));
  await store.migrate();
  await ingestInto(store, [synth.declarationsFile], dir);
  await runAnalysis(store, { ...DEFAULT_PARAMS, seed: 42 });
  const audit = await auditBias(store, await DeclarationScorer.load(store, { phoneRegion: 'MA', storedOnly: true }), PERIOD);
  return { audit, store };
}

let biased: { audit: BiasAudit; store: SqliteGraphStore };
let clean: { audit: BiasAudit; store: SqliteGraphStore };

beforeAll(async () => {
  biased = await auditedWorld('biased', { biasOrigin: { country: 'TR', share: 0.3 } });
  clean = await auditedWorld('clean', {});
}, 300_000);

afterAll(async () => {
  await biased.store.close();
  await clean.store.close();
  tmp.cleanup();
});

describe('the bias audit', () => {
  it('flags the origin whose labels were biased, and no other group', () => {
    expect(biased.audit.flagged.map((f) => `${f.dimension}=${f.group}`)).toEqual(['origin_country=TR']);
    const tr = biased.audit.flagged[0]!;
    expect(tr.interval[0]).toBeGreaterThan(FLAG_DISPARITY);
  });

  it('flags nothing in the same world without the bias', () => {
    expect(clean.audit.flagged).toEqual([]);
    const tr = clean.audit.groups.find((g) => g.dimension === 'origin_country' && g.group === 'TR')!;
    expect(tr.judged).toBe(true);
    expect(tr.interval![0]).toBeLessThan(FLAG_DISPARITY);
  });

  it('counts every item of the period once in each dimension, and selects within the capacity', async () => {
    const a = clean.audit;
    for (const dim of AUDIT_DIMENSIONS) {
      const groups = a.groups.filter((g) => g.dimension === dim);
      expect(groups.reduce((s, g) => s + g.items, 0), dim).toBe(a.items);
      expect(groups.reduce((s, g) => s + g.selected, 0), dim).toBe(a.selected);
      expect(groups.reduce((s, g) => s + g.controlled, 0), dim).toBe(a.controlled);
    }
    let inPeriod = 0;
    let controlled = 0;
    let confirmed = 0;
    for await (const batch of clean.store.streamDeclarationFacts()) {
      for (const d of batch) {
        if (d.lodgedAt.slice(0, 10) >= PERIOD.from && d.lodgedAt.slice(0, 10) <= PERIOD.to) inPeriod++;
        if (d.lodgedAt.slice(0, 10) <= PERIOD.to && d.outcome !== 'unknown') {
          controlled++;
          if (isConfirmedFraud(d.outcome, d.recovered)) confirmed++;
        }
      }
    }
    expect(a.items).toBe(inPeriod);
    expect(a.controlled).toBe(controlled);
    expect(a.bad).toBe(confirmed);
    // Channelled by declaration (all items of one together): a little over 10% of items, never far off.
    expect(a.selectionRate).toBeGreaterThan(0.08);
    expect(a.selectionRate).toBeLessThan(0.13);
  });

  it('channels with the risk the scoring service gives the same declaration', async () => {
    const full = await DeclarationScorer.load(clean.store, { phoneRegion: 'MA' });
    const stored = await DeclarationScorer.load(clean.store, { phoneRegion: 'MA', storedOnly: true });
    let compared = 0;
    for await (const batch of clean.store.streamDeclarationFacts()) {
      for (const d of batch.filter((_, i) => i % 97 === 0)) {
        const declaration = await clean.store.getDeclaration(`${d.declarationId}/1`);
        if (declaration?.id !== d.id) continue;
        expect(stored.riskOfStored(d), d.id).toBeCloseTo(full.score(declaration).risk, 6);
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(100);
  });

  it('gives the event loop a turn while it reads (a server keeps answering during a report)', async () => {
    let read = 0;
    let readWhenTimerRan = -1;
    const timer = setTimeout(() => { readWhenTimerRan = read; }, 0);
    const scorer = await DeclarationScorer.load(clean.store, { phoneRegion: 'MA', storedOnly: true });
    await auditBias(clean.store, scorer, { ...PERIOD, onProgress: (n) => { read = n; } });
    clearTimeout(timer);
    // The timer ran during the read, not after it: the store reads synchronously, so only the audit's pauses let it.
    expect(readWhenTimerRan).toBeGreaterThan(0);
    expect(readWhenTimerRan).toBeLessThan(read);
  });

  it('groups AEO traders apart, with the control burden on compliant traders', () => {
    const aeo = clean.audit.groups.find((g) => g.dimension === 'aeo' && g.group === 'AEO')!;
    expect(aeo.items).toBeGreaterThan(100);
    expect(aeo.compliant.items).toBeGreaterThan(0);
    expect(aeo.compliant.controlsClear).toBeLessThanOrEqual(aeo.compliant.items);
    expect(clean.audit.groups.some((g) => g.dimension === 'hs_section' && g.group.startsWith('XI textiles'))).toBe(true);
    expect(clean.audit.groups.filter((g) => g.dimension === 'trader_age').map((g) => g.group).sort()).toEqual(['established', 'new']);
  });
});
