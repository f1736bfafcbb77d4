/**
 * The pattern worker threads share: start a compiled worker with its data and wait for
 * its one result, rejecting when it throws or exits first. `read` sees every message and returns
 * the result when one is (the graph thread also sends progress); throwing from it rejects.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';

/** The compiled worker `file` in `dir` (the caller's own folder), or undefined when it is not there (tests running the TypeScript sources). */
export function compiledWorker(dir: string, file: string): string | undefined {
  const path = join(dir, file);
  return existsSync(path) ? path : undefined;
}

export function workerReply<T>(
  path: string, workerData: unknown, what: string, read: (message: unknown) => T | undefined = (m) => m as T,
): { result: Promise<T>; worker: Worker } {
  const worker = new Worker(path, { workerData });
  const result = new Promise<T>((resolve, reject) => {
    let done = false;
    worker.on('message', (m: unknown) => {
      if (done) return;
      try {
        const r = read(m);
        if (r === undefined) return;
        done = true;
        resolve(r);
      } catch (err) {
        done = true;
        reject(err);
      }
    });
    worker.on('error', reject);
    worker.on('exit', (code) => { if (!done) reject(new Error(`the ${what} thread stopped (exit code ${code})`)); });
  });
  return { result, worker };
}
