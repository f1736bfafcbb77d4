/**
 * Ingest floor: what the two parts of an ingest that no code of ours can leave out cost on this
 * machine, so the ingest benchmark's rows/s can be read against them.
 *
 * - read + validate: the declaration file through the real reader and validator, nothing kept;
 * - store only: the rows a real ingest stored (entities, edges, declarations, container links),
 *   held in memory, written again into a fresh store with the INSERTs the store runs (same SQL),
 *   its batch size (ingest's default) and its deferred indexes: SQLite's share, with no parsing, validation or entity
 *   resolution at all;
 * - store only, declarations without their `declared` evidence: the same with that column empty,
 *   a bound for a narrower declarations table;
 * - and also without Container entities and their links: a bound for a model that keeps neither
 *   (a container is a new key in the entities' unique index at random, on most rows).
 *
 * Run `npm run bench:ingest` first (it makes bench-data/ingest-N/bench.db), then
 *   npm run bench:ingest-floor            # 100k
 *   npm run bench:ingest-floor -- 1000000
 *
 * The stored rows are held in memory whole (peak RSS 2.3 GB at 1M rows, over the default heap limit: the npm script raises it).
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { table } from '../src/cli/output';
import { makeValidator } from '../src/domain/declaration';
import { DEFAULT_BATCH_SIZE } from '../src/ingest/ingest';
import { planIngest } from '../src/ingest/plan';
import { readDeclarations } from '../src/ingest/read-declarations';
import { removeStoreFiles } from '../src/store/sqlite/connection';
import { SqliteGraphStore } from '../src/store/sqlite/sqlite-store';
import { machineReferenceSeconds } from './machine-reference';

const DATA = resolve(__dirname, '..', '..', 'bench-data');
/** Microseconds a row may take in all at 50,000 rows/s. */
const BUDGET_US = 20;

async function readAndValidate(file: string): Promise<{ rows: number; us: number }> {
  const plan = await planIngest([file]);
  const validate = makeValidator({ defaultCurrency: 'MAD' });
  let rows = 0;
  let accepted = 0;
  const started = process.hrtime.bigint();
  for await (const batch of readDeclarations(plan, validate)) {
    for (const r of batch) {
      rows++;
      if (r.result.ok) accepted++;
    }
  }
  if (accepted === 0) throw new Error(`${file}: no row accepted`);
  return { rows, us: Number(process.hrtime.bigint() - started) / 1000 / rows };
}

type Row = unknown[];
interface StoredRows { entities: Row[]; edges: Row[]; declarations: Row[]; containers: Row[]; declarationColumns: string[] }

function loadStored(db: string): StoredRows {
  const src = new Database(db, { readonly: true });
  // In id order, so a fresh store gives every row the id it had and the references still hold.
  const all = (sql: string) => src.prepare(sql).raw().all() as Row[];
  const declCols = (src.prepare('SELECT * FROM declarations LIMIT 1').columns()).map((c) => c.name).filter((c) => c !== 'id');
  const stored = {
    entities: all('SELECT kind, key, name FROM entities ORDER BY id'),
    edges: all('SELECT src, type, dst FROM edges'),
    declarations: all(`SELECT ${declCols.join(', ')} FROM declarations ORDER BY id`),
    containers: all('SELECT declaration, container FROM declaration_containers ORDER BY declaration'),
    declarationColumns: declCols,
  };
  src.close();
  return stored;
}

/** Writes the stored rows into a fresh store as ingest does: per batch, its share of every table. */
async function storeOnly(stored: StoredRows, dbPath: string, withoutDeclared: boolean): Promise<number> {
  removeStoreFiles(dbPath);
  const store = new SqliteGraphStore(dbPath);
  store.migrateSync();
  const db = store.db;
  const declCols = stored.declarationColumns;
  const insertEntity = db.prepare('INSERT OR IGNORE INTO entities (kind, key, name) VALUES (?, ?, ?)');
  const insertEdge = db.prepare('INSERT OR IGNORE INTO edges (src, type, dst) VALUES (?, ?, ?)');
  const insertDeclaration = db.prepare(`INSERT OR IGNORE INTO declarations (${declCols.join(', ')}) VALUES (${declCols.map(() => '?').join(', ')})`);
  const insertContainer = db.prepare('INSERT OR IGNORE INTO declaration_containers (declaration, container) VALUES (?, ?)');
  const declaredAt = declCols.indexOf('declared');
  const declarations = withoutDeclared
    ? stored.declarations.map((r) => r.map((v, i) => (i === declaredAt ? '[]' : v)))
    : stored.declarations;
  const n = declarations.length;
  const batches = Math.ceil(n / DEFAULT_BATCH_SIZE);
  const share = (rows: Row[], b: number) => rows.slice(Math.floor((rows.length * b) / batches), Math.floor((rows.length * (b + 1)) / batches));
  const started = process.hrtime.bigint();
  await store.bulk(n, async () => {
    for (let b = 0; b < batches; b++) {
      db.transaction(() => {
        for (const r of share(stored.entities, b)) insertEntity.run(r);
        for (const r of share(stored.edges, b)) insertEdge.run(r);
        for (const r of share(declarations, b)) insertDeclaration.run(r);
        for (const r of share(stored.containers, b)) insertContainer.run(r);
      }).immediate();
    }
  });
  const us = Number(process.hrtime.bigint() - started) / 1000 / n;
  await store.close();
  removeStoreFiles(dbPath);
  return us;
}

async function main(): Promise<void> {
  const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);
  const references = [machineReferenceSeconds()];
  const rows: Array<Array<string | number>> = [];
  for (const size of sizes.length ? sizes : [100_000]) {
    const dir = join(DATA, `ingest-${size}`);
    const source = join(dir, 'bench.db');
    if (!existsSync(source)) throw new Error(`${source} is missing: run \`npm run bench:ingest -- ${size}\` first`);
    process.stderr.write(`${dir}: read + validate ...\n`);
    const read = await readAndValidate(join(dir, 'declarations.csv'));
    const stored = loadStored(source);
    process.stderr.write(`${dir}: store only (${stored.declarations.length} declarations, ${stored.entities.length} entities) ...\n`);
    const store = await storeOnly(stored, join(dir, 'floor.db'), false);
    const narrow = await storeOnly(stored, join(dir, 'floor.db'), true);
    // Later entity ids shift down; nothing checks references here, and the work per row is the same.
    const withoutContainers = { ...stored, entities: stored.entities.filter((e) => e[0] !== 'Container'), containers: [] };
    const bare = await storeOnly(withoutContainers, join(dir, 'floor.db'), true);
    const perSecond = (us: number) => Math.round(1e6 / us);
    rows.push(
      [read.rows, 'read + validate', read.us.toFixed(1), perSecond(read.us)],
      [read.rows, 'store only', store.toFixed(1), perSecond(store)],
      [read.rows, 'store only, declarations without declared', narrow.toFixed(1), perSecond(narrow)],
      [read.rows, 'store only, without declared and Container entities', bare.toFixed(1), perSecond(bare)],
      [read.rows, 'read + validate + store only', (read.us + store).toFixed(1), perSecond(read.us + store)],
    );
    references.push(machineReferenceSeconds());
  }
  process.stdout.write(`\n${table(['rows', 'stage', 'µs per row', 'rows/s if it were all'], rows)}\n`);
  process.stdout.write(`\nbudget at 50,000 rows/s: ${BUDGET_US} µs a row for everything (entity resolution comes on top of these stages)\n`);
  process.stdout.write(`machine reference (bench/machine-reference.ts) before and after each size: ${references.map((r) => `${r.toFixed(2)} s`).join(', ')}\n`);
}

main().catch((err) => {
  process.stderr.write(`${err.stack ?? err}\n`);
  process.exit(1);
});
