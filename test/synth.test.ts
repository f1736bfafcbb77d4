import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { normalizeId } from '../src/domain/normalize';
import { runIngest } from '../src/ingest/ingest';
import { planIngest } from '../src/ingest/plan';
import { generateSynthetic, type SynthResult } from '../src/synth/generate';
import { SqliteGraphStore } from '../src/store/sqlite/sqlite-store';
import { tempDir } from './helpers';

const tmp = tempDir('cg-synth-');
let a: SynthResult;
let store: SqliteGraphStore;
const hash = (f: string) => createHash('sha256').update(readFileSync(f)).digest('hex');

beforeAll(async () => {
  a = await generateSynthetic(join(tmp.dir, 'a'), { traders: 800, seed: 11 });
  store = new SqliteGraphStore(join(tmp.dir, 'a.db'));
  await store.migrate();
  await runIngest(store, await planIngest([a.declarationsFile]), {
    rejectsPath: join(tmp.dir, 'r.csv'), phoneRegion: 'MA', defaultCurrency: 'MAD',
  });
});
afterAll(async () => {
  await store.close();
  tmp.cleanup();
});

describe('synthetic declarations', () => {
  it('are the same for the same seed and differ for another', async () => {
    const b = await generateSynthetic(join(tmp.dir, 'b'), { traders: 800, seed: 11 });
    const c = await generateSynthetic(join(tmp.dir, 'c'), { traders: 800, seed: 12 });
    expect(hash(b.declarationsFile)).toBe(hash(a.declarationsFile));
    expect(hash(b.truthFile)).toBe(hash(a.truthFile));
    expect(hash(c.declarationsFile)).not.toBe(hash(a.declarationsFile));
  });

  it('plant rings of both kinds, scaled to the traders, with ground truth', () => {
    const t = a.truth;
    expect(t.rings.length).toBe(Math.round(800 / 70));
    expect(t.rings.some((r) => r.type === 'shell')).toBe(true);
    expect(t.rings.some((r) => r.type === 'broker')).toBe(true);
    expect(t.counts.traders).toBe(800);
    expect(t.lookalikes.businessCentres.length).toBeGreaterThan(0);
    expect(t.lookalikes.familyGroups.length).toBeGreaterThan(0);
  });

  it('give only a minority of ring members a seizure', () => {
    const members = a.truth.rings.flatMap((r) => r.members);
    const seized = a.truth.rings.flatMap((r) => r.seized);
    expect(seized.length).toBeGreaterThan(0);
    expect(seized.length / members.length).toBeLessThan(0.5);
  });

  it('chain shell-ring members through identifiers that resolve to shared nodes', async () => {
    const shell = a.truth.rings.filter((r) => r.type === 'shell');
    const REL = { phone: 'HAS_PHONE', bank_account: 'HAS_ACCOUNT', email: 'HAS_EMAIL', address: 'AT_ADDRESS', director: 'DIRECTS' } as const;
    for (const ring of shell) {
      for (const link of ring.links) {
        const ta = await store.findEntity({ kind: 'Trader', key: normalizeId(link.a) });
        const tb = await store.findEntity({ kind: 'Trader', key: normalizeId(link.b) });
        const rel = REL[link.kind];
        const sql = rel === 'DIRECTS'
          ? 'SELECT COUNT(*) FROM edges x JOIN edges y ON x.src = y.src WHERE x.type = ? AND y.type = x.type AND x.dst = ? AND y.dst = ?'
          : 'SELECT COUNT(*) FROM edges x JOIN edges y ON x.dst = y.dst WHERE x.type = ? AND y.type = x.type AND x.src = ? AND y.src = ?';
        const shared = store.db.prepare(sql).pluck().get(rel, Number(ta!.id), Number(tb!.id)) as number;
        expect(shared, `${ring.id} ${link.a}–${link.b} share a ${link.kind}`).toBeGreaterThan(0);
      }
    }
  });

  it('write identities in varying formats that normalize to one node', () => {
    const rows = parse(readFileSync(a.declarationsFile), { columns: true }) as Array<Record<string, string> & { trader_id: string }>;
    const first = rows[0]!.trader_id.replace(/\s/g, '');
    const mine = rows.filter((r) => r.trader_id.replace(/\s/g, '') === first);
    expect(new Set(mine.map((r) => r.trader_phone)).size).toBeGreaterThan(1);
    expect(new Set(mine.map((r) => r.trader_name)).size).toBeGreaterThan(1);
  });

  it('route laundering rings through a transit hub, declaring the hub as origin', () => {
    const rows = parse(readFileSync(a.declarationsFile), { columns: true }) as Array<Record<string, string> & { trader_id: string }>;
    const launderers = new Set(a.truth.rings.filter((r) => r.patterns.includes('origin')).flatMap((r) => r.members));
    const laundered = rows.filter((r) => launderers.has(r.trader_id.replace(/\s/g, '')));
    expect(laundered.length).toBeGreaterThan(0);
    for (const r of laundered) {
      expect(r.transit_ports).not.toBe('');
      expect(r.goods_origin_country).not.toBe(r.origin_country);
    }
  });
});

describe('world knobs', () => {
  const rowsOf = (file: string) => parse(readFileSync(file), { columns: true }) as Array<Record<string, string>>;

  it('tie ring members in a strict chain or in cliques', async () => {
    const chain = await generateSynthetic(join(tmp.dir, 'chain'), { traders: 600, seed: 3, ties: 'chain' });
    const clique = await generateSynthetic(join(tmp.dir, 'clique'), { traders: 600, seed: 3, ties: 'clique' });
    for (const ring of chain.truth.rings.filter((r) => r.type === 'shell')) {
      expect(ring.links).toHaveLength(ring.members.length - 1);
      ring.links.forEach((l, i) => expect([l.a, l.b]).toEqual([ring.members[i], ring.members[i + 1]]));
    }
    for (const ring of clique.truth.rings.filter((r) => r.type === 'shell')) {
      expect(new Set(ring.links.map((l) => l.a))).toEqual(new Set([ring.members[0]]));
      expect(ring.links.every((l) => l.kind !== 'address')).toBe(true);
    }
  });

  it('seize the given share of ring declarations and give honest traders one seizure at the given share', async () => {
    const w = await generateSynthetic(join(tmp.dir, 'seized'), { traders: 3000, seed: 5, rings: 40, seizureShare: 0.06, honestSeizures: 0.02 });
    const members = new Set(w.truth.rings.flatMap((r) => r.members));
    const declarations = new Map<string, { ring: boolean; seized: boolean }>();
    const seizedHonest = new Map<string, number>();
    const honest = new Set<string>();
    for (const r of rowsOf(w.declarationsFile)) {
      const trader = normalizeId(r.trader_id!);
      const ring = members.has(trader);
      const d = declarations.get(r.declaration_id!) ?? { ring, seized: false };
      d.seized ||= r.outcome === 'seizure';
      declarations.set(r.declaration_id!, d);
      if (!ring) honest.add(trader);
      if (!ring && r.outcome === 'seizure') seizedHonest.set(trader, (seizedHonest.get(trader) ?? 0) + 1);
    }
    const ringDecls = [...declarations.values()].filter((d) => d.ring);
    const share = ringDecls.filter((d) => d.seized).length / ringDecls.length;
    expect(share).toBeGreaterThan(0.04);
    expect(share).toBeLessThan(0.08);
    expect(seizedHonest.size / honest.size).toBeGreaterThan(0.012);
    expect(seizedHonest.size / honest.size).toBeLessThan(0.03);
  }, 30_000);

  it('put the given share of honest firms in look-alike groups, domiciliation companies among them', async () => {
    const w = await generateSynthetic(join(tmp.dir, 'look'), { traders: 2000, seed: 7, lookalikes: 0.25 });
    const l = w.truth.lookalikes;
    const inGroups = new Set([...l.businessCentres, ...l.familyGroups, ...l.domiciliations].flatMap((g) => g.traders));
    const honest = w.truth.counts.traders - w.truth.counts.ringMembers;
    expect(inGroups.size / honest).toBeCloseTo(0.25, 2);
    expect(l.domiciliations.length).toBeGreaterThan(0);
    const members = new Set(w.truth.rings.flatMap((r) => r.members));
    expect([...inGroups].some((t) => members.has(t))).toBe(false);
  });
});
