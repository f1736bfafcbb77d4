/**
 * The retention purge at the 1M-declaration scale: a synthetic world (about 50,000 traders and
 * 1M declaration items) is ingested once into bench-data/purge/; each run purges a copy of it,
 * every declaration (the cutoff after the last lodging day), in a child process whose time and
 * peak RSS are printed beside the goal, with the dry run's time and counts.
 *
 *   npm run bench:purge                    # 50,000 traders
 *   npm run bench:purge -- --traders 5000  # smaller
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { table } from '../src/cli/output';
import { runIngest } from '../src/ingest/ingest';
import { planIngest } from '../src/ingest/plan';
import { SqliteGraphStore } from '../src/store/sqlite/sqlite-store';
import { generateSynthetic } from '../src/synth/generate';

const ROOT = resolve(__dirname, '..', '..');
const CLI = join(ROOT, 'bin', 'customs-graph.js');
const GOAL_SECONDS = 60;

async function prepare(dir: string, traders: number): Promise<string> {
  const db = join(dir, 'store.db');
  if (existsSync(db)) return db;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const synth = await generateSynthetic(join(dir, 'synth'), { traders, seed: 6 });
  const store = new SqliteGraphStore(join(dir, 'building.db'));
  await store.migrate();
  await runIngest(store, await planIngest([synth.declarationsFile]), { rejectsPath: join(dir, 'rejects.csv'), phoneRegion: 'MA', defaultCurrency: 'MAD' });
  await store.close();
  copyFileSync(join(dir, 'building.db'), db);
  rmSync(join(dir, 'building.db'));
  rmSync(join(dir, 'synth'), { recursive: true, force: true });
  return db;
}

/** The purge CLI on `db`, timed, with its peak RSS (GNU time). */
function purge(db: string, args: string[]): { seconds: number; rssMb: number; out: Record<string, any> } {
  const t = Date.now();
  const r = spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, CLI, 'purge', '--db', db, '--before', new Date(Date.now() + 86_400_000).toISOString().slice(0, 10), '--json', ...args], {
    encoding: 'utf8', env: { ...process.env, LOG_LEVEL: 'warn', CUSTOMS_GRAPH_PSEUDONYM_KEY: 'bench' }, maxBuffer: 64 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(`purge failed: ${r.stderr}`);
  const rssKb = Number(r.stderr.trim().split('\n').pop());
  return { seconds: (Date.now() - t) / 1000, rssMb: rssKb / 1024, out: JSON.parse(r.stdout) as Record<string, any> };
}

async function main(): Promise<void> {
  const i = process.argv.indexOf('--traders');
  const traders = i > 0 ? Number(process.argv[i + 1]) : 50_000;
  const dir = join(ROOT, 'bench-data', 'purge', String(traders));
  const db = await prepare(dir, traders);
  const work = join(dir, 'work.db');
  copyFileSync(db, work);
  try {
    const dry = purge(work, ['--dry-run']);
    const real = purge(work, []);
    const c = real.out.done as { declarations: number; parties: number; identifiers: number };
    process.stdout.write(`\nretention purge of every declaration of a ${traders.toLocaleString('en-US')}-trader synthetic store (embedded SQLite)\n`);
    process.stdout.write(`${table(['measure', 'figure', 'goal'], [
      ['declarations purged', c.declarations.toLocaleString('en-US'), '1,000,000'],
      ['parties kept as pseudonyms', c.parties.toLocaleString('en-US'), ''],
      ['identifiers and directors removed', c.identifiers.toLocaleString('en-US'), ''],
      ['dry run (the counts)', `${dry.seconds.toFixed(1)} s, peak RSS ${dry.rssMb.toFixed(0)} MB`, 'equal to the purge\'s'],
      ['dry-run counts = purge counts', JSON.stringify(dry.out.plan) === JSON.stringify(c) ? 'yes' : 'NO', 'yes'],
      ['purge', `${real.seconds.toFixed(1)} s (${Math.round(c.declarations / real.seconds).toLocaleString('en-US')} declarations/s), peak RSS ${real.rssMb.toFixed(0)} MB`, `< ${GOAL_SECONDS} s`],
    ])}\n`);
  } finally {
    rmSync(work, { force: true });
    rmSync(`${work}-wal`, { force: true });
    rmSync(`${work}-shm`, { force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
