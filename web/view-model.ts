/**
 * What the explorer draws of what it has loaded: filters by kind, risk, link type and lodging
 * date; hubs (a carrier or route linked to most of the view) left out unless asked for; and, while
 * declarations are hidden, their parties tied directly ("12 declarations") so the network stays
 * readable. Pure functions: the page calls them on every change, tests call them directly.
 */

export interface ViewNode {
  id: string;
  kind: string;
  key: string;
  name: string;
  risk?: { score: number; knownBad: boolean } | null;
  lodgedAt?: string | null;
}

export interface ViewLink {
  source: string;
  target: string;
  type: string;
}

export interface Filters {
  hiddenKinds: Set<string>;
  /** Parties below this risk are hidden (identifiers, routes and declarations are not risk-scored parties). */
  minRisk: number;
  hiddenLinks: Set<string>;
  /** Lodging dates kept, inclusive (YYYY-MM-DD); open when absent. */
  from?: string;
  to?: string;
  showHubs: boolean;
}

export interface DrawnLink extends ViewLink {
  key: string;
  /** For a link standing for hidden declarations: how many. */
  declarations?: number;
}

export interface VisibleView<N extends ViewNode = ViewNode> {
  nodes: N[];
  links: DrawnLink[];
  /** Hubs left out (with their links in the view), most linked first. */
  hiddenHubs: Array<{ node: N; links: number }>;
  /** The first and last lodging day of the declarations loaded. */
  dateSpan?: [string, string];
}

/** Declarations and containers are hidden at first: the parties and what ties them come first. */
export const DEFAULT_HIDDEN_KINDS = ['DECLARATION', 'CONTAINER'];
/** A carrier, route, vessel or broker with more links than this in the view is a hub. */
export const HUB_LINKS = 40;
const HUB_KINDS = new Set(['CARRIER', 'ROUTE', 'VESSEL', 'BROKER']);
const PARTIES = new Set(['TRADER', 'CONSIGNEE', 'SUPPLIER', 'BROKER', 'CARRIER']);
/** The relationships from a declaration to what it names. */
export const DECLARATION_LINKS = new Set(['FILED_BY', 'CONSIGNED_TO', 'SUPPLIED_BY', 'DECLARED_BY', 'CARRIED_BY', 'ROUTED_VIA', 'ON_VESSEL', 'IN_CONTAINER']);
/** The type of a link standing for hidden declarations. */
export const VIA_DECLARATIONS = 'VIA_DECLARATIONS';

export function defaultFilters(): Filters {
  return { hiddenKinds: new Set(DEFAULT_HIDDEN_KINDS), minRisk: 0, hiddenLinks: new Set(), showHubs: false };
}

const day = (d: string) => d.slice(0, 10);

/** The view of what is loaded; `focus` (the entity or ring members opened) is never left out as a hub. */
export function visibleView<N extends ViewNode>(nodes: ReadonlyMap<string, N>, links: readonly ViewLink[], f: Filters, focus: ReadonlySet<string> = new Set()): VisibleView<N> {
  const dated = f.from !== undefined || f.to !== undefined;
  const inRange = (n: ViewNode) => !n.lodgedAt || ((f.from === undefined || day(n.lodgedAt) >= f.from) && (f.to === undefined || day(n.lodgedAt) <= f.to));
  const degree = new Map<string, number>();
  for (const l of links) for (const id of [l.source, l.target]) degree.set(id, (degree.get(id) ?? 0) + 1);
  // With dates set, a party stays when one of its declarations in view was lodged in the range.
  const declarationOf = (l: ViewLink) => [nodes.get(l.source), nodes.get(l.target)].find((n) => n?.kind === 'DECLARATION');
  const activeParty = new Set<string>();
  const dates: string[] = [];
  for (const n of nodes.values()) if (n.kind === 'DECLARATION' && n.lodgedAt) dates.push(day(n.lodgedAt));
  for (const l of links) {
    const d = declarationOf(l);
    if (d && inRange(d)) activeParty.add(d.id === l.source ? l.target : l.source);
  }
  const hubs: VisibleView<N>['hiddenHubs'] = [];
  const keep = new Set<string>();
  for (const n of nodes.values()) {
    if (f.hiddenKinds.has(n.kind) && n.kind !== 'DECLARATION') continue;
    if (n.kind === 'DECLARATION' && !inRange(n)) continue;
    if (PARTIES.has(n.kind) && (n.risk?.score ?? 0) < f.minRisk) continue;
    if (HUB_KINDS.has(n.kind) && (degree.get(n.id) ?? 0) > HUB_LINKS && !f.showHubs && !focus.has(n.id)) {
      hubs.push({ node: n, links: degree.get(n.id)! });
      continue;
    }
    if (dated && n.kind !== 'DECLARATION' && PARTIES.has(n.kind) && !activeParty.has(n.id)) continue;
    keep.add(n.id);
  }
  // Identifiers and persons stay only when they still tie a party in view (with dates set).
  if (dated) {
    const tied = new Set<string>();
    for (const l of links) {
      if (keep.has(l.source) && PARTIES.has(nodes.get(l.source)?.kind ?? '')) tied.add(l.target);
      if (keep.has(l.target) && PARTIES.has(nodes.get(l.target)?.kind ?? '')) tied.add(l.source);
    }
    for (const id of [...keep]) {
      const k = nodes.get(id)!.kind;
      if (!PARTIES.has(k) && k !== 'DECLARATION' && !tied.has(id)) keep.delete(id);
    }
  }
  const showDeclarations = !f.hiddenKinds.has('DECLARATION');
  const drawn: DrawnLink[] = [];
  const via = new Map<string, DrawnLink>();
  // A hidden declaration ties its trader to each party it names.
  const partiesOf = new Map<string, Array<{ type: string; id: string }>>();
  for (const l of links) {
    if (f.hiddenLinks.has(l.type)) continue;
    const d = declarationOf(l);
    if (d && !showDeclarations) {
      if (!keep.has(d.id)) continue;
      const other = d.id === l.source ? l.target : l.source;
      let list = partiesOf.get(d.id);
      if (!list) partiesOf.set(d.id, (list = []));
      list.push({ type: l.type, id: other });
      continue;
    }
    if (keep.has(l.source) && keep.has(l.target)) drawn.push({ ...l, key: `${l.source}|${l.type}|${l.target}` });
  }
  for (const list of partiesOf.values()) {
    const trader = list.find((p) => p.type === 'FILED_BY')?.id;
    if (!trader || !keep.has(trader)) continue;
    for (const p of list) {
      if (p.id === trader || !keep.has(p.id)) continue;
      const key = `${trader}|${VIA_DECLARATIONS}|${p.id}`;
      const l = via.get(key);
      if (l) l.declarations!++;
      else via.set(key, { source: trader, target: p.id, type: VIA_DECLARATIONS, key, declarations: 1 });
    }
  }
  if (!showDeclarations) for (const id of [...keep]) if (nodes.get(id)!.kind === 'DECLARATION') keep.delete(id);
  dates.sort();
  return {
    nodes: [...keep].map((id) => nodes.get(id)!), links: [...drawn, ...via.values()], hiddenHubs: hubs.sort((a, b) => b.links - a.links),
    ...(dates.length ? { dateSpan: [dates[0]!, dates[dates.length - 1]!] as [string, string] } : {}),
  };
}
