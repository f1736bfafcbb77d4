import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SendWindow, workerReply } from '../src/util/worker-reply';

const WORKER = join(__dirname, 'fixtures', 'reply-worker.js');
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Reads the worker's messages, the first one slowly; says what it read and when each read ended. */
function reader(opts: { throwOn?: string } = {}) {
  const log: string[] = [];
  const read = async (m: unknown) => {
    if (m === opts.throwOn) throw new Error(`cannot take ${m}`);
    if (m === 'a') await pause(100);
    if (typeof m === 'string') {
      log.push(m);
      return undefined;
    }
    log.push('result');
    return (m as { result: string }).result;
  };
  return { log, read };
}

const exited = (worker: { on(e: 'exit', f: (code: number) => void): unknown }) => new Promise<number>((r) => worker.on('exit', r));

describe('workerReply', () => {
  it('reads the messages one at a time in order, an async read finished before the next begins, and stops a waiting worker once settled', async () => {
    const { log, read } = reader();
    const { result, worker } = workerReply(WORKER, { mode: 'result' }, 'test', read, { terminate: true });
    const exit = exited(worker);
    await expect(result).resolves.toBe('done');
    expect(log).toEqual(['a', 'b', 'result']);
    // The worker waits for messages: only terminate stops it (exit code 1).
    await expect(exit).resolves.toBe(1);
  });

  it('rejects when the worker exits before a result, once what it sent before is read', async () => {
    const { log, read } = reader();
    await expect(workerReply(WORKER, { mode: 'exit' }, 'test', read).result).rejects.toThrow('the test thread stopped (exit code 3)');
    expect(log).toEqual(['a', 'b']);
  });

  it('rejects with the error the worker throws', async () => {
    const { read } = reader();
    await expect(workerReply(WORKER, { mode: 'error' }, 'test', read).result).rejects.toThrow('boom');
  });

  it('rejects with the error a read throws, reads nothing after it, and stops the worker', async () => {
    const { log, read } = reader({ throwOn: 'b' });
    const { result, worker } = workerReply(WORKER, { mode: 'result' }, 'test', read, { terminate: true });
    const exit = exited(worker);
    await expect(result).rejects.toThrow('cannot take b');
    expect(log).toEqual(['a']);
    await expect(exit).resolves.toBe(1);
  });
});

describe('SendWindow', () => {
  it('lets a sender run ahead by fewer than its limit, then waits until the other side takes one', async () => {
    const window = new SendWindow(2);
    await window.sent(); // one outstanding: on at once
    let resumed = false;
    const second = window.sent().then(() => { resumed = true; });
    await pause(20);
    expect(resumed).toBe(false); // two outstanding: waits
    window.taken();
    await second;
    expect(resumed).toBe(true);
  });
});
