/**
 * Ingest benchmark: generates declaration files of 100k and 1M rows, ingests each into a fresh
 * store in a child process (one process, one thread), and prints rows/s, peak RSS and store size.
 *
 *   npm run bench:ingest            # 100k and 1M
 *   npm run bench:ingest -- 100000  # chosen sizes
 */
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { table } from '../src/cli/output';
import { generateSynthetic } from '../src/synth/generate';
import { machineReferenceSeconds } from './machine-reference';
import { cliJson } from './processes';

const ROOT = resolve(__dirname, '..', '..');
const DATA = join(ROOT, 'bench-data');

/** Traders needed for about `rows` declaration rows (about 21 rows per trader at the defaults). */
function tradersFor(rows: number): number {
  return Math.max(100, Math.round(rows / 21));
}

async function main(): Promise<void> {
  const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);
  const targets = sizes.length ? sizes : [100_000, 1_000_000];
  mkdirSync(DATA, { recursive: true });
  const rows: Array<Array<string | number>> = [];
  const references: number[] = [];
  for (const target of targets) {
    const dir = join(DATA, `ingest-${target}`);
    if (!existsSync(join(dir, 'declarations.csv'))) {
      process.stderr.write(`generating ~${target} rows in ${dir} ...\n`);
      await generateSynthetic(dir, { traders: tradersFor(target), seed: 1 });
    }
    const db = join(dir, 'bench.db');
    for (const suffix of ['', '-wal', '-shm']) rmSync(db + suffix, { force: true });
    references.push(machineReferenceSeconds());
    process.stderr.write(`ingesting ${dir}/declarations.csv ...\n`);
    const { out: summary, rssMb } = cliJson(['ingest', join(dir, 'declarations.csv'), '--db', db, '--rejects', join(dir, 'rejects.csv')]);
    const size = ['', '-wal'].reduce((a, s) => a + (existsSync(db + s) ? statSync(db + s).size : 0), 0);
    // A row is one declaration item (DESIGN §3); a declaration may have several.
    const store = new Database(db, { readonly: true });
    const declarations = store.prepare('SELECT COUNT(DISTINCT declaration_id) FROM declarations').pluck().get() as number;
    store.close();
    rows.push([
      summary.read, summary.store.declarations, declarations, summary.seconds.toFixed(1), Math.round(summary.read / summary.seconds),
      Math.round(declarations / summary.seconds), Math.round(rssMb), Math.round(size / 1024 / 1024),
    ]);
  }
  process.stdout.write(`\n${table(['rows read', 'items stored', 'declarations', 'seconds', 'rows/s', 'declarations/s', 'peak RSS MB', 'store MB'], rows)}\n`);
  references.push(machineReferenceSeconds());
  process.stdout.write(`\nnode ${process.version}, one process, one thread; goal: >= 50,000 declarations/s and < 500 MB peak RSS (a row is one declaration item)\n`);
  process.stdout.write(`machine reference (bench/machine-reference.ts) before, between and after the loads: ${references.map((r) => `${r.toFixed(2)} s`).join(', ')}\n`);
}

main().catch((err) => {
  process.stderr.write(`${err.stack ?? err}\n`);
  process.exit(1);
});
