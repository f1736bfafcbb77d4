/**
 * The graph half of a run (graph-stage.ts) in a worker thread, so that it runs on the second core
 * while the main thread scans the declarations. The worker opens the store itself (the same
 * configuration: the SQLite file, or Neo4j from NEO4J_URI) and sends back typed arrays, which are
 * moved, not copied.
 */
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { ENTITY_KINDS, type EntityKind } from '../../domain/entities';
import { openStore } from '../../store/open';
import { analyseGraph, type GraphParams, type GraphStageResult } from '../graph/graph-stage';
import { indexIds } from '../graph/projection';
import { compiledWorker, workerReply } from '../../util/worker-reply';

interface Request {
  storePath: string;
  params: GraphParams;
}

/**
 * The graph goes back with its typed arrays moved; its ids as one string and its kinds as codes,
 * since a million strings in an array cost the receiving thread far more to rebuild (and it
 * receives them at the end of its scan, when the run waits for them).
 */
type SentGraph = Omit<GraphStageResult['g'], 'index' | 'ids' | 'kinds'> & { ids: string; kinds: Uint8Array };
type Reply = { progress: number } | { result: Omit<GraphStageResult, 'g'> & { g: SentGraph } };

const KIND_CODE = new Map<EntityKind, number>(ENTITY_KINDS.map((k, i) => [k, i]));
/** Ids never hold a newline (store ids are numbers or element ids). */
const ID_SEPARATOR = '\n';

const WORKER_FILE = compiledWorker(__dirname, 'graph-thread.js');

/** Whether the compiled worker is there (it is not when the TypeScript sources run directly, as in tests). */
export function graphThreadAvailable(): boolean {
  return WORKER_FILE !== undefined;
}

export function analyseGraphInThread(
  req: Request, opts: { onProgress?: (links: number) => void } = {},
): { result: Promise<GraphStageResult>; cancel: () => Promise<void> } {
  const { result, worker } = workerReply<GraphStageResult>(WORKER_FILE!, req, 'graph analysis', (message) => {
    const m = message as Reply;
    if ('progress' in m) {
      opts.onProgress?.(m.progress);
      return undefined;
    }
    const sent = m.result.g;
    const ids = sent.n === 0 ? [] : sent.ids.split(ID_SEPARATOR);
    if (ids.length !== sent.n) throw new Error(`the graph thread sent ${sent.n} nodes but ${ids.length} ids (an id with a newline?)`);
    const kinds = Array.from(sent.kinds, (c) => ENTITY_KINDS[c]!);
    return { ...m.result, g: { ...sent, ids, kinds, index: indexIds(ids) } };
  });
  return { result, cancel: async () => { await worker.terminate(); } };
}

async function serve(): Promise<void> {
  const { storePath, params } = workerData as Request;
  const store = openStore(storePath, process.env, { readonly: true });
  try {
    // Only link counts go back while it works: the run reports its stages from the main thread.
    const r = await analyseGraph(store, params, { onProgress: (progress) => parentPort!.postMessage({ progress } satisfies Reply) });
    const { index: _index, ids, kinds, ...rest } = r.g;
    const g: SentGraph = { ...rest, ids: ids.join(ID_SEPARATOR), kinds: Uint8Array.from(kinds, (k) => KIND_CODE.get(k)!) };
    const arrays = [g.src, g.dst, g.rel, g.count, g.value, g.kinds, r.damped.offsets, r.damped.targets, r.damped.weights,
      r.hub, r.component, r.community, r.pagerank, r.ringOf];
    const buffers = [...new Set(arrays.map((a) => a.buffer as ArrayBuffer))];
    parentPort!.postMessage({ result: { ...r, g } } satisfies Reply, buffers);
  } finally {
    await store.close();
  }
}

if (!isMainThread && parentPort && (workerData as Request | undefined)?.storePath !== undefined) {
  // Thrown outside the promise, the error reaches the main thread as the worker's 'error' event.
  serve().catch((err) => process.nextTick(() => { throw err; }));
}
