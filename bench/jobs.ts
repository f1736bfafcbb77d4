/**
 * Jobs benchmark: small ingest batches through BullMQ with 1, 2 and 4 worker processes, all
 * writing into one embedded store, on a redis-server of its own (127.0.0.1, free port).
 *
 *   npm run bench:jobs            # 60 jobs of 200 declaration rows
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { table } from '../src/cli/output';
import { freePort, waitForLine } from './processes';
import { BullJobs, connectionFromUrl } from '../src/jobs/bullmq';
import { generateSynthetic } from '../src/synth/generate';

const ROOT = resolve(__dirname, '..', '..');
const CLI = join(ROOT, 'bin', 'customs-graph.js');

async function main(): Promise<void> {
  const jobsCount = Number(process.argv[2] ?? 60);
  const work = mkdtempSync(join(tmpdir(), 'cg-bench-jobs-'));
  const port = await freePort();
  const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--maxmemory-policy', 'noeviction'], { stdio: ['ignore', 'pipe', 'ignore'] });
  await waitForLine(redis, 'Ready to accept connections');
  process.stderr.write(`redis-server on ${port}\n`);
  const url = `redis://127.0.0.1:${port}`;
  try {
    const synth = await generateSynthetic(join(work, 'synth'), { traders: Math.ceil((jobsCount * 200) / 21), seed: 5 });
    const lines = readFileSync(synth.declarationsFile, 'utf8').trimEnd().split('\n');
    const files: string[] = [];
    mkdirSync(join(work, 'batches'));
    for (let i = 0; i < jobsCount; i++) {
      const f = join(work, 'batches', `b${i}.csv`);
      writeFileSync(f, [lines[0], ...lines.slice(1 + i * 200, 1 + (i + 1) * 200)].join('\n'));
      files.push(f);
    }
    const rows: Array<Array<string | number>> = [];
    for (const workers of [1, 2, 4]) {
      const db = join(work, `w${workers}.db`);
      const procs = Array.from({ length: workers }, () => spawn(process.execPath, [CLI, 'worker', '--queues', 'ingest', '--db', db], {
        env: { ...process.env, REDIS_URL: url, LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'inherit'],
      }));
      await Promise.all(procs.map((p) => waitForLine(p, 'worker ready')));
      process.stderr.write(`${workers} worker(s) ready\n`);
      const jobs = new BullJobs(connectionFromUrl(url));
      const t0 = Date.now();
      const queued = await Promise.all(files.map((f, i) => jobs.enqueueIngest({ db, files: [f], rejects: join(work, `r${workers}-${i}.csv`) })));
      for (let tick = 0; ; tick++) {
        const c = await jobs.queues.ingest.getJobCounts('completed', 'failed', 'waiting', 'active', 'delayed');
        if ((c.completed ?? 0) + (c.failed ?? 0) >= new Set(queued.map((q) => q.id)).size) break;
        if (tick % 100 === 99) process.stderr.write(`${JSON.stringify(c)}\n`);
        await new Promise((r) => setTimeout(r, 50));
      }
      const seconds = (Date.now() - t0) / 1000;
      const failed = (await jobs.queues.ingest.getJobCounts('failed')).failed ?? 0;
      rows.push([workers, queued.length, seconds.toFixed(2), (queued.length / seconds).toFixed(1), Math.round((queued.length * 200) / seconds), failed]);
      await jobs.queues.ingest.obliterate({ force: true });
      await jobs.close();
      procs.forEach((p) => p.kill('SIGTERM'));
      await Promise.all(procs.map((p) => new Promise((r) => p.on('exit', r))));
    }
    process.stdout.write(`\n${table(['workers', 'jobs', 'seconds', 'jobs/s', 'rows/s', 'failed'], rows)}\n`);
    process.stdout.write(`\nsmall ingest jobs (200 declaration rows each) through BullMQ on redis-server ${port}, one embedded SQLite store shared by the workers\n`);
  } finally {
    redis.kill('SIGTERM');
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err) => {
  process.stderr.write(`${err.stack ?? err}\n`);
  process.exit(1);
});
