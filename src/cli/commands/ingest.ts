/** `customs-graph ingest` (declarations, watchlist, outcomes) and `customs-graph synth`: what puts data in. */
import type { Command } from 'commander';
import { basename } from 'node:path';
import type { Config } from '../../config';
import { existsSync } from 'node:fs';
import { type IngestProgress, type IngestSummary } from '../../ingest/ingest';
import { ingestReadsOnThread, runIngestThreaded } from '../../ingest/ingest-thread';
import { runImport, type ImportOptions } from '../../ingest/bulk/import';
import { isEmptyStore } from '../../store/sqlite/bulk-writer';
import { UsageError } from '../../util/errors';
import { preferAllocationThroughput } from '../../util/heap';
import { planIngest, type IngestPlan } from '../../ingest/plan';
import { loadMapping } from '../../ingest/mapping';
import { checkWritable, RejectsWriter } from '../../ingest/rejects';
import { checkWatchlist, importWatchlist, type WatchlistSummary } from '../../ingest/watchlist';
import { checkOutcomes, importOutcomes } from '../../ingest/outcomes';
import { FatalInputError } from '../../util/errors';
import type { StoreCounts } from '../../store/graph-reader';
import { openStore } from '../../store/open';
import { createProgress } from '../../util/progress';
import type { Logger } from '../../util/logger';
import { emit, formatNumber, table } from '../output';
import { positiveInt, share, withDb, withJson } from '../options';
import { InvalidArgumentError } from 'commander';

export interface IngestCommandOptions {
  watchlist?: string;
  outcomes?: string;
  mapping?: string;
  rejects?: string;
  db: string;
  json?: boolean;
  /** Load by bulk import (a new store) or by ingest; by default a bulk import when the store does not exist yet. */
  bulk?: boolean;
}

export interface IngestReport extends IngestSummary {
  /** How the declarations went in: a bulk import built a new store, or ingest added them to one. */
  loadedBy: 'import' | 'ingest';
  watchlist?: WatchlistSummary;
  outcomes?: { read: number; accepted: number; rejected: number };
  store: StoreCounts;
  db: string;
}

/** Where the watchlist's or the outcomes' rejects go, beside the declarations' rejects file. */
function sideRejects(rejectsPath: string, what: 'watchlist' | 'outcomes'): string {
  return `${rejectsPath.replace(/\.csv$/, '')}.${what}.csv`;
}

/** A bulk import; undefined when another process created the store meanwhile (ingest then adds to it). */
async function importOrNot(db: string, plan: IngestPlan, opts: ImportOptions): Promise<IngestSummary | undefined> {
  try {
    return await runImport(db, plan, opts);
  } catch (err) {
    if (!opts.replace && (err as { code?: string }).code === 'EEXIST') return undefined;
    throw err;
  }
}

export async function ingestCommand(files: string[], opts: IngestCommandOptions, config: Config, logger: Logger): Promise<IngestReport> {
  // Everything that can make the whole ingest fail is checked before the store is opened.
  const mapping = opts.mapping ? loadMapping(opts.mapping) : undefined;
  const plan = files.length ? await planIngest(files, mapping) : { files: [], warnings: [], mapping };
  if (files.length === 0 && !opts.watchlist && !opts.outcomes) throw new FatalInputError('(no file)', 'give declaration files, --watchlist or --outcomes');
  if (opts.watchlist) await checkWatchlist(opts.watchlist);
  if (opts.outcomes) await checkOutcomes(opts.outcomes);
  const rejectsPath = opts.rejects ?? 'rejects.csv';
  // Every output is checked before the first row is read.
  checkWritable(rejectsPath);
  if (opts.watchlist) checkWritable(sideRejects(rejectsPath, 'watchlist'));
  if (opts.outcomes) checkWritable(sideRejects(rejectsPath, 'outcomes'));

  // A store that does not exist yet is built by a bulk import (nobody can have it open); one that exists takes ingest's path.
  const bulk = opts.bulk ?? (plan.files.length > 0 && !process.env.NEO4J_URI && !existsSync(opts.db));
  // Parsing happens here only for an ingest without its reading thread (an import, and an ingest
  // with it, parse on a thread with a young generation of its own).
  if (!bulk && !ingestReadsOnThread()) preferAllocationThroughput();
  const progress = createProgress(bulk ? 'import' : 'ingest', !opts.json && process.stderr.isTTY === true);
  const loadOptions = {
    rejectsPath,
    phoneRegion: config.phoneRegion,
    defaultCurrency: config.defaultCurrency,
    logger,
    onProgress: (p: IngestProgress) => progress.update(p.bytesRead, p.bytesTotal, `${basename(p.file)} ${formatNumber(p.read)} rows`),
  };
  const imported = bulk ? await importOrNot(opts.db, plan, { ...loadOptions, replace: opts.bulk === true }) : undefined;
  const store = openStore(opts.db);
  try {
    await store.migrate();
    const summary = imported ?? await runIngestThreaded(store, plan, loadOptions);
    progress.stop();
    let watchlist: WatchlistSummary | undefined;
    if (opts.watchlist) {
      // Watchlist rejects go to their own file so the declaration rejects file keeps one shape of content.
      const wlRejects = new RejectsWriter(sideRejects(rejectsPath, 'watchlist'));
      watchlist = await importWatchlist(store, opts.watchlist, wlRejects, { phoneRegion: config.phoneRegion });
      await wlRejects.close();
    }
    let outcomes: IngestReport['outcomes'];
    if (opts.outcomes) {
      const outRejects = new RejectsWriter(sideRejects(rejectsPath, 'outcomes'));
      outcomes = await importOutcomes(store, opts.outcomes, outRejects);
      await outRejects.close();
    }
    return { ...summary, loadedBy: imported ? 'import' : 'ingest', watchlist, outcomes, store: await store.counts(), db: opts.db };
  } finally {
    await store.close();
  }
}

export function printIngestReport(r: IngestReport): string {
  const lines: string[] = [];
  lines.push(table(['file', 'format', 'read', 'accepted', 'rejected'], [
    ...r.files.map((f) => [basename(f.file), f.format, f.read, f.accepted, f.rejected]),
    ['total', '', r.read, r.accepted, r.rejected],
  ]));
  lines.push('');
  lines.push(`${formatNumber(Math.round(r.rowsPerSecond))} rows/s, ${r.seconds.toFixed(1)} s${r.loadedBy === 'import' ? ' (bulk import into a new store)' : ''}`);
  if (r.alerts) lines.push(`${formatNumber(r.alerts)} watchlist alert(s) raised: see customs-graph alerts`);
  if (r.rejectsFile) lines.push(`rejected rows written to ${r.rejectsFile}`);
  const rep = r.replacements;
  if (rep.conflicting) {
    lines.push(`${rep.conflicting} declaration item(s) given twice in this load with different content (the last one is kept):`);
    for (const d of rep.duplicates.slice(0, 10)) lines.push(`  ${d.key}: ${d.file} line ${d.line}${d.previousLine ? `, replacing line ${d.previousLine}` : ''}`);
  }
  if (rep.replaced) lines.push(`${rep.replaced} declaration item(s) replaced by a new version; ${rep.linksRemoved} link(s) and ${rep.entitiesRemoved} identifier(s) no declaration holds any more removed`);
  if (r.quality.rows) {
    // The fields the network leans on, least filled first: a drop here is a change in the feeding system.
    const watched = ['trader_phone', 'trader_address', 'trader_bank_account', 'trader_email', 'supplier_id', 'broker_id', 'consignee_id', 'goods_origin_country', 'quantity', 'gross_weight_kg'];
    const fills = watched.map((f) => [f, r.quality.fill[f] ?? 0] as const).sort((a, b) => a[1] - b[1]);
    const zero = Object.entries(r.quality.zero).filter(([, n]) => n > 0);
    lines.push(`data quality of this load: ${fills.map(([f, v]) => `${f} ${(v * 100).toFixed(0)}%`).join(', ')} filled${zero.length ? `; zero ${zero.map(([f, n]) => `${f} ${n}`).join(', ')}` : ''}`);
  }
  if (r.watchlist) lines.push(`watchlist: ${r.watchlist.accepted} entries loaded, ${r.watchlist.rejected} rejected`);
  if (r.outcomes) lines.push(`outcomes: ${r.outcomes.accepted} recorded, ${r.outcomes.rejected} rejected`);
  lines.push('');
  const kinds = Object.entries(r.store.entities).sort((a, b) => b[1] - a[1]);
  lines.push(table(['entity kind', 'in store'], kinds.map(([k, n]) => [k, n])));
  lines.push('');
  lines.push(`store ${r.db}: ${formatNumber(r.store.declarations)} declaration items, ${formatNumber(r.store.watchlist)} watchlist entries`);
  return lines.join('\n');
}

function tieShape(value: string): 'mixed' | 'chain' | 'clique' {
  if (value === 'mixed' || value === 'chain' || value === 'clique') return value;
  throw new InvalidArgumentError('expected mixed, chain or clique');
}

/** `TR` or `TR:0.3`: an origin country and the share of its clean controls recorded as discrepancies. */
function biasOrigin(text: string): { country: string; share: number } {
  const m = /^([A-Za-z]{2})(?::(0?\.\d+|1|0))?$/.exec(text.trim());
  const share = m?.[2] === undefined ? 0.3 : Number(m[2]);
  if (!m || !(share > 0 && share <= 1)) throw new InvalidArgumentError('expected an ISO country code and a share above 0 and up to 1, e.g. TR:0.3');
  return { country: m[1]!.toUpperCase(), share };
}

export function registerIngest(program: Command, config: Config, logger: Logger): void {
  withJson(withDb(program
    .command('ingest')
    .description('load declaration files (CSV or NDJSON) into the graph store')
    .argument('[files...]', 'declaration files')
    .option('--watchlist <file>', 'watchlist CSV (kind,key,reason,source,severity,listed_at)')
    .option('--outcomes <file>', 'control outcomes CSV (declaration_id,item_no,outcome,fraud_type,recovered_amount)')
    .option('--mapping <file>', 'column mapping JSON for files from another customs system')
    .option('--rejects <file>', 'where rejected rows are written', 'rejects.csv'), config))
    .action(async (files: string[], opts) => emit(opts.json, await ingestCommand(files, opts, config, logger), printIngestReport));

  withJson(withDb(program
    .command('import')
    .description('build a new store from declaration files at once (bulk import: the store must not exist or be empty)')
    .argument('<files...>', 'declaration files')
    .option('--watchlist <file>', 'watchlist CSV, loaded once the store is built')
    .option('--outcomes <file>', 'control outcomes CSV, recorded once the store is built')
    .option('--mapping <file>', 'column mapping JSON for files from another customs system')
    .option('--rejects <file>', 'where rejected rows are written', 'rejects.csv'), config))
    .action(async (files: string[], opts) => {
      if (process.env.NEO4J_URI) throw new UsageError('import builds an embedded store; with NEO4J_URI set, load with ingest (or neo4j-admin import)');
      if (!isEmptyStore(opts.db)) throw new UsageError(`${opts.db} already holds a store with data: import builds a new store; add to this one with ingest`);
      emit(opts.json, await ingestCommand(files, { ...opts, bulk: true }, config, logger), printIngestReport);
    });

  program
    .command('synth')
    .description('generate synthetic declarations with planted fraud patterns and their ground truth')
    .requiredOption('--out <dir>', 'output folder (declarations.csv, watchlist.csv, truth.json)')
    .option('--traders <n>', 'number of traders', positiveInt, 2000)
    .option('--rings <n>', 'number of planted rings (default: one per 70 traders)', positiveInt)
    .option('--seed <n>', 'random seed', positiveInt, 42)
    .option('--months <n>', 'months of declarations', positiveInt, 12)
    .option('--start <date>', 'first day, YYYY-MM-DD', '2025-01-01')
    .option('--seizure-share <share>', 'share of ring declarations that is seized, 0.01 to 0.1 (default: 30% of members caught)', share)
    .option('--ties <shape>', 'how ring members are tied: mixed, chain (one identifier per pair) or clique', tieShape)
    .option('--lookalikes <share>', 'share of honest firms in business centres, family groups and domiciliation companies (default: about 10%)', share)
    .option('--disguise <p>', 'probability that an identifier is written with a typo or another spelling', share)
    .option('--rotate', 'rings spread their declarations over several brokers')
    .option('--honest-seizures <share>', 'share of honest traders with one seizure on record', share)
    .option('--fraud-share <share>', "share of a ring member's declarations that is undervalued (default 1)", share)
    .option('--blend <share>', 'share of ring members trading from the first month at an ordinary volume, half their goods from ordinary suppliers', share)
    .option('--honest-undervaluation <share>', 'share of honest traders declaring some goods far below their peers (discount sources)', share)
    .option('--bias-origin <country[:factor]>', 'plant a bias in the labels: this share (default 0.3) of the clean controls of goods from this origin are recorded as discrepancies with nothing recovered', biasOrigin)
    .option('--json', 'print the summary as JSON')
    .action(async (opts) => {
      const { generateSynthetic } = await import('../../synth/generate.js');
      const progress = createProgress('synth', !opts.json && process.stderr.isTTY === true);
      const r = await generateSynthetic(opts.out, {
        traders: opts.traders, rings: opts.rings ?? 0, seed: opts.seed, months: opts.months, start: opts.start,
        seizureShare: opts.seizureShare, ties: opts.ties, lookalikes: opts.lookalikes, disguise: opts.disguise, rotate: opts.rotate,
        honestSeizures: opts.honestSeizures, fraudShare: opts.fraudShare, blend: opts.blend, honestUndervaluation: opts.honestUndervaluation,
        biasOrigin: opts.biasOrigin,
      }, (done, total) => progress.update(done, total, `${formatNumber(done)} traders`));
      progress.stop();
      const c = r.truth.counts;
      emit(opts.json, { ...r, truth: undefined, counts: c }, () =>
        `${formatNumber(c.rows)} declaration items (${formatNumber(c.declarations)} declarations) from ${formatNumber(c.traders)} traders, ` +
        `${r.truth.rings.length} planted rings (${c.ringMembers} members), ${c.seizures} seizures\n` +
        `written: ${r.declarationsFile}, ${r.watchlistFile}, ${r.truthFile}`);
    });
}
