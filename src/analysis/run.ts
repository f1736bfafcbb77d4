/**
 * One analysis run: scan declarations, project the entity graph, run the algorithms, score every
 * entity and community, fit the weights to recorded outcomes, and write the run whole before it is
 * made current. Every stage is timed; randomness comes from the seed only.
 */
import { isBadOutcome } from '../domain/fields';
import type { DeclarationInput, DeclarationReading } from '../store/analysis-source';
import type { GraphStore } from '../store/graph-store';
import { RUN_HEARTBEAT_MS } from '../store/run-store';
import { stopwatch } from '../util/stopwatch';
import { rankCommunities } from './scoring/communities';
import { categoryList, scanDeclarations, type DeclarationScan } from './signals/declaration-scan';
import type { DeclarationModel } from '../domain/results';
import { defaultDeclarationModel, featureNames, type ScoringContext } from './scoring/declaration-model';
import { declarationModelFit } from './threads/declaration-model-thread';
import { personalizedPageRanks } from './threads/pagerank-thread';
import { DEFAULT_WEIGHTS, featureRow, riskValue, type RiskWeights } from './scoring/entity-risk';
import { scoreTable } from './scoring/score-table';
import { SIGNALS, featuresBesideProximity, PPR_OPTIONS, windowParties, withProximity, type Features, type PendingFeatures, type Structure } from './signals/entity-signals';
import { analyseGraph, EDGE_WEIGHT_RULE, type GraphParams, type GraphStageResult } from './graph/graph-stage';
import { graphThreadAvailable, startGraphThread, type RestPlacement } from './threads/graph-thread';
import { auc, fitLogistic } from './scoring/logistic';
import type { EntityGraph } from './graph/projection';
import { dataQuality } from './data-quality';
import { buildModelCard, TOP_RINGS_COMPARED } from './model-card';
import type { FittedDeclarationModel } from './threads/declaration-model-thread';
import { prepareAlertPass, raiseAlertPass } from '../alerts/run-alerts';
import { alertSettings, type AlertSettings } from '../alerts/settings';
import { failpoint } from '../util/failpoint';
import { collectGarbage } from '../util/collect-garbage';

/** The run's parameters: the graph half's (graph-stage.ts) and the fitting's. */
export interface AnalysisParams extends GraphParams {
  /** Share of declarations (by time) before the cutoff used to fit weights. */
  cutoffShare: number;
  /** 'auto' fits weights when enough outcomes exist; 'defaults' never fits. */
  weights: 'auto' | 'defaults';
}

export const DEFAULT_PARAMS: Omit<AnalysisParams, 'seed'> = {
  resolution: 1, maxCommunityTraders: 25, hubShare: 0.02, hubMinTraders: 50, defaultIdentifierTraders: 100, ringMaxSharing: 8, cutoffShare: 0.7, weights: 'auto',
};

export interface AnalysisSummary {
  runId: string;
  /**
   * Set when the run did not become current: the run begun after it that completed first (two
   * runs of one store at once). The run is done and listed; its alerts are not raised.
   */
  supersededBy?: string;
  /** Older runs whose results this run's retention dropped. */
  pruned: string[];
  timings: Record<string, number>;
  modularity: number;
  counts: Record<string, number>;
  weights: RiskWeights & { source: string };
  declarationModel: { source: string };
  /** Alerts this run stored (its pass's, less those already stored), and how long storing them took after the run was current. */
  alertsRaised: number;
  alertsRaiseMs: number;
  /** Where the graph half ran: a thread of its own, and PageRank and the rings each there or on this thread (taken by whichever was free first: this one once its scan was done, the graph thread once Louvain was). */
  placement: { graphThread: boolean } & RestPlacement;
  /** How the declarations were read: all from the store, or the analysis cache and what changed since. */
  declarationReading: DeclarationReading;
}

/** The stages of a run, in order: onStage reports these names (progress is the stage's index / length). */
export const ANALYSIS_STAGES = [
  'scan declarations', 'projection', 'components', 'louvain', 'pagerank', 'rings and cycles', 'scoring', 'write-back', 'declaration model', 'alerts',
] as const;
export type AnalysisStage = (typeof ANALYSIS_STAGES)[number];

export interface RunOptions {
  /** Where the store is (a SQLite path; Neo4j comes from NEO4J_URI): lets the graph half run in a worker thread. */
  storePath?: string;
  /** false keeps everything on this thread. */
  graphThread?: boolean;
  /** After the run is current, prune the results of runs beyond this many completed ones (run-retention.ts). */
  keepRuns?: number;
  /** Runs of killed processes (no heartbeat for this long) are marked failed before this one starts. */
  staleMs?: number;
  /** Read every declaration from the store even where an analysis cache could stand in for most (`analyze --full`). */
  full?: boolean;
  /** When the run raises alerts (default: from the environment, alerts/settings.ts). */
  alerts?: AlertSettings;
  onStage?: (stage: AnalysisStage) => void;
  onProgress?: (stage: string, done: number, total: number) => void;
}

export async function runAnalysis(store: GraphStore, params: AnalysisParams, opts: RunOptions = {}): Promise<AnalysisSummary> {
  const timings: Record<string, number> = {};
  const t0 = Date.now();
  const lap = stopwatch();
  const stage = (name: string) => {
    timings[name] = lap();
  };
  if (opts.staleMs) await store.failAbandonedRuns(opts.staleMs);
  const settings = opts.alerts ?? alertSettings();
  // The run this one will follow: its model card says what changed since.
  const previous = await store.currentRun();
  // A run made current by a job killed before it raised its alerts: raised now (none twice).
  if (previous) await raiseAlertPass(store, previous.id);
  const runId = await store.beginRun({ seed: params.seed, params: { ...params }, startedAt: new Date(t0).toISOString() });
  // Alive while this process is: a run whose process was killed falls silent and is marked failed later.
  const heartbeat = setInterval(() => { store.heartbeat(runId).catch(() => undefined); }, RUN_HEARTBEAT_MS);
  heartbeat.unref();
  // Set to undefined once read whole; a run that fails before lets go of it (finally).
  let input: DeclarationInput | undefined;
  try {
    opts.onStage?.('scan declarations');
    // The declarations from the analysis cache and what changed since, or all from the store.
    input = await store.declarationInput({ full: opts.full === true });
    const reading = input.reading;
    let declarations = input.linkColumns?.();
    stage('read_cache');
    // The graph half needs nothing from the scan: with a store path it runs in a worker thread
    // (the second core) while this thread scans the declarations.
    const threaded = opts.storePath !== undefined && opts.graphThread !== false && graphThreadAvailable()
      ? startGraphThread({ storePath: opts.storePath, params, declarations }, { onProgress: (n) => opts.onProgress?.('projection', n, 0) })
      : undefined;
    // The thread holds them now; they go when it has projected the graph.
    if (threaded) declarations = undefined;
    let gs: GraphStageResult;
    let placement: RestPlacement = { pageRankOnMain: false, ringsOnMain: false };
    let scan: DeclarationScan | undefined;
    try {
      scan = await scanDeclarations(input, { cutoffShare: params.cutoffShare, onProgress: (n) => opts.onProgress?.('scan declarations', n, 0) });
      // What the next run starts from, kept while the graph half is still at work; then let go (the cache's columns).
      await input.keep();
      input = undefined;
      // The scan's batches are garbage now (a third of the heap at its end): gone before the graph arrives.
      collectGarbage();
      stage('scan');
      if (threaded) {
        opts.onStage?.('projection');
        ({ placement, ...gs } = await threaded.complete(store, { onStage: (s) => opts.onStage?.(s) }));
        stage('graph_wait');
      } else {
        gs = await analyseGraph(store, params, { declarations, onStage: (s) => opts.onStage?.(s), onProgress: (n) => opts.onProgress?.('projection', n, 0) });
        lap(); // its stages are timed inside
      }
    } catch (err) {
      await threaded?.cancel();
      throw err;
    }
    // The graph is projected: the cached columns it was projected from can go.
    declarations = undefined;
    Object.assign(timings, gs.timings);
    const { g, damped, rings, cycles } = gs;

    opts.onStage?.('scoring');
    const { scores, communities, categories, scanned, knownBad, weights, modelFit, pprThreaded } = await scoreEntities(gs, scan, params, threaded !== undefined, stage);
    // Let go of the scan's party figures: the frame of an async function keeps its locals through
    // every await (at 1M nodes, 1.2 GB of live heap during the write-back without this and the
    // helper's own frame, 0.6 GB with them).
    scan = undefined;
    // Half the heap is garbage now; collected here, it does not set how far the heap grows until the run ends.
    collectGarbage();
    // The declaration model is fitted on the other core (idle now that the graph half is done)
    // while this thread writes back: started now, its heap and scoring's are never both at their largest.
    const modelAside = modelFit.start();
    modelAside.catch(() => undefined); // awaited below; a failure must not go unhandled meanwhile
    stage('scoring');

    opts.onStage?.('write-back');
    await store.writeRunResults(runId, { scores, communities, categories },
      (done, total) => opts.onProgress?.('write-back', done, total));
    stage('write_back');

    opts.onStage?.('declaration model');
    const { model: declarationModel, threaded: modelThreaded, heldOut, heldOutMissing } = await modelAside;
    // Threaded, this is only the wait for the fit after the write-back.
    stage('declaration_model');

    const counts: Record<string, number> = {
      declarations: scanned.data.declarations, nodes: g.n, edges: g.m, damped_edges: damped.offsets[g.n]! / 2, hubs: gs.hub.reduce((a, b) => a + b, 0),
      components: gs.components, communities: gs.communities, split_communities: gs.split, ranked_communities: communities.length, rings: rings.length, ring_nodes_moved: gs.ringNodesMoved,
      circular_traders: cycles.size, pagerank_iterations: gs.pagerankIterations, known_bad: knownBad, scored: scores.length,
    };
    const fullParams = {
      ...params,
      hubRule: `non-trader nodes linked to more than ${Math.round(gs.hubThreshold)} traders (max(${params.hubMinTraders}, ${params.hubShare} × traders)) are left out of community detection and risk propagation`,
      hubExamples: gs.hubExamples,
      contextLinks: 'ROUTED_VIA and CARRIED_BY links are left out of community detection and risk propagation',
      edgeWeights: EDGE_WEIGHT_RULE, graphThread: threaded !== undefined, ...placement, pageRankThread: pprThreaded, declarationModelThread: modelThreaded,
      riskWeights: weights, cutoff: scanned.data.cutoff, declarationReading: reading,
    };
    const model = { declarationModel, medians: Object.fromEntries(scanned.medians) };
    const traders = { ids: [] as string[], risks: [] as number[] };
    for (let k = 0; k < scores.length; k++) {
      const h = scores.head(k);
      if (h.kind !== 'Trader') continue;
      traders.ids.push(h.entityId);
      traders.risks.push(h.risk);
    }
    const modelCard = await buildModelCard(store, {
      data: { ...scanned.data, entities: g.n, links: g.m },
      labels: {
        entityModel: weights.labels, knownBad: counts.known_bad!, watchlist: { hits: gs.watchlist.size },
        declarationModel: scanned.labelled,
      },
      entityWeights: weights, entityAuc: weights.auc, declarationModel, defaultDeclarationModel: defaultDeclarationModel(declarationModel.features),
      heldOut, heldOutMissing, perDay: scanned.perDay, traders,
      topRings: communities.slice(0, TOP_RINGS_COMPARED),
    }, previous);
    const card = { modelCard, dataQuality: await dataQuality(store, gs, scanned.unitValueFar, params.defaultIdentifierTraders) };
    stage('model_card');
    // What changed since the previous run, recorded before this run is current and raised after.
    opts.onStage?.('alerts');
    const pass = await prepareAlertPass(store, { runId, previous, g, hub: gs.hub, scores, communities }, settings);
    await store.saveAlertPass(pass);
    stage('alerts');
    timings.total = Date.now() - t0;
    const current = await store.completeRun(runId, { timings, modularity: gs.modularity, counts, params: fullParams, model, card });
    let alertsRaised = 0;
    let alertsRaiseMs = 0;
    // A run superseded by a newer one (two runs of one store at once) raises nothing: the newer
    // run's alerts say what changed, and its watch snapshots must not be set back.
    if (current) {
      failpoint('run-current-before-alerts');
      const raiseStarted = Date.now();
      alertsRaised = await raiseAlertPass(store, runId, { beforeMark: () => failpoint('alerts-raised-partly') });
      alertsRaiseMs = Date.now() - raiseStarted;
    }
    const supersededBy = current ? undefined : (await store.currentRunId()) ?? undefined;
    const pruned = opts.keepRuns ? await store.pruneRuns(opts.keepRuns) : [];
    return {
      runId, supersededBy, pruned, timings, modularity: gs.modularity, counts, weights, declarationModel: { source: declarationModel.source }, alertsRaised, alertsRaiseMs,
      placement: { graphThread: threaded !== undefined, ...placement }, declarationReading: reading,
    };
  } catch (err) {
    await store.failRun(runId, (err as Error).message).catch(() => undefined);
    throw err;
  } finally {
    input?.release();
    clearInterval(heartbeat);
  }
}

/**
 * Scores every entity and community from the scan and the graph half: both windows' personalized
 * PageRank and features, the weights, the declaration model started aside. What it builds on the
 * way (features, party figures) is let go when it returns.
 */
async function scoreEntities(gs: GraphStageResult, scan: DeclarationScan, params: AnalysisParams, threaded: boolean, stage: (name: string) => void) {
  const { g, damped, rings, ringOf, cycles } = gs;
  const st: Structure = {
    g, community: gs.community, rings, ringOf, cycles, watchlist: gs.watchlist, hub: gs.hub,
    periodStart: scan.periodStart, periodEnd: scan.periodEnd,
  };
  const parties = scan.partiesOf(g.ids);
  // Both windows' proximity to known fraud on the other core (free now that the graph half is
  // done), while this thread computes their other signals; then each gets its proximity.
  const all = windowParties(st, parties.all);
  const past = windowParties(st, parties.past);
  const pprs = personalizedPageRanks(damped, [all.seeds, past.seeds], PPR_OPTIONS, threaded);
  const finalPending = featuresBesideProximity(st, scan.all, all);
  // The past window's values only: they fit weights, nobody reads their evidence.
  let pastPending: PendingFeatures | undefined = featuresBesideProximity(st, scan.past, past, false);
  const [pprAll, pprPast] = await pprs.ranks();
  const final = withProximity(st, finalPending, pprAll);
  stage('ppr');
  const { weights, modelFit } = fitToThePast(st, scan, withProximity(st, pastPending, pprPast), params, threaded);
  // The past features are let go before scoring (75 MB at 1M nodes).
  pastPending = undefined;
  const scores = scoreTable(gs, final, weights);
  const communities = rankCommunities(g, gs.community, scores.risk, final.knownBad, parties.all, ringOf);
  // What the rest of the run needs of the scan and the features: they themselves are let go on return.
  const scanned = scanSummary(scan);
  const categories = categoryList(scan.all);
  const knownBad = final.knownBad.reduce((a, b) => a + b, 0);
  return { scores, communities, categories, scanned, knownBad, weights, modelFit, pprThreaded: pprs.threaded };
}

/** The weights, fitted to the outcomes after the cutoff from the features before it, and the declaration model made ready from the same past. */
function fitToThePast(st: Structure, scan: DeclarationScan, past: Features, params: AnalysisParams, threaded: boolean): { weights: ChosenWeights; modelFit: ModelFit } {
  const weights = chooseWeights(st.g, past, scan, params);
  // The declaration model needs only the past: made ready here, fitted while the run writes back.
  return { weights, modelFit: declarationModel(st.g, scan, st.community, past, weights, params, threaded) };
}

/** What a run reports of its scan once scoring is done (small: no party figures). */
function scanSummary(scan: DeclarationScan) {
  return {
    data: {
      periodStart: scan.periodStart, periodEnd: scan.periodEnd, cutoff: scan.cutoff, declarations: scan.declarations,
      controlled: scan.all.controlled, bad: scan.all.bad,
    },
    medians: scan.medians, perDay: scan.perDay, unitValueFar: scan.unitValueFar,
    labelled: { declarations: scan.futureDeclarations.length, bad: scan.futureDeclarations.filter((d) => isBadOutcome(d.outcome)).length },
  };
}

/** The entity weights a run uses, why, and the labels and in-sample AUCs they were chosen on. */
type ChosenWeights = RiskWeights & { source: string; labels: { traders: number; bad: number }; auc?: { fitted?: number; defaults?: number } };

/** Fitted weights when the future outcomes back them better than the defaults do; the defaults otherwise. */
function chooseWeights(g: EntityGraph, past: Features, scan: DeclarationScan, params: AnalysisParams): ChosenWeights {
  const defaults = { ...DEFAULT_WEIGHTS, source: 'defaults', labels: { traders: 0, bad: 0 } };
  if (params.weights === 'defaults') return defaults;
  const x: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < g.n; i++) {
    if (g.kinds[i] !== 'Trader') continue;
    const f = scan.futureTraders.get(g.ids[i]!);
    if (!f || f.controlled === 0) continue;
    x.push(featureRow(past, i));
    y.push(f.bad > 0 ? 1 : 0);
  }
  const positives = y.reduce((a, b) => a + b, 0);
  const labels = { traders: x.length, bad: positives };
  if (x.length < 30 || positives < 10) return { ...defaults, labels, source: `defaults (too few outcomes to fit: ${x.length} traders, ${positives} bad)` };
  const fit = fitLogistic(x, y, { nonNegative: true, l2: 0.01, iterations: 500 });
  const fitted: RiskWeights = { bias: fit.bias, weights: Object.fromEntries(SIGNALS.map((s, j) => [s, fit.weights[j]!])) as RiskWeights['weights'] };
  const score = (w: RiskWeights) => x.map((row) => row.reduce((z, v, j) => z + w.weights[SIGNALS[j]!] * v, w.bias));
  const aucFitted = auc(score(fitted), y);
  const aucDefault = auc(score(DEFAULT_WEIGHTS), y);
  const note = `${x.length} traders, ${positives} bad after ${scan.cutoff}; AUC fitted ${aucFitted.toFixed(3)}, defaults ${aucDefault.toFixed(3)}`;
  const aucs = { fitted: Math.round(aucFitted * 1e4) / 1e4, defaults: Math.round(aucDefault * 1e4) / 1e4 };
  return aucFitted > aucDefault ? { ...fitted, source: `fitted (${note})`, labels, auc: aucs } : { ...defaults, source: `defaults (${note})`, labels, auc: aucs };
}

/** The declaration model's fit, ready to start (its start gives the model, the defaults when too few labels). */
type ModelFit = { start(): Promise<FittedDeclarationModel & { model: DeclarationModel; threaded: boolean }> };

function declarationModel(
  g: EntityGraph, scan: DeclarationScan, community: Int32Array, past: Features, weights: RiskWeights, params: AnalysisParams, threaded: boolean,
): ModelFit {
  const names = featureNames(scan.all.categories.keys());
  if (params.weights === 'defaults') return { start: async () => ({ model: defaultDeclarationModel(names), threaded: false, heldOutMissing: 'weights set to the defaults: nothing fitted' }) };
  // The context as it stood at the cutoff: past outcomes only, past entity risks.
  // Only the parties of the declarations the model learns from (a few percent of all entities).
  const entityRisk = new Map<string, number>();
  const communityOf = new Map<string, number>();
  for (const d of scan.futureDeclarations) {
    for (const id of [d.trader, d.supplier, d.broker, d.consignee, d.carrier]) {
      const i = id === undefined || entityRisk.has(id) ? undefined : g.index.get(id);
      if (i === undefined) continue;
      entityRisk.set(id!, riskValue(past, i, weights));
      if (community[i]! >= 0) communityOf.set(id!, community[i]!);
    }
  }
  const ctx: ScoringContext = {
    // The past window's categories are keyed as the context expects (field NUL value).
    categories: scan.past.categories, baseRate: Math.max(1e-4, scan.past.bad / Math.max(1, scan.past.controlled)),
    medians: scan.medians, entityRisk, communityOf, communityRisk: new Map(), combos: scan.pastCombos,
  };
  const fit = declarationModelFit(scan.futureDeclarations, ctx, names, threaded);
  return { start: () => fit.start().then((r) => ({ ...r, model: r.model ?? defaultDeclarationModel(names) })) };
}
