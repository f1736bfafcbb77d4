/**
 * Alerts and watches through GraphQL: the inbox (filters, pages), what people do with an alert
 * (acknowledge, dismiss with a reason, assign, attach to a case), watches on entities and rings,
 * and the live push of new alerts (subscriptions.ts serves it over WebSocket).
 */
import type { GraphQLResolveInfo } from 'graphql';
import {
  ALERT_SEVERITIES, ALERT_STATES, ALERT_TRANSITIONS, ALERT_TYPES, MAX_DISMISS_REASON_CHARS, MAX_WATCHES,
  type Alert, type AlertEvent, type AlertFilter, type AlertState, type Watch,
} from '../domain/alerts';
import { MAX_CASE_ITEMS } from '../domain/cases';
import type { ApiContext } from './context';
import { badInput, conflict, notFound } from './errors';
import { textArg } from './text-input';
import { checkFirst, connection, decodeCursor } from './paging';
import { gqlEntity, ringOut } from './shapes';
import { referenceTargets } from './references';
import { globalId, localId, parseRingLocal, ringLocal } from './global-id';
import { caseOut } from './cases';
import { wordsEnum } from './scalars';
import type { AlertFeed } from '../alerts/feed';
import type { Entity } from '../store/graph-reader';

type Args = Record<string, unknown>;


export function alertOut(a: Alert) {
  return {
    id: globalId('Alert', a.id), type: a.type, severity: a.severity, summary: a.summary, raisedAt: a.at, state: a.state,
    assignee: a.assignee ?? null, dismissReason: a.reason ?? null, version: a.version,
    run: a.runs.current ? globalId('AnalysisRun', a.runs.current) : null, previousRun: a.runs.previous ? globalId('AnalysisRun', a.runs.previous) : null,
    history: a.history, __alert: a,
  };
}

/** The filter argument in the store's terms (the key asking, for `mine`). */
export function filterArg(ctx: ApiContext, f: Args | null | undefined): AlertFilter {
  if (!f) return {};
  const list = <T>(v: unknown) => (Array.isArray(v) && v.length ? (v as T[]) : undefined);
  const assignee = f.mine === true ? ctx.key.name : typeof f.assignee === 'string' ? f.assignee : undefined;
  return {
    types: list(f.types), states: list(f.states), ...(typeof f.minSeverity === 'string' ? { minSeverity: f.minSeverity as AlertFilter['minSeverity'] } : {}),
    ...(typeof f.since === 'string' ? { since: f.since } : {}), ...(typeof f.until === 'string' ? { until: f.until } : {}),
    ...(assignee ? { assignee } : {}), ...(typeof f.entity === 'string' ? { entityId: localId(f.entity, ['Entity'], 'entity') } : {}),
  };
}

async function alertArg(ctx: ApiContext, id: unknown): Promise<Alert> {
  const a = await ctx.store.getAlert(localId(String(id), ['Alert'], 'id'));
  if (!a) throw notFound(`no alert ${String(id).slice(0, 80)}`, 'id');
  return a;
}

/**
 * Applies a change to the stored alert and saves it from the version read; read again and
 * re-applied when someone changed it meanwhile (the change itself re-checks what it may do).
 */
async function change(ctx: ApiContext, id: unknown, apply: (a: Alert, at: string) => AlertEvent['action'] | undefined, detail: (a: Alert) => string): Promise<Alert> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const a = await alertArg(ctx, id);
    const at = new Date().toISOString();
    const next = structuredClone(a);
    const action = apply(next, at);
    if (!action) return a;
    next.history.push({ at, who: ctx.key.name, action, detail: detail(next) });
    if (await ctx.store.saveAlert(next, a.version)) return { ...next, version: a.version + 1 };
  }
  throw conflict(`alert ${String(id).slice(0, 80)} keeps changing: read it again`);
}

function moveTo(a: Alert, state: AlertState): void {
  if (a.state === state) return;
  if (!ALERT_TRANSITIONS[a.state].includes(state)) throw badInput(`alert ${a.id} is ${a.state}: it cannot become ${state}`, { argument: 'id' });
  a.state = state;
}

function watchOut(w: Watch) {
  return { id: w.id, kind: w.kind, who: w.who, at: w.at, note: w.note ?? null, __watch: w };
}

/** The alert feed of the server answering (the live push): set when the server starts. */
export interface AlertServices {
  feed?: AlertFeed;
}

export const alertResolvers = {
  AlertType: wordsEnum(ALERT_TYPES),
  AlertSeverity: wordsEnum(ALERT_SEVERITIES),
  AlertState: wordsEnum(ALERT_STATES),
  AlertAction: wordsEnum(['raised', 'acknowledged', 'dismissed', 'assigned', 'attached']),
  AlertEvidenceKind: wordsEnum(['declaration', 'entity', 'ring']),
  WatchKind: wordsEnum(['entity', 'ring']),

  Query: {
    async alerts(_: unknown, args: Args, ctx: ApiContext) {
      ctx.require('readAlerts');
      const first = checkFirst(args.first as number);
      const after = decodeCursor(args.after as string | undefined);
      const filter = filterArg(ctx, args.filter as Args | undefined);
      const list = await ctx.store.listAlerts({ ...filter, limit: first + 1, before: after === undefined ? undefined : String(after) });
      return connection(list.map(alertOut), first, (a) => a.__alert.id, { after: args.after, total: () => ctx.store.countAlerts(filter) });
    },
    async alert(_: unknown, args: Args, ctx: ApiContext) {
      ctx.require('readAlerts');
      return alertOut(await alertArg(ctx, args.id));
    },
    async watches(_: unknown, args: Args, ctx: ApiContext) {
      ctx.require('readAlerts');
      return (await ctx.store.listWatches(args.mine === false ? {} : { who: ctx.key.name })).map(watchOut);
    },
  },

  Mutation: {
    async acknowledgeAlert(_: unknown, args: Args, ctx: ApiContext) {
      ctx.require('readAlerts');
      const note = textArg(args.note, 'note', MAX_DISMISS_REASON_CHARS, false);
      return alertOut(await change(ctx, args.id, (a) => (a.state === 'acknowledged' ? undefined : (moveTo(a, 'acknowledged'), 'acknowledged')), () => note ?? ''));
    },
    async dismissAlert(_: unknown, args: Args, ctx: ApiContext) {
      ctx.require('readAlerts');
      const reason = textArg(args.reason, 'reason', MAX_DISMISS_REASON_CHARS, true)!;
      return alertOut(await change(ctx, args.id, (a) => { moveTo(a, 'dismissed'); a.reason = reason; return 'dismissed'; }, () => reason));
    },
    async assignAlert(_: unknown, args: Args, ctx: ApiContext) {
      ctx.require('readAlerts');
      const assignee = textArg(args.assignee, 'assignee', 200, true)!;
      return alertOut(await change(ctx, args.id, (a) => { a.assignee = assignee; return 'assigned'; }, () => `to ${assignee}`));
    },
    async attachAlertToCase(_: unknown, args: Args, ctx: ApiContext, info: GraphQLResolveInfo) {
      ctx.require('readAlerts');
      ctx.require('manageCases');
      const caseId = localId(String(args.case), ['Case'], 'case');
      const alert = await alertArg(ctx, args.id);
      if (!ALERT_TRANSITIONS[alert.state].includes('attached')) throw badInput(`alert ${alert.id} is ${alert.state}: it cannot be attached`, { argument: 'id' });
      // Its main entity joins the case (once), the alert's summary as the note: the case holds the evidence.
      for (let attempt = 0; ; attempt++) {
        const c = await ctx.store.getCase(caseId);
        if (!c) throw notFound(`no case ${String(args.case).slice(0, 80)}`, 'case');
        const main = alert.entities[0];
        const at = new Date().toISOString();
        const next = structuredClone(c);
        if (main && !next.items.some((i) => i.kind === 'entity' && i.ref === main) && next.items.length < MAX_CASE_ITEMS) {
          next.items.push({ kind: 'entity', ref: main, note: `alert ${alert.id}: ${alert.summary}`, addedAt: at, addedBy: ctx.key.name });
        }
        next.updatedAt = at;
        next.history.push({ at, who: ctx.key.name, action: 'added', detail: `alert ${alert.id} (${alert.type}): ${alert.summary}` });
        if (await ctx.store.saveCase(next, c.version)) break;
        if (attempt >= 2) throw conflict(`case ${caseId} keeps changing: try again`);
      }
      ctx.audit.note(info, alert.entities.slice(0, 1));
      return alertOut(await change(ctx, args.id, (a) => { moveTo(a, 'attached'); a.caseId = caseId; return 'attached'; }, () => `to case ${caseId}`));
    },
    async watchEntity(_: unknown, args: Args, ctx: ApiContext) {
      ctx.require('readAlerts');
      const id = localId(String(args.entity), ['Entity'], 'entity');
      const e = await ctx.loaders.entity.load(id);
      if (!e || e.kind === 'Declaration') throw notFound(`no entity ${String(args.entity).slice(0, 80)}`, 'entity');
      const note = textArg(args.note, 'note', MAX_DISMISS_REASON_CHARS, false);
      return watchOut(await addWatch(ctx, { kind: 'entity', ref: id, note }, async (run) => {
        const score = (await ctx.store.getScores([id], run))[0];
        const ring = score?.community !== undefined ? await ctx.store.getCommunity(score.community, run) : null;
        return { run, risk: score?.risk ?? 0, declarations: await ctx.store.countEntityDeclarations(id), ...(ring ? { ring: ringLocal(run, ring.community) } : {}) };
      }));
    },
    async watchRing(_: unknown, args: Args, ctx: ApiContext) {
      ctx.require('readAlerts');
      const local = parseRingLocal(localId(String(args.ring), ['Ring'], 'ring'));
      const ring = local ? await ctx.store.getCommunity(local.community, local.runId) : null;
      if (!local || !ring) throw notFound(`no ring ${String(args.ring).slice(0, 80)}`, 'ring');
      const note = textArg(args.note, 'note', MAX_DISMISS_REASON_CHARS, false);
      return watchOut(await addWatch(ctx, { kind: 'ring', ref: ringLocal(local.runId, ring.community), note }, async () => ({
        run: local.runId, risk: ring.risk, ring: ringLocal(local.runId, ring.community), members: ring.members,
      })));
    },
    async unwatch(_: unknown, args: Args, ctx: ApiContext) {
      ctx.require('readAlerts');
      const w = await ctx.store.getWatch(String(args.id));
      if (!w) return false;
      if (w.who !== ctx.key.name && ctx.key.role !== 'admin') throw badInput(`watch ${w.id} is ${w.who}'s: only they (or an admin) may stop it`, { argument: 'id' });
      return ctx.store.removeWatch(w.id);
    },
  },

  Alert: {
    async entities(a: { __alert: Alert }, _: Args, ctx: ApiContext) {
      const found = await ctx.loaders.entity.loadMany(a.__alert.entities);
      return found.filter((e): e is Entity => !!e && !(e instanceof Error)).map(gqlEntity);
    },
    evidence(a: { __alert: Alert }) {
      return a.__alert.evidence.map((e) => ({
        kind: e.kind, note: e.note ?? null, __ref: e.ref,
        ref: e.kind === 'ring' ? globalId('Ring', e.ref) : globalId(e.kind === 'declaration' ? 'Declaration' : 'Entity', e.ref),
      }));
    },
    async case(a: { __alert: Alert }, _: Args, ctx: ApiContext) {
      const c = a.__alert.caseId ? await ctx.store.getCase(a.__alert.caseId) : null;
      return c ? caseOut(c) : null;
    },
    async watch(a: { __alert: Alert }, _: Args, ctx: ApiContext) {
      const w = a.__alert.watch ? await ctx.store.getWatch(a.__alert.watch.id) : null;
      return w ? watchOut(w) : null;
    },
  },

  AlertEvidence: {
    ...referenceTargets,
    async ring(e: { kind: string; __ref: string }, _: Args, ctx: ApiContext) {
      if (e.kind !== 'ring') return null;
      const local = parseRingLocal(e.__ref);
      const r = local ? await ctx.store.getCommunity(local.community, local.runId) : null;
      return local && r ? ringOut(r, local.runId) : null;
    },
  },

  Watch: {
    async entity(w: { __watch: Watch }, _: Args, ctx: ApiContext) {
      if (w.__watch.kind !== 'entity') return null;
      const e = await ctx.loaders.entity.load(w.__watch.ref);
      return e ? gqlEntity(e) : null;
    },
    async ring(w: { __watch: Watch }, _: Args, ctx: ApiContext) {
      if (w.__watch.kind !== 'ring') return null;
      const local = parseRingLocal(w.__watch.seen?.ring ?? w.__watch.ref);
      const r = local ? await ctx.store.getCommunity(local.community, local.runId) : null;
      return local && r ? ringOut(r, local.runId) : null;
    },
  },

  Subscription: {
    alertRaised: {
      async subscribe(_: unknown, args: Args, ctx: ApiContext & AlertServices) {
        ctx.require('readAlerts');
        await ctx.requirePurpose();
        if (!ctx.feed) throw badInput('alerts are pushed over WebSocket: subscribe at the same path with graphql-ws');
        const filter = filterArg(ctx, args.filter as Args | undefined);
        return ctx.feed.subscribe(filter);
      },
      resolve: (a: Alert) => alertOut(a),
    },
  },
};

/** A watch from the run current now (the next run compares with what it sees). */
async function addWatch(ctx: ApiContext, w: Pick<Watch, 'kind' | 'ref' | 'note'>, snapshot: (run: string) => Promise<NonNullable<Watch['seen']>>): Promise<Watch> {
  const all = await ctx.store.listWatches();
  const same = all.find((x) => x.who === ctx.key.name && x.kind === w.kind && x.ref === w.ref);
  if (same) return same;
  if (all.length >= MAX_WATCHES) throw badInput(`at most ${MAX_WATCHES} watches`, { argument: w.kind });
  const run = await ctx.store.currentRunId();
  return ctx.store.addWatch({
    kind: w.kind, ref: w.ref, who: ctx.key.name, at: new Date().toISOString(), ...(w.note ? { note: w.note } : {}), ...(run ? { seen: await snapshot(run) } : {}),
  });
}
