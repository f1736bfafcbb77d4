/**
 * Ingest benchmark: generates declaration files of 100k and 1M rows and loads each, in a child
 * process, both ways in the same run: a bulk import into a new store (`customs-graph import`) and
 * ingest into an existing (empty) store, the path every later load takes. It prints rows/s,
 * declarations/s, peak RSS and store size, and the import's speed as a multiple of ingest's.
 *
 *   npm run bench:ingest            # 100k and 1M
 *   npm run bench:ingest -- 100000  # chosen sizes
 */
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { table } from '../src/cli/output';
import { generateSynthetic } from '../src/synth/generate';
import { removeStoreFiles } from '../src/store/sqlite/connection';
import { SqliteGraphStore } from '../src/store/sqlite/sqlite-store';
import { machineReferenceSeconds } from './machine-reference';
import { cliJson } from './processes';

const ROOT = resolve(__dirname, '..', '..');
const DATA = join(ROOT, 'bench-data');

/** The cores of this machine: the ceiling of a load that keeps them all busy. */
const CORES = availableParallelism();

/** Traders needed for about `rows` declaration rows (about 21 rows per trader at the defaults). */
function tradersFor(rows: number): number {
  return Math.max(100, Math.round(rows / 21));
}

function emptyStore(db: string): void {
  const store = new SqliteGraphStore(db);
  store.migrateSync();
  store.db.close();
}

const storeMb = (db: string) => ['', '-wal'].reduce((a, s) => a + (existsSync(db + s) ? statSync(db + s).size : 0), 0) / 1024 / 1024;

async function main(): Promise<void> {
  const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);
  const targets = sizes.length ? sizes : [100_000, 1_000_000];
  mkdirSync(DATA, { recursive: true });
  const rows: Array<Array<string | number>> = [];
  const references: number[] = [];
  for (const target of targets) {
    const dir = join(DATA, `ingest-${target}`);
    const file = join(dir, 'declarations.csv');
    if (!existsSync(file)) {
      process.stderr.write(`generating ~${target} rows in ${dir} ...\n`);
      await generateSynthetic(dir, { traders: tradersFor(target), seed: 1 });
    }
    const imported = join(dir, 'import.db');
    const ingested = join(dir, 'bench.db');
    removeStoreFiles(imported);
    removeStoreFiles(ingested);
    emptyStore(ingested);
    const ways: Array<[string, string, string[]]> = [
      ['import', imported, ['import', file, '--db', imported]],
      ['ingest', ingested, ['ingest', file, '--db', ingested]],
    ];
    const measured: Array<{ way: string; read: number; declarations: number; seconds: number; rssMb: number; cpuSeconds: number; db: string }> = [];
    for (const [way, db, args] of ways) {
      references.push(machineReferenceSeconds());
      process.stderr.write(`${way}: ${file} ...\n`);
      const { out: summary, rssMb, cpuSeconds } = cliJson([...args, '--rejects', join(dir, 'rejects.csv')]);
      // A row is one declaration item (DESIGN §3); a declaration may have several.
      const store = new Database(db, { readonly: true });
      const declarations = store.prepare('SELECT COUNT(DISTINCT declaration_id) FROM declarations').pluck().get() as number;
      store.close();
      measured.push({ way, read: summary.read, declarations, seconds: summary.seconds, rssMb, cpuSeconds, db });
    }
    const ingestSeconds = measured[1]!.seconds;
    for (const m of measured) {
      rows.push([
        m.way, m.read, m.declarations, m.seconds.toFixed(1), Math.round(m.read / m.seconds), Math.round(m.declarations / m.seconds),
        `${(ingestSeconds / m.seconds).toFixed(2)}x`, m.cpuSeconds.toFixed(1), Math.round((m.cpuSeconds / m.declarations) * 1e6),
        Math.round(m.declarations / (m.cpuSeconds / CORES)), Math.round(m.rssMb), Math.round(storeMb(m.db)),
      ]);
    }
  }
  references.push(machineReferenceSeconds());
  process.stdout.write(`\n${table(['load', 'rows read', 'declarations', 'seconds', 'rows/s', 'declarations/s', 'speed vs ingest', 'CPU s', 'CPU µs / declaration', `at most, ${CORES} cores busy`, 'peak RSS MB', 'store MB'], rows)}\n`);
  process.stdout.write(`\nnode ${process.version}; import: a new store, parsing on a worker thread beside its SQLite writer; ingest: into an existing empty store, reading on a worker thread beside the store's writer\n`);
  process.stdout.write(`CPU s: all the process's threads (getrusage); "at most, ${CORES} cores busy": declarations / (CPU s / ${CORES}), what the same work would reach with every core busy all along\n`);
  process.stdout.write('goals at 1M rows: import >= 50,000 declarations/s and < 1 GB peak RSS; ingest into an existing store >= 12,000 declarations/s and < 500 MB (a row is one declaration item)\n');
  process.stdout.write(`machine reference (bench/machine-reference.ts) before each load and at the end: ${references.map((r) => `${r.toFixed(2)} s`).join(', ')}\n`);
}

main().catch((err) => {
  process.stderr.write(`${err.stack ?? err}\n`);
  process.exit(1);
});
