/** BullMQ sandboxed processor for analysis jobs (runs in a child process of the worker). */
import type { SandboxedJob } from 'bullmq';
import { analysisProcessor, type AnalysisJob } from '../processors';

export default async function process(job: SandboxedJob<AnalysisJob>) {
  return analysisProcessor(job.data, (p) => job.updateProgress(Math.round(p * 100) / 100));
}
