/**
 * The parsing side of a bulk import: reads, validates and resolves the files exactly as ingest
 * does (runIngest, with its rejects file and counts), into an ImportRowSink that assigns the ids.
 * On a worker thread when the compiled worker is there, so that parsing and SQLite's writing use
 * a core each; in the calling thread otherwise (tests running the TypeScript sources).
 */
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import type { QualityCount } from '../../domain/accountability';
import type { ImportRows } from '../../store/sqlite/bulk-writer';
import { compiledWorker, SendWindow, workerReply } from '../../util/worker-reply';
import { readInto, type IngestProgress, type IngestSummary, type ReadingRequest } from '../ingest';
import { ImportRowSink } from './row-sink';

export type ParseRequest = ReadingRequest;

export interface ParseResult {
  summary: IngestSummary;
  /** The load's data-quality counts, for the store once it is complete. */
  quality: QualityCount[];
}

/** Receives each batch of rows and the progress so far; the parser waits for it before sending more than a few ahead. */
export type RowsHandler = (rows: ImportRows, progress: IngestProgress | undefined) => void;

/** Batches a parser may send before the writer has taken them: enough to keep both busy, few enough to bound memory. */
const IN_FLIGHT = 4;

const WORKER_FILE = compiledWorker(__dirname, 'import-thread.js');

async function parse(req: ParseRequest, send: (rows: ImportRows, progress: IngestProgress | undefined) => Promise<void>): Promise<ParseResult> {
  const sink = new ImportRowSink(send);
  return { summary: await readInto(sink, req), quality: sink.quality };
}

/** Parses the files, on a worker thread when allowed and built, handing each batch of rows to `take`. */
export async function parseForImport(req: ParseRequest, take: RowsHandler, threaded = true): Promise<ParseResult> {
  if (!threaded || !WORKER_FILE) return parse(req, async (rows, progress) => take(rows, progress));
  return workerReply<ParseResult>(WORKER_FILE, req, "import's parsing", (message, worker) => {
    const m = message as { rows?: ImportRows; progress?: IngestProgress; result?: ParseResult };
    if (m.result) return m.result;
    take(m.rows!, m.progress);
    worker.postMessage('taken');
    return undefined;
  }, {
    // A large young generation: parsing makes short-lived garbage by the megabyte (V8's default would promote and re-mark it).
    resourceLimits: { maxYoungGenerationSizeMb: 128 }, terminate: true,
  }).result;
}

function serve(): void {
  const port = parentPort!;
  const window = new SendWindow(IN_FLIGHT);
  port.on('message', () => window.taken());
  const send = async (rows: ImportRows, progress: IngestProgress | undefined) => {
    port.postMessage({ rows, progress }, [rows.links.buffer as ArrayBuffer, rows.containers.buffer as ArrayBuffer]);
    await window.sent();
  };
  parse(workerData as ParseRequest, send).then(
    (result) => port.postMessage({ result }),
    (err) => { throw err; }, // an uncaught error: the parent's 'error' event
  );
}

if (!isMainThread && (workerData as ParseRequest | undefined)?.files) serve();
