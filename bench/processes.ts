/** What the benchmarks that run processes share: a free port, waiting for a process to say it is ready, the CLI with its peak RSS. */
import { spawnSync, type ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';
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

const CLI = join(resolve(__dirname, '..', '..'), 'bin', 'customs-graph.js');

/**
 * `customs-graph ARGS --json` in a child process: its answer, its peak RSS, the CPU time of all its
 * threads and the part of it the kernel spent for them (mostly filling fresh pages: its minor page
 * faults), as the child reports its own getrusage (/usr/bin/time is not everywhere), and its wall time.
 */
export function cliJson<T = any>(args: string[]): { out: T; rssMb: number; cpuSeconds: number; systemSeconds: number; minorFaults: number; seconds: number } {
  const t0 = Date.now();
  const report = "const u=process.resourceUsage();process.stderr.write('MAXRSS '+u.maxRSS+' CPU '+(u.userCPUTime+u.systemCPUTime)+' SYSTEM '+u.systemCPUTime+' FAULTS '+u.minorPageFault+'\\n')";
  const r = spawnSync(process.execPath, [
    '-e', `require(${JSON.stringify(CLI)});process.on('exit',()=>{${report}})`, CLI, ...args, '--json',
  ], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`customs-graph ${args[0]} failed: ${r.stderr}`);
  const usage = /MAXRSS (\d+) CPU (\d+) SYSTEM (\d+) FAULTS (\d+)/.exec(r.stderr);
  return {
    out: JSON.parse(r.stdout) as T, rssMb: Number(usage?.[1] ?? 0) / 1024, cpuSeconds: Number(usage?.[2] ?? 0) / 1e6,
    systemSeconds: Number(usage?.[3] ?? 0) / 1e6, minorFaults: Number(usage?.[4] ?? 0), seconds: (Date.now() - t0) / 1000,
  };
}
