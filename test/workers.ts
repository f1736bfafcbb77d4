/** Worker processes of the CLI for the scaled-mode tests (real BullMQ on a test redis-server), and a wait. */
import { spawn, type ChildProcess } from 'node:child_process';
import { CLI } from './helpers';

export interface TestWorker {
  proc: ChildProcess;
  ready: Promise<void>;
  exited: Promise<number | null>;
  stderr: () => string;
}

/** How long a worker may take to say it is ready (a loaded CI machine starts one in a few seconds). */
const READY_MS = 60_000;

/** `customs-graph worker` on `db` with short locks (a killed worker's job is taken over within seconds). */
export function spawnWorker(db: string, redisUrl: string, opts: { queues?: string; env?: Record<string, string> } = {}): TestWorker {
  const proc = spawn(process.execPath, [CLI, 'worker', '--db', db, ...(opts.queues ? ['--queues', opts.queues] : [])], {
    env: { ...process.env, REDIS_URL: redisUrl, LOG_LEVEL: 'warn', CUSTOMS_GRAPH_LOCK_MS: '2000', CUSTOMS_GRAPH_STALLED_MS: '1000', ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  proc.stderr!.on('data', (b: Buffer) => { err += b.toString(); });
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  // A worker that dies or hangs before it is ready fails the test that waits, with what it said,
  // instead of leaving it to the test's own timeout with nothing to go on.
  let out = '';
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the worker was not ready within ${READY_MS / 1000} s; its stderr:\n${err}`)), READY_MS);
    proc.stdout!.on('data', (b: Buffer) => {
      if (out.includes('worker ready')) return;
      out += b.toString();
      if (out.includes('worker ready')) {
        clearTimeout(timer);
        resolve();
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`the worker exited (code ${code}) before it was ready; its stderr:\n${err}`));
    });
  });
  ready.catch(() => undefined); // rejected only for a test that waits for it
  return { proc, ready, exited, stderr: () => err };
}

/** Polls until `fn` holds, or throws after `ms`. */
export async function until(fn: () => Promise<boolean> | boolean, ms = 90_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await fn())) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 100));
  }
}
