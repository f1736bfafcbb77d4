/**
 * The alerts of an analysis run: what changed since the previous run. Prepared inside the run
 * (the entity graph is in memory then) and recorded as the run's alert pass before the run is
 * made current; raised (stored as alerts) once it is current. A job killed between the two raises
 * them when retried, and an alert's key names its change, so none is stored twice.
 *
 * The first run has nothing to compare with: it sets the baseline and raises none.
 */
import { isPartyKind, type PartyKind } from '../domain/entities';
import { severityRank, type AlertSeverity, type AlertType, type NewAlert, type Watch, type WatchSnapshot } from '../domain/alerts';
import type { AnalysisRun, CommunityRecord, EntityScore, ScoreHead, ScoreList } from '../domain/results';
import type { AlertPass } from '../store/alert-store';
import type { GraphStore } from '../store/graph-store';
import type { EntityGraph } from '../analysis/graph/projection';
import { REL_CODES } from '../analysis/graph/projection';
import { jaccard, matchRings, SAME_RING } from '../analysis/model-card';
import type { AlertSettings } from './settings';
import { ringLocal } from '../domain/ring-ref';

export interface RunAlertInputs {
  runId: string;
  /** The run current when this one started (compared only when it completed). */
  previous: AnalysisRun | null;
  g: EntityGraph;
  /** Identifiers shared too widely to tie anyone (the run's hubs). */
  hub: Uint8Array;
  scores: ScoreList;
  /** Ranked, riskiest first. */
  communities: readonly CommunityRecord[];
}

const pct = (x: number) => x.toFixed(2);
/** Links through which two parties share an identifier or a director. */
const SHARED_RELS = new Set(['AT_ADDRESS', 'HAS_PHONE', 'HAS_EMAIL', 'HAS_ACCOUNT', 'DIRECTS'].map((r) => REL_CODES.indexOf(r as never)));
/** Links of two parties through their declarations (routes, carriers and vessels are context, not ties). */
const DECLARATION_RELS = new Set(['CONSIGNED_TO', 'SUPPLIED_BY', 'DECLARED_BY'].map((r) => REL_CODES.indexOf(r as never)));

/** Most alerts of a type, most severe first (then in the order found: riskiest first). */
function capped(alerts: NewAlert[], max: number): NewAlert[] {
  const byType = new Map<AlertType, NewAlert[]>();
  for (const a of alerts) (byType.get(a.type) ?? byType.set(a.type, []).get(a.type)!).push(a);
  return [...byType.values()].flatMap((list) => list
    .map((a, i) => ({ a, i })).sort((x, y) => severityRank(y.a.severity) - severityRank(x.a.severity) || x.i - y.i)
    .slice(0, max).map(({ a }) => a));
}

async function scoresIn(store: GraphStore, ids: readonly string[], runId: string): Promise<Map<string, EntityScore>> {
  const out = new Map<string, EntityScore>();
  for (let i = 0; i < ids.length; i += 1000) for (const s of await store.getScores(ids.slice(i, i + 1000), runId)) out.set(s.entityId, s);
  return out;
}

/** Declarations a signal points at (its evidence ids that are declaration node ids), at most three. */
function signalDeclarations(s: EntityScore, names?: readonly string[]): Array<{ kind: 'declaration'; ref: string; note: string }> {
  return s.signals.filter((sig) => !names || names.includes(sig.name)).flatMap((sig) => sig.evidence.filter((e) => e.startsWith('d')).map((ref) => ({ kind: 'declaration' as const, ref, note: sig.name })))
    .slice(0, 3);
}

/** Risk crossing a threshold, risk rising by the margin, a new trader's sudden volume: the riskiest of each kind and the volume signal's traders. */
async function entityAlerts(store: GraphStore, run: string, prev: string, scores: ScoreList, s: AlertSettings): Promise<NewAlert[]> {
  // Parties by kind as positions and risks; whole scores only for the riskiest of each kind and the
  // parties with the volume signal.
  const perKind = new Map<string, Array<{ k: number; risk: number }>>();
  const volume: EntityScore[] = [];
  for (let k = 0; k < scores.length; k++) {
    const h = scores.head(k);
    if (!isPartyKind(h.kind)) continue;
    (perKind.get(h.kind) ?? perKind.set(h.kind, []).get(h.kind)!).push({ k, risk: h.risk });
    if (scores.hasSignal(k, 'new_trader_volume')) volume.push(scores.at(k));
  }
  const candidates = [...perKind.values()].flatMap((list) => list.sort((a, b) => b.risk - a.risk).slice(0, s.topEntities).map(({ k }) => scores.at(k)));
  const before = await scoresIn(store, [...new Set([...candidates, ...volume].map((c) => c.entityId))], prev);
  const out: NewAlert[] = [];
  for (const c of candidates) {
    const threshold = s.thresholds[c.kind as PartyKind];
    const was = before.get(c.entityId);
    const base = { entities: [c.entityId], runs: { previous: prev, current: run } };
    const evidence = [{ kind: 'entity' as const, ref: c.entityId }, ...signalDeclarations(c)];
    if (c.risk >= threshold && (!was || was.risk < threshold)) {
      out.push({
        ...base, key: `risk_threshold:${c.entityId}:${run}`, type: 'risk_threshold', severity: c.risk >= 0.95 ? 'critical' : 'high', evidence,
        summary: `${c.kind} risk ${pct(c.risk)} crossed the ${c.kind} threshold ${pct(threshold)} (was ${was ? pct(was.risk) : 'not scored'})`,
      });
    } else if (was && c.risk - was.risk >= s.rise) {
      out.push({
        ...base, key: `risk_rise:${c.entityId}:${run}`, type: 'risk_rise', severity: c.risk >= threshold ? 'high' : 'medium', evidence,
        summary: `${c.kind} risk rose by ${pct(c.risk - was.risk)} (${pct(was.risk)} → ${pct(c.risk)})`,
      });
    }
  }
  for (const v of volume) {
    if (before.get(v.entityId)?.signals.some((x) => x.name === 'new_trader_volume')) continue;
    const sig = v.signals.find((x) => x.name === 'new_trader_volume')!;
    out.push({
      key: `sudden_volume:${v.entityId}`, type: 'sudden_volume', severity: v.risk >= s.thresholds.Trader ? 'high' : 'medium',
      entities: [v.entityId], runs: { previous: prev, current: run },
      evidence: [{ kind: 'entity', ref: v.entityId }, ...signalDeclarations(v, ['new_trader_volume'])],
      summary: `New ${v.kind.toLowerCase()} with sudden volume (signal ${pct(sig.value)}, risk ${pct(v.risk)})`,
    });
  }
  return out;
}


async function ringAlerts(store: GraphStore, run: string, prev: string, top: readonly CommunityRecord[], s: AlertSettings): Promise<NewAlert[]> {
  const previous = await store.topCommunities(s.topRings * 2, prev);
  const matched = matchRings(top, previous);
  const out: NewAlert[] = [];
  top.forEach((ring, i) => {
    const was = matched[i];
    if (!was) return;
    const ref = ringLocal(run, ring.community);
    const base = { entities: ring.members.slice(0, 20), runs: { previous: prev, current: run } };
    const severity: AlertSeverity = ring.rank <= 3 ? 'high' : 'medium';
    const old = new Set(was.members);
    const joined = ring.members.filter((m) => !old.has(m));
    if (joined.length) {
      out.push({
        ...base, key: `ring_grew:${ref}`, type: 'ring_grew', severity, entities: [...joined, ...ring.members.filter((m) => old.has(m))].slice(0, 20),
        evidence: [{ kind: 'ring', ref, note: `ring ${ring.rank}` }, { kind: 'ring', ref: ringLocal(prev, was.community), note: 'as it was' },
          ...joined.slice(0, 10).map((m) => ({ kind: 'entity' as const, ref: m, note: 'joined' }))],
        summary: `Ring ${ring.rank} grew from ${was.size} to ${ring.size} members (${joined.length} joined)`,
      });
    }
    if (ring.risk - was.risk >= s.ringRise) {
      out.push({
        ...base, key: `ring_risk_rose:${ref}`, type: 'ring_risk_rose', severity,
        evidence: [{ kind: 'ring', ref, note: `ring ${ring.rank}` }, { kind: 'ring', ref: ringLocal(prev, was.community), note: 'as it was' }],
        summary: `Ring ${ring.rank} risk rose by ${pct(ring.risk - was.risk)} (${pct(was.risk)} → ${pct(ring.risk)})`,
      });
    }
  });
  return out;
}

/**
 * Who is tied to the focus entities (top rings' members, known-bad entities): through a
 * declaration (a party of theirs) or a shared identifier or director (not a hub). One pass over
 * the links for the direct ties and the shared identifiers, one more for those identifiers' parties.
 * Keys `focus>other`; the value is the identifier shared (a node index), or -1 for declarations.
 */
export function focusTies(g: EntityGraph, hub: Uint8Array, focus: ReadonlySet<number>): Map<string, number> {
  const ties = new Map<string, number>();
  const party = (i: number) => isPartyKind(g.kinds[i]!);
  const shared = new Map<number, number[]>();
  const tie = (f: number, o: number, via: number) => {
    if (f === o) return;
    const k = `${g.ids[f]}>${g.ids[o]}`;
    if (!ties.has(k)) ties.set(k, via);
  };
  for (let e = 0; e < g.m; e++) {
    const s = g.src[e]!;
    const d = g.dst[e]!;
    const rel = g.rel[e]!;
    if (DECLARATION_RELS.has(rel) && party(s) && party(d)) {
      if (focus.has(s)) tie(s, d, -1);
      if (focus.has(d)) tie(d, s, -1);
    } else if (SHARED_RELS.has(rel)) {
      const [p, x] = party(s) ? [s, d] : [d, s];
      if (focus.has(p) && party(p) && !hub[x]) (shared.get(x) ?? shared.set(x, []).get(x)!).push(p);
    }
  }
  if (shared.size) {
    for (let e = 0; e < g.m; e++) {
      if (!SHARED_RELS.has(g.rel[e]!)) continue;
      const s = g.src[e]!;
      const d = g.dst[e]!;
      const [p, x] = party(s) ? [s, d] : [d, s];
      const fs = shared.get(x);
      if (fs && party(p)) for (const f of fs) tie(f, p, x);
    }
  }
  return ties;
}

/** New ties of the focus entities since the previous pass, one alert each, with the declarations or identifier behind it. */
async function tieAlerts(
  store: GraphStore, inputs: RunAlertInputs, prev: string, ties: Map<string, number>, before: Pick<AlertPass, 'focus' | 'ties'>,
  ringOf: Map<string, CommunityRecord>, knownBad: ReadonlySet<string>, s: AlertSettings,
): Promise<NewAlert[]> {
  const { g, runId: run } = inputs;
  const known = new Set(before.ties);
  // An entity that just joined the focus (a ring's new member) has ties of all ages: its ring's growth reports it, not its ties.
  const followed = new Set(before.focus);
  const found: NewAlert[] = [];
  for (const [k, via] of ties) {
    if (known.has(k)) continue;
    const [focus, other] = k.split('>') as [string, string];
    if (!followed.has(focus)) continue;
    const ring = ringOf.get(focus);
    // Members of one ring tied to each other: the ring's own growth says it.
    if (ring && ringOf.get(other) === ring) continue;
    if (!ring && !knownBad.has(focus)) continue;
    const type: AlertType = ring ? 'new_link_ring' : 'new_link_known_bad';
    const oi = g.index.get(other)!;
    const fi = g.index.get(focus)!;
    const through = via >= 0 ? `a shared ${g.kinds[via]!.toLowerCase()}` : 'declarations';
    found.push({
      key: `${type}:${k}`, type, severity: ring ? (ring.rank <= 5 ? 'high' : 'medium') : 'high',
      entities: [other, focus], runs: { previous: prev, current: run },
      evidence: [
        { kind: 'entity', ref: other }, { kind: 'entity', ref: focus, note: ring ? `member of ring ${ring.rank}` : 'known bad' },
        ...(ring ? [{ kind: 'ring' as const, ref: ringLocal(run, ring.community), note: `ring ${ring.rank}` }] : []),
        ...(via >= 0 ? [{ kind: 'entity' as const, ref: g.ids[via]!, note: `shared ${g.kinds[via]!.toLowerCase()}` }] : []),
      ],
      summary: `${g.kinds[oi]} newly tied to ${ring ? `a member of ring ${ring.rank}` : `a known-bad ${g.kinds[fi]!.toLowerCase()}`} through ${through}`,
    });
  }
  const kept = capped(found, s.maxPerType);
  // The declarations behind a declaration tie: the newest naming both (the new ones among them).
  for (const a of kept) {
    if (a.evidence.some((e) => e.note?.startsWith('shared '))) continue;
    const decls = await store.linkDeclarations(a.entities[1]!, a.entities[0]!, { limit: 3 });
    a.evidence.push(...decls.map((d) => ({ kind: 'declaration' as const, ref: d.id, note: `${d.lodged_at} ${d.hs_code ?? ''}`.trim() })));
  }
  return kept;
}

/** What a watch sees in this run: an entity's risk, declarations and ring; a ring's risk and members (the ring it best matches now). */
async function watchSnapshot(store: GraphStore, w: Watch, run: string, scoreOf: Map<string, EntityScore>, rings: readonly CommunityRecord[], ringOf: Map<string, CommunityRecord>): Promise<WatchSnapshot | null> {
  if (w.kind === 'entity') {
    const ring = ringOf.get(w.ref);
    return { run, risk: scoreOf.get(w.ref)?.risk ?? 0, declarations: await store.countEntityDeclarations(w.ref), ...(ring ? { ring: ringLocal(run, ring.community) } : {}) };
  }
  const members = w.seen?.members ?? [];
  const [best] = rings.map((r) => ({ r, j: jaccard(new Set(members), r.members) })).filter((x) => x.j >= SAME_RING).sort((a, b) => b.j - a.j);
  return best ? { run, risk: best.r.risk, ring: ringLocal(run, best.r.community), members: best.r.members } : null;
}

/** What changed between two snapshots of a watch, in words (empty: nothing). */
export function watchChanges(w: Watch, was: WatchSnapshot | undefined, now: WatchSnapshot | null): string[] {
  if (!was) return [];
  if (!now) return w.kind === 'ring' ? ['the ring is no longer found among the ranked rings'] : [];
  const out: string[] = [];
  if (Math.abs(now.risk - was.risk) >= 0.01) out.push(`risk ${pct(was.risk)} → ${pct(now.risk)}`);
  if (w.kind === 'entity') {
    if ((now.declarations ?? 0) !== (was.declarations ?? 0)) out.push(`declarations ${was.declarations ?? 0} → ${now.declarations ?? 0}`);
    if (Boolean(now.ring) !== Boolean(was.ring)) out.push(now.ring ? 'now in a ranked ring' : 'no longer in a ranked ring');
  } else {
    const old = new Set(was.members ?? []);
    const cur = new Set(now.members ?? []);
    const joined = [...cur].filter((m) => !old.has(m)).length;
    const left = [...old].filter((m) => !cur.has(m)).length;
    if (joined) out.push(`${joined} member(s) joined`);
    if (left) out.push(`${left} member(s) left`);
  }
  return out;
}

async function watchAlerts(store: GraphStore, inputs: RunAlertInputs, prev: string | undefined): Promise<{ alerts: NewAlert[]; seen: AlertPass['watchSeen'] }> {
  const watches = await store.listWatches();
  if (!watches.length) return { alerts: [], seen: [] };
  const ids = new Set(watches.filter((w) => w.kind === 'entity').map((w) => w.ref));
  const ringOf = ringsOfMembers(inputs.communities, ids);
  const scoreOf = new Map<string, EntityScore>();
  for (let k = 0; k < inputs.scores.length; k++) {
    const { entityId } = inputs.scores.head(k);
    if (ids.has(entityId)) scoreOf.set(entityId, inputs.scores.at(k));
  }
  const alerts: NewAlert[] = [];
  const seen: AlertPass['watchSeen'] = [];
  for (const w of watches) {
    const now = await watchSnapshot(store, w, inputs.runId, scoreOf, inputs.communities, ringOf);
    const changes = watchChanges(w, w.seen, now);
    if (now) seen.push({ id: w.id, seen: now });
    if (!changes.length) continue;
    const entities = w.kind === 'entity' ? [w.ref] : (now?.members ?? w.seen?.members ?? []).slice(0, 20);
    alerts.push({
      key: `watch:${w.id}:${inputs.runId}`, type: 'watch', severity: changes.some((c) => c.startsWith('risk') || c.includes('ring')) ? 'medium' : 'low',
      entities, runs: { ...(prev ? { previous: prev } : {}), current: inputs.runId }, assignee: w.who, watch: { id: w.id, who: w.who },
      evidence: [w.kind === 'entity' ? { kind: 'entity', ref: w.ref } : { kind: 'ring', ref: now?.ring ?? w.ref, note: 'watched ring' }],
      summary: `Watched ${w.kind}: ${changes.join('; ')}`,
    });
  }
  return { alerts, seen };
}

/**
 * The first ring, in rank order, holding each member (of `only`, when given). Built for the top
 * rings or the watched entities only: a map of every member of every ranked ring is a million
 * entries at 1M nodes, most never read.
 */
function ringsOfMembers(rings: readonly CommunityRecord[], only?: ReadonlySet<string>): Map<string, CommunityRecord> {
  const out = new Map<string, CommunityRecord>();
  for (const ring of rings) for (const m of ring.members) if ((!only || only.has(m)) && !out.has(m)) out.set(m, ring);
  return out;
}

/** The run's alert pass: its alerts, the ties the next pass compares with, what each watch saw. */
export async function prepareAlertPass(store: GraphStore, inputs: RunAlertInputs, s: AlertSettings): Promise<AlertPass> {
  const { g, runId: run } = inputs;
  const top = inputs.communities.slice(0, s.topRings);
  // The top rings come first in rank order: a member's first ring is a top ring exactly when a top ring holds it.
  const topRingOf = ringsOfMembers(top);
  const bad: ScoreHead[] = [];
  for (let k = 0; k < inputs.scores.length; k++) {
    const h = inputs.scores.head(k);
    if (h.knownBad && isPartyKind(h.kind)) bad.push(h);
  }
  const knownBad = new Set(bad.sort((a, b) => b.risk - a.risk).slice(0, s.knownBad).map((h) => h.entityId));
  const focus = new Set<number>();
  for (const id of [...topRingOf.keys(), ...knownBad]) {
    const i = g.index.get(id);
    if (i !== undefined && isPartyKind(g.kinds[i]!)) focus.add(i);
  }
  const ties = focusTies(g, inputs.hub, focus);
  const prev = inputs.previous?.status === 'done' ? inputs.previous.id : undefined;
  const prevPass = prev ? await store.getAlertPass(prev) : null;
  const watched = await watchAlerts(store, inputs, prev);
  const alerts: NewAlert[] = [...watched.alerts];
  if (prev) {
    alerts.push(...capped(await entityAlerts(store, run, prev, inputs.scores, s), s.maxPerType));
    alerts.push(...await ringAlerts(store, run, prev, top, s));
    // Ties are new against the previous pass's; without one (the first pass), they are the baseline.
    if (prevPass) alerts.push(...await tieAlerts(store, inputs, prev, ties, prevPass, topRingOf, knownBad, s));
  }
  return {
    runId: run, ...(prev ? { previousRunId: prev } : {}), alerts, focus: [...focus].map((i) => g.ids[i]!), ties: [...ties.keys()], watchSeen: watched.seen,
  };
}

/**
 * Stores a run's prepared alerts (those already stored are skipped by key) and marks its pass
 * raised. Safe to repeat: a retried job calls it for the current run before anything else.
 */
export async function raiseAlertPass(store: GraphStore, runId: string, opts: { beforeMark?: () => void } = {}): Promise<number> {
  const pass = await store.getAlertPass(runId);
  if (!pass || pass.raisedAt) return 0;
  const at = new Date().toISOString();
  let stored = 0;
  // In slices: a crash between two leaves some stored, and the retry stores the rest.
  for (let i = 0; i < pass.alerts.length; i += 200) {
    stored += (await store.addAlerts(pass.alerts.slice(i, i + 200), at)).length;
    opts.beforeMark?.();
  }
  await store.saveWatchSnapshots(pass.watchSeen);
  await store.saveAlertPass({ ...pass, raisedAt: at });
  return stored;
}
