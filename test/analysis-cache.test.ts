/**
 * The analysis cache (store/sqlite/declaration-input.ts): a run reads the declarations unchanged
 * since the last run from the file beside the store and the rest from SQLite, and gets the results
 * a full reading gives, to the byte; whenever the cache cannot be trusted the run reads every
 * declaration and says why.
 */
import Database from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, readlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_PARAMS, runAnalysis, type AnalysisSummary } from '../src/analysis/run';
import { declarationKey } from '../src/domain/declaration-key';
import { IdNumbers } from '../src/util/id-numbers';
import { openCache } from '../src/store/sqlite/declaration-cache';
import { EXPRS } from '../src/store/sqlite/cache-rows';
import { FACT_COLUMNS } from '../src/store/sqlite/declaration-facts';
import { cachePath } from '../src/store/sqlite/declaration-input';
import { SqliteGraphStore } from '../src/store/sqlite/sqlite-store';
import { generateSynthetic } from '../src/synth/generate';
import { ingestInto, storeWith, tempDir } from './helpers';
import { until } from './workers';

const tmp = tempDir('cg-cache-');
afterAll(() => tmp.cleanup());

/** The synthetic declarations split by lodging day: the history before the last `days` days, then a file per day. */
let history: string;
let daily: string[];
let header: string;
let lines: Array<{ day: string; raw: string; id: string; item: string; value: string }>;

beforeAll(async () => {
  const synth = await generateSynthetic(join(tmp.dir, 'synth'), { traders: 160, seed: 8, months: 8 });
  const text = readFileSync(synth.declarationsFile, 'utf8');
  const records = parse(text, { raw: true, columns: true }) as Array<{ record: Record<string, string>; raw: string }>;
  header = text.slice(0, text.indexOf('\n'));
  lines = records.map(({ record, raw }) => ({
    day: record.lodged_at!.slice(0, 10), raw: raw.replace(/\r?\n$/, ''), id: record.declaration_id!, item: record.item_no!, value: record.declared_value!,
  }));
  const days = [...new Set(lines.map((l) => l.day))].sort();
  const last = days.slice(-30);
  const write = (name: string, rows: typeof lines) => {
    const file = join(tmp.dir, name);
    writeFileSync(file, `${header}\n${rows.map((r) => r.raw).join('\n')}\n`);
    return file;
  };
  history = write('history.csv', lines.filter((l) => l.day < last[0]!));
  daily = last.map((day) => write(`${day}.csv`, lines.filter((l) => l.day === day)));
}, 120_000);

const RESULTS = [
  'SELECT entity_id, kind, risk, community, component, pagerank, ppr, seizures, known_bad, signals FROM entity_scores WHERE run_id = ? ORDER BY entity_id',
  'SELECT kind, rank, entity_id FROM entity_ranks WHERE run_id = ? ORDER BY kind, rank',
  'SELECT community, rank, size, by_kind, known_bad, value, risk, members, signals FROM communities WHERE run_id = ? ORDER BY community',
  'SELECT field, value, n, bad FROM category_risk WHERE run_id = ? ORDER BY field, value',
  'SELECT modularity, counts, model, json_remove(params, \'$.declarationReading\') FROM analysis_runs WHERE id = ?',
];

/** A digest of everything a run wrote (its scores, ranks, communities, category figures, model and parameters). */
function resultsOf(db: string, runId: string): string[] {
  const sql = new Database(db, { readonly: true });
  try {
    return RESULTS.map((q) => createHash('sha256').update(JSON.stringify(sql.prepare(q).raw(true).all(Number(runId)))).digest('hex'));
  } finally {
    sql.close();
  }
}

const analyse = (store: SqliteGraphStore, full = false): Promise<AnalysisSummary> => runAnalysis(store, { ...DEFAULT_PARAMS, seed: 42 }, { full });

/** A store holding the history (the days before the last 30), given to `use` and closed after. */
async function withHistory(name: string, use: (s: { store: SqliteGraphStore; db: string }) => Promise<void>): Promise<void> {
  const db = join(tmp.dir, name);
  const store = new SqliteGraphStore(db);
  try {
    await store.migrate();
    await ingestInto(store, [history], tmp.dir);
    await use({ store, db });
  } finally {
    await store.close();
  }
}

describe('an analysis run on the analysis cache', () => {
  it('after a month of daily loads (new declarations, outcomes recorded, amended declarations) gives the results of a full run, byte for byte', async () => {
    await withHistory('month.db', async ({ store, db }) => {
      const first = await analyse(store);
      expect(first.declarationReading).toMatchObject({ mode: 'full', reason: 'no analysis cache yet', fromCache: 0 });
      let last = first;
      const earlier = lines.filter((l) => l.day < daily[0]!.slice(-14, -4));
      let outcomesRecorded = 0;
      for (const [k, file] of daily.entries()) {
        const before = (await store.counts()).declarations;
        await ingestInto(store, [file], tmp.dir);
        const added = (await store.counts()).declarations - before;
        let changed = 0;
        if (k % 3 === 0) {
          // Outcomes recorded for a dozen earlier declarations (others each time), and one of them amended and loaded again.
          const week = earlier.slice(earlier.length - 12 * (k / 3 + 1), earlier.length - 12 * (k / 3));
          const outcomes = week.slice(0, 10).map((l, j) => ({ key: declarationKey(l.id, Number(l.item)), outcome: j % 4 === 0 ? 'seizure' as const : 'clear' as const }));
          const now = store.db.prepare('SELECT outcome FROM declarations WHERE declaration_id = ? AND item_no = ?').pluck();
          // Those whose outcome this changes (one recorded again as it was changes nothing the analysis reads).
          const recorded = week.slice(0, 10).filter((l, j) => now.get(l.id, Number(l.item)) !== outcomes[j]!.outcome).length;
          changed += recorded;
          outcomesRecorded += recorded;
          await store.updateOutcomes(outcomes);
          const amended = week[11]!;
          const amendedFile = join(tmp.dir, `amended-${k}.csv`);
          const fields = (parse(amended.raw) as string[][])[0]!;
          fields[header.split(',').indexOf('declared_value')] = (Number(amended.value) * 3).toFixed(2);
          const again = stringify([fields]).trimEnd();
          writeFileSync(amendedFile, `${header}\n${again}\n`);
          const r = await ingestInto(store, [amendedFile], tmp.dir);
          expect(r.replacements.replaced).toBe(1);
          changed += 1;
        }
        last = await analyse(store);
        expect(last.declarationReading.mode, `day ${k}`).toBe('incremental');
        expect(last.declarationReading.fromStore, `day ${k}`).toBe(added + changed);
      }
      expect(outcomesRecorded).toBeGreaterThan(20);
      const full = await analyse(store, true);
      expect(full.declarationReading).toMatchObject({ mode: 'full', reason: 'asked for (analyze --full)', fromCache: 0 });
      expect(full.declarationReading.fromStore).toBe(last.declarationReading.fromStore + last.declarationReading.fromCache);
      expect(resultsOf(db, last.runId)).toEqual(resultsOf(db, full.runId));
      // And the runs did differ from day to day (the comparison is not between two empty results).
      expect(resultsOf(db, first.runId)[0]).not.toBe(resultsOf(db, full.runId)[0]);
    });
  }, 300_000);

  it('reads every declaration, and says why, when the cache is missing, cut short, of another copy of the store, or too far behind', async () => {
    await withHistory('trust.db', async ({ store, db }) => {
      await analyse(store);
      expect((await analyse(store)).declarationReading).toMatchObject({ mode: 'incremental', fromStore: 0 });

      // A copy of the store restored from before the last cache was made: its token is not the file's.
      const backup = join(tmp.dir, 'trust-backup.db');
      store.db.pragma('wal_checkpoint(TRUNCATE)');
      copyFileSync(db, backup);
      await ingestInto(store, [daily[0]!], tmp.dir);
      await analyse(store);
      copyFileSync(cachePath(db), cachePath(backup));
      const restored = new SqliteGraphStore(backup);
      try {
        expect((await analyse(restored)).declarationReading.reason).toBe('the analysis cache was made from another copy of this store');
      } finally {
        await restored.close();
      }

      truncateSync(cachePath(db), 1000);
      expect((await analyse(store)).declarationReading.reason).toBe('the analysis cache is cut short');
      // That full run wrote a whole cache again.
      expect((await analyse(store)).declarationReading.mode).toBe('incremental');

      // More than a quarter of the declarations changed since the cache (a third touched here): all read again.
      const count = (await store.counts()).declarations;
      const touched = store.db.prepare('UPDATE declarations SET declared_value = declared_value + 1 WHERE id % 3 = 0').run().changes;
      expect((await analyse(store)).declarationReading.reason).toBe(`${touched} of ${count} declarations are new or changed since the analysis cache was made`);

      store.db.prepare('DELETE FROM declarations WHERE id = (SELECT MIN(id) FROM declarations)').run();
      await analyse(store, true);
      store.db.prepare('DELETE FROM declarations WHERE id = (SELECT MIN(id) FROM declarations)').run();
      expect((await analyse(store)).declarationReading.reason).toBe('declarations were deleted since the analysis cache was made');

      // A declaration stored under an id below the cache's (a row given its id), then changed.
      store.db.exec(`CREATE TEMP TABLE earlier AS SELECT * FROM declarations WHERE id = (SELECT MIN(id) FROM declarations);
        UPDATE earlier SET id = 0, declaration_id = 'EARLIER'; INSERT INTO declarations SELECT * FROM earlier;
        UPDATE declarations SET quantity = 5 WHERE id = 0`);
      expect((await analyse(store)).declarationReading.reason).toBe('declarations were stored under earlier ids since the analysis cache was made');
    });
  }, 300_000);

  it('notes a change to everything analysis reads of a declaration, and nothing else, once the store has a cache', async () => {
    await withHistory('notes.db', async ({ store }) => {
      const noted = () => store.db.prepare('SELECT COUNT(*) FROM declaration_changes').pluck().get() as number;
      // No cache yet (as after a load into a new store): nothing to note.
      store.db.prepare('UPDATE declarations SET quantity = quantity + 1 WHERE id = 1').run();
      expect(noted()).toBe(0);
      await analyse(store);
      const trigger = store.db.prepare("SELECT sql FROM sqlite_schema WHERE name = 'declarations_updated'").pluck().get() as string;
      const columns = (store.db.prepare('PRAGMA table_info(declarations)').all() as Array<{ name: string }>).map((c) => c.name);
      const read = new Set([...FACT_COLUMNS.split(',').map((c) => c.trim()), ...columns.filter((c) => EXPRS.some(([, e]) => new RegExp(`\\b${c}\\b`).test(e)))]);
      for (const c of read) expect(trigger, c).toContain(c === 'attrs' ? 'OLD.attrs IS NOT NEW.attrs' : `OLD.${c} IS NOT NEW.${c}`);
      const [plain, controlled] = ['unknown', 'clear'].map((o) => store.db.prepare('SELECT id FROM declarations WHERE outcome = ? LIMIT 1').pluck().get(o) as number);
      // A purge of identities, and the attributes of a declaration without an outcome: not noted.
      store.db.prepare(`UPDATE declarations SET declared = '{}', attrs = '{"x":"1"}', purged = 1 WHERE id = ?`).run(plain);
      expect(noted()).toBe(0);
      // The attributes of one with an outcome (the scan reads it whole), and any column analysis reads: noted.
      store.db.prepare(`UPDATE declarations SET attrs = '{"x":"1"}' WHERE id = ?`).run(controlled);
      store.db.prepare('UPDATE declarations SET quantity = quantity + 1 WHERE id = ?').run(plain);
      expect(store.db.prepare('SELECT declaration FROM declaration_changes ORDER BY seq').pluck().all()).toEqual([controlled, plain]);
    });
  }, 120_000);

  it('goes on, and says so, where the cache cannot be put in place; removes what a killed run left', async () => {
    await withHistory('unwritable.db', async ({ store, db }) => {
      // What killed runs left behind goes; where the cache would go, something no file can replace (even as root).
      const gone = spawnSync('true').pid!;
      writeFileSync(`${cachePath(db)}.writing-${gone}`, 'half a cache');
      writeFileSync(`${cachePath(db)}.writing-${gone}-3`, 'half of another');
      writeFileSync(`${cachePath(db)}.writing-${gone}-2.replaced`, 'a cache it replaced');
      mkdirSync(cachePath(db));
      const run = await analyse(store);
      expect(run.declarationReading).toMatchObject({ mode: 'full', reason: expect.stringMatching(/cannot be read: EISDIR/) });
      expect(run.declarationReading.cacheNotWritten).toMatch(/EISDIR|EEXIST|ENOTEMPTY/);
      expect(readdirSync(tmp.dir).filter((f) => f.startsWith('unwritable.db.analysis-cache.'))).toEqual([]);
      expect((await analyse(store)).declarationReading).toMatchObject({ mode: 'full', reason: expect.stringMatching(/cannot be read/) });
    });
    // A file the run cannot even begin to write: a store whose name leaves no room for the file being written (255 bytes).
    await withHistory(`${'n'.repeat(236)}.db`, async ({ store }) => {
      const run = await analyse(store);
      expect(run.declarationReading.cacheNotWritten).toMatch(/ENAMETOOLONG/);
      expect((await analyse(store)).declarationReading).toMatchObject({ mode: 'full', reason: 'no analysis cache yet' });
    });
  }, 120_000);

  it('lets go of the cache file when a run fails before it reads it, and the next run reads it as before', async () => {
    await withHistory('release.db', async ({ store, db }) => {
      await analyse(store);
      await ingestInto(store, [daily[0]!], tmp.dir);
      // The cache's columns cannot be read for the graph (a disk failing under the run, say).
      const failing = storeWith(store, {
        declarationInput: async (o) => ({ ...(await store.declarationInput(o)), linkColumns: () => { throw new Error('the disk went away'); } }),
      });
      await expect(runAnalysis(failing, { ...DEFAULT_PARAMS, seed: 42 }, { storePath: db })).rejects.toThrow('the disk went away');
      expect(openFilesOf(cachePath(db))).toBe(0);
      expect((await store.listRuns(1))[0]!.status).toBe('failed');
      expect((await analyse(store)).declarationReading).toMatchObject({ mode: 'incremental' });
      // An input let go unread closes its file once, however often it is let go.
      const input = await store.declarationInput({ full: false });
      expect(openFilesOf(cachePath(db))).toBe(1);
      input.release();
      input.release();
      expect(openFilesOf(cachePath(db))).toBe(0);
    });
  }, 120_000);

  it('keeps the cache file and the cache the store records the same, and every change after it, when two runs read it at once', async () => {
    for (const firstToKeep of ['later', 'earlier'] as const) {
      await withHistory(`together-${firstToKeep}.db`, async ({ store, db }) => {
        await analyse(store);
        await ingestInto(store, [daily[0]!], tmp.dir);
        const earlier = await store.declarationInput({ full: false });
        // While the earlier run reads, seizures are recorded on declarations its cache holds, and a later run starts.
        const seized = lines.slice(0, 10).map((l) => ({ key: declarationKey(l.id, Number(l.item)), outcome: 'seizure' as const }));
        await store.updateOutcomes(seized);
        const later = await store.declarationInput({ full: false });
        const drain = async (input: typeof later) => { for await (const batch of input.streamDeclarationColumns(new IdNumbers())) void batch; };
        // The later run's scan ends first, the earlier run's last; then each records its cache, in either order.
        await drain(later);
        await drain(earlier);
        const [first, second] = firstToKeep === 'later' ? [later, earlier] : [earlier, later];
        await first.keep();
        await second.keep();
        expect(second.reading.cacheNotWritten, firstToKeep).toMatch(/another run recorded its cache first/);
        expect(first.reading.cacheNotWritten, firstToKeep).toBeUndefined();
        const opened = openCache(cachePath(db));
        if ('unreadable' in opened) throw new Error(opened.unreadable);
        opened.close();
        expect(store.db.prepare('SELECT token FROM analysis_cache').pluck().get(), firstToKeep).toBe(opened.coverage.token);
        // Nothing else is left: the other run's file, and (removed off the thread) the cache replaced.
        await until(() => readdirSync(tmp.dir).filter((f) => f.startsWith(`together-${firstToKeep}.db.analysis-cache.`)).length === 0, 10_000);
        // The next run reads that cache and every change after it: what a full reading gives.
        const next = await analyse(store);
        expect(next.declarationReading.mode, firstToKeep).toBe('incremental');
        const full = await analyse(store, true);
        expect(resultsOf(db, next.runId), firstToKeep).toEqual(resultsOf(db, full.runId));
      });
    }
  }, 180_000);

  it('holds, row for row, what the store holds, and records which cache it is and what it covers', async () => {
    await withHistory('rows.db', async ({ store, db }) => {
      await analyse(store);
      const opened = openCache(cachePath(db));
      if ('unreadable' in opened) throw new Error(opened.unreadable);
      const recorded = store.db.prepare('SELECT token, max_id AS maxId, last_seq AS lastSeq FROM analysis_cache').get();
      expect(recorded).toEqual(opened.coverage);
      expect(opened.rows).toBe((await store.counts()).declarations);
      const columns = opened.readRows(0, opened.rows);
      const { tables } = opened;
      const controlled = [...opened.controlled()].flat();
      opened.close();
      const stored = store.db.prepare(`SELECT id, lodged_at, trader_ref, IFNULL(supplier_ref, 0) AS supplier, route_ref, declared_value, quantity, hs_code, outcome
        FROM declarations ORDER BY id`).raw(true).all() as unknown[][];
      stored.forEach(([id, lodged, trader, supplier, route, value, quantity, hs], i) => {
        expect([columns.id[i], tables.lodged.strings[columns.lodged[i]!], columns.trader[i], columns.supplier[i], columns.route[i], columns.value[i],
          columns.quantity[i], tables.hs.strings[columns.hs[i]!]]).toEqual([id, lodged, trader, supplier, route, value, quantity ?? NaN, hs]);
      });
      expect(controlled.map((d) => d.id)).toEqual(stored.filter((r) => r[8] !== 'unknown').map((r) => `d${r[0]}`));
      // The changes the cache covers are let go.
      await store.updateOutcomes([{ key: declarationKey(lines[0]!.id, Number(lines[0]!.item)), outcome: 'clear' }]);
      expect(store.db.prepare('SELECT COUNT(*) FROM declaration_changes').pluck().get()).toBe(1);
      await analyse(store);
      expect(store.db.prepare('SELECT COUNT(*) FROM declaration_changes').pluck().get()).toBe(0);
      // The cache it replaced is removed (off the run's thread), the new one in place.
      await until(() => readdirSync(tmp.dir).filter((f) => f.startsWith('rows.db.analysis-cache.')).length === 0, 10_000);
      expect(openCache(cachePath(db))).toMatchObject({ coverage: { token: store.db.prepare('SELECT token FROM analysis_cache').pluck().get() } });
    });
  }, 120_000);

  it('gives the scan the same batches as the store read whole', async () => {
    await withHistory('batches.db', async ({ store }) => {
      await analyse(store);
      await ingestInto(store, [daily[0]!], tmp.dir);
      const input = await store.declarationInput({ full: false });
      expect(input.reading.mode).toBe('incremental');
      const view = async (columns: AsyncIterable<import('../src/store/analysis-source').DeclarationColumns>, numbers: IdNumbers) => {
        // Row for row and the controlled declarations in order (the batches may be cut elsewhere: the scan does not see where).
        const rows: unknown[] = [];
        const controlled: unknown[] = [];
        for await (const c of columns) {
          for (let i = 0; i < c.length; i++) {
            rows.push([c.key[i], c.lodgedAt[i], c.trader[i], c.consignee[i], c.supplier[i], c.broker[i], c.carrier[i], c.value[i], c.quantity[i],
              c.weight[i], c.hsCode[i], c.currency[i], c.outcome[i], c.goodsOriginElsewhere[i], c.transit[i]]);
          }
          for (const d of c.controlled) {
            expect(Number(d.id.slice(1))).toBeLessThanOrEqual(c.key[c.length - 1]!);
            controlled.push(d);
          }
        }
        return { rows, controlled, numbers: numbers.ids };
      };
      const a = new IdNumbers();
      const b = new IdNumbers();
      expect(await view(input.streamDeclarationColumns(a, 500), a)).toEqual(await view(store.streamDeclarationColumns(b, 500), b));
      expect(await input.declarationsPerDay()).toEqual(await store.declarationsPerDay());
    });
  }, 120_000);
});

/** How many of this process's open files are `path` (Linux: /proc/self/fd). */
function openFilesOf(path: string): number {
  return readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`) === path;
    } catch {
      return false; // closed since it was listed (the listing's own)
    }
  }).length;
}
