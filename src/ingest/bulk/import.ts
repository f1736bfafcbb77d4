/**
 * Bulk import into a new store, as Neo4j's offline importer does: parsing, validation and entity
 * resolution on one thread, SQLite appending the rows on the other, entity ids assigned in memory,
 * one transaction without journal into a file of its own, put in place only when complete. It
 * builds the store `ingest` would build from the same files (same rows, ids, rejects and counts).
 */
import { DeclarationResolver } from '../../domain/resolve';
import { SqliteBulkWriter } from '../../store/sqlite/bulk-writer';
import { SqliteGraphStore } from '../../store/sqlite/sqlite-store';
import type { IngestOptions, IngestSummary } from '../ingest';
import type { IngestPlan } from '../plan';
import { QualityTally } from '../quality-tally';
import { Replacements, warnDuplicates } from '../replacements';
import { failpoint } from '../../util/failpoint';
import { parseForImport } from './import-thread';

export interface ImportOptions extends IngestOptions {
  /** Replace the (empty) store at the path; without it, the import fails with EEXIST if a store is there when it is complete. */
  replace: boolean;
  /** Parse on a worker thread (the default when the compiled worker is there). */
  threaded?: boolean;
}

export async function runImport(dbPath: string, plan: IngestPlan, opts: ImportOptions): Promise<IngestSummary> {
  const started = process.hrtime.bigint();
  const writer = new SqliteBulkWriter(dbPath);
  // A second version of a declaration within the files: what ingest's store tells it, the writer tells here.
  const replacements = new Replacements(new DeclarationResolver({ phoneRegion: opts.phoneRegion }));
  const tally = new QualityTally();
  try {
    const { summary, quality } = await parseForImport({
      files: plan.files.map((f) => f.file), ...(plan.mapping ? { mapping: plan.mapping } : {}),
      rejectsPath: opts.rejectsPath, phoneRegion: opts.phoneRegion, defaultCurrency: opts.defaultCurrency,
      ...(opts.batchSize ? { batchSize: opts.batchSize } : {}),
    }, (rows, progress) => {
      tally.noteReplaced(replacements.note({ replaced: writer.write(rows) }));
      if (progress) opts.onProgress?.(progress);
    }, opts.threaded);
    writer.finish();
    // The load's last steps, on the complete store as ingest takes them on its own.
    const store = new SqliteGraphStore(writer.buildPath);
    try {
      await store.addQualityCounts([...quality, ...tally.take()]);
      await replacements.pruneStaleLinks(store);
    } finally {
      await store.close();
    }
    failpoint('import-before-install');
    writer.install(opts.replace);
    for (const w of plan.warnings) opts.logger?.warn(w);
    warnDuplicates(replacements.summary, opts.logger);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    return {
      ...summary, seconds, rowsPerSecond: seconds > 0 ? summary.read / seconds : summary.read,
      replacements: replacements.summary, quality: { ...summary.quality, duplicates: tally.summary().duplicates },
    };
  } catch (err) {
    writer.abort();
    throw err;
  }
}
