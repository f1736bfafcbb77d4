/**
 * The declaration model's fit (declaration-model.ts) in a worker thread, so that it runs on the
 * second core while the main thread scores entities and writes the run back: by then the graph
 * thread has finished and the core is idle.
 *
 * The context is sent as plain maps. The one part that is not plain data, the set of past
 * trader–supplier–broker combinations (millions of them, numbered by the scan), is answered on
 * this side for the labelled declarations only and sent as the ids of those whose combination
 * is known.
 */
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import type { HeldOutEvaluation } from '../../domain/accountability';
import type { DeclarationFacts, DeclarationModel } from '../../domain/results';
import { fitDeclarationModel, holdOut, type ScoringContext } from '../scoring/declaration-model';
import { compiledWorker, workerReply } from '../../util/worker-reply';

interface Request {
  declarationModel: {
    labelled: DeclarationFacts[];
    ctx: Omit<ScoringContext, 'combos'>;
    /** Ids of the labelled declarations whose combination was seen before. */
    knownCombos: string[];
    names: string[];
  };
}

const WORKER_FILE = compiledWorker(__dirname, 'declaration-model-thread.js');

/** The fitted model (undefined: too few labels) and the model card's held-out measure of it. */
export interface FittedDeclarationModel {
  model: DeclarationModel | undefined;
  heldOut?: HeldOutEvaluation;
  heldOutMissing?: string;
}

function fitAndMeasure(labelled: DeclarationFacts[], ctx: ScoringContext, names: string[]): FittedDeclarationModel {
  const { heldOut, missing } = holdOut(labelled, ctx, names);
  return { model: fitDeclarationModel(labelled, ctx, names), heldOut, heldOutMissing: missing };
}

/** A fit made ready: `start` runs it, on another thread or here (says which). */
export interface DeclarationModelFit {
  start(): Promise<FittedDeclarationModel & { threaded: boolean }>;
}

/**
 * Readies the fit on another thread when asked and the compiled worker is there (not when tests
 * run the TypeScript sources), else here. The thread's request is plain data made now (the
 * combinations answered for the labelled declarations), so the caller can let go of the scan
 * before it starts the thread: the run starts it after scoring, when its own heap is smallest.
 */
export function declarationModelFit(labelled: DeclarationFacts[], ctx: ScoringContext, names: string[], threaded: boolean): DeclarationModelFit {
  if (!threaded || !WORKER_FILE) return { start: () => fitHere(labelled, ctx, names) };
  const { combos, ...plain } = ctx;
  let req: Request | undefined = { declarationModel: { labelled, ctx: plain, knownCombos: labelled.filter((d) => combos.has(d)).map((d) => d.id), names } };
  return {
    start() {
      if (!req) throw new Error('the declaration model fit was started twice');
      const { result } = workerReply<FittedDeclarationModel>(WORKER_FILE, req, 'declaration model');
      // The worker has its copy of the request: this side lets go of it.
      req = undefined;
      return result.then((r) => ({ ...r, threaded: true }));
    },
  };
}

/** The fit on this thread, now (an async function only so that a failure is a rejection, as the thread's is). */
async function fitHere(labelled: DeclarationFacts[], ctx: ScoringContext, names: string[]): Promise<FittedDeclarationModel & { threaded: boolean }> {
  return { ...fitAndMeasure(labelled, ctx, names), threaded: false };
}

function serve(): void {
  const { labelled, ctx, knownCombos, names } = (workerData as Request).declarationModel;
  const known = new Set(knownCombos);
  parentPort!.postMessage(fitAndMeasure(labelled, { ...ctx, combos: { has: (d) => known.has((d as DeclarationFacts).id) } }, names));
}

if (!isMainThread && parentPort && (workerData as Request | undefined)?.declarationModel !== undefined) serve();
