/**
 * The pattern worker threads share: start a compiled worker with its data and wait for its one
 * result. `read` sees every message, in order and one at a time (when it is async, a message is
 * read once the one before it is done: a load's batches are written in the order they were sent,
 * a question answered after them), and returns the result when one is (a load's reading thread
 * sends its batches first). Throwing from it rejects; so does the worker's error, or its exit before a
 * result, each once the messages the worker sent before it are read. A worker that sends a load
 * in batches bounds what it has sent and not seen taken with a SendWindow.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker, type ResourceLimits } from 'node:worker_threads';

/** The compiled worker `file` in `dir` (the caller's own folder), or undefined when it is not there (tests running the TypeScript sources). */
export function compiledWorker(dir: string, file: string): string | undefined {
  const path = join(dir, file);
  return existsSync(path) ? path : undefined;
}

export interface ReplyOptions {
  /** The worker's heap limits (a load's reading thread has a young generation of its own). */
  resourceLimits?: ResourceLimits;
  /** Stop the worker once its result is settled, before it is given: a worker that waits for messages does not stop by itself. */
  terminate?: boolean;
}

export function workerReply<T>(
  path: string, workerData: unknown, what: string,
  read: (message: unknown, worker: Worker) => T | undefined | Promise<T | undefined> = (m) => m as T,
  opts: ReplyOptions = {},
): { result: Promise<T>; worker: Worker } {
  const worker = new Worker(path, { workerData, ...(opts.resourceLimits ? { resourceLimits: opts.resourceLimits } : {}) });
  const result = new Promise<T>((resolve, reject) => {
    let done = false;
    const settle = (give: () => void) => {
      if (done) return;
      done = true;
      if (opts.terminate) void worker.terminate().finally(give);
      else give();
    };
    let queue = Promise.resolve();
    const next = (step: () => void | Promise<void>) => {
      queue = queue.then(step).catch((err: unknown) => settle(() => reject(err)));
    };
    worker.on('message', (m: unknown) => next(async () => {
      if (done) return;
      const r = await read(m, worker);
      if (r !== undefined) settle(() => resolve(r));
    }));
    worker.on('error', (err) => next(() => settle(() => reject(err))));
    worker.on('exit', (code) => next(() => settle(() => reject(new Error(`the ${what} thread stopped (exit code ${code})`)))));
  });
  return { result, worker };
}

/**
 * A worker's side of a load sent in batches: at most `limit` sent and not yet taken (the other
 * side answers each with a message), enough to keep both threads busy, few enough to bound memory.
 */
export class SendWindow {
  private outstanding = 0;
  private wake?: () => void;

  constructor(private readonly limit: number) {}

  /** Counts a batch just sent; resolves once fewer than `limit` are outstanding. */
  async sent(): Promise<void> {
    this.outstanding++;
    while (this.outstanding >= this.limit) await new Promise<void>((r) => { this.wake = r; });
    this.wake = undefined;
  }

  /** The other side took a batch. */
  taken(): void {
    this.outstanding--;
    this.wake?.();
  }
}
