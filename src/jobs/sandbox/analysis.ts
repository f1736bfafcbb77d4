/** BullMQ sandboxed processor for analysis jobs (runs in a child process of the worker). */
import { UnrecoverableError, type SandboxedJob } from 'bullmq';
import { isCustomsGraphError } from '../../util/errors';
import { analysisProcessor, type AnalysisJob } from '../processors';

export default async function process(job: SandboxedJob<AnalysisJob>) {
  try {
    return await analysisProcessor(job.data, (p) => job.updateProgress(Math.round(p * 100) / 100));
  } catch (err) {
    // Same rule as the in-process workers (bullmq.ts): an input error is not retried.
    if (isCustomsGraphError(err) && !err.retryable) throw new UnrecoverableError(err.message);
    throw err;
  }
}
