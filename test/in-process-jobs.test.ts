/** The in-process runner's queueing rules for analyses, with a processor the test holds open. */
import { describe, expect, it } from 'vitest';
import { InProcessJobRunner } from '../src/jobs/in-process';
import { AnalysisAlreadyQueuedError } from '../src/jobs/runner';

describe('analyses in the embedded runner', () => {
  it('give the pending job for the same parameters, let one more wait, refuse a third, and run finished parameters again', async () => {
    const releases: Array<() => void> = [];
    const runs: number[] = [];
    const runner = new InProcessJobRunner(async (job) => {
      runs.push(job.seed);
      await new Promise<void>((resolve) => releases.push(resolve));
      return { runId: String(runs.length) };
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
