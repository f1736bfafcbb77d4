/** Test helpers: temporary folders, declaration rows, CLI runs. */
import { parseGlobalId } from '../src/api/global-id';
import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createHash } from 'node:crypto';
import Database from 'better-sqlite3';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { makeValidator, validateObject, type Declaration } from '../src/domain/declaration';
import { DECLARATION_FIELDS } from '../src/domain/fields';
import { DEFAULT_PARAMS, runAnalysis } from '../src/analysis/run';
import { runIngest, type IngestSummary } from '../src/ingest/ingest';
import { planIngest } from '../src/ingest/plan';
import type { Mapping } from '../src/ingest/mapping';
import { BatchBuilder, DeclarationResolver } from '../src/domain/resolve';
import type { GraphStore } from '../src/store/graph-store';
import type { GraphBatch } from '../src/domain/graph-facts';
import { SqliteGraphStore } from '../src/store/sqlite/sqlite-store';
import { generateSynthetic, type SynthResult } from '../src/synth/generate';

export const ROOT = resolve(__dirname, '..');
export const CLI = join(ROOT, 'bin', 'customs-graph.js');
export const KCS_DIR = resolve(ROOT, '..', 'shared', 'data', 'kcs');

/** Ingests files into a store with the embedded defaults (region MA, currency MAD), rejects written in `dir`. */
export async function ingestInto(store: GraphStore, files: string[], dir: string, mapping?: Mapping): Promise<IngestSummary> {
  return runIngest(store, await planIngest(files, mapping), { rejectsPath: join(dir, 'rejects.csv'), phoneRegion: 'MA', defaultCurrency: 'MAD' });
}

/** Synthetic declarations in `dir`, ingested into `dir`/`db` and analysed (seed 42): a store with a current run. */
export async function analysedSyntheticStore(dir: string, db: string, synthOpts: { traders: number; seed: number }): Promise<{ synth: SynthResult; store: SqliteGraphStore }> {
  const synth = await generateSynthetic(join(dir, 'synth'), synthOpts);
  const store = new SqliteGraphStore(join(dir, db));
  await store.migrate();
  await ingestInto(store, [synth.declarationsFile], dir);
  await runAnalysis(store, { ...DEFAULT_PARAMS, seed: 42 });
  return { synth, store };
}

/** The store with some of its methods replaced (a failure, another process's doing), the rest its own. */
export function storeWith(target: GraphStore, replaced: Partial<GraphStore>): GraphStore {
  return new Proxy(target, {
    get(t, prop, receiver) {
      if (prop in replaced) return replaced[prop as keyof GraphStore];
      const v = Reflect.get(t, prop, receiver);
      return typeof v === 'function' ? v.bind(t) : v;
    },
  });
}

/**
 * A digest of every table of an embedded store, rows in key order (the time each migration was
 * applied left out): two stores with the same digests hold the same rows with the same ids.
 */
export function tableDigests(dbPath: string): Record<string, string> {
  const db = new Database(dbPath, { readonly: true });
  try {
    const out: Record<string, string> = {};
    for (const t of db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").pluck().all() as string[]) {
      const cols = db.prepare(`SELECT * FROM "${t}" LIMIT 0`).columns().map((c) => c.name).filter((c) => !(t === 'schema_migrations' && c === 'applied_at'));
      const hash = createHash('sha256');
      let n = 0;
      for (const r of db.prepare(`SELECT ${cols.map((c) => `"${c}"`).join(', ')} FROM "${t}" ORDER BY ${cols.map((_, i) => i + 1).join(', ')}`).raw().iterate()) {
        hash.update(JSON.stringify(r));
        n++;
      }
      out[t] = `${n} rows ${hash.digest('hex').slice(0, 16)}`;
    }
    return out;
  } finally {
    db.close();
  }
}

/** A store with its schema and nothing in it, at `path` (a store that exists: ingest adds to it, import may replace it). */
export function emptyStoreAt(path: string): void {
  const store = new SqliteGraphStore(path);
  store.migrateSync();
  store.db.close();
}

export function tempDir(prefix = 'cg-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A valid declaration row; override any field. */
export function row(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    declaration_id: 'D1', item_no: '1', lodged_at: '2025-03-01', trader_id: 'T1', trader_name: 'Atlas Import SARL',
    origin_country: 'CN', hs_code: '610910', declared_value: '1000', supplier_id: 'S1', supplier_name: 'Shanghai Textile Co Ltd',
    supplier_country: 'CN', broker_id: 'B1', carrier_id: 'C1', ...overrides,
  };
}

export function toCsv(rows: Array<Record<string, string>>, columns: readonly string[] = DECLARATION_FIELDS): string {
  return stringify([columns as string[], ...rows.map((r) => columns.map((c) => r[c] ?? ''))]);
}

export function declaration(overrides: Record<string, string> = {}): Declaration {
  const r = validateObject(makeValidator({ defaultCurrency: 'MAD' }), row(overrides));
  if (!r.ok) throw new Error(`test row invalid: ${r.field}: ${r.reason}`);
  return r.value;
}

/** Graph facts for rows, as ingest would write them. */
export function batchOf(rows: Array<Record<string, string>>): GraphBatch {
  const resolver = new DeclarationResolver({ phoneRegion: 'MA' });
  const b = new BatchBuilder();
  rows.forEach((r, i) => resolver.resolve(declaration(r), b, { file: 'test.csv', line: i + 2 }));
  return b.take();
}

export function runCli(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [CLI, ...args], {
    cwd: opts.cwd ?? ROOT, env: { ...process.env, ...opts.env }, encoding: 'utf8', timeout: 300_000, maxBuffer: 256 * 1024 * 1024,
  });
}

export function spawnCli(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
  return spawn(process.execPath, [CLI, ...args], { cwd: opts.cwd ?? ROOT, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Ids of every Entity and Declaration object in a GraphQL response (the queries ask for `__typename id`). */
export function identityIds(value: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(value)) for (const v of value) identityIds(v, out);
  else if (value && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    // Audit records hold the store's ids: the part of a global id after its type.
    if ((o.__typename === 'Entity' || o.__typename === 'Declaration') && typeof o.id === 'string') out.add(parseGlobalId(o.id)?.local ?? o.id);
    for (const v of Object.values(o)) identityIds(v, out);
  }
  return out;
}
