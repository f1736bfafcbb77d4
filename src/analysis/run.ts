/**
 * One analysis run: scan declarations, project the entity graph, run the algorithms, score every
 * entity and community, fit the weights to recorded outcomes, and write the run whole before it is
 * made current. Every stage is timed; randomness comes from the seed only.
 */
import type { EntityKind } from '../domain/entities';
import type { EntityScore, GraphStore, WatchlistEntry } from '../store/graph-store';
import { connectedComponents, pageRank } from './algorithms';
import { rankCommunities } from './communities';
import { categoryList, scanDeclarations, type DeclarationScan } from './declaration-scan';
import {
  categoryMap, defaultDeclarationModel, featureNames, fitDeclarationModel, type DeclarationModel, type ScoringContext,
} from './declaration-model';
import { DEFAULT_WEIGHTS, SIGNALS, computeFeatures, featureRow, riskOf, type Features, type RiskWeights, type Structure } from './entity-risk';
import { detectCommunities } from './louvain';
import { auc, fitLogistic } from './model';
import { loadEntityGraph, REL_CODES, toCsr, type EntityGraph } from './projection';
import { findRings, findTradeCycles } from './rings';

export interface AnalysisParams {
  seed: number;
  /** Louvain resolution. */
  resolution: number;
  /** A non-trader node linked to more than max(hubMinTraders, hubShare × traders) traders is a hub. */
  hubShare: number;
  hubMinTraders: number;
  /** Communities with more traders are split again (Louvain on their own subgraph). */
  maxCommunityTraders: number;
  /** Identifiers shared by more parties than this do not chain rings. */
  ringMaxSharing: number;
  /** Share of declarations (by time) before the cutoff used to fit weights. */
  cutoffShare: number;
  /** 'auto' fits weights when enough outcomes exist; 'defaults' never fits. */
  weights: 'auto' | 'defaults';
}

export const DEFAULT_PARAMS: Omit<AnalysisParams, 'seed'> = {
  resolution: 1, maxCommunityTraders: 25, hubShare: 0.02, hubMinTraders: 50, ringMaxSharing: 8, cutoffShare: 0.7, weights: 'auto',
};

export interface AnalysisSummary {
  runId: string;
  timings: Record<string, number>;
  modularity: number;
  counts: Record<string, number>;
  weights: RiskWeights & { source: string };
  declarationModel: { source: string };
}

/**
 * Edge weights. A shared identifier is the strongest tie there is (DESIGN §5): by type, divided by
 * how widely it is shared. A declaration tie grows with the number of declarations but is divided
 * by how many traders the counterpart serves, so a broker's or supplier's whole clientele does not
 * outweigh a phone shared by two companies.
 */
const IDENT_WEIGHT: Record<string, number> = { HAS_ACCOUNT: 6, HAS_PHONE: 5, HAS_EMAIL: 4, DIRECTS: 4, AT_ADDRESS: 2 };

function edgeWeights(g: EntityGraph): Float64Array {
  // Links per shared node: users of an identifier, traders of a counterpart, traders a person directs.
  const users = new Int32Array(g.n);
  for (let e = 0; e < g.m; e++) users[REL_CODES[g.rel[e]!] === 'DIRECTS' ? g.src[e]! : g.dst[e]!]!++;
  const w = new Float64Array(g.m);
  for (let e = 0; e < g.m; e++) {
    const r = REL_CODES[g.rel[e]!]!;
    const shared = users[r === 'DIRECTS' ? g.src[e]! : g.dst[e]!]!;
    const base = IDENT_WEIGHT[r];
    w[e] = base === undefined ? Math.log2(1 + g.count[e]!) / Math.log2(2 + shared) : base / Math.log2(1 + shared);
  }
  return w;
}

/** Hubs: non-trader nodes linked to too many distinct traders (carriers, main ports, big brokers). */
function findHubs(g: EntityGraph, p: AnalysisParams): { hub: Uint8Array; threshold: number; examples: string[] } {
  const traders = new Set<number>();
  const tradersOf = new Int32Array(g.n);
  for (let e = 0; e < g.m; e++) {
    const s = g.src[e]!;
    const d = g.dst[e]!;
    if (g.kinds[s] === 'Trader') { traders.add(s); tradersOf[d]!++; }
    if (g.kinds[d] === 'Trader') { traders.add(d); tradersOf[s]!++; }
  }
  const threshold = Math.max(p.hubMinTraders, p.hubShare * traders.size);
  const hub = new Uint8Array(g.n);
  const found: number[] = [];
  for (let i = 0; i < g.n; i++) {
    if (g.kinds[i] !== 'Trader' && tradersOf[i]! > threshold) {
      hub[i] = 1;
      found.push(i);
    }
  }
  found.sort((a, b) => tradersOf[b]! - tradersOf[a]!);
  return { hub, threshold, examples: found.slice(0, 10).map((i) => `${g.kinds[i]} ${g.ids[i]} (${tradersOf[i]} traders)`) };
}

/** The stages of a run, in order: onStage reports these names (progress is the stage's index / length). */
export const ANALYSIS_STAGES = [
  'scan declarations', 'projection', 'components', 'louvain', 'pagerank', 'rings and cycles', 'scoring', 'declaration model', 'write-back',
] as const;
export type AnalysisStage = (typeof ANALYSIS_STAGES)[number];

export interface RunOptions {
  onStage?: (stage: AnalysisStage) => void;
  onProgress?: (stage: string, done: number, total: number) => void;
}

export async function runAnalysis(store: GraphStore, params: AnalysisParams, opts: RunOptions = {}): Promise<AnalysisSummary> {
  const timings: Record<string, number> = {};
  const t0 = Date.now();
  let last = t0;
  const stage = (name: string) => {
    const now = Date.now();
    timings[name] = now - last;
    last = now;
  };
  const runId = await store.beginRun({ seed: params.seed, params: { ...params }, startedAt: new Date(t0).toISOString() });
  try {
    opts.onStage?.('scan declarations');
    const scan = await scanDeclarations(store, { cutoffShare: params.cutoffShare, onProgress: (n) => opts.onProgress?.('scan declarations', n, 0) });
    stage('scan');

    opts.onStage?.('projection');
    const g = await loadEntityGraph(store, (n) => opts.onProgress?.('projection', n, 0));
    const weight = edgeWeights(g);
    const hubs = findHubs(g, params);
    // Routes and carriers are shared by design (everyone ships CN → MA with someone): they are context
    // for the declaration model, not ties between parties, so community detection and risk
    // propagation leave them out along with the hubs.
    const context = new Set([REL_CODES.indexOf('ROUTED_VIA'), REL_CODES.indexOf('CARRIED_BY')]);
    const keep = (e: number) => !hubs.hub[g.src[e]!] && !hubs.hub[g.dst[e]!] && !context.has(g.rel[e]!);
    const damped = toCsr(g, weight, keep);
    stage('projection');

    opts.onStage?.('components');
    const wcc = connectedComponents(damped);
    stage('wcc');
    opts.onStage?.('louvain');
    const louvain = detectCommunities(g, weight, keep, { seed: params.seed, resolution: params.resolution, maxTraders: params.maxCommunityTraders });
    stage('louvain');
    opts.onStage?.('pagerank');
    const pr = pageRank(toCsr(g, weight)).rank;
    stage('pagerank');

    opts.onStage?.('rings and cycles');
    const { rings, ringOf } = findRings(g, { maxSharing: params.ringMaxSharing, excluded: hubs.hub });
    const cycles = await tradeCycles(store, g);
    const watchlist = await watchlistByNode(store, g);
    stage('rings');

    opts.onStage?.('scoring');
    const st: Structure = {
      g, csr: damped, community: louvain.community, rings, ringOf, cycles, watchlist,
      periodStart: scan.periodStart, periodEnd: scan.periodEnd,
    };
    const final = computeFeatures(st, scan.all);
    stage('ppr');
    const pastFeatures = computeFeatures(st, scan.past);
    const weights = chooseWeights(g, pastFeatures, scan, params);
    const risk = new Float64Array(g.n);
    const scores: EntityScore[] = [];
    const PARTIES = new Set<EntityKind>(['Trader', 'Consignee', 'Supplier', 'Broker', 'Carrier']);
    for (let i = 0; i < g.n; i++) {
      const r = riskOf(final, i, weights);
      risk[i] = r.risk;
      // Parties are always scored; an identifier or route only when a signal says something about it
      // (the others carry the base risk, and a reader treats a missing score as "nothing known").
      if (r.signals.length === 0 && !PARTIES.has(g.kinds[i]!)) continue;
      scores.push({
        entityId: g.ids[i]!, kind: g.kinds[i]!, risk: Math.round(r.risk * 1e6) / 1e6,
        community: louvain.community[i]! >= 0 ? louvain.community[i] : undefined, component: wcc.component[i],
        pagerank: pr[i]!, ppr: final.ppr[i]!, seizures: final.seizures[i]!, knownBad: final.knownBad[i] === 1, signals: r.signals,
      });
    }
    const communities = rankCommunities(g, louvain.community, risk, final.knownBad, scan.all.parties, ringOf);
    stage('scoring');

    opts.onStage?.('declaration model');
    const declarationModel = buildDeclarationModel(g, scan, louvain.community, pastFeatures, weights, params);
    stage('declaration_model');

    opts.onStage?.('write-back');
    await store.writeRunResults(runId, { scores, communities, categories: categoryList(scan.all) },
      (done, total) => opts.onProgress?.('write-back', done, total));
    stage('write_back');
    timings.total = Date.now() - t0;

    const counts: Record<string, number> = {
      declarations: scan.declarations, nodes: g.n, edges: g.m, damped_edges: damped.offsets[g.n]! / 2, hubs: hubs.hub.reduce((a, b) => a + b, 0),
      components: wcc.count, communities: louvain.count, split_communities: louvain.split, ranked_communities: communities.length, rings: rings.length,
      circular_traders: cycles.size, known_bad: final.knownBad.reduce((a, b) => a + b, 0), scored: scores.length,
    };
    const fullParams = {
      ...params,
      hubRule: `non-trader nodes linked to more than ${Math.round(hubs.threshold)} traders (max(${params.hubMinTraders}, ${params.hubShare} × traders)) are left out of community detection and risk propagation`,
      hubExamples: hubs.examples,
      contextLinks: 'ROUTED_VIA and CARRIED_BY links are left out of community detection and risk propagation',
      edgeWeights: 'declaration links log2(1 + count) / log2(2 + traders of the counterpart); identifier links type weight / log2(1 + users) (account 6, phone 5, e-mail 4, director 4, address 2)',
      riskWeights: weights, declarationModel, medians: Object.fromEntries(scan.medians), cutoff: scan.cutoff,
    };
    await store.completeRun(runId, { timings, modularity: louvain.modularity, counts, params: fullParams });
    return { runId, timings, modularity: louvain.modularity, counts, weights, declarationModel: { source: declarationModel.source } };
  } catch (err) {
    await store.failRun(runId, (err as Error).message).catch(() => undefined);
    throw err;
  }
}

/** Fitted weights when the future outcomes back them better than the defaults do; the defaults otherwise. */
function chooseWeights(g: EntityGraph, past: Features, scan: DeclarationScan, params: AnalysisParams): RiskWeights & { source: string } {
  const defaults = { ...DEFAULT_WEIGHTS, source: 'defaults' };
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
  if (x.length < 30 || positives < 10) return { ...defaults, source: `defaults (too few outcomes to fit: ${x.length} traders, ${positives} bad)` };
  const fit = fitLogistic(x, y, { nonNegative: true, l2: 0.01, iterations: 500 });
  const fitted: RiskWeights = { bias: fit.bias, weights: Object.fromEntries(SIGNALS.map((s, j) => [s, fit.weights[j]!])) as RiskWeights['weights'] };
  const score = (w: RiskWeights) => x.map((row) => row.reduce((z, v, j) => z + w.weights[SIGNALS[j]!] * v, w.bias));
  const aucFitted = auc(score(fitted), y);
  const aucDefault = auc(score(DEFAULT_WEIGHTS), y);
  const note = `${x.length} traders, ${positives} bad after ${scan.cutoff}; AUC fitted ${aucFitted.toFixed(3)}, defaults ${aucDefault.toFixed(3)}`;
  return aucFitted > aucDefault ? { ...fitted, source: `fitted (${note})` } : { ...defaults, source: `defaults (${note})` };
}

function buildDeclarationModel(
  g: EntityGraph, scan: DeclarationScan, community: Int32Array, past: Features, weights: RiskWeights, params: AnalysisParams,
): DeclarationModel {
  const names = featureNames(scan.all.categories.keys());
  if (params.weights === 'defaults') return defaultDeclarationModel(names);
  // The context as it stood at the cutoff: past outcomes only, past entity risks.
  const entityRisk = new Map<string, number>();
  for (let i = 0; i < g.n; i++) entityRisk.set(g.ids[i]!, riskOf(past, i, weights).risk);
  const communityOf = new Map<string, number>();
  for (let i = 0; i < g.n; i++) if (community[i]! >= 0) communityOf.set(g.ids[i]!, community[i]!);
  const ctx: ScoringContext = {
    categories: categoryMap(categoryList(scan.past)), baseRate: Math.max(1e-4, scan.past.bad / Math.max(1, scan.past.controlled)),
    medians: scan.medians, entityRisk, communityOf, communityRisk: new Map(), combos: scan.pastCombos,
  };
  return fitDeclarationModel(scan.futureDeclarations, ctx, names) ?? defaultDeclarationModel(names);
}

async function tradeCycles(store: GraphStore, g: EntityGraph): Promise<Map<number, number[]>> {
  // A consignee whose key is a registered trader's key is that trader receiving the goods.
  const traderByKey = new Map<string, number>();
  const consigneeKey = new Map<string, string>();
  for await (const batch of store.streamEntities(['Trader', 'Consignee'] as EntityKind[])) {
    for (const e of batch) {
      const i = g.index.get(e.id);
      if (e.kind === 'Trader' && i !== undefined) traderByKey.set(e.key, i);
      else if (e.kind === 'Consignee') consigneeKey.set(e.id, e.key);
    }
  }
  const edges: Array<[number, number]> = [];
  const consignedTo = REL_CODES.indexOf('CONSIGNED_TO');
  for (let e = 0; e < g.m; e++) {
    if (g.rel[e] !== consignedTo) continue;
    const key = consigneeKey.get(g.ids[g.dst[e]!]!);
    const t = key === undefined ? undefined : traderByKey.get(key);
    if (t !== undefined) edges.push([g.src[e]!, t]);
  }
  return findTradeCycles(g.n, edges, 4);
}

async function watchlistByNode(store: GraphStore, g: EntityGraph): Promise<Map<number, WatchlistEntry[]>> {
  const out = new Map<number, WatchlistEntry[]>();
  for (const hit of await store.watchlistHits()) {
    const i = g.index.get(hit.entity.id);
    if (i === undefined) continue;
    const l = out.get(i) ?? [];
    l.push(hit.entry);
    out.set(i, l);
  }
  return out;
}
