/**
 * The graph half of a run (graph-stage.ts) in a worker thread, so that it runs on the second core
 * while the main thread scans the declarations. The worker opens the store itself (the same
 * configuration: the SQLite file, or Neo4j from NEO4J_URI) and sends back typed arrays, moved
 * where it no longer needs them. Louvain is its longest stage; PageRank and the rings do not wait for
 * it, and each is done by whichever thread is free first: the run once it has scanned the
 * declarations, the graph thread once Louvain ends.
 */
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { ENTITY_KINDS, KIND_CODE } from '../../domain/entities';
import type { DeclarationLinkColumns } from '../../store/analysis-source';
import type { GraphStore } from '../../store/graph-store';
import { openStore } from '../../store/open';
import {
  assembleGraphStage, communitiesOf, joined, loadGraphStructure, ranksOf, ringsOf,
  type Communities, type GraphParams, type GraphStageName, type GraphStageResult, type GraphStructure, type Ranks, type Rings,
} from '../graph/graph-stage';
import { indexIds, type EntityGraph } from '../graph/projection';
import { compiledWorker } from '../../util/worker-reply';
import { sharedCopy } from '../../util/typed-arrays';

interface Request {
  storePath: string;
  params: GraphParams;
  /** The run's cached declaration columns (shared memory), when it has them: projected from there instead of the store. */
  declarations?: DeclarationLinkColumns;
  /** Who does each task (TASKS): claimed once, by the run or by the thread (shared memory, Atomics). */
  claims: Int32Array;
}

/**
 * The graph goes back with its ids as one string and its kinds as codes, since a million strings
 * in an array cost the receiving thread far more to rebuild (and it receives them at the end of its
 * scan, when the run waits for them).
 */
type SentGraph = Omit<EntityGraph, 'index' | 'ids' | 'kinds'> & { ids: string; kinds: Uint8Array };
type SentStructure = Omit<GraphStructure, 'g'> & { g: SentGraph };
type Reply =
  | { progress: number }
  | { structure: SentStructure }
  | { communities: Communities }
  | { ranks: Ranks }
  | { rings: Rings };

/**
 * The graph half's work that does not wait for Louvain. The run takes them in this order (the
 * rings, the longer, first: when its scan and Louvain end together, the thread's PageRank is then
 * done before the run's rings), the thread in the reverse order.
 */
const TASKS = ['rings', 'pagerank'] as const;
type Task = (typeof TASKS)[number];
const UNCLAIMED = 0;
const BY_RUN = 1;
const BY_THREAD = 2;

/** Whether `by` gets the task: the first to ask does, once. */
function claim(claims: Int32Array, task: Task, by: typeof BY_RUN | typeof BY_THREAD): boolean {
  return Atomics.compareExchange(claims, TASKS.indexOf(task), UNCLAIMED, by) === UNCLAIMED;
}

/** Where PageRank and the rings were computed (a run reports it). */
export interface RestPlacement {
  pageRankOnMain: boolean;
  ringsOnMain: boolean;
}

/** Ids never hold a newline (store ids are numbers or element ids). */
const ID_SEPARATOR = '\n';

const WORKER_FILE = compiledWorker(__dirname, 'graph-thread.js');

/** Whether the compiled worker is there (it is not when the TypeScript sources run directly, as in tests). */
export function graphThreadAvailable(): boolean {
  return WORKER_FILE !== undefined;
}

export interface GraphThread {
  /**
   * The graph half's result, asked for once the run has scanned the declarations. PageRank and the
   * rings the thread has not taken yet are done here, on the run's store, while it is in Louvain;
   * the thread does the rest once Louvain ends. Either way the same result.
   */
  complete(store: GraphStore, opts?: { onStage?: (s: GraphStageName) => void }): Promise<GraphStageResult & { placement: RestPlacement }>;
  /** Settles when the thread has done its part and stopped (for a caller that would rather wait than take anything over). */
  threadDone: Promise<void>;
  cancel(): Promise<void>;
}

/**
 * The graph half in a worker thread. It sends the graph's structure as soon as it has it (the links
 * and their weights shared with it, the ids and kinds copied), then the communities, then, unless
 * the run took them over, PageRank and the rings.
 */
export function startGraphThread(req: Omit<Request, 'claims'>, opts: { onProgress?: (links: number) => void } = {}): GraphThread {
  const claims = new Int32Array(new SharedArrayBuffer(TASKS.length * Int32Array.BYTES_PER_ELEMENT));
  const worker = new Worker(WORKER_FILE!, { workerData: { ...req, claims } satisfies Request });
  // Only the parameters are kept: the request's declaration columns must not outlive the thread's projection.
  const { params } = req;
  const structure = deferred<GraphStructure>();
  const communities = deferred<Communities>();
  const ranks = deferred<Ranks>();
  const rings = deferred<Rings>();
  const threadDone = deferred<void>();
  // What has not come when the thread stops will not come: a run waiting for it fails (what came stays).
  const fail = (err: unknown) => [structure, communities, ranks, rings, threadDone].forEach((d) => d.reject(err));
  worker.on('message', (m: Reply) => {
    try {
      if ('progress' in m) opts.onProgress?.(m.progress);
      else if ('structure' in m) structure.resolve({ ...m.structure, g: receivedGraph(m.structure.g) });
      else if ('communities' in m) communities.resolve(m.communities);
      else if ('ranks' in m) ranks.resolve(m.ranks);
      else rings.resolve(m.rings);
    } catch (err) {
      fail(err);
    }
  });
  worker.on('error', fail);
  worker.on('exit', (code) => {
    threadDone.resolve();
    fail(new Error(`the graph analysis thread stopped (exit code ${code})`));
  });
  return {
    async complete(store, { onStage } = {}) {
      const s = await structure.promise;
      const ringsHere = claim(claims, 'rings', BY_RUN) ? await ringsOf(store, s, params, { onStage }) : undefined;
      const ranksHere = claim(claims, 'pagerank', BY_RUN) ? ranksOf(s, { onStage }) : undefined;
      onStage?.('louvain');
      const [c, rk, rg] = await Promise.all([communities.promise, ranksHere ?? ranks.promise, ringsHere ?? rings.promise]);
      const placement = { pageRankOnMain: ranksHere !== undefined, ringsOnMain: ringsHere !== undefined };
      return { ...assembleGraphStage(s, c, joined(rk, rg), params), placement };
    },
    threadDone: threadDone.promise,
    cancel: async () => {
      await worker.terminate();
    },
  };
}

function receivedGraph(sent: SentGraph): EntityGraph {
  const ids = sent.n === 0 ? [] : sent.ids.split(ID_SEPARATOR);
  if (ids.length !== sent.n) throw new Error(`the graph thread sent ${sent.n} nodes but ${ids.length} ids (an id with a newline?)`);
  const kinds = Array.from(sent.kinds, (c) => ENTITY_KINDS[c]!);
  return { ...sent, ids, kinds, index: indexIds(ids) };
}

/** A promise with its settle functions; its rejection counts as handled (it is read when awaited). */
function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void; reject: (err: unknown) => void } {
  let resolve!: (v: T) => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<T>((res, rej) => { resolve = res; reject = rej; });
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}

/**
 * The graph's structure, projected from the run's cached declaration columns when it sent them:
 * taken out of workerData (which would hold them to the thread's end) and let go once projected.
 */
async function structureOf(store: GraphStore, params: GraphParams, onProgress: (links: number) => void): Promise<GraphStructure> {
  const req = workerData as Request;
  const declarations = req.declarations;
  delete req.declarations;
  return loadGraphStructure(store, params, { declarations, onProgress });
}

async function serve(): Promise<void> {
  const { storePath, params, claims } = workerData as Request;
  const port = parentPort!;
  const store = openStore(storePath, process.env, { readonly: true });
  try {
    // Only link counts go back while it works: the run reports its stages from the main thread.
    // The links, their weights and the damped graph in shared memory; the components are moved (Louvain does not need them).
    const s = linksShared(await structureOf(store, params, (progress) => port.postMessage({ progress } satisfies Reply)));
    const { index: _index, ids, kinds, ...arrays } = s.g;
    const sent: SentStructure = { ...s, g: { ...arrays, ids: ids.join(ID_SEPARATOR), kinds: Uint8Array.from(kinds, (k) => KIND_CODE.get(k)!) } };
    port.postMessage({ structure: sent } satisfies Reply, buffersOf([s.component, sent.g.kinds]));
    const communities = communitiesOf(s, params);
    port.postMessage({ communities } satisfies Reply, buffersOf([communities.community]));
    if (claim(claims, 'pagerank', BY_THREAD)) {
      const ranks = ranksOf(s);
      port.postMessage({ ranks } satisfies Reply, buffersOf([ranks.pagerank]));
    }
    if (claim(claims, 'rings', BY_THREAD)) {
      const rings = await ringsOf(store, s, params);
      port.postMessage({ rings } satisfies Reply, buffersOf([rings.ringOf]));
    }
  } finally {
    await store.close();
  }
}

/**
 * The structure with its links and their weights in shared memory, exactly their length (the
 * builder's arrays have room to grow). Both threads need them: sent, they are shared, not copied
 * into the message and again on arrival (120 MB at 1M nodes). Neither thread writes them.
 */
function linksShared(s: GraphStructure): GraphStructure {
  const { src, dst, rel, count, value } = s.g;
  return { ...s, g: { ...s.g, src: sharedCopy(src), dst: sharedCopy(dst), rel: sharedCopy(rel), count: sharedCopy(count), value: sharedCopy(value) }, weight: sharedCopy(s.weight) };
}

const buffersOf = (arrays: ArrayBufferView[]) => [...new Set(arrays.map((a) => a.buffer as ArrayBuffer))];

if (!isMainThread && parentPort && (workerData as Request | undefined)?.storePath !== undefined) {
  // Thrown outside the promise, the error reaches the main thread as the worker's 'error' event.
  serve().catch((err) => process.nextTick(() => { throw err; }));
}
