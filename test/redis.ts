/** A real redis-server for tests, on a free port on 127.0.0.1, with its data in a temp folder. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export interface TestRedis {
  url: string;
  port: number;
  stop(): Promise<void>;
  start(): Promise<void>;
}

export async function startRedis(dir: string, opts: { maxmemoryPolicy?: string } = {}): Promise<TestRedis> {
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  let proc: ChildProcess | undefined;
  const start = () => new Promise<void>((resolve, reject) => {
    // Append-only persistence, so a restart keeps the queues (as a production Redis for BullMQ should).
    proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'yes',
      '--appendfsync', 'always', '--dir', dir, '--maxmemory-policy', opts.maxmemoryPolicy ?? 'noeviction'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const timer = setTimeout(() => reject(new Error('redis-server did not start')), 10_000);
    proc.stdout!.on('data', (b: Buffer) => {
      if (b.toString().includes('Ready to accept connections')) { clearTimeout(timer); resolve(); }
    });
    proc.on('error', reject);
  });
  const stop = () => new Promise<void>((resolve) => {
    if (!proc || proc.exitCode !== null) return resolve();
    proc.once('exit', () => resolve());
    proc.kill('SIGTERM');
  });
  await start();
  return { url: `redis://127.0.0.1:${port}`, port, stop, start };
}
