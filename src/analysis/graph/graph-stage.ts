/**
 * The graph half of a run: load the entity graph, weight and damp it, then components, Louvain,
 * PageRank, shared-identifier rings, circular trade and watchlist hits. It needs nothing from the declaration scan, so a run can do it in a worker thread
 * while the main thread scans (see graph-thread.ts); done inline, it is the same code.
 */
import type { DefaultIdentifier } from '../../domain/accountability';
import { IDENTIFIER_KINDS, type EntityKind } from '../../domain/entities';
import type { DeclarationLinkColumns } from '../../store/analysis-source';
import type { GraphStore } from '../../store/graph-store';
import type { WatchlistEntry } from '../../store/graph-writer';
import { stopwatch } from '../../util/stopwatch';
import { connectedComponents, pageRank } from './algorithms';
import { detectCommunities } from './louvain';
import { loadEntityGraph, REL_CODES, toCsr, type Csr, type EntityGraph } from './projection';
import { findRings, findTradeCycles, keepRingsWhole, type Ring } from './rings';

/** What the graph half needs of the run's parameters. */
export interface GraphParams {
  seed: number;
  /** Louvain resolution. */
  resolution: number;
  /** A non-trader node linked to more than max(hubMinTraders, hubShare × traders) traders is a hub. */
  hubShare: number;
  hubMinTraders: number;
  /**
   * An address, phone, e-mail or bank account shared by more traders than this is a data-entry
   * default (a customs agency's phone typed for every client), not a link: it is a hub whatever
   * the data's size, and the run reports it.
   */
  defaultIdentifierTraders: number;
  /** Communities with more traders are split again (Louvain on their own subgraph). */
  maxCommunityTraders: number;
  /** Identifiers shared by more parties than this do not chain rings. */
  ringMaxSharing: number;
}

export type GraphStageName = 'projection' | 'components' | 'louvain' | 'pagerank' | 'rings and cycles';

export interface GraphStageResult {
  g: EntityGraph;
  /** The graph for community detection and propagation: hubs and context links left out. */
  damped: Csr;
  hub: Uint8Array;
  hubThreshold: number;
  hubExamples: string[];
  /** Identifiers left out as data-entry defaults (or as hubs), most shared first, with how many there are. */
  defaultIdentifiers: { count: number; examples: Array<Omit<DefaultIdentifier, 'key'>> };
  component: Int32Array;
  components: number;
  community: Int32Array;
  communities: number;
  modularity: number;
  split: number;
  pagerank: Float64Array;
  pagerankIterations: number;
  rings: Ring[];
  ringOf: Int32Array;
  /** Ring members and identifiers moved so that every ring lies in one community (rings.ts keepRingsWhole). */
  ringNodesMoved: number;
  /** Traders in short circular-trade cycles, with their cycle. */
  cycles: Map<number, number[]>;
  /** Watchlist entries per node. */
  watchlist: Map<number, WatchlistEntry[]>;
  /** Milliseconds per stage. */
  timings: { projection: number; wcc: number; louvain: number; pagerank: number; rings: number };
}

/**
 * Edge weights. A shared identifier is the strongest tie there is (DESIGN §5): by type, divided by
 * how widely it is shared. A declaration tie grows with the number of declarations but is divided
 * by how many traders the counterpart serves, so a broker's or supplier's whole clientele does not
 * outweigh a phone shared by two companies.
 */
const IDENT_WEIGHT: Record<string, number> = { HAS_ACCOUNT: 6, HAS_PHONE: 5, HAS_EMAIL: 4, DIRECTS: 4, AT_ADDRESS: 2 };

export const EDGE_WEIGHT_RULE = 'declaration links log2(1 + count) / log2(2 + traders of the counterpart); identifier links type weight / log2(1 + users) (account 6, phone 5, e-mail 4, director 4, address 2)';

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

const IDENTIFIER = new Set<EntityKind>(IDENTIFIER_KINDS);
const DEFAULT_IDENTIFIER_EXAMPLES = 20;

interface Hubs {
  hub: Uint8Array;
  threshold: number;
  examples: string[];
  defaultIdentifiers: GraphStageResult['defaultIdentifiers'];
}

/**
 * Hubs: non-trader nodes linked to too many distinct traders (carriers, main ports, big brokers),
 * and identifiers shared so widely that they are data-entry defaults.
 */
function findHubs(g: EntityGraph, p: GraphParams): Hubs {
  const isTrader = Uint8Array.from(g.kinds, (k) => (k === 'Trader' ? 1 : 0));
  let traders = 0;
  const seen = new Uint8Array(g.n);
  const tradersOf = new Int32Array(g.n);
  for (let e = 0; e < g.m; e++) {
    const s = g.src[e]!;
    const d = g.dst[e]!;
    if (isTrader[s]) { if (!seen[s]) { seen[s] = 1; traders++; } tradersOf[d]!++; }
    if (isTrader[d]) { if (!seen[d]) { seen[d] = 1; traders++; } tradersOf[s]!++; }
  }
  const threshold = Math.max(p.hubMinTraders, p.hubShare * traders);
  const identifierLimit = Math.min(threshold, p.defaultIdentifierTraders);
  const hub = new Uint8Array(g.n);
  const found: number[] = [];
  const defaults: number[] = [];
  for (let i = 0; i < g.n; i++) {
    if (isTrader[i]) continue;
    const identifier = IDENTIFIER.has(g.kinds[i]!);
    if (tradersOf[i]! > (identifier ? identifierLimit : threshold)) {
      hub[i] = 1;
      found.push(i);
      if (identifier) defaults.push(i);
    }
  }
  const byTraders = (a: number, b: number) => tradersOf[b]! - tradersOf[a]! || a - b;
  found.sort(byTraders);
  defaults.sort(byTraders);
  return {
    hub, threshold, examples: found.slice(0, 10).map((i) => `${g.kinds[i]} ${g.ids[i]} (${tradersOf[i]} traders)`),
    defaultIdentifiers: {
      count: defaults.length,
      examples: defaults.slice(0, DEFAULT_IDENTIFIER_EXAMPLES).map((i) => ({ kind: g.kinds[i]!, id: g.ids[i]!, traders: tradersOf[i]! })),
    },
  };
}

/** How the graph half reads the graph: stages and progress reported, the declarations' columns where a run has them cached. */
export interface GraphLoadOptions {
  onStage?: (s: GraphStageName) => void;
  onProgress?: (links: number) => void;
  declarations?: DeclarationLinkColumns;
}

export async function analyseGraph(store: GraphStore, p: GraphParams, opts: GraphLoadOptions = {}): Promise<GraphStageResult> {
  const s = await loadGraphStructure(store, p, opts);
  opts.onStage?.('louvain');
  const c = communitiesOf(s, p);
  return assembleGraphStage(s, c, await ranksAndRings(store, s, p, opts), p);
}

/** What the rest of the graph half starts from: the graph, its weights and hubs, the damped graph and its components. */
export interface GraphStructure extends Pick<GraphStageResult, 'g' | 'damped' | 'hub' | 'hubThreshold' | 'hubExamples' | 'defaultIdentifiers' | 'component' | 'components'> {
  weight: Float64Array;
  timings: { projection: number; wcc: number };
}

export type Communities = Pick<GraphStageResult, 'community' | 'communities' | 'modularity' | 'split'> & { timings: { louvain: number } };

/** PageRank: it does not wait for Louvain. */
export type Ranks = Pick<GraphStageResult, 'pagerank' | 'pagerankIterations'> & { timings: { pagerank: number } };

/** Rings, circular trade and watchlist hits: they do not wait for Louvain either. */
export type Rings = Pick<GraphStageResult, 'rings' | 'ringOf' | 'cycles' | 'watchlist'> & { timings: { rings: number } };

/** PageRank, rings, circular trade and watchlist hits: what does not wait for Louvain. */
export type RanksAndRings = Omit<Ranks & Rings, 'timings'> & { timings: Ranks['timings'] & Rings['timings'] };

/** The entity graph read from the store, and its structure; the read is timed with the projection. */
export async function loadGraphStructure(store: GraphStore, p: GraphParams, opts: GraphLoadOptions = {}): Promise<GraphStructure> {
  const lap = stopwatch();
  opts.onStage?.('projection');
  const g = await loadEntityGraph(store, opts.onProgress, opts.declarations);
  const loaded = lap();
  const s = graphStructure(g, p, opts);
  s.timings.projection += loaded;
  return s;
}

/** Weights, hubs, the damped graph and its components. */
export function graphStructure(g: EntityGraph, p: GraphParams, opts: { onStage?: (s: GraphStageName) => void } = {}): GraphStructure {
  const lap = stopwatch();
  const weight = edgeWeights(g);
  const hubs = findHubs(g, p);
  // Shared: the personalized PageRank's thread reads it too (and the graph thread sends it to the run).
  const damped = toCsr(g, weight, dampedEdges(g, hubs.hub), true);
  const projection = lap();
  opts.onStage?.('components');
  const wcc = connectedComponents(damped);
  return {
    g, weight, damped, hub: hubs.hub, hubThreshold: hubs.threshold, hubExamples: hubs.examples, defaultIdentifiers: hubs.defaultIdentifiers,
    component: wcc.component, components: wcc.count, timings: { projection, wcc: lap() },
  };
}

/**
 * Routes and carriers are shared by design (everyone ships CN → MA with someone): they are context
 * for the declaration model, not ties between parties, so community detection and risk
 * propagation leave them out along with the hubs.
 */
function dampedEdges(g: EntityGraph, hub: Uint8Array): (e: number) => boolean {
  const routedVia = REL_CODES.indexOf('ROUTED_VIA');
  const carriedBy = REL_CODES.indexOf('CARRIED_BY');
  return (e) => !hub[g.src[e]!] && !hub[g.dst[e]!] && g.rel[e] !== routedVia && g.rel[e] !== carriedBy;
}

export function communitiesOf(s: GraphStructure, p: GraphParams): Communities {
  const lap = stopwatch();
  const louvain = detectCommunities(s.g, s.weight, dampedEdges(s.g, s.hub), { seed: p.seed, resolution: p.resolution, maxTraders: p.maxCommunityTraders });
  return { community: louvain.community, communities: louvain.count, modularity: louvain.modularity, split: louvain.split, timings: { louvain: lap() } };
}

/** PageRank over the whole graph (hubs and context links included, as link analysis reads it). */
export function ranksOf(s: GraphStructure, opts: { onStage?: (s: GraphStageName) => void } = {}): Ranks {
  const lap = stopwatch();
  opts.onStage?.('pagerank');
  const pr = pageRank(toCsr(s.g, s.weight));
  return { pagerank: pr.rank, pagerankIterations: pr.iterations, timings: { pagerank: lap() } };
}

/** Shared-identifier rings of the graph in memory (the analysis-worker benchmark has no store for the rest of ringsOf). */
function ringsInMemory(s: GraphStructure, p: GraphParams, opts: { onStage?: (s: GraphStageName) => void } = {}) {
  const lap = stopwatch();
  opts.onStage?.('rings and cycles');
  const { rings, ringOf } = findRings(s.g, { maxSharing: p.ringMaxSharing, excluded: s.hub });
  return { rings, ringOf, timings: { rings: lap() } };
}

/** The rings, and the circular trade and watchlist hits read from the store. */
export async function ringsOf(store: GraphStore, s: GraphStructure, p: GraphParams, opts: { onStage?: (s: GraphStageName) => void } = {}): Promise<Rings> {
  const r = ringsInMemory(s, p, opts);
  // Cycles and watchlist hits read the store: timed with the rings, as the stage that reports them.
  const storeReads = stopwatch();
  const cycles = await tradeCycles(store, s.g);
  const watchlist = await watchlistByNode(store, s.g);
  return { ...r, cycles, watchlist, timings: { rings: r.timings.rings + storeReads() } };
}

export async function ranksAndRings(store: GraphStore, s: GraphStructure, p: GraphParams, opts: { onStage?: (s: GraphStageName) => void } = {}): Promise<RanksAndRings> {
  return joined(ranksOf(s, opts), await ringsOf(store, s, p, opts));
}

/** PageRank and the rings as one result, wherever each was computed. */
export function joined<R extends Omit<Rings, 'cycles' | 'watchlist'>>(ranks: Ranks, rings: R): Omit<Ranks, 'timings'> & Omit<R, 'timings'> & { timings: RanksAndRings['timings'] } {
  return { ...ranks, ...rings, timings: { ...ranks.timings, ...rings.timings } };
}

/** The graph half's result from its parts; every ring is put in one community here (rings.ts keepRingsWhole). */
export function assembleGraphStage<R extends Omit<RanksAndRings, 'cycles' | 'watchlist'>>(s: GraphStructure, c: Communities, r: R, p: GraphParams): Omit<GraphStageResult, 'cycles' | 'watchlist'> & R {
  const lap = stopwatch();
  const ringNodesMoved = keepRingsWhole(c.community, r.rings, p.maxCommunityTraders);
  return {
    ...r, g: s.g, damped: s.damped, hub: s.hub, hubThreshold: s.hubThreshold, hubExamples: s.hubExamples, defaultIdentifiers: s.defaultIdentifiers,
    component: s.component, components: s.components, community: c.community, communities: c.communities, modularity: c.modularity, split: c.split,
    ringNodesMoved, timings: { ...s.timings, ...c.timings, pagerank: r.timings.pagerank, rings: r.timings.rings + lap() },
  };
}

/**
 * The algorithms of the graph half on a graph in memory, wherever it came from (the store, or a
 * file in the analysis-worker benchmark): weights, hubs, the damped graph, components, Louvain,
 * PageRank and rings.
 */
export function graphAlgorithms(
  g: EntityGraph, p: GraphParams, opts: { onStage?: (s: GraphStageName) => void } = {},
): Omit<GraphStageResult, 'cycles' | 'watchlist'> {
  const s = graphStructure(g, p, opts);
  opts.onStage?.('louvain');
  const c = communitiesOf(s, p);
  return assembleGraphStage(s, c, joined(ranksOf(s, opts), ringsInMemory(s, p, opts)), p);
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

