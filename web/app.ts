/**
 * The investigator explorer: a page served at / of the API server, bundled with its libraries
 * (graphology, sigma.js) so it works on an air-gapped network. Every action goes through the same
 * GraphQL API as any client: roles, limits and the audit log apply.
 */
import Graph from 'graphology';
import forceAtlas2 from 'graphology-layout-forceatlas2';
import FA2Layout from 'graphology-layout-forceatlas2/worker';
import noverlap from 'graphology-layout-noverlap';
import { createNodeBorderProgram } from '@sigma/node-border';
import Sigma from 'sigma';
import { createClient, type Client } from 'graphql-ws';
import { DEFAULT_HIDDEN_KINDS, defaultFilters, VIA_DECLARATIONS, visibleView, type Filters, type VisibleView } from './view-model';

interface ApiError extends Error { code?: string; limit?: string }
interface Reason { name: string; value: number; contribution: number; evidence: string[]; references?: Reference[] }
interface Reference {
  kind: 'DECLARATION' | 'ENTITY' | 'RING' | 'CATEGORY'; text: string; declaration: { id: string } | null; entity: { id: string } | null;
  ring: { id: string } | null; category: { entity: { id: string } | null } | null;
}
interface Party { role: string; entity: { id: string; kind: string; name: string; key: string } }
interface DeclarationView {
  id: string; declarationId: string; itemNo: number; lodgedAt: string | null; lodgedOn: string; office: string | null; regime: string; hsCode: string; goodsDescription: string | null;
  originCountry: string; goodsOriginCountry: string | null; transportMode: string | null; vessel: string | null; containerIds: string[];
  loadingPort: string | null; transitPorts: string[]; dischargePort: string | null; destinationCountry: string | null; quantity: number | null; unit: string | null;
  grossWeightKg: number | null; declaredValue: number; currency: string; unitValue: number | null; hsMedianUnitValue: number | null; outcome: string;
  fraudType: string | null; recoveredAmount: number | null; aeo: boolean | null; parties: Party[]; risk: { score: number; reasons: Reason[] } | null;
}
interface Node { id: string; kind: string; key: string; name: string; lodgedAt?: string | null; risk?: { score: number; knownBad: boolean; seizures: number; community: number | null; reasons: Reason[] } | null }
interface Link { source: string; target: string; type: string }

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const KEY = 'customs-graph-key';
const COLORS: Record<string, string> = {
  TRADER: '#1f77b4', CONSIGNEE: '#17becf', SUPPLIER: '#2ca02c', BROKER: '#9467bd', CARRIER: '#8c564b', ROUTE: '#7f7f7f',
  PERSON: '#e377c2', ADDRESS: '#bcbd22', PHONE: '#ff7f0e', EMAIL: '#f2a900', BANK_ACCOUNT: '#393b79', VESSEL: '#5a5a5a',
  CONTAINER: '#aaaaaa', DECLARATION: '#c7d0db',
};
const LINK_NAMES: Record<string, string> = {
  FILED_BY: 'filed by', CONSIGNED_TO: 'consigned to', SUPPLIED_BY: 'supplied by', DECLARED_BY: 'declared by', CARRIED_BY: 'carried by',
  ROUTED_VIA: 'routed via', ON_VESSEL: 'on vessel', IN_CONTAINER: 'container', AT_ADDRESS: 'address', HAS_PHONE: 'phone',
  HAS_EMAIL: 'e-mail', HAS_ACCOUNT: 'bank account', DIRECTS: 'director',
};
/** The most nodes of a ring drawn (the API's subgraph limit): hubs are hidden and declarations folded, so a full ring stays readable. */
const RING_LIMIT = 500;
// lodgedAt: the day a declaration node was lodged (the time filter's), whatever its schema name.
const NODE_FIELDS = 'id kind key name lodgedAt: lodgedOn risk { score knownBad seizures community reasons { name value contribution evidence } }';
const REFERENCES = 'references { kind text declaration { id } entity { id } ring { id } category { entity { id } } }';
const ROLE_NAMES: Record<string, string> = {
  FILED_BY: 'trader', CONSIGNED_TO: 'consignee', SUPPLIED_BY: 'supplier', DECLARED_BY: 'broker', CARRIED_BY: 'carrier', ROUTED_VIA: 'route', ON_VESSEL: 'vessel',
};

const graph = new Graph({ multi: true, type: 'directed' });
let sigma: Sigma | undefined;
let focus: { kind: 'entity'; id: string } | { kind: 'ring'; community: number } | undefined;
/** Who is signed in (written on exported pictures). */
let viewer: { name: string; role: string } | undefined;
/** The title of the view drawn (a ring's rank, an entity's name), for exported pictures. */
let viewTitle = '';
/** The ring's panel as last drawn: shown again when the investigator comes back from a declaration. */
let ringPanel = '';
/** The view drawn now (an entity's network or a ring), so that coming back re-draws nothing. */
let drawnView: [string, string] | undefined;
const pathEnds: string[] = [];
const nodes = new Map<string, Node>();
const w = window as unknown as { __cg: Record<string, unknown> };
w.__cg = { graph, drawnAt: 0, draws: 0, openEntity: (id: string, limit: number) => openEntity(id, limit) };

function status(text: string, error = false): void {
  const el = $('status');
  el.textContent = text;
  el.classList.toggle('error', error);
}

async function gql<T>(query: string, variables?: Record<string, unknown>): Promise<T> {
  const res = await fetch('/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${sessionStorage.getItem(KEY) ?? ''}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: T; errors?: Array<{ message: string; extensions?: { code?: string; limit?: string } }> };
  if (body.errors?.length) {
    const e = body.errors[0]!;
    const err = new Error(e.message) as ApiError;
    err.code = e.extensions?.code;
    err.limit = e.extensions?.limit;
    throw err;
  }
  return body.data as T;
}

function explain(err: unknown): void {
  const e = err as ApiError;
  if (e.code === 'UNAUTHENTICATED') {
    signOut();
    status('Your key was refused or has expired: sign in again.', true);
  } else if (e.code === 'FORBIDDEN') status(`Not allowed for your role: ${e.message}`, true);
  else if (e.limit) status(`Limit reached (${e.limit}): ${e.message}`, true);
  else status(e.message || 'Something went wrong.', true);
}

function signOut(): void {
  sessionStorage.removeItem(KEY);
  live?.dispose();
  live = undefined;
  $('signin').hidden = false;
  $('session').hidden = true;
}

/** Who is signed in, and the run the API serves now (read again when a new run's alerts arrive). */
async function showSession(): Promise<void> {
  const d = await gql<{ currentRun: { id: string } | null; viewer: { name: string; role: string } }>('{ currentRun { id } viewer { name role } }');
  viewer = d.viewer;
  $('who').textContent = `${d.viewer.name} (${d.viewer.role.toLowerCase()}) · ${d.currentRun ? `analysis run ${shortId(d.currentRun.id)}` : 'no analysis run yet'}`;
}

async function signIn(key: string): Promise<void> {
  sessionStorage.setItem(KEY, key);
  try {
    await showSession();
    $('signin').hidden = true;
    $('session').hidden = false;
    status('Signed in. Search an entity or open the ranked rings.');
    if (['INVESTIGATOR', 'ANALYST', 'ADMIN'].includes(viewer!.role)) {
      $('alerts').hidden = false;
      listen(key);
      void showAlerts();
    } else $('alerts').hidden = true;
    $('q').focus();
    // A link to a view opens it (once the key is known).
    if (location.hash.length > 1) await route();
  } catch (err) {
    explain(err);
  }
}

// ---------- drawing ----------

function ensureSigma(): Sigma {
  if (!sigma) {
    sigma = new Sigma(graph, $('graph'), {
      renderEdgeLabels: true, labelRenderedSizeThreshold: 6, labelDensity: 1, labelGridCellSize: 160, stagePadding: 70, defaultEdgeType: 'arrow',
      enableEdgeEvents: true, defaultNodeType: 'bordered', nodeProgramClasses: { bordered: BorderedNode },
      // While the camera moves, edges and labels wait: panning a large graph stays fluid.
      hideEdgesOnMove: true, hideLabelsOnMove: true,
    });
    // A link's evidence: the declaration it belongs to, or the declarations naming both ends.
    sigma.on('clickEdge', ({ edge }) => {
      const [a, b] = graph.extremities(edge);
      const declaration = [a, b].find((x) => graph.getNodeAttribute(x, 'kind') === 'DECLARATION');
      navigate(undefined, declaration ? ['declaration', declaration] : ['link', `${a},${b}`]);
    });
    sigma.on('clickNode', ({ node, event }) => {
      if ((event.original as MouseEvent).shiftKey) addPathEnd(node);
      else navigate(undefined, graph.getNodeAttribute(node, 'kind') === 'DECLARATION' ? ['declaration', node] : ['selected', node]);
    });
    sigma.on('doubleClickNode', ({ node, event }) => {
      event.preventSigmaDefault();
      void expand(node);
    });
    w.__cg.sigma = sigma;
  }
  return sigma;
}

/** Nodes drawn with a border: known-bad entities get a red ring, so that their fill keeps the colour of their kind. */
const BorderedNode = createNodeBorderProgram({
  borders: [
    { size: { attribute: 'borderSize', defaultValue: 0 }, color: { attribute: 'borderColor' } },
    { size: { fill: true }, color: { attribute: 'color' } },
  ],
});

/** A node's label: short enough not to run over its neighbours (the full name is in its panel). */
function labelOf(n: Node): string {
  const name = n.name.length > 26 ? `${n.name.slice(0, 25)}…` : n.name;
  return `${n.risk?.knownBad ? '⚠ ' : ''}${name}`;
}

/** What has been loaded (the view filters it), where each node was placed, and what to highlight. */
const links = new Map<string, Link>();
const positions = new Map<string, { x: number; y: number }>();
let filters: Filters = defaultFilters();
let highlighted = new Set<string>();
let pathLinks = new Set<string>();
let layoutRun: FA2Layout | undefined;

function nodeAttributes(n: Node, at: { x: number; y: number }) {
  const mark = highlighted.has(n.id);
  return {
    label: labelOf(n), kind: n.kind, x: at.x, y: at.y, size: 4 + 14 * (n.risk?.score ?? 0), color: COLORS[n.kind] ?? '#555',
    borderColor: n.risk?.knownBad ? '#b00020' : mark ? '#f2a900' : '#ffffff', borderSize: n.risk?.knownBad || mark ? 0.35 : 0.08,
    highlighted: mark, forceLabel: mark,
  };
}

/** Adds what a request returned; new nodes start near the node they were reached from, then the layout settles them. */
function load(list: Node[], ls: Link[], centre?: string, mark = false): Promise<void> {
  const origin = (centre && positions.get(centre)) || { x: 0, y: 0 };
  const added: string[] = [];
  list.forEach((n, i) => {
    if (!positions.has(n.id)) {
      const a = (2 * Math.PI * i) / Math.max(1, list.length);
      positions.set(n.id, { x: origin.x + 10 * Math.cos(a) * (1 + (i % 3)), y: origin.y + 10 * Math.sin(a) * (1 + (i % 3)) });
      added.push(n.id);
    }
    nodes.set(n.id, n);
  });
  for (const l of ls) links.set(`${l.source}|${l.type}|${l.target}`, l);
  if (mark) highlighted = new Set(added);
  return render(added.length > 0);
}

/** Draws the filtered view; lays it out when new nodes came in. */
async function render(layOutNew: boolean): Promise<void> {
  let v = visibleView(nodes, [...links.values()], filters, opened);
  // What was loaded is all declarations (a busy broker's first 500): hiding them would leave it alone.
  if (v.nodes.length <= 1 && nodes.size > 1 && filters.hiddenKinds.has('DECLARATION')) {
    filters.hiddenKinds.delete('DECLARATION');
    v = visibleView(nodes, [...links.values()], filters, opened);
  }
  layoutRun?.kill();
  graph.clear();
  for (const n of v.nodes) graph.addNode(n.id, nodeAttributes(n, positions.get(n.id) ?? { x: 0, y: 0 }));
  for (const l of v.links) {
    const onPath = pathLinks.has(l.key);
    graph.addEdgeWithKey(l.key, l.source, l.target, {
      label: l.declarations ? `${l.declarations} declaration${l.declarations > 1 ? 's' : ''}` : LINK_NAMES[l.type] ?? l.type,
      size: onPath ? 4 : l.type.startsWith('HAS_') || l.type === 'DIRECTS' ? 3 : l.declarations ? Math.min(6, 1 + Math.log2(l.declarations)) : 1,
      color: onPath ? '#f2a900' : undefined, type: l.type === VIA_DECLARATIONS ? 'line' : 'arrow',
    });
  }
  renderFilters(v);
  renderLegend();
  ensureSigma().refresh();
  if (layOutNew && graph.order > 1) await layOut();
  w.__cg.drawnAt = performance.now();
  w.__cg.draws = (w.__cg.draws as number) + 1;
}

/** ForceAtlas2 in a web worker for a time budget, then noverlap so that no two nodes sit on each other. */
async function layOut(budgetMs = Math.min(700, 200 + graph.order)): Promise<void> {
  const t0 = performance.now();
  const settings = { ...forceAtlas2.inferSettings(graph), barnesHutOptimize: graph.order > 250, adjustSizes: false, slowDown: 2 };
  const run = new FA2Layout(graph, { settings });
  layoutRun = run;
  run.start();
  await new Promise((r) => setTimeout(r, budgetMs));
  if (layoutRun !== run) return; // a newer draw took over
  run.kill();
  layoutRun = undefined;
  noverlap.assign(graph, { maxIterations: 80, settings: { margin: 4, ratio: 1.4 } });
  graph.forEachNode((id, a) => positions.set(id, { x: a.x as number, y: a.y as number }));
  sigma?.refresh();
  w.__cg.layoutMs = performance.now() - t0;
  w.__cg.layouts = ((w.__cg.layouts as number) ?? 0) + 1;
}

function renderLegend(): void {
  const kinds = new Set(graph.mapNodes((_, a) => a.kind as string));
  $('legend').innerHTML = [...kinds].map((k) => `<span><i style="background:${COLORS[k]}"></i>${k.toLowerCase().replace('_', ' ')}</span>`).join('') +
    '<span><i class="ring bad"></i>known bad (red ring, ⚠)</span><span><i class="ring new"></i>new or on the path</span>';
}

/** The filter panel: kinds, risk, link types, lodging dates, hubs; each change redraws (and goes in the URL). */
function renderFilters(v: VisibleView<Node>): void {
  const kinds = new Map<string, number>();
  for (const n of nodes.values()) kinds.set(n.kind, (kinds.get(n.kind) ?? 0) + 1);
  const types = new Set([...links.values()].map((l) => l.type));
  if (filters.hiddenKinds.has('DECLARATION') && types.size) types.add(VIA_DECLARATIONS);
  const days = v.dateSpan ? spanDays(v.dateSpan) : [];
  sliderDays = days;
  const slider = (id: string, value: string | undefined, fallback: number) => `<input type="range" id="${id}" min="0" max="${Math.max(0, days.length - 1)}"
    value="${value ? Math.max(0, days.indexOf(value)) : fallback}" ${days.length ? '' : 'disabled'} aria-label="${id === 'f-from' ? 'from' : 'to'}">`;
  $('filters').innerHTML = `<legend>Show</legend>
    <div class="kinds">${[...kinds].sort().map(([k, n]) => `<label><input type="checkbox" data-kind="${k}" ${filters.hiddenKinds.has(k) ? '' : 'checked'}> ${k.toLowerCase().replace('_', ' ')} <small>${n}</small></label>`).join('')}</div>
    <label for="f-risk">Parties with risk ≥ <output id="f-risk-out">${filters.minRisk.toFixed(2)}</output></label>
    <input type="range" id="f-risk" min="0" max="1" step="0.05" value="${filters.minRisk}">
    <div class="links">${[...types].sort().map((t) => `<label><input type="checkbox" data-link="${t}" ${filters.hiddenLinks.has(t) ? '' : 'checked'}> ${t === VIA_DECLARATIONS ? 'via declarations' : LINK_NAMES[t] ?? t}</label>`).join('')}</div>
    <div class="dates">Lodged <output id="f-dates">${filters.from ?? days[0] ?? '–'} to ${filters.to ?? days[days.length - 1] ?? '–'}</output>
      ${slider('f-from', filters.from, 0)}${slider('f-to', filters.to, days.length - 1)}</div>
    ${v.hiddenHubs.length || filters.showHubs ? `<label><input type="checkbox" id="f-hubs" ${filters.showHubs ? 'checked' : ''}> show hubs${v.hiddenHubs.length ? ` <small>(${v.hiddenHubs.length} hidden: ${v.hiddenHubs.slice(0, 3).map((h) => `${escape(h.node.name)} · ${h.links} links`).join('; ')})</small>` : ''}</label>` : ''}
    <p><small>${v.nodes.length} of ${nodes.size} nodes shown.</small></p>`;
  w.__cg.visible = v.nodes.length;
  w.__cg.loaded = nodes.size;
}

/** The time slider's steps: every day from the first to the last declaration loaded (whatever the filters). */
let sliderDays: string[] = [];

/** Every day from the first to the last of a span (the time slider's steps). */
function spanDays([from, to]: [string, string]): string[] {
  const out: string[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`) && out.length < 5000; t += 86_400_000) out.push(new Date(t).toISOString().slice(0, 10));
  return out;
}

/** What the investigator opened (the entity, the ring's or the case's nodes): never hidden as a hub. */
let opened = new Set<string>();

function reset(): void {
  layoutRun?.kill();
  layoutRun = undefined;
  graph.clear();
  nodes.clear();
  links.clear();
  positions.clear();
  highlighted = new Set();
  pathLinks = new Set();
}

// ---------- actions ----------

async function openEntity(id: string, limit = 200): Promise<void> {
  try {
    status('Loading…');
    const d = await gql<{ neighborhood: { nodes: Node[]; edges: Link[]; truncated: boolean } }>(
      `query($id: ID!, $limit: Int!) { neighborhood(id: $id, hops: 2, limit: $limit) { nodes { ${NODE_FIELDS} } edges { source target type } truncated } }`, { id, limit });
    reset();
    focus = { kind: 'entity', id };
    drawnView = ['entity', id];
    opened = new Set([id]);
    viewTitle = `network of ${d.neighborhood.nodes.find((n) => n.id === id)?.name ?? id}`;
    w.__cg.focusId = id;
    await load(d.neighborhood.nodes, d.neighborhood.edges, id);
    await showDetails(id);
    status(`${d.neighborhood.nodes.length} nodes${d.neighborhood.truncated ? ' — truncated at the limit: expand nodes to see more' : ''}.`);
  } catch (err) {
    explain(err);
  }
}

async function expand(id: string): Promise<void> {
  try {
    const d = await gql<{ neighborhood: { nodes: Node[]; edges: Link[]; truncated: boolean } }>(
      `query($id: ID!) { neighborhood(id: $id, hops: 1, limit: 100) { nodes { ${NODE_FIELDS} } edges { source target type } truncated } }`, { id });
    const before = nodes.size;
    await load(d.neighborhood.nodes, d.neighborhood.edges, id, true);
    status(`Expanded: ${nodes.size - before} new nodes (ringed in amber)${d.neighborhood.truncated ? ' — truncated at the limit of 100' : ''}.`);
  } catch (err) {
    explain(err);
  }
}

/** A reference as a link that opens the right panel: a declaration, an entity, a ring; an attribute's record as text with its entity. */
function referenceHtml(ref: Reference): string {
  const text = escape(ref.text);
  if (ref.kind === 'DECLARATION' && ref.declaration) return `<li><button type="button" class="ref" data-declaration="${ref.declaration.id}">${text}</button></li>`;
  if (ref.kind === 'RING' && ref.ring) return `<li><button type="button" class="ref" data-ring="${escape(ref.ring.id)}">${text}</button></li>`;
  if (ref.kind === 'ENTITY' && ref.entity) return `<li><button type="button" class="ref" data-open="${ref.entity.id}">${text}</button></li>`;
  if (ref.kind === 'CATEGORY' && ref.category?.entity) return `<li>${text} <button type="button" class="ref" data-open="${ref.category.entity.id}">open</button></li>`;
  return `<li>${text}</li>`;
}

function reasonHtml(r: Reason): string {
  const ev = r.references
    ? `<ul class="evidence">${r.references.map(referenceHtml).join('')}</ul>`
    : `<div class="evidence">${r.evidence.map((e) => (/^(ring|community):/.test(e) ? `<span>${escape(e)}</span>` : `<button type="button" data-open="${escape(e)}">${escape(e)}</button>`)).join('')}</div>`;
  const effect = r.contribution < 0 ? `<span class="lowers">lowers −${(-r.contribution).toFixed(2)}</span>` : `+${r.contribution.toFixed(2)}`;
  return `<li class="reason"><strong>${r.name.replace(/_/g, ' ')}</strong> ${effect} <small>(value ${r.value})</small>${ev}</li>`;
}

const money = (v: number, currency: string) => `${v.toLocaleString('en-US', { maximumFractionDigits: 2 })} ${currency}`;
const row = (label: string, value: string | null | undefined) => (value ? `<tr><th>${label}</th><td>${value}</td></tr>` : '');

/** The declaration panel: when, where, what, how much, against its peers, its outcome, every party as a link, and why it is risky. */
async function showDeclaration(id: string): Promise<void> {
  const t0 = performance.now();
  try {
    const d = (await gql<{ declaration: DeclarationView | null }>(`query($id: ID!) { declaration(id: $id) { id declarationId itemNo lodgedAt lodgedOn office regime hsCode
      goodsDescription originCountry goodsOriginCountry transportMode vessel containerIds loadingPort transitPorts dischargePort destinationCountry quantity unit
      grossWeightKg declaredValue currency unitValue hsMedianUnitValue outcome fraudType recoveredAmount aeo parties { role entity { id kind name key } }
      risk { score reasons { name value contribution evidence ${REFERENCES} } } } }`, { id })).declaration;
    if (!d) {
      status('That declaration is not in the store.', true);
      return;
    }
    const against = d.unitValue !== null && d.hsMedianUnitValue
      ? ` — ${(d.unitValue / d.hsMedianUnitValue).toFixed(2)}× the median of HS ${escape(d.hsCode)} (${money(d.hsMedianUnitValue, d.currency)})` : '';
    const outcome = d.outcome === 'UNKNOWN' ? 'not controlled' : `${d.outcome.toLowerCase()}${d.fraudType ? ` (${escape(d.fraudType)})` : ''}`;
    const route = [d.loadingPort, ...d.transitPorts, d.dischargePort].filter(Boolean).map((p) => escape(p!)).join(' → ');
    $('details').innerHTML = `
      <h2>Declaration ${escape(d.declarationId)}/${d.itemNo}</h2>
      <p>Lodged ${escape(d.lodgedAt ?? d.lodgedOn)}${d.office ? ` at office ${escape(d.office)}` : ''} · regime ${escape(d.regime)} · <span class="${d.outcome === 'SEIZURE' || d.outcome === 'DISCREPANCY' ? 'bad' : ''}">${outcome}</span>
      ${d.risk ? ` · risk <span class="risk">${d.risk.score.toFixed(3)}</span>` : ''}</p>
      <table class="facts">
        ${row('Goods', `HS ${escape(d.hsCode)}${d.goodsDescription ? ` ${escape(d.goodsDescription)}` : ''}`)}
        ${row('Origin', `${escape(d.originCountry)}${d.goodsOriginCountry && d.goodsOriginCountry !== d.originCountry ? ` (goods declared as originating in ${escape(d.goodsOriginCountry)})` : ''}`)}
        ${row('Route', route)}
        ${row('Transport', [d.transportMode, d.vessel].filter(Boolean).map((x) => escape(x!)).join(' · '))}
        ${row('Containers', d.containerIds.map(escape).join(', '))}
        ${row('Quantity', d.quantity !== null ? `${d.quantity.toLocaleString('en-US')} ${escape(d.unit ?? '')}` : null)}
        ${row('Gross weight', d.grossWeightKg !== null ? `${d.grossWeightKg.toLocaleString('en-US')} kg` : null)}
        ${row('Value', money(d.declaredValue, d.currency))}
        ${row('Unit value', d.unitValue !== null ? `${money(d.unitValue, d.currency)}${against}` : null)}
        ${row('Recovered', d.recoveredAmount ? money(d.recoveredAmount, d.currency) : null)}
        ${row('AEO', d.aeo === null ? null : d.aeo ? 'yes' : 'no')}
      </table>
      <h3>Parties</h3>
      <ul>${d.parties.map((p) => `<li>${ROLE_NAMES[p.role] ?? p.role}: <button type="button" data-open="${p.entity.id}">${escape(p.entity.name || p.entity.key)}</button></li>`).join('')}</ul>
      ${addToCaseHtml('DECLARATION', d.id)}
      <h3>Why this declaration is risky</h3>
      <ul>${d.risk?.reasons.length ? d.risk.reasons.map(reasonHtml).join('') : '<li>No reason worth showing.</li>'}</ul>
      <p><button type="button" data-back="1">← Back</button></p>`;
    w.__cg.panelMs = performance.now() - t0;
    status(`Declaration ${d.declarationId}/${d.itemNo}.`);
  } catch (err) {
    explain(err);
  }
}

/** What ties two entities: the declarations naming both, with dates and amounts, a page at a time. */
async function showLink(a: string, b: string, after?: string): Promise<void> {
  try {
    const d = await gql<{ linkEvidence: { a: { name: string } | null; b: { name: string } | null; declarations: number; firstDate: string | null; lastDate: string | null;
      value: Array<{ currency: string; amount: number }>; page: { edges: Array<{ node: DeclarationView }>; pageInfo: { hasNextPage: boolean; endCursor: string | null } } } }>(
      `query($a: ID!, $b: ID!, $after: String) { linkEvidence(a: $a, b: $b) { a { name } b { name } declarations firstDate lastDate value { currency amount }
        page(first: 20, after: $after) { edges { node { id declarationId itemNo lodgedOn hsCode declaredValue currency outcome } } pageInfo { hasNextPage endCursor } } } }`, { a, b, after });
    const l = d.linkEvidence;
    const list = l.page.edges.map(({ node: x }) => `<li><button type="button" class="ref" data-declaration="${x.id}">${escape(x.lodgedOn)} · ${escape(x.declarationId)}/${x.itemNo} · HS ${escape(x.hsCode)} · ${money(x.declaredValue, x.currency)}${x.outcome === 'UNKNOWN' ? '' : ` · ${escape(x.outcome.toLowerCase())}`}</button></li>`).join('');
    $('details').innerHTML = `
      <h2>${escape(l.a?.name ?? a)} — ${escape(l.b?.name ?? b)}</h2>
      <p>${l.declarations ? `${l.declarations} declaration${l.declarations === 1 ? '' : 's'} name both, ${escape(l.firstDate!.slice(0, 10))} to ${escape(l.lastDate!.slice(0, 10))}, ${l.value.map((v) => money(v.amount, v.currency)).join(' + ')}` : 'No declaration names both: the tie is a shared identifier or a path through others.'}</p>
      <ol>${list}</ol>
      ${l.page.pageInfo.hasNextPage ? `<button type="button" data-link-more="${a},${b},${l.page.pageInfo.endCursor}">More declarations</button>` : ''}
      <p><button type="button" data-back="1">← Back</button></p>`;
    status(`${l.declarations} declarations tie them.`);
  } catch (err) {
    explain(err);
  }
}

async function showDetails(id: string): Promise<void> {
  if (nodes.get(id)?.kind === 'DECLARATION') return showDeclaration(id);
  let n: Node | undefined;
  try {
    // The reasons with their references (readable evidence to open), for this entity only.
    n = (await gql<{ entity: Node | null }>(`query($id: ID!) { entity(id: $id) { id kind key name risk { score knownBad seizures community
      reasons { name value contribution evidence ${REFERENCES} } } } }`, { id })).entity ?? nodes.get(id);
  } catch (err) {
    explain(err);
    return;
  }
  if (!n) return;
  const r = n.risk;
  $('details').innerHTML = `
    <h2>${escape(n.name)}</h2>
    <p>${n.kind.toLowerCase().replace('_', ' ')} · <code>${escape(n.key)}</code> · id ${n.id}</p>
    <p>Risk <span class="risk">${r ? r.score.toFixed(3) : 'n/a'}</span>${r?.knownBad ? ' <span class="bad">known bad</span>' : ''}${r?.seizures ? ` · ${r.seizures} seizures` : ''}</p>
    <p><button type="button" data-expand="${n.id}">Expand neighbours</button>
       <button type="button" data-path="${n.id}">Path from / to</button>
       ${r?.community !== null && r?.community !== undefined ? `<button type="button" data-ring="${r.community}">Open its ring</button>` : ''}</p>
    ${addToCaseHtml('ENTITY', n.id)}
    <h3>Why</h3>
    <ul>${r?.reasons.length ? r.reasons.map(reasonHtml).join('') : '<li>No risk signal.</li>'}</ul>
    <h3>In view</h3>
    <ul>${[...nodes.values()].slice(0, 60).map((x) => `<li><button type="button" data-open="${x.id}">${escape(labelOf(x))}</button> <small>${x.kind.toLowerCase()}</small></li>`).join('')}</ul>`;
}

/** An id as an investigator reads it: the store's number without its type (Case:4 → 4). */
function shortId(id: string): string {
  return id.slice(id.indexOf(':') + 1);
}

function escape(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function addPathEnd(id: string): void {
  if (pathEnds.length === 2) pathEnds.length = 0;
  pathEnds.push(id);
  $('path-from').textContent = nodes.get(pathEnds[0]!)?.name ?? pathEnds[0] ?? '–';
  $('path-to').textContent = pathEnds[1] ? nodes.get(pathEnds[1])?.name ?? pathEnds[1] : '–';
  ($('find-path') as HTMLButtonElement).disabled = pathEnds.length < 2;
}

async function findPath(): Promise<void> {
  try {
    const [from, to] = pathEnds;
    const d = await gql<{ shortestPath: { length: number; nodes: Node[]; edges: Link[] } | null }>(
      `query($a: ID!, $b: ID!) { shortestPath(from: $a, to: $b) { length nodes { ${NODE_FIELDS} } edges { source target type } } }`, { a: from, b: to });
    if (!d.shortestPath) {
      status('No path within 6 hops.');
      return;
    }
    pathLinks = new Set(d.shortestPath.edges.map((e) => `${e.source}|${e.type}|${e.target}`));
    highlighted = new Set(d.shortestPath.nodes.map((n) => n.id));
    // A path through a declaration is drawn with its declarations, so that every step shows.
    if (d.shortestPath.nodes.some((n) => n.kind === 'DECLARATION')) filters.hiddenKinds.delete('DECLARATION');
    await load(d.shortestPath.nodes, d.shortestPath.edges, from);
    status(`Path of ${d.shortestPath.length} links: ${d.shortestPath.nodes.map((n) => n.name).join(' → ')}`);
  } catch (err) {
    explain(err);
  }
}

async function search(text: string): Promise<void> {
  try {
    const d = await gql<{ search: { edges: Array<{ node: Node }> } }>(
      `query($t: String!) { search(text: $t, first: 20) { edges { node { ${NODE_FIELDS} } } } }`, { t: text });
    const list = d.search.edges.map((e) => e.node);
    $('results').innerHTML = list.map((n) => `<li><button type="button" data-open="${n.id}">${escape(labelOf(n))}</button> <small>${n.kind.toLowerCase()} · ${n.risk ? n.risk.score.toFixed(2) : '–'}</small></li>`).join('');
    status(list.length ? `${list.length} matches.` : 'No match.');
  } catch (err) {
    explain(err);
  }
}

async function showRings(): Promise<void> {
  try {
    const d = await gql<{ rings: { edges: Array<{ node: { id: string; rank: number; risk: number; size: number; knownBad: number } }> } }>(
      '{ rings(first: 20) { edges { node { id rank risk size knownBad } } } }');
    $('rings').innerHTML = d.rings.edges.map(({ node: r }) => `<li><button type="button" data-ring="${escape(r.id)}">#${r.rank} risk ${r.risk.toFixed(2)} · ${r.size} members · ${r.knownBad} known bad</button></li>`).join('');
    status(d.rings.edges.length ? 'Rings ranked by risk.' : 'No ring in the current run.');
  } catch (err) {
    explain(err);
  }
}

/** Opens a ring by its id (Ring:<run>:<community>), or the current run's ring by its community number (an entity's "Open its ring"). */
async function openRing(ref: string): Promise<void> {
  try {
    status('Loading ring…');
    const byCommunity = /^\d+$/.test(ref);
    const d = await gql<{ ring: { id: string; community: number; rank: number; risk: number; size: number; reasons: Reason[]; subgraph: { nodes: Node[]; edges: Link[]; truncated: boolean } } | null }>(
      `query($id: ID, $c: Int) { ring(id: $id, community: $c) { id community rank risk size reasons { name value contribution evidence ${REFERENCES} }
        subgraph(limit: ${RING_LIMIT}) { nodes { ${NODE_FIELDS} } edges { source target type } truncated } } }`, byCommunity ? { c: Number(ref) } : { id: ref });
    if (!d.ring) return;
    reset();
    focus = { kind: 'ring', community: d.ring.community };
    opened = new Set(d.ring.subgraph.nodes.map((n) => n.id));
    const first = d.ring.subgraph.nodes[0]?.id;
    await load(d.ring.subgraph.nodes, d.ring.subgraph.edges, first);
    viewTitle = `Ring #${d.ring.rank} (risk ${d.ring.risk.toFixed(2)}, ${d.ring.size} members)`;
    ringPanel = `<h2>Ring #${d.ring.rank}</h2><p>Risk ${d.ring.risk.toFixed(3)} · ${d.ring.size} members</p>${addToCaseHtml('RING', d.ring.id)}
      <h3>Why</h3><ul>${d.ring.reasons.map(reasonHtml).join('')}</ul>
      <h3>Members</h3><ul>${d.ring.subgraph.nodes.filter((n) => n.kind !== 'DECLARATION').map((n) => `<li><button type="button" data-open="${n.id}">${escape(labelOf(n))}</button> <small>${n.kind.toLowerCase()} · ${n.risk ? n.risk.score.toFixed(2) : '–'}</small></li>`).join('')}</ul>`;
    $('details').innerHTML = ringPanel;
    drawnView = ['ring', ref];
    status(`Ring #${d.ring.rank}: ${d.ring.subgraph.nodes.length} nodes${d.ring.subgraph.truncated ? ' (truncated)' : ''}.`);
  } catch (err) {
    explain(err);
  }
}

// ---------- cases ----------

interface CaseView {
  id: string; title: string; status: string; version: number; createdBy: string; updatedAt: string;
  items: Array<{ kind: string; ref: string; note: string | null; addedBy: string; entity: { id: string; name: string } | null;
    declaration: { id: string; declarationId: string; itemNo: number; outcome: string } | null; ring: { rank: number } | null }>;
  notes: Array<{ at: string; who: string; text: string }>;
  history: Array<{ at: string; who: string; action: string; detail: string }>;
}
const CASE_FIELDS = `id title status version createdBy updatedAt items { kind ref note addedBy entity { id name } declaration { id declarationId itemNo outcome }
  ring { rank } } notes { at who text } history { at who action detail }`;
/** The case being filled: "Add to case" buttons add to it. */
let activeCase: string | undefined;
let caseVersion = 0;

function addToCaseHtml(kind: string, ref: string): string {
  if (!activeCase) return '';
  return `<p class="add-case"><input type="text" id="case-item-note" placeholder="Why it belongs to the case" maxlength="4000">
    <button type="button" data-add-kind="${kind}" data-add-ref="${escape(ref)}">Add to case ${escape(shortId(activeCase))}</button></p>`;
}

async function showCases(): Promise<void> {
  try {
    const d = await gql<{ cases: { edges: Array<{ node: { id: string; title: string; status: string; updatedAt: string } }> } }>('{ cases(first: 30) { edges { node { id title status updatedAt } } } }');
    $('case-list').innerHTML = d.cases.edges.map(({ node: c }) => `<li><button type="button" data-case="${c.id}">${escape(c.title)}</button> <small>${c.status.toLowerCase().replace('_', ' ')}</small></li>`).join('') || '<li>No case yet.</li>';
  } catch (err) {
    explain(err);
  }
}

async function newCase(): Promise<void> {
  const title = ($('case-title') as HTMLInputElement).value.trim();
  if (!title) {
    status('Give the case a title.', true);
    return;
  }
  try {
    const d = await gql<{ openCase: { id: string } }>('mutation($t: String!) { openCase(title: $t) { id } }', { t: title });
    activeCase = d.openCase.id;
    navigate(['case', d.openCase.id]);
  } catch (err) {
    explain(err);
  }
}

/** A case: its graph drawn, its items, notes, status and history in the panel. */
async function openCase(id: string): Promise<void> {
  try {
    const d = await gql<{ case: (CaseView & { subgraph: { nodes: Node[]; edges: Link[] } }) | null }>(
      `query($id: ID!) { case(id: $id) { ${CASE_FIELDS} subgraph(limit: ${RING_LIMIT}) { nodes { ${NODE_FIELDS} } edges { source target type } } } }`, { id });
    if (!d.case) {
      status(`No case ${id}.`, true);
      return;
    }
    const c = d.case;
    activeCase = c.id;
    caseVersion = c.version;
    reset();
    focus = undefined;
    drawnView = ['case', c.id];
    opened = new Set(c.subgraph.nodes.map((n) => n.id));
    viewTitle = `case ${c.id}: ${c.title}`;
    await load(c.subgraph.nodes, c.subgraph.edges);
    const item = (i: CaseView['items'][number]) => {
      const label = i.entity ? `<button type="button" data-open="${i.entity.id}">${escape(i.entity.name)}</button>`
        : i.declaration ? `<button type="button" class="ref" data-declaration="${i.declaration.id}">declaration ${escape(i.declaration.declarationId)}/${i.declaration.itemNo} · ${escape(i.declaration.outcome.toLowerCase())}</button>`
          : i.ring ? `<button type="button" data-ring="${escape(i.ref)}">ring #${i.ring.rank}</button>` : `${i.kind.toLowerCase()} ${escape(i.ref)}`;
      return `<li>${label}${i.note ? ` — ${escape(i.note)}` : ''} <small>(${escape(i.addedBy)})</small></li>`;
    };
    $('details').innerHTML = `<h2>Case ${escape(shortId(c.id))}: ${escape(c.title)}</h2>
      <p>Status <strong id="case-status-now">${c.status.toLowerCase().replace('_', ' ')}</strong> · opened by ${escape(c.createdBy)} · version ${c.version}</p>
      <p><select id="case-status" aria-label="Status">${['OPEN', 'REFERRED', 'CLOSED_CONFIRMED', 'CLOSED_UNFOUNDED'].map((s) => `<option ${s === c.status ? 'selected' : ''}>${s}</option>`).join('')}</select>
        <label class="inline"><input type="checkbox" id="case-watch"> watchlist its entities</label>
        <button type="button" data-case-status="1">Set status</button>
        <button type="button" data-case-report="1">Export case report</button></p>
      <h3>Gathered</h3><ul class="case-items">${c.items.map(item).join('') || '<li>Nothing yet: open an entity, a ring or a declaration and add it.</li>'}</ul>
      <h3>Notes</h3><ul class="case-notes">${c.notes.map((n) => `<li>${escape(n.text)} <small>${escape(n.who)}, ${escape(n.at.slice(0, 16).replace('T', ' '))}</small></li>`).join('')}</ul>
      <p><textarea id="case-note" rows="2" maxlength="4000" aria-label="Note"></textarea><button type="button" data-case-note="1">Add note</button></p>
      <h3>History</h3><ol class="case-history">${c.history.map((h) => `<li>${escape(h.at.slice(0, 16).replace('T', ' '))} · ${escape(h.who)} · ${escape(h.action.toLowerCase())}: ${escape(h.detail)}</li>`).join('')}</ol>`;
    status(`Case ${shortId(c.id)}: ${c.items.length} items.`);
  } catch (err) {
    explain(err);
  }
}

async function currentCaseVersion(): Promise<number> {
  const d = await gql<{ case: { version: number } | null }>('query($id: ID!) { case(id: $id) { version } }', { id: activeCase });
  return d.case?.version ?? caseVersion;
}

async function addToCase(kind: string, ref: string): Promise<void> {
  try {
    const note = ($('case-item-note') as HTMLInputElement | null)?.value.trim() || undefined;
    await gql('mutation($id: ID!, $v: Int!, $k: CaseItemKind!, $r: ID!, $n: String) { addToCase(id: $id, version: $v, kind: $k, ref: $r, note: $n) { version } }',
      { id: activeCase, v: await currentCaseVersion(), k: kind, r: ref, n: note });
    status(`Added to case ${shortId(activeCase!)}.`);
  } catch (err) {
    explain(err);
  }
}

async function annotateCase(): Promise<void> {
  const text = ($('case-note') as HTMLTextAreaElement).value.trim();
  if (!text) return;
  try {
    await gql('mutation($id: ID!, $v: Int!, $t: String!) { annotateCase(id: $id, version: $v, text: $t) { version } }', { id: activeCase, v: caseVersion, t: text });
    await openCase(activeCase!);
  } catch (err) {
    explain(err);
  }
}

async function setCaseStatus(): Promise<void> {
  try {
    await gql('mutation($id: ID!, $v: Int!, $s: CaseStatus!, $w: Boolean) { setCaseStatus(id: $id, version: $v, status: $s, addToWatchlist: $w) { version } }', {
      id: activeCase, v: caseVersion, s: ($('case-status') as HTMLSelectElement).value, w: ($('case-watch') as HTMLInputElement).checked,
    });
    await openCase(activeCase!);
  } catch (err) {
    explain(err);
  }
}

/** The case report with the picture of its graph, in a page of its own to print (or save as PDF). */
async function exportCaseReport(): Promise<void> {
  try {
    const d = await gql<{ case: { reportHtml: string } | null }>('query($id: ID!) { case(id: $id) { reportHtml } }', { id: activeCase });
    if (!d.case) return;
    const s = ensureSigma();
    s.refresh();
    const { width, height } = s.getDimensions();
    const canvas = document.createElement('canvas');
    canvas.width = width;
    canvas.height = height;
    const ctx = canvas.getContext('2d')!;
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, width, height);
    for (const c of Object.values(s.getCanvases())) ctx.drawImage(c, 0, 0, width, height);
    const picture = `<h2>The case's graph</h2><img alt="The graph of the case" src="${canvas.toDataURL('image/png')}">`;
    const html = d.case.reportHtml.replace('<h2>Entities and their risk</h2>', `${picture}<h2>Entities and their risk</h2>`);
    w.__cg.lastCaseReport = html;
    download(`case-${activeCase}.html`, new Blob([html], { type: 'text/html' }));
    status('Case report exported: open it and print it (or save it as PDF).');
  } catch (err) {
    explain(err);
  }
}

/** The current run's report (model card, bias audit, data quality, overrides) in place of the graph. */
async function showReport(): Promise<void> {
  try {
    status('Building the run report…');
    const d = await gql<{ runReport: { htmlBody: string; run: { id: string } } }>('{ runReport { run { id } htmlBody } }');
    $('report').innerHTML = `<p><button type="button" id="close-report">Back to the graph</button></p>${d.runReport.htmlBody}`;
    $('graph').hidden = true;
    $('details').hidden = true;
    $('report').hidden = false;
    $('report').focus();
    status(`Report of run ${d.runReport.run.id}.`);
  } catch (err) {
    explain(err);
  }
}

function closeReport(): void {
  $('report').hidden = true;
  $('graph').hidden = false;
  $('details').hidden = false;
  sigma?.refresh();
}

function download(name: string, blob: Blob): void {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

async function exportView(format: string): Promise<void> {
  if (!focus) {
    status('Nothing to export: open an entity or a ring first.', true);
    return;
  }
  if (format === 'PNG') {
    const s = ensureSigma();
    const { width, height } = s.getDimensions();
    // A title band above the graph and a legend below it: a picture that explains itself in a case file.
    const top = 48;
    const kinds = [...new Set(graph.mapNodes((_, a) => a.kind as string))];
    const bottom = 30;
    const out = document.createElement('canvas');
    out.width = width;
    out.height = height + top + bottom;
    const ctx = out.getContext('2d')!;
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, out.width, out.height);
    ctx.fillStyle = '#16324f';
    ctx.font = 'bold 16px system-ui, sans-serif';
    ctx.fillText(`customs-graph · ${viewTitle}`, 12, 20);
    ctx.font = '12px system-ui, sans-serif';
    ctx.fillStyle = '#333';
    ctx.fillText(`exported ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC by ${viewer?.name ?? 'unknown'} · ${graph.order} nodes, ${graph.size} links shown`, 12, 38);
    s.refresh();
    for (const c of Object.values(s.getCanvases())) ctx.drawImage(c, 0, top, width, height);
    let x = 12;
    const y = top + height + 18;
    const swatch = (fill: string, stroke: string | undefined, label: string) => {
      ctx.beginPath();
      ctx.arc(x + 5, y - 4, 5, 0, 2 * Math.PI);
      ctx.fillStyle = fill;
      ctx.fill();
      if (stroke) { ctx.lineWidth = 2.5; ctx.strokeStyle = stroke; ctx.stroke(); }
      ctx.fillStyle = '#222';
      ctx.fillText(label, x + 14, y);
      x += 22 + ctx.measureText(label).width;
    };
    for (const k of kinds) swatch(COLORS[k] ?? '#555', undefined, k.toLowerCase().replace('_', ' '));
    swatch('#fff', '#b00020', 'known bad');
    swatch('#fff', '#f2a900', 'new or on the path');
    w.__cg.pngLegend = kinds;
    out.toBlob((b) => {
      if (!b) return;
      w.__cg.lastPng = b.size;
      download('customs-graph.png', b);
    });
    status('PNG exported.');
    return;
  }
  try {
    const args = focus.kind === 'ring' ? `ring: ${focus.community}` : `id: "${focus.id}", hops: 2`;
    const d = await gql<{ exportGraph: { content: string; nodes: number } }>(`{ exportGraph(format: ${format}, ${args}, limit: 500) { content nodes } }`);
    w.__cg.lastExport = d.exportGraph.content;
    download(`customs-graph.${format === 'GEXF' ? 'gexf' : 'graphml'}`, new Blob([d.exportGraph.content], { type: 'application/xml' }));
    status(`${format} exported (${d.exportGraph.nodes} nodes).`);
  } catch (err) {
    explain(err);
  }
}

// ---------- alerts: the inbox, one alert with its evidence, the live push ----------

interface AlertView {
  id: string; type: string; severity: string; state: string; summary: string; raisedAt: string; assignee: string | null; dismissReason: string | null;
  run: string | null; previousRun: string | null;
  entities: Array<{ id: string; kind: string; name: string; risk: { score: number } | null }>;
  evidence: Array<{ kind: string; ref: string; note: string | null; entity: { id: string; name: string; kind: string } | null;
    declaration: { id: string; declarationId: string; itemNo: number; lodgedOn: string; hsCode: string; declaredValue: number; currency: string; outcome: string } | null;
    ring: { id: string; rank: number; size: number } | null }>;
  case: { id: string; title: string } | null;
  history: Array<{ at: string; who: string; action: string; detail: string }>;
}
const ALERT_FIELDS = `id type severity state summary raisedAt assignee dismissReason run previousRun entities { id kind name risk { score } }
  evidence { kind ref note entity { id name kind } declaration { id declarationId itemNo lodgedOn hsCode declaredValue currency outcome } ring { id rank size } }
  case { id title } history { at who action detail }`;
const words = (s: string) => s.toLowerCase().replace(/_/g, ' ');
let live: Client | undefined;

function alertFilter(): Record<string, unknown> {
  const state = ($('alert-state') as HTMLSelectElement).value;
  const severity = ($('alert-severity') as HTMLSelectElement).value;
  return { ...(state ? { states: [state] } : {}), ...(severity ? { minSeverity: severity } : {}), ...(($('alert-mine') as HTMLInputElement).checked ? { mine: true } : {}) };
}

/** The inbox: newest first, with the count of new ones on the badge. */
async function showAlerts(): Promise<void> {
  try {
    const d = await gql<{ alerts: { totalCount: number; edges: Array<{ node: Pick<AlertView, 'id' | 'type' | 'severity' | 'state' | 'summary' | 'raisedAt' | 'entities'> }> }; fresh: { totalCount: number } }>(
      `query($f: AlertFilter) { alerts(filter: $f, first: 30) { totalCount edges { node { id type severity state summary raisedAt entities { id kind name } } } }
        fresh: alerts(filter: { states: [NEW] }) { totalCount } }`, { f: alertFilter() });
    badge(d.fresh.totalCount);
    $('alert-list').innerHTML = d.alerts.edges.map(({ node: a }) => `<li><span class="sev ${a.severity.toLowerCase()}">${a.severity.toLowerCase()}</span>
      <button type="button" data-alert="${a.id}">${escape(a.entities[0]?.name ?? words(a.type))}</button><br><small>${escape(a.summary)} · ${escape(a.raisedAt.slice(0, 16).replace('T', ' '))}</small></li>`).join('')
      || '<li>No alert.</li>';
    if (d.alerts.totalCount > d.alerts.edges.length) $('alert-list').insertAdjacentHTML('beforeend', `<li><small>${d.alerts.totalCount - d.alerts.edges.length} more: narrow the filter.</small></li>`);
  } catch (err) {
    explain(err);
  }
}

function badge(n: number): void {
  $('alert-badge').textContent = String(n);
  $('alert-badge').hidden = n === 0;
}

function evidenceHtml(e: AlertView['evidence'][number]): string {
  const note = e.note ? ` <small>${escape(e.note)}</small>` : '';
  if (e.declaration) {
    const d = e.declaration;
    return `<li><button type="button" class="ref" data-declaration="${d.id}">Declaration ${escape(d.declarationId)}/${d.itemNo} of ${d.lodgedOn}: HS ${escape(d.hsCode)}, ${money(d.declaredValue, d.currency)}, ${words(d.outcome)}</button></li>`;
  }
  if (e.entity) return `<li><button type="button" data-open="${e.entity.id}">${escape(e.entity.name)}</button> <small>${words(e.entity.kind)}</small>${note}</li>`;
  if (e.ring) {
    // A ring is named by its rank in its own run: the ring "as it was" ranked in the previous one.
    const run = e.ring.id.split(':')[1] ?? '';
    return `<li><button type="button" data-ring="${escape(e.ring.id)}">ring #${e.ring.rank} of run ${escape(run)} (${e.ring.size} members)</button>${/^ring \d+$/.test(e.note ?? '') ? '' : note}</li>`;
  }
  return `<li>${words(e.kind)} ${escape(shortId(e.ref))}${note} <small>(no longer kept)</small></li>`;
}

/** One alert: what changed, the evidence to open (declarations with day, goods, amount, outcome), what to do; its main entity's network drawn beside. */
async function openAlert(id: string): Promise<void> {
  try {
    const d = await gql<{ alert: AlertView | null }>(`query($id: ID!) { alert(id: $id) { ${ALERT_FIELDS} } }`, { id });
    const a = d.alert;
    if (!a) return status(`No alert ${id}.`, true);
    const main = a.entities[0];
    // Beside it, the network it is about: the ring (as it is now) for a ring's alert, else its main entity's.
    const ring = a.evidence.find((e) => e.ring)?.ring;
    const view: [string, string] | undefined = ring ? ['ring', ring.id] : main ? ['entity', main.id] : undefined;
    if (view && !(drawnView?.[0] === view[0] && drawnView[1] === view[1])) await (view[0] === 'ring' ? openRing(view[1]) : openEntity(view[1]));
    const ABOUT = 8;
    const can = (s: string) => ({ NEW: ['ACKNOWLEDGED', 'DISMISSED', 'ATTACHED'], ACKNOWLEDGED: ['DISMISSED', 'ATTACHED'], DISMISSED: ['ATTACHED'], ATTACHED: [] } as Record<string, string[]>)[a.state]!.includes(s);
    $('details').innerHTML = `<h2><span class="sev ${a.severity.toLowerCase()}">${a.severity.toLowerCase()}</span> ${escape(words(a.type))}</h2>
      <p>${escape(a.summary)}</p>
      <table class="facts">${row('Raised', escape(a.raisedAt.slice(0, 16).replace('T', ' ')))}${row('Runs compared', a.run ? `${a.previousRun ? `${shortId(a.previousRun)} → ` : ''}${shortId(a.run)}` : 'at ingest')}
        ${row('State', `${words(a.state)}${a.dismissReason ? `: ${escape(a.dismissReason)}` : ''}${a.case ? ` (case <button type="button" data-case="${a.case.id}">${escape(a.case.title)}</button>)` : ''}`)}${row('Assigned to', a.assignee ? escape(a.assignee) : '')}</table>
      <h3>Evidence</h3><ul class="evidence">${a.evidence.map(evidenceHtml).join('')}</ul>
      <div class="alert-actions">
        ${can('ACKNOWLEDGED') ? `<button type="button" data-alert-act="ack" data-id="${a.id}">Acknowledge</button>` : ''}
        ${can('DISMISSED') ? `<input id="alert-reason" type="text" maxlength="1000" placeholder="Why it is set aside" aria-label="Why it is set aside"><button type="button" data-alert-act="dismiss" data-id="${a.id}">Dismiss</button>` : ''}
        <input id="alert-assignee" type="text" maxlength="200" placeholder="Assign to (key name)" aria-label="Assign to"><button type="button" data-alert-act="assign" data-id="${a.id}">Assign</button>
        ${can('ATTACHED') && activeCase ? `<button type="button" data-alert-act="attach" data-id="${a.id}">Attach to case ${escape(shortId(activeCase))}</button>` : ''}
        ${main ? `<button type="button" data-alert-act="watch" data-id="${main.id}">Watch ${escape(main.name)}</button>` : ''}
      </div>
      <h3>About</h3><ul>${a.entities.slice(0, ABOUT).map((e) => `<li><button type="button" data-open="${e.id}">${escape(e.name)}</button> <small>${words(e.kind)}${e.risk ? ` · risk ${e.risk.score.toFixed(2)}` : ''}</small></li>`).join('') || '<li>Entities purged since.</li>'}${a.entities.length > ABOUT ? `<li><small>and ${a.entities.length - ABOUT} more</small></li>` : ''}</ul>
      <h3>History</h3><ol class="case-history">${a.history.map((h) => `<li>${escape(h.at.slice(0, 16).replace('T', ' '))} · ${escape(h.who)} · ${words(h.action)}${h.detail ? `: ${escape(h.detail)}` : ''}</li>`).join('')}</ol>`;
    status(`Alert ${shortId(a.id)}: ${a.evidence.length} pieces of evidence.`);
  } catch (err) {
    explain(err);
  }
}

async function actOnAlert(act: string, id: string): Promise<void> {
  const value = (el: string) => ($(el) as HTMLInputElement | null)?.value.trim() ?? '';
  try {
    if (act === 'watch') {
      await gql('mutation($e: ID!) { watchEntity(entity: $e) { id } }', { e: id });
      status('Watched: each run that changes it raises an alert assigned to you.');
      return;
    }
    if (act === 'ack') await gql('mutation($id: ID!) { acknowledgeAlert(id: $id) { id } }', { id });
    else if (act === 'dismiss') await gql('mutation($id: ID!, $r: String!) { dismissAlert(id: $id, reason: $r) { id } }', { id, r: value('alert-reason') });
    else if (act === 'assign') await gql('mutation($id: ID!, $to: String!) { assignAlert(id: $id, assignee: $to) { id } }', { id, to: value('alert-assignee') });
    else if (act === 'attach') await gql('mutation($id: ID!, $c: ID!) { attachAlertToCase(id: $id, case: $c) { id } }', { id, c: activeCase });
    await openAlert(id);
    await showAlerts();
  } catch (err) {
    explain(err);
  }
}

/** New alerts pushed as they are raised (graphql-ws on the same path, with the same key): the inbox and its badge follow. */
function listen(key: string): void {
  live?.dispose();
  live = createClient({ url: `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql`, connectionParams: { apiKey: key }, retryAttempts: 5 });
  live.subscribe({ query: 'subscription { alertRaised { id run } }' }, {
    next: (r) => {
      void showAlerts();
      const run = (r.data as { alertRaised?: { run: string | null } } | undefined)?.alertRaised?.run;
      if (run && !$('who').textContent?.endsWith(`analysis run ${shortId(run)}`)) void showSession().catch(() => undefined);
    },
    error: () => undefined, // a role without alerts is refused: it simply has no inbox
    complete: () => undefined,
  });
}

// ---------- navigation: the view lives in the URL ----------

/** Opens a view (an entity's network or a ring) and, over it, a panel (a declaration, a link), as a new history entry. */
function navigate(view: [string, string] | undefined, panel?: [string, string]): void {
  const p = new URLSearchParams();
  for (const kv of [view ?? drawnView, panel]) if (kv) p.set(kv[0], kv[1]);
  // The case being filled follows the investigator from view to view.
  if (activeCase && p.get('case') !== activeCase) p.set('incase', activeCase);
  filterParams(p);
  if (`#${p}` === location.hash) void route();
  else location.hash = p.toString();
}

/** Draws what the URL says: `#entity=ID` or `#ring=N`, then `&selected=ID`, `&declaration=ID` or `&link=A,B` over it. */
async function route(): Promise<void> {
  const p = new URLSearchParams(location.hash.slice(1));
  const wanted = filtersFrom(p);
  const refilter = filterParamsOf(wanted) !== filterParamsOf(filters);
  filters = wanted;
  if (p.has('incase')) activeCase = p.get('incase')!;
  const view: [string, string] | undefined = p.has('case') ? ['case', p.get('case')!] : p.has('ring') ? ['ring', p.get('ring')!] : p.has('entity') ? ['entity', p.get('entity')!] : undefined;
  const same = view !== undefined && view[0] === drawnView?.[0] && view[1] === drawnView?.[1];
  if (view && !same) {
    if (view[0] === 'case') await openCase(view[1]);
    else if (view[0] === 'ring') await openRing(view[1]);
    else await openEntity(view[1]);
  } else if (refilter) await render(true);
  if (p.has('alert')) await openAlert(p.get('alert')!);
  else if (p.has('declaration')) await showDeclaration(p.get('declaration')!);
  else if (p.has('selected')) await showDetails(p.get('selected')!);
  else if (p.has('link')) {
    const [a, b] = p.get('link')!.split(',');
    await showLink(a!, b!);
  } else if (same) {
    if (drawnView?.[0] === 'case') await openCase(drawnView[1]);
    else if (focus?.kind === 'ring') $('details').innerHTML = ringPanel;
    else if (focus) await showDetails(focus.id);
  }
}

window.addEventListener('hashchange', () => void route());
/** For benchmarks: forget the view drawn, so that the same URL draws it again. */
w.__cg.forget = () => {
  reset();
  drawnView = undefined;
};

function filterParamsOf(f: Filters): string {
  const p = new URLSearchParams();
  filterParams(p, f);
  return p.toString();
}

/** The filters as URL parameters (only what differs from the defaults), so a shared link shows the same view. */
function filterParams(p: URLSearchParams, f: Filters = filters): void {
  const hidden = [...f.hiddenKinds].sort().join(',');
  if (hidden !== [...DEFAULT_HIDDEN_KINDS].sort().join(',')) p.set('hide', hidden);
  if (f.minRisk > 0) p.set('risk', String(f.minRisk));
  if (f.hiddenLinks.size) p.set('links', [...f.hiddenLinks].sort().join(','));
  if (f.from) p.set('from', f.from);
  if (f.to) p.set('to', f.to);
  if (f.showHubs) p.set('hubs', '1');
}

function filtersFrom(p: URLSearchParams): Filters {
  const list = (k: string) => new Set((p.get(k) ?? '').split(',').filter(Boolean));
  return {
    hiddenKinds: p.has('hide') ? list('hide') : new Set(DEFAULT_HIDDEN_KINDS), minRisk: Number(p.get('risk') ?? 0) || 0, hiddenLinks: list('links'),
    ...(p.get('from') ? { from: p.get('from')! } : {}), ...(p.get('to') ? { to: p.get('to')! } : {}), showHubs: p.get('hubs') === '1',
  };
}

/** A filter changed: redraw, and put it in the URL without a history entry per slider step. */
function filtersChanged(): void {
  const p = new URLSearchParams(location.hash.slice(1));
  for (const k of ['hide', 'risk', 'links', 'from', 'to', 'hubs']) p.delete(k);
  filterParams(p);
  history.replaceState(null, '', `#${p}`);
  void render(true);
}

$('filters').addEventListener('change', (e) => {
  const t = e.target as HTMLInputElement;
  if (t.dataset.kind) {
    if (t.checked) filters.hiddenKinds.delete(t.dataset.kind);
    else filters.hiddenKinds.add(t.dataset.kind);
  } else if (t.dataset.link) {
    if (t.checked) filters.hiddenLinks.delete(t.dataset.link);
    else filters.hiddenLinks.add(t.dataset.link);
  } else if (t.id === 'f-risk') filters.minRisk = Number(t.value);
  else if (t.id === 'f-hubs') filters.showHubs = t.checked;
  else if (t.id === 'f-from' || t.id === 'f-to') {
    const days = sliderDays;
    const from = Number(($('f-from') as HTMLInputElement).value);
    const to = Number(($('f-to') as HTMLInputElement).value);
    filters.from = from > 0 ? days[Math.min(from, to)] : undefined;
    filters.to = to < days.length - 1 ? days[Math.max(from, to)] : undefined;
  } else return;
  filtersChanged();
});

// ---------- wiring ----------

$('signin').addEventListener('submit', (e) => {
  e.preventDefault();
  void signIn(($('apikey') as HTMLInputElement).value.trim());
});
$('signout').addEventListener('click', () => { signOut(); status('Signed out.'); });
$('search').addEventListener('submit', (e) => {
  e.preventDefault();
  void search(($('q') as HTMLInputElement).value.trim());
});
$('show-rings').addEventListener('click', () => void showRings());
$('show-report').addEventListener('click', () => void showReport());
$('find-path').addEventListener('click', () => void findPath());
document.body.addEventListener('click', (e) => {
  const t = (e.target as HTMLElement).closest('button');
  if (!t) return;
  if (t.id === 'close-report') closeReport();
  else if (t.id === 'show-cases') void showCases();
  else if (t.id === 'show-alerts') void showAlerts();
  else if (t.dataset.alert) navigate(undefined, ['alert', t.dataset.alert]);
  else if (t.dataset.alertAct) void actOnAlert(t.dataset.alertAct, t.dataset.id!);
  else if (t.id === 'new-case') void newCase();
  else if (t.dataset.case) navigate(['case', t.dataset.case]);
  else if (t.dataset.addKind) void addToCase(t.dataset.addKind, t.dataset.addRef!);
  else if (t.dataset.caseNote) void annotateCase();
  else if (t.dataset.caseStatus) void setCaseStatus();
  else if (t.dataset.caseReport) void exportCaseReport();
  // An entity already drawn is selected in the view; another one opens its own network.
  else if (t.dataset.open) {
    if (graph.hasNode(t.dataset.open) && drawnView) navigate(undefined, ['selected', t.dataset.open]);
    else navigate(['entity', t.dataset.open]);
  }
  else if (t.dataset.declaration) navigate(undefined, ['declaration', t.dataset.declaration]);
  else if (t.dataset.back) history.back();
  else if (t.dataset.linkMore) {
    const [a, b, after] = t.dataset.linkMore.split(',');
    void showLink(a!, b!, after);
  }
  else if (t.dataset.expand) void expand(t.dataset.expand);
  else if (t.dataset.path) addPathEnd(t.dataset.path);
  else if (t.dataset.ring) navigate(['ring', t.dataset.ring]);
  else if (t.dataset.export) void exportView(t.dataset.export);
});

if (sessionStorage.getItem(KEY)) void signIn(sessionStorage.getItem(KEY)!);
