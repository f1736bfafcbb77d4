/** The in-process runner's queueing rules for analyses, with a processor the test holds open. */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { tempDir } from './helpers';
import { InProcessJobRunner, KEPT_FINISHED_JOBS } from '../src/jobs/in-process';
import { AnalysisAlreadyQueuedError } from '../src/jobs/runner';

describe('analyses in the embedded runner', () => {
  it('give the pending job for the same parameters, let one more wait, refuse a third, and run finished parameters again', async () => {
    const releases: Array<() => void> = [];
    const runs: number[] = [];
    const runner = new InProcessJobRunner({
      analysis: async (job) => {
        runs.push(job.seed);
        await new Promise<void>((resolve) => releases.push(resolve));
        return { runId: String(runs.length) };
      },
    });
    const db = 'x.db';
    const a = await runner.enqueueAnalysis({ db, seed: 1, resolution: 1 });
    await Promise.resolve();
    expect((await runner.get(a.id))?.status).toBe('running');
    expect((await runner.enqueueAnalysis({ db, seed: 1, resolution: 1 })).id).toBe(a.id);
    const b = await runner.enqueueAnalysis({ db, seed: 2, resolution: 1 });
    expect(b).toMatchObject({ status: 'queued' });
    expect((await runner.enqueueAnalysis({ db, seed: 2, resolution: 1 })).id).toBe(b.id);
    await expect(runner.enqueueAnalysis({ db, seed: 3, resolution: 1 })).rejects.toBeInstanceOf(AnalysisAlreadyQueuedError);
    releases.shift()!();
    await new Promise((r) => setTimeout(r, 0));
    expect(await runner.get(a.id)).toMatchObject({ status: 'done', result: { runId: '1' } });
    releases.shift()!();
    await new Promise((r) => setTimeout(r, 0));
    const again = await runner.enqueueAnalysis({ db, seed: 1, resolution: 1 });
    expect(again.id).not.toBe(a.id);
    await Promise.resolve();
    releases.shift()!();
    await runner.close();
    expect(runs).toEqual([1, 2, 1]);
  });
});

describe('the embedded runner over a day of lodging', () => {
  it('keeps the last finished jobs only, newest first, and answers a lodging sent twice at once with one job', async () => {
    const runner = new InProcessJobRunner();
    const tmp = tempDir('cg-inproc-');
    const ids: string[] = [];
    for (let i = 0; i < KEPT_FINISHED_JOBS + 50; i++) ids.push(runner.enqueue('export', { i }, async () => ({ i })).id);
    await runner.close();
    const { jobs, total } = await runner.list({ offset: 0, limit: 5 });
    expect(total).toBe(KEPT_FINISHED_JOBS);
    expect(jobs.map((j) => j.id)).toEqual(ids.slice(-5).reverse());
    expect(await runner.get(ids[0]!)).toBeUndefined();
    // Two identical lodgings at once (a client retrying before the first answer): one job, the same answer.
    let scored = 0;
    const payload = async () => {
      scored++;
      await new Promise((r) => setTimeout(r, 5));
      return { db: join(tmp.dir, 'lodged.db'), declarations: [], lodgedAt: Date.now(), selections: [{ n: scored }] };
    };
    const [a, b] = await Promise.all([runner.enqueueLodge('lodge-same', payload), runner.enqueueLodge('lodge-same', payload)]);
    expect(a.job.id).toBe(b.job.id);
    expect([a.replayed, b.replayed].sort()).toEqual([false, true]);
    expect(b.payload.selections).toEqual(a.payload.selections);
    await runner.close();
    expect(await runner.get(a.job.id)).toMatchObject({ status: 'done', result: { stored: 0 } });
    tmp.cleanup();
  });
});
