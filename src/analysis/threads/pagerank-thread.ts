/**
 * The two personalized PageRanks of a run (from the seeds of all declarations and of the past
 * ones) at once: one on a worker thread, one here. They are independent and each is seconds of
 * work on a large graph, and by then the second core is free. The worker reads the CSR where it is
 * when its arrays are in shared memory (the run's damped graph: toCsr's `shared`), a copy otherwise.
 */
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { pageRank, type PageRankOptions } from '../graph/algorithms';
import type { Csr } from '../graph/projection';
import { compiledWorker, workerReply } from '../../util/worker-reply';

interface Request {
  pagerank: { csr: Csr; options: PageRankOptions };
}

const WORKER_FILE = compiledWorker(__dirname, 'pagerank-thread.js');

const hasSeeds = (seeds: Float64Array) => seeds.some((v) => v > 0);

/**
 * Each seed vector's personalized PageRank (undefined for one without a seed), the second on a
 * worker thread when allowed and the compiled worker is there; says whether it was.
 */
export async function personalizedPageRanks(
  csr: Csr, seeds: [Float64Array, Float64Array], options: Omit<PageRankOptions, 'personalization'>, threaded: boolean,
): Promise<{ ranks: [Float64Array | undefined, Float64Array | undefined]; threaded: boolean }> {
  const run = (s: Float64Array) => (hasSeeds(s) ? pageRank(csr, { ...options, personalization: s }).rank : undefined);
  if (!threaded || !WORKER_FILE || !hasSeeds(seeds[1])) return { ranks: [run(seeds[0]), run(seeds[1])], threaded: false };
  const req: Request = { pagerank: { csr, options: { ...options, personalization: seeds[1] } } };
  const { result: second } = workerReply<Float64Array>(WORKER_FILE, req, 'PageRank');
  second.catch(() => undefined); // awaited below, after this thread's own PageRank
  const first = run(seeds[0]);
  return { ranks: [first, await second], threaded: true };
}

function serve(): void {
  const { csr, options } = (workerData as Request).pagerank;
  const { rank } = pageRank(csr, options);
  parentPort!.postMessage(rank, [rank.buffer as ArrayBuffer]);
}

if (!isMainThread && parentPort && (workerData as Request | undefined)?.pagerank !== undefined) serve();
