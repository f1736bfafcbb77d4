/**
 * Bulk import builds the store ingest would build (every table, row for row, id for id; the same
 * rejects and counts), leaves nothing under the store's name when it is killed, and never builds
 * over a store that holds data.
 */
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { runImport } from '../src/ingest/bulk/import';
import { runIngest, type IngestSummary } from '../src/ingest/ingest';
import { planIngest } from '../src/ingest/plan';
import { SqliteBulkWriter } from '../src/store/sqlite/bulk-writer';
import { SqliteGraphStore } from '../src/store/sqlite/sqlite-store';
import { generateSynthetic } from '../src/synth/generate';
import { emptyStoreAt, row, runCli, spawnCli, tableDigests, tempDir, toCsv } from './helpers';

const tmp = tempDir('cg-import-');
afterAll(() => tmp.cleanup());

let files: string[];
let watchlist: string;
let big: string;

beforeAll(async () => {
  const synth = await generateSynthetic(join(tmp.dir, 'synth'), { traders: 400, seed: 5 });
  // A second file that replaces, repeats and rejects: D1 three times (with other parties and
  // identifiers each time), D2 twice unchanged, a declaration of the synthetic file again with
  // another trader, rows that fail validation and a row with a field too many.
  const shared = { trader_phone: '0661 23 45 67', trader_bank_account: 'MA64 0111 2222 3333 4444 5555 66' };
  const extra = join(tmp.dir, 'extra.csv');
  const firstSynthetic = readFileSync(synth.declarationsFile, 'utf8').split('\n')[1]!.split(',')[0]!;
  writeFileSync(extra, toCsv([
    row({ declaration_id: 'D1', trader_id: 'TALPHA', ...shared, trader_email: 'a@alpha.ma', container_ids: 'MSCU1234565;TGHU7654321' }),
    row({ declaration_id: 'D2' }),
    row({ declaration_id: 'D1', trader_id: 'TBETA', ...shared, container_ids: 'MSCU1234565' }),
    row({ declaration_id: 'BAD', hs_code: 'x' }),
    row({ declaration_id: 'D2' }),
    row({ declaration_id: firstSynthetic, trader_id: 'TGAMMA' }),
    row({ declaration_id: 'D1', trader_id: 'TLOTUS', trader_directors: 'Karim Alaoui' }),
    row({ declaration_id: 'D3', declared_value: '-5' }),
  ]) + 'D4,1,2025-03-01,too,many\n');
  // And an NDJSON file: JSON values, a third version of D1's sibling item, lines that are not declarations.
  const ndjson = join(tmp.dir, 'more.ndjson');
  writeFileSync(ndjson, [
    JSON.stringify({ ...row({ declaration_id: 'N1' }), declared_value: 12.5, item_no: 1, container_ids: ['MSCU1234565', 'CAIU2222220'] }),
    JSON.stringify({ ...row({ declaration_id: 'D2', trader_id: 'TDELTA' }), trader_directors: 'Karim Alaoui;Nadia Bennani' }),
    '{not json',
    '[1,2]',
  ].join('\n'));
  files = [synth.declarationsFile, extra, ndjson];
  watchlist = synth.watchlistFile;
  big = (await generateSynthetic(join(tmp.dir, 'big'), { traders: 3000, seed: 3 })).declarationsFile;
});

const load = { phoneRegion: 'MA', defaultCurrency: 'MAD', batchSize: 300 };
/** What a summary says apart from how long it took, where it wrote and how. */
const counted = ({ seconds: _s, rowsPerSecond: _r, rejectsFile, db: _d, loadedBy: _l, ...rest }: IngestSummary & { db?: string; loadedBy?: string }) =>
  ({ ...rest, rejectsFile: rejectsFile && basename(rejectsFile).replace(/^[a-z-]+-rejects/, 'rejects') });

describe('a bulk import', () => {
  it('builds the store that ingest builds: every table, the summary and the rejects file alike', async () => {
    const plan = await planIngest(files);
    const ingested = new SqliteGraphStore(join(tmp.dir, 'ingested.db'));
    ingested.migrateSync();
    const viaIngest = await runIngest(ingested, plan, { ...load, rejectsPath: join(tmp.dir, 'ingest-rejects.csv') });
    await ingested.close();
    const imported = join(tmp.dir, 'imported.db');
    const viaImport = await runImport(imported, plan, { ...load, rejectsPath: join(tmp.dir, 'import-rejects.csv'), replace: false, threaded: false });

    expect(viaImport.read).toBe(viaImport.accepted + viaImport.rejected);
    expect(viaImport.rejected).toBe(5);
    expect(viaImport.files.map((f) => f.format)).toEqual(['csv', 'csv', 'ndjson']);
    expect(viaImport.replacements.conflicting).toBeGreaterThanOrEqual(3);
    expect(viaImport.quality.duplicates).toBe(1);
    expect(counted(viaImport)).toEqual(counted(viaIngest));
    expect(readFileSync(join(tmp.dir, 'import-rejects.csv'), 'utf8')).toBe(readFileSync(join(tmp.dir, 'ingest-rejects.csv'), 'utf8'));
    const digests = tableDigests(imported);
    expect(digests.declarations).toMatch(/^\d{4,} rows/);
    expect(digests).toEqual(tableDigests(join(tmp.dir, 'ingested.db')));
    expect(readdirSync(tmp.dir).filter((f) => f.includes('.importing-'))).toEqual([]);
  });

  it('is what `ingest` does into a store that does not exist yet, on a thread of its own, with the store ingest adds to an existing one', () => {
    const fresh = join(tmp.dir, 'cli-new.db');
    const existing = join(tmp.dir, 'cli-existing.db');
    emptyStoreAt(existing);
    const run = (db: string, rejects: string) => {
      const r = runCli(['ingest', ...files, '--watchlist', watchlist, '--db', db, '--rejects', join(tmp.dir, rejects), '--json']);
      expect(r.status, r.stderr).toBe(0);
      return JSON.parse(r.stdout) as IngestSummary & { loadedBy: string };
    };
    const a = run(fresh, 'cli-new-rejects.csv');
    const b = run(existing, 'cli-existing-rejects.csv');
    expect([a.loadedBy, b.loadedBy]).toEqual(['import', 'ingest']);
    expect(counted(a)).toEqual(counted(b));
    expect(tableDigests(fresh).watchlist).toMatch(/^[1-9]\d* rows/);
    expect(tableDigests(fresh)).toEqual(tableDigests(existing));
    expect(readFileSync(join(tmp.dir, 'cli-new-rejects.csv'), 'utf8')).toBe(readFileSync(join(tmp.dir, 'cli-existing-rejects.csv'), 'utf8'));
  });

  it('ingest into a store with data reads its files on a thread of its own and stores what ingest on one thread stores: replacements, rejects, watchlist alerts', async () => {
    // A store holding the synthetic file and the watchlist, copied twice; the other files then go
    // into one copy through the CLI (the compiled reading thread) and into the other on this thread.
    const base = join(tmp.dir, 'read-base.db');
    // Watchlisted: the phone and the account the second file's D1 declares (each a hit per version).
    const listed = join(tmp.dir, 'read-watchlist.csv');
    writeFileSync(listed, 'kind,key,reason,source,severity,listed_at\nphone,+212 661 23 45 67,seen in a case,intelligence,high,2025-01-01\n'
      + 'bank_account,MA64 0111 2222 3333 4444 5555 66,seen in a case,intelligence,medium,2025-01-01\n');
    const made = runCli(['ingest', files[0]!, '--watchlist', listed, '--db', base, '--rejects', join(tmp.dir, 'read-base-rejects.csv')]);
    expect(made.status, made.stderr).toBe(0);
    const threaded = join(tmp.dir, 'read-threaded.db');
    const here = join(tmp.dir, 'read-here.db');
    copyFileSync(base, threaded);
    copyFileSync(base, here);
    const rest = [files[1]!, files[2]!];
    const cli = runCli(['ingest', ...rest, '--db', threaded, '--rejects', join(tmp.dir, 'read-threaded-rejects.csv'), '--json']);
    expect(cli.status, cli.stderr).toBe(0);
    const viaThread = JSON.parse(cli.stdout) as IngestSummary & { loadedBy: string; store: unknown };
    const store = new SqliteGraphStore(here);
    const viaHere = await runIngest(store, await planIngest(rest), { phoneRegion: 'MA', defaultCurrency: 'MAD', rejectsPath: join(tmp.dir, 'read-here-rejects.csv') });
    await store.close();

    expect(viaThread.loadedBy).toBe('ingest');
    expect(viaThread.replacements.conflicting).toBeGreaterThan(0);
    expect(viaThread.alerts).toBeGreaterThan(0);
    const { store: _store, watchlist: _w, outcomes: _o, ...summary } = viaThread as typeof viaThread & { watchlist?: unknown; outcomes?: unknown };
    expect(counted(summary)).toEqual(counted(viaHere));
    expect(readFileSync(join(tmp.dir, 'read-threaded-rejects.csv'), 'utf8')).toBe(readFileSync(join(tmp.dir, 'read-here-rejects.csv'), 'utf8'));
    // Every table alike; the alerts but for when they were raised.
    const { alerts: _a, ...tables } = tableDigests(threaded);
    const { alerts: _b, ...tablesHere } = tableDigests(here);
    expect(tables).toEqual(tablesHere);
    const alerts = (db: string) => {
      const d = new Database(db, { readonly: true });
      try {
        return d.prepare('SELECT key, type, severity, state FROM alerts ORDER BY key').all();
      } finally {
        d.close();
      }
    };
    expect(alerts(threaded).length).toBe(viaThread.alerts);
    expect(alerts(threaded)).toEqual(alerts(here));
  });

  it('killed with SIGKILL half-way leaves no store under its name; the next import cleans up after it', async () => {
    const db = join(tmp.dir, 'killed.db');
    const child = spawnCli(['import', big, '--db', db]);
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    const building = () => readdirSync(tmp.dir).filter((f) => f.startsWith('killed.db.importing-'));
    for (let i = 0; i < 600 && building().length === 0; i++) await new Promise((r) => setTimeout(r, 25));
    await new Promise((r) => setTimeout(r, 300)); // rows are being written
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    expect(building().length).toBeGreaterThan(0);
    expect(existsSync(db)).toBe(false);

    const again = runCli(['import', big, '--db', db, '--json']);
    expect(again.status, again.stderr).toBe(0);
    expect(building()).toEqual([]);
    const reference = runCli(['ingest', big, '--db', join(tmp.dir, 'reference.db'), '--json']);
    expect(JSON.parse(again.stdout).store).toEqual(JSON.parse(reference.stdout).store);
  });

  it('killed once complete but before it is in place leaves the empty store it was to replace untouched', () => {
    const db = join(tmp.dir, 'replaced.db');
    emptyStoreAt(db);
    const before = tableDigests(db);
    const killed = runCli(['import', files[0]!, '--db', db], { env: { CUSTOMS_GRAPH_FAILPOINT: 'import-before-install' } });
    expect(killed.signal).toBe('SIGKILL');
    expect(tableDigests(db)).toEqual(before);
    const done = runCli(['import', files[0]!, '--db', db, '--json']);
    expect(done.status, done.stderr).toBe(0);
    expect(JSON.parse(done.stdout).store.declarations).toBeGreaterThan(1000);
  });

  it('puts its store in place only if no store has appeared there meanwhile (ingest then adds to that one)', () => {
    const db = join(tmp.dir, 'raced.db');
    const writer = new SqliteBulkWriter(db);
    writer.finish();
    emptyStoreAt(db); // another process's ingest, created while this import ran
    const before = tableDigests(db);
    expect(() => writer.install(false)).toThrow(expect.objectContaining({ code: 'EEXIST' }));
    writer.abort();
    expect(tableDigests(db)).toEqual(before);
    expect(readdirSync(tmp.dir).filter((f) => f.startsWith('raced.db.importing-'))).toEqual([]);
  });

  it('refuses a store that holds data, and leaves it as it was', () => {
    const db = join(tmp.dir, 'imported.db');
    const before = tableDigests(db);
    const r = runCli(['import', files[2]!, '--db', db]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/already holds a store with data.*ingest/);
    expect(tableDigests(db)).toEqual(before);
  });
});
