import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_PARAMS, runAnalysis } from '../src/analysis/run';
import { importOutcomes } from '../src/ingest/outcomes';
import { RejectsWriter } from '../src/ingest/rejects';
import { SqliteGraphStore } from '../src/store/sqlite/sqlite-store';
import { generateSynthetic } from '../src/synth/generate';
import { parseShare, selectChannels, selectDeclarationChannels, slots } from '../src/targeting/select';
import { readAll, readLabels, simulate } from '../src/targeting/simulate';
import { batchOf, ingestInto, row, runCli, tempDir } from './helpers';

const items = (n: number) => Array.from({ length: n }, (_, i) => ({ key: `D${i}`, risk: (n - i) / n, reasons: [{ name: 'x', value: 1, contribution: 1, evidence: [] }] }));

describe('selection under a capacity', () => {
  it('respects the capacity exactly: floor(n × share)', () => {
    for (const n of [1, 19, 20, 99, 100, 1001]) {
      const sel = selectChannels(items(n), { capacity: 0.05, documentary: 0.1, exploration: 0.1, seed: 1 });
      const s = slots(n, { capacity: 0.05, documentary: 0.1, exploration: 0.1, seed: 1 });
      expect(s.red).toBe(Math.floor(n * 0.05));
      expect(sel.filter((x) => x.channel === 'red')).toHaveLength(s.red);
      expect(sel.filter((x) => x.channel === 'orange')).toHaveLength(Math.floor(n * 0.1));
      expect(sel.filter((x) => x.why === 'exploration')).toHaveLength(Math.floor(s.red * 0.1));
    }
  });

  it('controls a declaration as a whole: its riskiest item sets its risk, the capacity counts declarations, its items share a channel', () => {
    // 100 declarations of 1 to 3 items; item risks vary within a declaration.
    const scored = Array.from({ length: 100 }, (_, d) => Array.from({ length: 1 + (d % 3) }, (_, i) => ({
      key: `D${d}/${i + 1}`, declaration: `D${d}`, risk: ((d * 37 + i * 53) % 100) / 100, reasons: [{ name: `r${d}.${i}`, value: 1, contribution: 1, evidence: [] }],
    }))).flat();
    const { selections, declarations } = selectDeclarationChannels(scored, { capacity: 0.05, documentary: 0.1, exploration: 0, seed: 1 });
    expect(declarations).toBe(100);
    const byDecl = new Map<string, Set<string>>();
    selections.forEach((s, i) => byDecl.set(scored[i]!.declaration, (byDecl.get(scored[i]!.declaration) ?? new Set()).add(s.channel)));
    expect([...byDecl.values()].every((channels) => channels.size === 1)).toBe(true);
    const red = [...byDecl].filter(([, c]) => c.has('red')).map(([d]) => d);
    expect(red).toHaveLength(5);
    expect([...byDecl].filter(([, c]) => c.has('orange'))).toHaveLength(10);
    // The five declarations with the riskiest items, each carrying that item's risk and reasons.
    const maxRisk = (d: string) => Math.max(...scored.filter((x) => x.declaration === d).map((x) => x.risk));
    const ranked = [...byDecl.keys()].sort((a, b) => maxRisk(b) - maxRisk(a) || Number(a.slice(1)) - Number(b.slice(1)));
    expect(red.sort()).toEqual(ranked.slice(0, 5).sort());
    selections.forEach((s, i) => {
      if (s.channel !== 'red') return;
      expect(s.risk).toBe(maxRisk(scored[i]!.declaration));
      expect(s.key).toBe(scored[i]!.key);
    });
  });

  it('draws exploration at random with the seed, never from the top-risk set', () => {
    const n = 1000;
    const a = selectChannels(items(n), { capacity: 0.1, exploration: 0.2, seed: 7 });
    const b = selectChannels(items(n), { capacity: 0.1, exploration: 0.2, seed: 7 });
    const c = selectChannels(items(n), { capacity: 0.1, exploration: 0.2, seed: 8 });
    const explored = (s: typeof a) => s.filter((x) => x.why === 'exploration').map((x) => x.key);
    expect(explored(a)).toHaveLength(20);
    expect(explored(a)).toEqual(explored(b));
    expect(explored(a)).not.toEqual(explored(c));
    const top = new Set(items(n).slice(0, 100).map((x) => x.key)); // the 100 riskiest
    for (const k of explored(a)) expect(top.has(k)).toBe(false);
    // The risk picks are the riskiest 80.
    expect(a.filter((x) => x.why === 'risk' && x.channel === 'red').map((x) => x.key)).toEqual(items(n).slice(0, 80).map((x) => x.key));
    for (const x of a.filter((s) => s.why === 'exploration')) expect(x.reasons).toEqual([]);
  });

  it('parses shares', () => {
    expect(parseShare('5%')).toBeCloseTo(0.05);
    expect(parseShare('0.1')).toBe(0.1);
    expect(() => parseShare('150%')).toThrow();
    expect(() => selectChannels(items(3), { capacity: 2, seed: 1 })).toThrow(RangeError);
  });
});

describe('the feedback loop', () => {
  const tmp = tempDir('cg-feedback-');
  afterAll(() => tmp.cleanup());

  it('a loaded outcome changes the next run\'s seeds and weights', async () => {
    const synth = await generateSynthetic(join(tmp.dir, 's'), { traders: 400, seed: 4 });
    const store = new SqliteGraphStore(join(tmp.dir, 'f.db'));
    await store.migrate();
    await ingestInto(store, [synth.declarationsFile], tmp.dir);
    const first = await runAnalysis(store, { ...DEFAULT_PARAMS, seed: 1 });
    // A trader that was never caught is caught now, on many declarations.
    const clean = (await store.topEntities({ kind: 'Trader', limit: 1000 })).filter((s) => s.seizures === 0).slice(-1)[0]!;
    const decls = await store.entityDeclarations(clean.entityId, { limit: 50 });
    const file = join(tmp.dir, 'outcomes.csv');
    writeFileSync(file, ['declaration_id,item_no,outcome,fraud_type,recovered_amount',
      ...decls.map((d) => `${d.declaration_id},${d.item_no},seizure,smuggling,1000`), 'NOPE,1,seizure,,'].join('\n'));
    const w = new RejectsWriter(join(tmp.dir, 'or.csv'));
    const s = await importOutcomes(store, file, w);
    await w.close();
    expect(s).toEqual({ read: decls.length + 1, accepted: decls.length, rejected: 1 });
    const second = await runAnalysis(store, { ...DEFAULT_PARAMS, seed: 1 });
    const [after] = await store.getScores([clean.entityId], second.runId);
    expect(after!.seizures).toBe(decls.length);
    expect(after!.knownBad).toBe(true);
    expect(after!.risk).toBeGreaterThan(clean.risk);
    expect(second.counts.known_bad).toBeGreaterThan(first.counts.known_bad!);
    expect(second.weights).not.toEqual(first.weights);
    await store.close();
  });
});

describe('simulation', () => {
  const tmp = tempDir('cg-sim-');
  let result: Awaited<ReturnType<typeof simulate>>;
  let store: SqliteGraphStore;
  let all: Awaited<ReturnType<typeof readAll>>;
  beforeAll(async () => {
    const synth = await generateSynthetic(join(tmp.dir, 's'), { traders: 600, seed: 9, months: 6 });
    all = await readAll([synth.declarationsFile], undefined, 'MAD');
    store = new SqliteGraphStore(join(tmp.dir, 'sim.db'));
    await store.migrate();
    result = await simulate(store, all, await readLabels(synth.labelsFile), {
      capacity: 0.05, exploration: 0.1, seed: 3, months: 3, phoneRegion: 'MA', defaultCurrency: 'MAD',
    });
  });
  afterAll(async () => {
    await store.close();
    tmp.cleanup();
  });

  it('reveals only the outcomes of the declarations it chose to control', async () => {
    const months = result.map((m) => m.month);
    const revealed = store.db.prepare(`SELECT COUNT(*) FROM declarations WHERE substr(lodged_at, 1, 7) >= ? AND outcome != 'unknown'`).pluck().get(months[0]) as number;
    expect(revealed).toBe(result.reduce((a, m) => a + m.controlledItems, 0));
    expect(result.every((m) => m.controlledItems >= m.slots && m.items >= m.declarations)).toBe(true);
    const recordedInFile = all.filter((d) => d.lodged_at.slice(0, 7) >= months[0]! && d.outcome !== 'unknown').length;
    expect(recordedInFile).toBeGreaterThan(0); // the file had outcomes for those months: none leaked
  });

  it('beats random selection on planted fraud', () => {
    const last = result[result.length - 1]!;
    expect(last.model.precision).toBeGreaterThan(3 * last.random.precision);
    expect(result.every((m) => m.slots === Math.floor(m.declarations * 0.05))).toBe(true);
  });
});

describe('customs-graph select', () => {
  const tmp = tempDir('cg-select-');
  afterAll(() => tmp.cleanup());
  it('prints channels for a file against the current run', async () => {
    const db = join(tmp.dir, 's.db');
    const store = new SqliteGraphStore(db);
    await store.migrate();
    await store.writeBatch(batchOf(Array.from({ length: 30 }, (_, i) => row({ declaration_id: `H${i}`, trader_id: `T${i % 6}`, outcome: i % 7 === 0 ? 'seizure' : 'clear' }))));
    await runAnalysis(store, { ...DEFAULT_PARAMS, seed: 1 });
    await store.close();
    const file = join(tmp.dir, 'batch.csv');
    writeFileSync(file, ['declaration_id,lodged_at,trader_id,origin_country,hs_code,declared_value',
      ...Array.from({ length: 40 }, (_, i) => `N${i},2025-09-01,T${i % 8},CN,610910,${1000 + i}`)].join('\n'));
    const r = runCli(['select', file, '--capacity', '10%', '--documentary', '10%', '--exploration', '25%', '--db', db, '--json']);
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.selections).toHaveLength(40);
    expect(out.selections.filter((s: { channel: string }) => s.channel === 'red')).toHaveLength(4);
    expect(out.selections.filter((s: { why: string }) => s.why === 'exploration')).toHaveLength(1);
    expect(out.selections.filter((s: { channel: string }) => s.channel === 'orange')).toHaveLength(4);
  });
});
