/** BullMQ sandboxed processor for the analysis queue's jobs, analyses and purges (runs in a child process of the worker). */
import { UnrecoverableError, type SandboxedJob } from 'bullmq';
import { isCustomsGraphError } from '../../util/errors';
import { analysisProcessor, purgeProcessor, type AnalysisJob, type PurgeJob } from '../processors';

export default async function process(job: SandboxedJob<AnalysisJob | PurgeJob>) {
  const report = (p: number) => job.updateProgress(Math.round(p * 100) / 100);
  try {
    return job.name === 'purge' ? await purgeProcessor(job.data as PurgeJob, report) : await analysisProcessor(job.data as AnalysisJob, report);
  } catch (err) {
    // Same rule as the in-process workers (bullmq.ts): an input error is not retried.
    if (isCustomsGraphError(err) && !err.retryable) throw new UnrecoverableError(err.message);
    throw err;
  }
}
