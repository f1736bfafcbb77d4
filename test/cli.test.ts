/** The command line, run as a user would: real processes, real files. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { generateSynthetic } from '../src/synth/generate';
import { emptyStoreAt, runCli, spawnCli, tempDir, toCsv, row } from './helpers';

const tmp = tempDir('cg-cli-');
afterAll(() => tmp.cleanup());

/** Declarations committed so far; 0 while the store or its tables do not exist yet. */
function declarationCount(db: string): number {
  if (!existsSync(db)) return 0;
  let d: Database.Database | undefined;
  try {
    d = new Database(db, { readonly: true });
    return (d.prepare('SELECT COUNT(*) AS n FROM declarations').get() as { n: number }).n;
  } catch {
    return 0;
  } finally {
    d?.close();
  }
}

describe('customs-graph ingest', () => {
  it('prints a JSON summary whose counts add up', () => {
    const file = join(tmp.dir, 'small.csv');
    writeFileSync(file, toCsv([row({ declaration_id: 'A' }), row({ declaration_id: 'B', hs_code: 'x' })]));
    const db = join(tmp.dir, 'small.db');
    const r = runCli(['ingest', file, '--db', db, '--rejects', join(tmp.dir, 'small-rejects.csv'), '--json']);
    expect(r.status).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s).toMatchObject({ read: 2, accepted: 1, rejected: 1, rejectsFile: join(tmp.dir, 'small-rejects.csv') });
    expect(s.store.entities.Trader).toBe(1);
    expect(readFileSync(join(tmp.dir, 'small-rejects.csv'), 'utf8')).toContain('hs_code must have 6 to 10 digits');
  });

  it('stops on a file it cannot read at all: one message, exit 1, no store created', () => {
    const good = join(tmp.dir, 'good.csv');
    writeFileSync(good, toCsv([row()]));
    const bad = join(tmp.dir, 'bad.csv');
    writeFileSync(bad, Buffer.from([0, 1, 2, 3, 0xff]));
    const db = join(tmp.dir, 'never.db');
    const r = runCli(['ingest', good, bad, '--db', db]);
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toBe(`customs-graph: ${bad}: is a binary file, not CSV or NDJSON text`);
    expect(existsSync(db)).toBe(false);
  });

  it('prints a readable summary table', () => {
    const file = join(tmp.dir, 'small2.csv');
    writeFileSync(file, toCsv([row({ declaration_id: 'A', trader_phone: '0661234567' })]));
    const r = runCli(['ingest', file, '--db', join(tmp.dir, 'small2.db')]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/small2\.csv\s+csv\s+1\s+1\s+0/);
    expect(r.stdout).toMatch(/Phone\s+1/);
  });
});

describe('an ingest into an existing store killed with SIGKILL half-way', () => {
  let file: string;
  beforeAll(async () => {
    const synth = await generateSynthetic(join(tmp.dir, 'kill'), { traders: 3000, seed: 3 });
    file = synth.declarationsFile;
  });

  it('leaves a consistent store, and a re-run ends with the counts of an uninterrupted run', async () => {
    const reference = join(tmp.dir, 'reference.db');
    const ref = runCli(['ingest', file, '--db', reference, '--json']);
    expect(ref.status).toBe(0);
    const expected = JSON.parse(ref.stdout).store;

    // An existing (empty) store: ingest adds to it batch by batch (a new one would be built by a bulk import, tested in bulk-import.test.ts).
    const killed = join(tmp.dir, 'killed.db');
    emptyStoreAt(killed);
    const child = spawnCli(['ingest', file, '--db', killed]);
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    // Wait until some batches are committed, then kill without warning.
    for (let i = 0; i < 600 && declarationCount(killed) === 0; i++) await new Promise((r) => setTimeout(r, 25));
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    const partial = declarationCount(killed);
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(expected.declarations);

    const again = runCli(['ingest', file, '--db', killed, '--json']);
    expect(again.status).toBe(0);
    expect(JSON.parse(again.stdout).store).toEqual(expected);
    const d = new Database(killed, { readonly: true });
    expect(d.pragma('integrity_check', { simple: true })).toBe('ok');
    const dupes = d.prepare('SELECT COUNT(*) AS n FROM (SELECT kind, key FROM entities GROUP BY kind, key HAVING COUNT(*) > 1)').get() as { n: number };
    expect(dupes.n).toBe(0);
    d.close();
  });
});

describe('customs-graph analyze, top, rings, evaluate, score', () => {
  it('analyze reads the analysis cache and the declarations loaded since (the graph thread projecting from the cache), analyze --full every declaration, with the same results', async () => {
    const synth = await generateSynthetic(join(tmp.dir, 'cached'), { traders: 200, seed: 4 });
    const lines = readFileSync(synth.declarationsFile, 'utf8').trimEnd().split('\n');
    const first = join(tmp.dir, 'cached-first.csv');
    const later = join(tmp.dir, 'cached-later.csv');
    const cut = Math.floor(lines.length * 0.9);
    writeFileSync(first, `${lines.slice(0, cut).join('\n')}\n`);
    writeFileSync(later, `${[lines[0], ...lines.slice(cut)].join('\n')}\n`);
    const db = join(tmp.dir, 'cached.db');
    const ok = (args: string[]) => {
      const r = runCli(args);
      expect(r.status, r.stderr).toBe(0);
      return r.stdout;
    };
    ok(['ingest', first, '--db', db]);
    expect(ok(['analyze', '--db', db])).toContain('(no analysis cache yet)');
    ok(['ingest', later, '--db', db]);
    expect(ok(['analyze', '--db', db])).toMatch(/declarations: [\d,]+ new or changed read from the store, [\d,]+ from the analysis cache/);
    expect(ok(['analyze', '--db', db, '--full'])).toMatch(/declarations: all [\d,]+ read from the store \(asked for \(analyze --full\)\)/);
    const sql = new Database(db, { readonly: true });
    try {
      const results = (run: number) => sql.prepare('SELECT entity_id, risk, community, pagerank, ppr, signals FROM entity_scores WHERE run_id = ? ORDER BY entity_id').raw(true).all(run);
      const params = (run: number) => JSON.parse(sql.prepare('SELECT params FROM analysis_runs WHERE id = ?').pluck().get(run) as string);
      expect(params(2)).toMatchObject({ graphThread: true, declarationReading: { mode: 'incremental' } });
      expect(results(2)).toEqual(results(3));
      expect(results(2).length).toBeGreaterThan(100);
    } finally {
      sql.close();
    }
  }, 120_000);

  it('run end to end on synthetic data', async () => {
    const synth = await generateSynthetic(join(tmp.dir, 'an'), { traders: 600, seed: 8 });
    const db = join(tmp.dir, 'an.db');
    expect(runCli(['ingest', synth.declarationsFile, '--watchlist', synth.watchlistFile, '--db', db, '--json']).status).toBe(0);
    const noRun = runCli(['top', '--db', db]);
    expect(noRun.status).toBe(1);
    expect(noRun.stderr).toContain('no analysis run is current');

    const a = runCli(['analyze', '--db', db, '--seed', '7', '--resolution', '1.5', '--json']);
    expect(a.status).toBe(0);
    const summary = JSON.parse(a.stdout);
    expect(summary.counts.nodes).toBeGreaterThan(0);
    expect(Object.keys(summary.timings)).toContain('louvain');

    const top = JSON.parse(runCli(['top', '--kind', 'trader', '--limit', '5', '--db', db, '--json']).stdout);
    expect(top).toHaveLength(5);
    expect(top[0].kind).toBe('Trader');
    expect(top[0].risk).toBeGreaterThanOrEqual(top[4].risk);
    expect(top[0].signals.length).toBeGreaterThan(0);

    const rings = runCli(['rings', '--limit', '3', '--db', db]);
    expect(rings.status).toBe(0);
    expect(rings.stdout).toMatch(/^rank\s+risk\s+size/m);

    const e = JSON.parse(runCli(['evaluate', '--truth', synth.truthFile, '--db', db, '--json']).stdout);
    expect(e.precision['@50'].model).toBeGreaterThan(e.precision['@50'].random);

    const s = JSON.parse(runCli(['score', synth.declarationsFile, '--db', db, '--evaluate', '--json']).stdout);
    expect(s.scored.length).toBe(synth.truth.counts.rows);
    expect(s.evaluation.auc).toBeGreaterThan(0.5);

    expect(runCli(['top', '--kind', 'spaceship', '--db', db]).stderr).toContain('unknown kind: spaceship');

    // What a person reads: tables within 100 columns, reasons as odds factors, the legend, the store.
    const text = runCli(['top', '--limit', '8', '--db', db]).stdout;
    expect(text.split('\n')[0]).toBe(`store: ${db}`);
    expect(Math.max(...text.split('\n').filter((l) => !l.startsWith('risk:')).map((l) => l.length))).toBeLessThanOrEqual(100);
    expect(text).toMatch(/\w+ ×\d+(\.\d)?/);
    expect(text).toContain('risk: the probability (0 to 1) of fraud the model gives');
    expect(runCli(['--version']).stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);

    // What a system takes: every item's score, every item's channel, as CSV.
    const scores = join(tmp.dir, 'scores.csv');
    const printed = runCli(['score', synth.declarationsFile, '--db', db, '--limit', '3', '--out', scores]);
    expect(printed.status, printed.stderr).toBe(0);
    expect(printed.stdout).toMatch(/\(the 3 riskiest shown\)/);
    const scoreRows = parse(readFileSync(scores), { columns: true }) as Array<Record<string, string>>;
    expect(scoreRows).toHaveLength(synth.truth.counts.rows);
    expect(Object.keys(scoreRows[0]!)).toEqual(['declaration_id', 'item_no', 'risk', 'reasons']);
    const channels = join(tmp.dir, 'channels.csv');
    const sel = runCli(['select', synth.declarationsFile, '--capacity', '5%', '--db', db, '--out', channels]);
    expect(sel.status, sel.stderr).toBe(0);
    expect(sel.stdout).toMatch(new RegExp(`^${synth.truth.counts.declarations} declarations \\(${synth.truth.counts.rows} items\\)`));
    const channelRows = parse(readFileSync(channels), { columns: true }) as Array<Record<string, string>>;
    expect(channelRows).toHaveLength(synth.truth.counts.rows);
    const byDeclaration = new Map<string, Set<string>>();
    for (const r of channelRows) byDeclaration.set(r.declaration_id!, (byDeclaration.get(r.declaration_id!) ?? new Set()).add(r.channel!));
    expect([...byDeclaration.values()].every((c) => c.size === 1)).toBe(true);
    expect([...byDeclaration.values()].filter((c) => c.has('red'))).toHaveLength(Math.floor(synth.truth.counts.declarations * 0.05));
    expect(runCli(['select', synth.declarationsFile, '--capacity', '5%', '--db', db, '--out', '/missing/dir/c.csv']).stderr)
      .toMatch(/cannot write the output file \/missing\/dir\/c\.csv/);
  });
});

describe('a command that reads, given the wrong store', () => {
  it('creates nothing, names the store it looked for, and says what to do', () => {
    const missing = join(tmp.dir, 'nowhere', 'typo.db');
    const truth = join(tmp.dir, 'truth.json');
    writeFileSync(truth, '{"seed": 1, "rings": []}');
    for (const args of [['stats'], ['top'], ['rings'], ['analyze'], ['score', 'x.csv'], ['select', 'x.csv', '--capacity', '5%'], ['evaluate', '--truth', truth]]) {
      const r = runCli([...args, '--db', missing]);
      expect(r.status, args.join(' ')).toBe(1);
      expect(r.stderr, args.join(' ')).toContain(`customs-graph: no store at ${missing}: load declarations first`);
      expect(existsSync(missing), args.join(' ')).toBe(false);
    }
    const cwd = join(tmp.dir, 'empty-folder');
    mkdirSync(cwd);
    const r = runCli(['stats'], { cwd, env: { CUSTOMS_GRAPH_DB: '' } });
    expect(r.status).toBe(1);
    expect(existsSync(join(cwd, 'customs-graph.db'))).toBe(false);
  });

  it('says which store it read, that it is empty, or that it has no analysis yet', () => {
    const db = join(tmp.dir, 'fresh.db');
    expect(runCli(['ingest', '--watchlist', writeWatchlist(), '--db', db]).status).toBe(0);
    const stats = runCli(['stats', '--db', db]);
    expect(stats.stdout).toMatch(new RegExp(`^store: ${db.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} \\(empty: no declaration loaded yet\\)`));
    const top = runCli(['top', '--db', db]);
    expect(top.status).toBe(1);
    expect(top.stderr).toContain(`no analysis run is current in the store ${db}: run \`customs-graph analyze --db ${db}\` first`);
    const viaEnv = runCli(['stats'], { env: { CUSTOMS_GRAPH_DB: db } });
    expect(viaEnv.status, viaEnv.stderr).toBe(0);
    expect(viaEnv.stdout).toContain(`store: ${db}`);
  });
});

function writeWatchlist(): string {
  const file = join(tmp.dir, 'wl.csv');
  writeFileSync(file, 'kind,key,reason,source,severity,listed_at\nphone,0661000001,x,y,0.9,2025-03-01\n');
  return file;
}

describe('error messages that help', () => {
  it('say what was wrong and what to write instead', () => {
    const file = join(tmp.dir, 'one.csv');
    writeFileSync(file, toCsv([row()]));
    const cases: Array<[string[], RegExp]> = [
      [['ingest', file, '--db', '/nonexist/dir/x.db'], /customs-graph: cannot open the store \/nonexist\/dir\/x\.db: Cannot open database because the directory does not exist/],
      [['stats', '--db', file], /customs-graph: cannot open the store .*one\.csv: file is not a database/],
      [['select', file, '--capacity', '5'], /5 is not a share: write 5% for 5 percent, or a fraction such as 0\.05/],
      [['top', '--kind', 'bogus', '--db', file], /unknown kind: bogus \(known: Trader, Consignee/],
    ];
    const mapping = join(tmp.dir, 'nofields.json');
    writeFileSync(mapping, '{"columns": {}}');
    cases.push([['ingest', file, '--mapping', mapping, '--db', join(tmp.dir, 'm.db')], /mapping .*nofields\.json has no "fields": a mapping names, for each contract field, the column/]);
    cases.push([['evaluate', '--truth', file, '--db', file], /--truth .*one\.csv: not JSON: give the truth\.json that customs-graph synth writes/]);
    for (const [args, message] of cases) {
      const r = runCli(args);
      expect(r.status, args.join(' ')).toBe(1);
      expect(r.stderr, args.join(' ')).toMatch(message);
      expect(r.stderr, args.join(' ')).not.toMatch(/\n\s+at /);
    }
    expect(readFileSync(file, 'utf8')).toBe(toCsv([row()])); // opened as a store by mistake, left as it was
  });
});
