/**
 * The same data and seed give the same bytes: a fixed synthetic world is generated, ingested,
 * analysed and scored through the command line only, and every stored row of the run (scores,
 * ranks, communities, category figures, the run's parameters) and the score output are hashed
 * against digests recorded before the source tree was restructured (test/golden/analysis.json).
 *
 * Written through the CLI and read with plain SQL so that moving modules cannot change the test.
 * A deliberate change to the model re-records the digests: `UPDATE_GOLDEN=1 npx vitest run test/golden-analysis.test.ts`.
 */
import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, runCli, tempDir } from './helpers';

const GOLDEN = join(ROOT, 'test', 'golden', 'analysis.json');
const tmp = tempDir('cg-golden-');
const digests: Record<string, string> = {};

/** Keys of the run's parameters that say where the work ran (a thread or not) and how it read the declarations, not what it computed. */
const PLACEMENT = new Set(['graphThread', 'pageRankOnMain', 'ringsOnMain', 'pageRankThread', 'declarationModelThread', 'declarationReading']);

function sha(rows: unknown): string {
  return createHash('sha256').update(JSON.stringify(rows)).digest('hex');
}

function cli(args: string[]): string {
  const r = runCli(args, { cwd: tmp.dir });
  if (r.status !== 0) throw new Error(`customs-graph ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}

beforeAll(() => {
  const db = join(tmp.dir, 'golden.db');
  cli(['synth', '--out', 'synth', '--traders', '600', '--seed', '11', '--months', '12', '--start', '2024-01-01']);
  cli(['ingest', 'synth/declarations.csv', '--watchlist', 'synth/watchlist.csv', '--db', db, '--rejects', 'rejects.csv', '--json']);
  cli(['analyze', '--seed', '42', '--db', db, '--json']);
  digests.score = sha(JSON.parse(cli(['score', 'synth/declarations.csv', '--db', db, '--json'])));
  const sql = new Database(db, { readonly: true });
  try {
    const all = (q: string) => sql.prepare(q).raw(true).all();
    digests.entities = sha(all('SELECT id, kind, key, name FROM entities ORDER BY id'));
    digests.edges = sha(all('SELECT src, type, dst FROM edges ORDER BY src, type, dst'));
    digests.declarations = sha(all('SELECT * FROM declarations ORDER BY id'));
    digests.entity_scores = sha(all('SELECT * FROM entity_scores ORDER BY run_id, entity_id'));
    digests.entity_ranks = sha(all('SELECT * FROM entity_ranks ORDER BY run_id, kind, rank'));
    digests.communities = sha(all('SELECT * FROM communities ORDER BY run_id, community'));
    digests.category_risk = sha(all('SELECT * FROM category_risk ORDER BY run_id, field, value'));
    const run = sql.prepare('SELECT seed, status, modularity, counts, params, model, card FROM analysis_runs').get() as { seed: number; status: string; modularity: number; counts: string; params: string; model: string; card: string };
    const params = Object.fromEntries(Object.entries(JSON.parse(run.params) as Record<string, unknown>).filter(([k]) => !PLACEMENT.has(k)));
    digests.run = sha({ seed: run.seed, status: run.status, modularity: run.modularity, counts: JSON.parse(run.counts), params, model: JSON.parse(run.model) });
    // The card less the software's version (which moves with every release, not with the analysis).
    const card = JSON.parse(run.card) as { modelCard: { software?: unknown } };
    delete card.modelCard.software;
    digests.card = sha(card);
  } finally {
    sql.close();
  }
}, 300_000);
afterAll(() => tmp.cleanup());

describe('the analysis of a fixed synthetic store', () => {
  it('gives, row for row, the bytes recorded in test/golden/analysis.json', () => {
    if (process.env.UPDATE_GOLDEN === '1') writeFileSync(GOLDEN, `${JSON.stringify(digests, null, 2)}\n`);
    expect(existsSync(GOLDEN), `${GOLDEN}: record it with UPDATE_GOLDEN=1`).toBe(true);
    const golden = JSON.parse(readFileSync(GOLDEN, 'utf8')) as { seed: number; status: string; modularity: number; counts: string; params: string };
    expect(Object.keys(digests).sort()).toEqual(Object.keys(golden).sort());
    for (const [table, digest] of Object.entries(golden)) expect(digests[table], table).toBe(digest);
  });
});
