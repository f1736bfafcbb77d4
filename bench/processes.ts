/** What the benchmarks that run processes share: a free port, and waiting for a process to say it is ready. */
import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

export async function freePort(): Promise<number> {
  return new Promise((res) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => res(port));
    });
  });
}

/** Resolves when the process writes `text` on its standard output; rejects if it exits first. */
export function waitForLine(proc: ChildProcess, text: string): Promise<void> {
  return new Promise((res, rej) => {
    proc.stdout!.on('data', (b: Buffer) => { if (b.toString().includes(text)) res(); });
    proc.on('exit', (code) => rej(new Error(`exited ${code} before "${text}"`)));
  });
}
