/**
 * The job processors: the same functions run in-process (embedded mode) and in BullMQ workers
 * (scaled mode). Each opens the store it is given, reports progress in [0, 1], and returns a
 * JSON-serialisable summary.
 */
import { writeFile } from 'node:fs/promises';
import { ANALYSIS_STAGES, DEFAULT_PARAMS, runAnalysis } from '../analysis/run';
import { exportSubgraph } from '../export/formats';
import { loadConfig } from '../config';
import { planIngest, runIngest } from '../ingest/ingest';
import { loadMapping } from '../ingest/mapping';
import { withStore } from '../store/open';

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

export interface ExportJob {
  db: string;
  format: 'GEXF' | 'GRAPHML' | 'CYTOSCAPE';
  /** A ring (community of the current run) or the neighbourhood of an entity. */
  ring?: number;
  entityId?: string;
  hops?: number;
  limit?: number;
  out: string;
}

export const JOB_KINDS = ['ingest', 'analysis', 'export'] as const;
export type JobKind = (typeof JOB_KINDS)[number];


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

/** Writes a ring or a neighbourhood as GEXF, GraphML or Cytoscape.js JSON to a file. */
export async function exportProcessor(job: ExportJob, report: Report) {
  return withStore(job.db, async (store) => {
    const limit = Math.min(job.limit ?? 500, 5000);
    let sub;
    if (job.ring !== undefined) {
      const c = await store.getCommunity(job.ring);
      if (!c) throw new Error(`no ring ${job.ring} in the current run`);
      sub = await store.neighbourhood(c.members.slice(0, limit), { hops: 1, limit });
    } else if (job.entityId) {
      sub = await store.neighbourhood([job.entityId], { hops: Math.min(job.hops ?? 1, 3), limit });
    } else throw new Error('an export job needs a ring or an entityId');
    await report(0.5);
    const scores = new Map((await store.getScores(sub.nodes.map((n) => n.id))).map((s) => [s.entityId, s.risk]));
    await writeFile(job.out, exportSubgraph(job.format, sub.nodes.map((n) => ({ ...n, risk: scores.get(n.id) })), sub.edges));
    return { out: job.out, nodes: sub.nodes.length, edges: sub.edges.length, truncated: sub.truncated };
  });
}


export async function analysisProcessor(job: AnalysisJob, report: Report) {
  return withStore(job.db, async (store) => {
    const s = await runAnalysis(store, { ...DEFAULT_PARAMS, seed: job.seed, resolution: job.resolution }, {
      storePath: job.db, keepRuns: loadConfig().keepRuns,
      onStage: (stage) => { void report(ANALYSIS_STAGES.indexOf(stage) / ANALYSIS_STAGES.length); },
    });
    return { runId: s.runId, pruned: s.pruned, counts: s.counts, timings: s.timings };
  });
}
