/** Declaration scoring on external data: learn from KCS train.csv, score valid.csv, compare with its outcomes. */
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { runAnalysis, DEFAULT_PARAMS } from '../src/analysis/run';
import { scoreCommand } from '../src/cli/commands/targeting';
import { runIngest } from '../src/ingest/ingest';
import { planIngest } from '../src/ingest/plan';
import { loadMapping } from '../src/ingest/mapping';
import { SqliteGraphStore } from '../src/store/sqlite/sqlite-store';
import { KCS_DIR, ROOT, tempDir } from './helpers';

const TRAIN = join(KCS_DIR, 'train.csv');
const MAPPING = join(ROOT, 'mappings', 'kcs.json');

describe.skipIf(!existsSync(TRAIN))('KCS: trained on train.csv, scored on valid.csv', () => {
  const tmp = tempDir('cg-kcs-score-');
  afterAll(() => tmp.cleanup());

  it('ranks frauds first: precision of the top 5% at least 0.62 (dataset paper: CatBoost 0.621, LightGBM 0.762)', async () => {
    const store = new SqliteGraphStore(join(tmp.dir, 'kcs.db'));
    await store.migrate();
    await runIngest(store, await planIngest([TRAIN], loadMapping(MAPPING)), {
      rejectsPath: join(tmp.dir, 'r.csv'), phoneRegion: 'MA', defaultCurrency: 'MAD',
    });
    const summary = await runAnalysis(store, { ...DEFAULT_PARAMS, seed: 42 });
    expect(summary.declarationModel.source).toBe('fitted');
    const r = await scoreCommand(store, join(KCS_DIR, 'valid.csv'), { mapping: MAPPING, evaluate: true }, {
      dbPath: '', phoneRegion: 'MA', defaultCurrency: 'KRW',
    });
    expect(r.scored).toHaveLength(8_134);
    expect(r.evaluation!.precision_at_5pct).toBeGreaterThanOrEqual(0.62);
    const e = r.evaluation as Record<string, number>;
    expect(e.precision_at_10pct).toBeGreaterThan(e.bad! / e.labelled!);
    await store.close();
  });
});
