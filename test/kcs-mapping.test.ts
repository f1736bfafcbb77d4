import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runIngest } from '../src/ingest/ingest';
import { planIngest } from '../src/ingest/plan';
import { compileColumns, loadMapping } from '../src/ingest/mapping';
import { MappingError } from '../src/util/errors';
import { SqliteGraphStore } from '../src/store/sqlite/sqlite-store';
import { KCS_DIR, ROOT, tempDir } from './helpers';

const MAPPING = join(ROOT, 'mappings', 'kcs.json');
const TRAIN = join(KCS_DIR, 'train.csv');
const VALID = join(KCS_DIR, 'valid.csv');

function lines(file: string): number {
  return readFileSync(file, 'utf8').trimEnd().split('\n').length - 1;
}

describe.skipIf(!existsSync(TRAIN))('Korea Customs Service files through mappings/kcs.json', () => {
  const tmp = tempDir('cg-kcs-');
  let store: SqliteGraphStore;
  let summary: Awaited<ReturnType<typeof runIngest>>;
  beforeAll(async () => {
    store = new SqliteGraphStore(join(tmp.dir, 'kcs.db'));
    await store.migrate();
    const plan = await planIngest([TRAIN, VALID], loadMapping(MAPPING));
    summary = await runIngest(store, plan, { rejectsPath: join(tmp.dir, 'rejects.csv'), phoneRegion: 'MA', defaultCurrency: 'MAD' });
  });
  afterAll(async () => {
    await store.close();
    tmp.cleanup();
  });

  it('loads every row of both files', () => {
    expect(summary.files.map((f) => f.read)).toEqual([lines(TRAIN), lines(VALID)]);
    expect(summary.read).toBe(37_385 + 8_134);
    expect(summary.rejected).toBe(0);
    expect(summary.accepted).toBe(summary.read);
  });

  it('maps columns, constants, padded codes and outcomes', async () => {
    // First data row of train.csv: 97061800,2020-01-01,30,B,11,21,11,10,ZZR1LT6,QLRUBN9,0VKY2BR,,440890,BE,BE,0.0,FEU1,G,108.0,372254.4,0,0
    const d = await store.getDeclaration('97061800/1');
    expect(d).toMatchObject({
      lodged_at: '2020-01-01', office: '30', regime: 'IM', trader_id: 'QLRUBN9', broker_id: 'ZZR1LT6', supplier_id: '0VKY2BR',
      transport_mode: 'sea', hs_code: '440890', origin_country: 'BE', goods_origin_country: 'BE', declared_value: 372254.4,
      currency: 'KRW', outcome: 'clear', gross_weight_kg: 108,
      attrs: { process_type: 'B', import_type: '11', import_use: '21', payment_type: '11', transport_code: '10', tax_rate: '0.0', tax_type: 'FEU1', origin_indicator: 'G' },
    });
    expect(d?.carrier_id).toBeUndefined();
  });

  it('turns Fraud / Critical Fraud into discrepancy and seizure', async () => {
    const c = store.db.prepare('SELECT outcome, COUNT(*) AS n FROM declarations GROUP BY outcome ORDER BY outcome').all();
    const n = Object.fromEntries((c as Array<{ outcome: string; n: number }>).map((r) => [r.outcome, r.n])) as Record<'clear' | 'discrepancy' | 'seizure', number>;
    expect(n.clear).toBeGreaterThan(30_000);
    expect(n.discrepancy).toBeGreaterThan(7_000);
    expect(n.seizure).toBeGreaterThan(300);
    expect(n.clear + n.discrepancy + n.seizure).toBe(summary.accepted);
  });

  it('builds the party graph from importer, declarant and seller ids', async () => {
    const counts = await store.counts();
    expect(counts.entities.Trader).toBeGreaterThan(10_000);
    expect(counts.entities.Broker).toBeGreaterThan(1_000);
    expect(counts.relationships.DECLARED_BY).toBe(summary.accepted);
  });
});

describe('mapping files', () => {
  const tmp = tempDir('cg-map-');
  afterAll(() => tmp.cleanup());

  it('reports a mapping that reads a column the file lacks', async () => {
    const mapping = loadMapping(MAPPING);
    const cols = compileColumns(['Declaration ID', 'Date'], mapping);
    expect(cols.missingSources).toContain('Importer ID');
  });

  it('rejects a mapping to an unknown field or with both from and const', async () => {
    const { writeFileSync } = await import('node:fs');
    const bad1 = join(tmp.dir, 'bad1.json');
    writeFileSync(bad1, JSON.stringify({ fields: { importer: 'Importer ID' } }));
    expect(() => loadMapping(bad1)).toThrow(MappingError);
    expect(() => loadMapping(bad1)).toThrow('"importer" is not a declaration field');
    const bad2 = join(tmp.dir, 'bad2.json');
    writeFileSync(bad2, JSON.stringify({ fields: { regime: { from: 'X', const: 'IM' } } }));
    expect(() => loadMapping(bad2)).toThrow('exactly one of');
  });

  it('derives values: join, map, otherwise, default and pad', () => {
    const cols = compileColumns(['a', 'b', 'hs'], {
      fields: {
        outcome: { from: ['a', 'b'], join: '/', map: { '1/2': 'seizure' }, otherwise: 'unknown' },
        hs_code: { from: 'hs', pad: 6, join: '/' },
        office: { from: 'b', default: 'HQ', join: '/' },
      },
      attrs: {}, passthrough: false,
    });
    const v = (src: string[]) => cols.toRow(src).values;
    expect(v(['1', '2', '10121'])).toEqual(expect.arrayContaining(['seizure', '010121']));
    expect(v(['1', '3', '123456'])).toEqual(expect.arrayContaining(['unknown', '123456']));
    expect(v(['1', '', '123456'])).toContain('HQ');
  });
});
