/**
 * The two personalized PageRanks of a run (from the seeds of all declarations and of the past
 * ones), one after the other on a worker thread: they are seconds of work each on a large graph,
 * and by then the second core is free, while the run computes both windows' other signals. The
 * worker reads the CSR where it is when its arrays are in shared memory (the run's damped graph:
 * toCsr's `shared`), a copy otherwise.
 */
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { pageRank, type PageRankOptions } from '../graph/algorithms';
import type { Csr } from '../graph/projection';
import { compiledWorker, workerReply } from '../../util/worker-reply';

interface Request {
  pagerank: { csr: Csr; options: Omit<PageRankOptions, 'personalization'>; seeds: Float64Array[] };
}

const WORKER_FILE = compiledWorker(__dirname, 'pagerank-thread.js');

const hasSeeds = (seeds: Float64Array) => seeds.some((v) => v > 0);

export interface PageRanksAside {
  /** Each seed vector's personalized PageRank, undefined for one without a seed. */
  ranks(): Promise<Array<Float64Array | undefined>>;
  /** Whether they run on a worker thread. */
  threaded: boolean;
}

/**
 * Starts the personalized PageRanks of the seed vectors that have a seed, on a worker thread when
 * allowed and the compiled worker is there; without it, `ranks` computes them when asked.
 */
export function personalizedPageRanks(csr: Csr, seeds: Float64Array[], options: Omit<PageRankOptions, 'personalization'>, threaded: boolean): PageRanksAside {
  const has = seeds.map(hasSeeds);
  const seeded = seeds.filter((_, j) => has[j]);
  const inOrder = (ranks: Float64Array[]) => {
    let k = 0;
    return has.map((h) => (h ? ranks[k++] : undefined));
  };
  if (!threaded || !WORKER_FILE || seeded.length === 0) {
    return { ranks: async () => inOrder(seeded.map((s) => pageRank(csr, { ...options, personalization: s }).rank)), threaded: false };
  }
  const req: Request = { pagerank: { csr, options, seeds: seeded } };
  const { result } = workerReply<Float64Array[]>(WORKER_FILE, req, 'PageRank');
  result.catch(() => undefined); // awaited by ranks(), after the run's own work
  return { ranks: async () => inOrder(await result), threaded: true };
}

function serve(): void {
  const { csr, options, seeds } = (workerData as Request).pagerank;
  const ranks = seeds.map((s) => pageRank(csr, { ...options, personalization: s }).rank);
  parentPort!.postMessage(ranks, ranks.map((r) => r.buffer as ArrayBuffer));
}

if (!isMainThread && parentPort && (workerData as Request | undefined)?.pagerank !== undefined) serve();
