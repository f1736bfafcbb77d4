/**
 * The job processors: the same functions run in-process (embedded mode) and in BullMQ workers
 * (scaled mode). Each opens the store it is given, reports progress in [0, 1], and returns a
 * JSON-serialisable summary.
 */
import { DEFAULT_PARAMS, runAnalysis } from '../analysis/run';
import { loadConfig } from '../config';
import { planIngest, runIngest } from '../ingest/ingest';
import { loadMapping } from '../ingest/mapping';
import type { GraphStore } from '../store/graph-store';
import { openStore } from '../store/open';

export type Report = (progress: number) => void | Promise<void>;

export interface IngestJob {
  db: string;
  files: string[];
  mapping?: string;
  rejects: string;
}

export interface AnalysisJob {
  db: string;
  seed: number;
  resolution: number;
}

export const JOB_KINDS = ['ingest', 'analysis'] as const;
export type JobKind = (typeof JOB_KINDS)[number];

async function withStore<T>(db: string, fn: (s: GraphStore) => Promise<T>): Promise<T> {
  const store = openStore(db);
  try {
    await store.migrate();
    return await fn(store);
  } finally {
    await store.close();
  }
}

export async function ingestProcessor(job: IngestJob, report: Report) {
  const config = loadConfig();
  const plan = await planIngest(job.files, job.mapping ? loadMapping(job.mapping) : undefined);
  const total = plan.files.reduce((a, f) => a + f.bytes, 0);
  return withStore(job.db, async (store) => {
    const s = await runIngest(store, plan, {
      rejectsPath: job.rejects, phoneRegion: config.phoneRegion, defaultCurrency: config.defaultCurrency,
      onProgress: (p) => { void report(total ? p.bytesRead / total : 0); },
    });
    return { read: s.read, accepted: s.accepted, rejected: s.rejected, seconds: s.seconds };
  });
}

const STAGES = ['scan declarations', 'projection', 'components', 'louvain', 'pagerank', 'rings and cycles', 'scoring', 'declaration model', 'write-back'];

export async function analysisProcessor(job: AnalysisJob, report: Report) {
  return withStore(job.db, async (store) => {
    const s = await runAnalysis(store, { ...DEFAULT_PARAMS, seed: job.seed, resolution: job.resolution }, {
      onStage: (stage) => { void report(STAGES.indexOf(stage) / STAGES.length); },
    });
    return { runId: s.runId, counts: s.counts, timings: s.timings };
  });
}
