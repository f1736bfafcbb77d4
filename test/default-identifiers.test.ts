/**
 * A phone typed for hundreds of traders (a customs agency's switchboard entered by default) is a
 * data-entry default, not a link: the run reports it in its data quality, and leaves it out of
 * rings, communities and the propagation of risk, while a real ring sharing a bank account is kept.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_PARAMS, runAnalysis } from '../src/analysis/run';
import type { RunCard } from '../src/domain/accountability';
import { keyFor } from '../src/domain/entities';
import type { EntityScore } from '../src/domain/results';
import { SqliteGraphStore } from '../src/store/sqlite/sqlite-store';
import { ingestInto, row, tempDir, toCsv } from './helpers';

const tmp = tempDir('cg-default-id-');
const DEFAULT_PHONE = '0522 00 00 00';
const TRADERS = 320;
let store: SqliteGraphStore;
let card: RunCard;
let scores: Map<string, EntityScore>;
let phoneId: string;

beforeAll(async () => {
  const rows: Array<Record<string, string>> = [];
  let n = 0;
  const month = (k: number) => `2025-${String(1 + (k % 12)).padStart(2, '0')}-10`;
  for (let t = 1; t <= TRADERS; t++) {
    for (let k = 0; k < 3; k++) {
      rows.push(row({
        declaration_id: `DF${++n}`, lodged_at: month(t + k), trader_id: `T${t}`, trader_name: `Firm ${t} SARL`, trader_phone: DEFAULT_PHONE,
        trader_address: `${t} rue des Oliviers, Casablanca`, supplier_id: `S${t}`, broker_id: `B${t}`, carrier_id: `C${t}`,
        ...(t === 1 && k === 0 ? { outcome: 'seizure', fraud_type: 'undervaluation', recovered_amount: '500' } : { outcome: k === 1 ? 'clear' : '' }),
      }));
    }
  }
  for (let m = 1; m <= 4; m++) {
    for (let k = 0; k < 3; k++) {
      rows.push(row({
        declaration_id: `DR${++n}`, lodged_at: month(m + k), trader_id: `R${m}`, trader_name: `Ring ${m} SARL`, trader_phone: `06611100${m}${m}`,
        trader_bank_account: 'MA64011519000001205000534921', trader_directors: 'Karim Alaoui', supplier_id: 'SR', broker_id: 'BR', carrier_id: 'CR',
        ...(m === 1 && k === 0 ? { outcome: 'seizure', fraud_type: 'undervaluation', recovered_amount: '900' } : {}),
      }));
    }
  }
  const file = join(tmp.dir, 'declarations.csv');
  writeFileSync(file, toCsv(rows));
  store = new SqliteGraphStore(join(tmp.dir, 'd.db'));
  await store.migrate();
  await ingestInto(store, [file], tmp.dir);
  // Hubs by size only from 1,000 traders: the phone is left out as a default-looking identifier (over 100), not as a hub.
  const { runId } = await runAnalysis(store, { ...DEFAULT_PARAMS, hubMinTraders: 1000, seed: 42 });
  card = (await store.runCard(runId))!;
  scores = new Map((await store.topEntities({ kind: 'Trader', limit: 1000 })).map((s) => [s.entityId, s]));
  phoneId = (await store.findEntity({ kind: 'Phone', key: keyFor('Phone', DEFAULT_PHONE, { phoneRegion: 'MA' })! }))!.id;
}, 120_000);

afterAll(async () => {
  await store.close();
  tmp.cleanup();
});

async function traderScore(key: string): Promise<EntityScore> {
  return scores.get((await store.findEntity({ kind: 'Trader', key }))!.id)!;
}

describe('a default-looking identifier', () => {
  it('is reported in the run\'s data quality with the traders that share it', () => {
    const q = card.dataQuality.defaultIdentifiers;
    expect(q.count).toBe(1);
    expect(q.examples).toEqual([{ kind: 'Phone', id: phoneId, key: keyFor('Phone', DEFAULT_PHONE, { phoneRegion: 'MA' }), traders: TRADERS }]);
    expect(q.limit).toBe(DEFAULT_PARAMS.defaultIdentifierTraders);
  });

  it('ties no ring and carries no risk from the one seized trader to the others', async () => {
    for (const s of scores.values()) {
      for (const sig of s.signals) expect(sig.evidence, `${s.entityId} ${sig.name}`).not.toContain(phoneId);
    }
    const others = await Promise.all(Array.from({ length: 20 }, (_, i) => traderScore(`T${i + 2}`)));
    for (const s of others) {
      expect(s.signals.map((x) => x.name)).not.toContain('shared_identifier_ring');
      expect(s.signals.map((x) => x.name)).not.toContain('network_proximity');
    }
    // Nor does it glue the firms, which share nothing else, into one community.
    const communities = new Set(others.map((s) => s.community));
    expect(communities.size).toBeGreaterThan(1);
  });

  it('leaves a real ring, sharing a bank account and a director, found', async () => {
    const member = await traderScore('R2');
    expect(member.signals.map((x) => x.name)).toContain('shared_identifier_ring');
    const ring = await Promise.all(['R1', 'R2', 'R3', 'R4'].map(traderScore));
    expect(new Set(ring.map((s) => s.community)).size).toBe(1);
  });
});
