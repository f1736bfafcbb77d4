/**
 * Ingest into an existing store with its reading on a thread of its own: the files are read,
 * validated and resolved there (runIngest, exactly as on one thread), and each batch comes back to
 * this thread, which writes it to the store while the next one is read: a core each, where ingest
 * on one thread spent half its time on either. What the load asks of the store besides writing (the
 * watchlist, a watchlisted entity's and declaration's ids, the alerts) is answered here, after the
 * batches before it are written. What a batch replaced is known here, where it is written: the
 * replacements are noted, counted and pruned here. Without the compiled worker (tests running the
 * TypeScript sources) the load runs on this thread.
 */
import { isMainThread, parentPort, workerData, type MessagePort, type Worker } from 'node:worker_threads';
import type { QualityCount } from '../domain/accountability';
import type { BatchResult, GraphBatch } from '../domain/graph-facts';
import { DeclarationResolver } from '../domain/resolve';
import { compiledWorker, SendWindow, workerReply } from '../util/worker-reply';
import type { LoadTarget } from './declaration-loader';
import { expectedRowsOf, readInto, runIngest, type IngestOptions, type IngestProgress, type IngestSummary, type ReadingRequest } from './ingest';
import type { IngestPlan } from './plan';
import { QualityTally } from './quality-tally';
import { Replacements, warnDuplicates } from './replacements';

/** What the reading thread asks of the store besides writing batches (answered after every batch sent before). */
type Call = 'watchlistEntries' | 'findEntity' | 'getDeclaration' | 'entityDeclarations' | 'removeLinks' | 'addAlerts';

type FromReader =
  | { batch: GraphBatch; progress?: IngestProgress }
  | { quality: QualityCount[] }
  | { call: Call; id: number; args: unknown[] }
  | { summary: IngestSummary };
type ToReader = 'taken' | { id: number; value?: unknown; error?: string };

/** A reading request marked as this thread's (an import's parsing thread is given `files`). */
type ReadRequest = Omit<ReadingRequest, 'files'> & { readerOf: string[] };

/** Batches the reader may send before this thread has written them: enough to keep both busy, few enough to bound memory. */
const IN_FLIGHT = 2;

const WORKER_FILE = compiledWorker(__dirname, 'ingest-thread.js');

/** Whether an ingest reads its files on a thread of its own (the compiled worker is there). */
export function ingestReadsOnThread(): boolean {
  return WORKER_FILE !== undefined;
}

export async function runIngestThreaded(store: LoadTarget, plan: IngestPlan, opts: IngestOptions): Promise<IngestSummary> {
  if (!WORKER_FILE || plan.files.length === 0) return runIngest(store, plan, opts);
  for (const w of plan.warnings) opts.logger?.warn(w);
  const replacements = new Replacements(new DeclarationResolver({ phoneRegion: opts.phoneRegion }));
  const tally = new QualityTally();
  const req: ReadRequest = {
    readerOf: plan.files.map((f) => f.file), ...(plan.mapping ? { mapping: plan.mapping } : {}), rejectsPath: opts.rejectsPath,
    phoneRegion: opts.phoneRegion, defaultCurrency: opts.defaultCurrency, ...(opts.batchSize ? { batchSize: opts.batchSize } : {}),
  };
  // One message at a time, in order: a call is answered once the batches sent before it are written.
  const read = async (message: unknown, worker: Worker): Promise<IngestSummary | undefined> => {
    const m = message as FromReader;
    if ('batch' in m) {
      const result = await store.writeBatch(m.batch);
      tally.noteReplaced(replacements.note(result));
      // Counted once written, as ingest counts them (most batches replace nothing: no write then).
      const replacedCounts = tally.take();
      if (replacedCounts.length) await store.addQualityCounts(replacedCounts);
      if (m.progress) opts.onProgress?.(m.progress);
      worker.postMessage('taken' satisfies ToReader);
    } else if ('quality' in m) {
      await store.addQualityCounts(m.quality);
    } else if ('call' in m) {
      try {
        const value = await (store[m.call] as (...args: unknown[]) => Promise<unknown>).apply(store, m.args);
        worker.postMessage({ id: m.id, value } satisfies ToReader);
      } catch (err) {
        worker.postMessage({ id: m.id, error: (err as Error).message } satisfies ToReader);
      }
    } else {
      return m.summary;
    }
    return undefined;
  };
  // A young generation of its own for the reading's short-lived garbage; at 1M rows 32 MB kept the
  // load under 500 MB (448 MB; 64 MB: 483, and 533 with this thread's own enlarged as well).
  const summary = await store.bulk(expectedRowsOf(plan), () => workerReply<IngestSummary>(WORKER_FILE, req, "ingest's reading", read, {
    resourceLimits: { maxYoungGenerationSizeMb: 32 }, terminate: true,
  }).result);
  await replacements.pruneStaleLinks(store);
  warnDuplicates(replacements.summary, opts.logger);
  return { ...summary, replacements: replacements.summary, quality: { ...summary.quality, duplicates: tally.summary().duplicates } };
}

/** The store as the reading thread sees it: batches sent to be written, everything else asked. */
class StoreOnMain implements LoadTarget {
  progress?: IngestProgress;
  private readonly window = new SendWindow(IN_FLIGHT);
  private nextCall = 0;
  private readonly calls = new Map<number, { resolve: (v: unknown) => void; reject: (err: Error) => void }>();

  constructor(private readonly port: MessagePort) {
    port.on('message', (m: ToReader) => {
      if (m === 'taken') {
        this.window.taken();
        return;
      }
      const call = this.calls.get(m.id)!;
      this.calls.delete(m.id);
      if (m.error !== undefined) call.reject(new Error(m.error));
      else call.resolve(m.value);
    });
  }

  private ask<T>(call: Call, ...args: unknown[]): Promise<T> {
    const id = ++this.nextCall;
    this.port.postMessage({ call, id, args } satisfies FromReader);
    return new Promise<T>((resolve, reject) => this.calls.set(id, { resolve: resolve as (v: unknown) => void, reject }));
  }

  async bulk<T>(_expectedRows: number, work: () => Promise<T>): Promise<T> {
    return work(); // the writing thread holds the store's bulk mode around the whole load
  }

  async writeBatch(batch: GraphBatch): Promise<BatchResult> {
    this.port.postMessage({ batch, ...(this.progress ? { progress: this.progress } : {}) } satisfies FromReader);
    await this.window.sent();
    // The writing thread notes what it replaced; here, as in an import's parsing thread, nothing.
    return { replaced: [] };
  }

  async addQualityCounts(counts: QualityCount[]): Promise<void> {
    this.port.postMessage({ quality: counts } satisfies FromReader);
  }

  watchlistEntries: LoadTarget['watchlistEntries'] = () => this.ask('watchlistEntries');
  findEntity: LoadTarget['findEntity'] = (...args) => this.ask('findEntity', ...args);
  getDeclaration: LoadTarget['getDeclaration'] = (...args) => this.ask('getDeclaration', ...args);
  entityDeclarations: LoadTarget['entityDeclarations'] = (...args) => this.ask('entityDeclarations', ...args);
  removeLinks: LoadTarget['removeLinks'] = (...args) => this.ask('removeLinks', ...args);
  addAlerts: LoadTarget['addAlerts'] = (...args) => this.ask('addAlerts', ...args);
}

async function serve({ readerOf, ...req }: ReadRequest): Promise<void> {
  const store = new StoreOnMain(parentPort!);
  const summary = await readInto(store, { ...req, files: readerOf });
  parentPort!.postMessage({ summary } satisfies FromReader);
}

if (!isMainThread && Array.isArray((workerData as ReadRequest | undefined)?.readerOf)) {
  serve(workerData as ReadRequest).catch((err) => { throw err; });
}
