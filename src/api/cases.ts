/**
 * Investigation cases through GraphQL: open one, gather entities, rings and declarations with
 * notes, annotate, set its status (closing as fraud confirmed can put its entities on the
 * watchlist), draw its graph and print it. Every change names the version it was made from, and
 * is kept in the case's history as well as the audit log.
 */
import type { GraphQLResolveInfo } from 'graphql';
import {
  CASE_STATUSES, type CaseAction, MAX_CASE_ITEMS, MAX_CASE_NOTES, MAX_NOTE_CHARS, MAX_TITLE_CHARS, type CaseItemKind, type CaseStatus, type InvestigationCase,
} from '../domain/cases';
import { isPartyKind, IDENTIFIER_KINDS, type EntityKind } from '../domain/entities';
import type { CommunityRecord, EntityScore } from '../domain/results';
import { caseReportHtml } from '../export/case-report';
import type { Entity, Subgraph } from '../store/graph-reader';
import { mergeSubgraphs, ringSubgraph } from '../export/subgraph';
import type { ApiContext } from './context';
import { badInput, conflict, notFound } from './errors';
import { textArg } from './text-input';
import { referenceTargets } from './references';
import { FIELD_LIMITS } from './limits';
import { checkFirst, connection, decodeCursor } from './paging';
import { ringOut, subgraphOut } from './shapes';
import { globalId, localId, parseRingLocal, ringLocal } from './global-id';

type Args = Record<string, unknown>;


/** A case by an argument's id (global or the store's); NOT_FOUND when there is none. */
async function caseArg(ctx: ApiContext, id: unknown): Promise<InvestigationCase> {
  const c = await ctx.store.getCase(localId(String(id), ['Case'], 'id'));
  if (!c) throw notFound(`no case ${String(id).slice(0, 80)}`, 'id');
  return c;
}

async function load(ctx: ApiContext, id: unknown, version: unknown): Promise<InvestigationCase> {
  const c = await caseArg(ctx, id);
  if (version !== c.version) throw conflict(`case ${id} changed since version ${String(version)} (it is at version ${c.version}): read it again`);
  return c;
}

/** Saves a change made from the version read, with its history line. */
async function change(ctx: ApiContext, c: InvestigationCase, action: CaseAction, detail: string, apply: (c: InvestigationCase, at: string) => void): Promise<InvestigationCase> {
  const at = new Date().toISOString();
  const next: InvestigationCase = structuredClone(c);
  apply(next, at);
  next.updatedAt = at;
  next.history.push({ at, who: ctx.key.name, action, detail });
  if (!(await ctx.store.saveCase(next, c.version))) throw conflict(`case ${c.id} changed while this change was made: read it again`);
  return { ...next, version: c.version + 1 };
}

export function caseOut(c: InvestigationCase) {
  return {
    ...c, id: globalId('Case', c.id), status: c.status.toUpperCase(),
    items: c.items.map((i) => ({ ...i, kind: i.kind.toUpperCase(), note: i.note ?? null, __ref: i.ref })), __case: c,
  };
}

/** A case's ring item: its run and community (an item of an earlier version names the current run's community). */
async function ringItem(ctx: ApiContext, ref: string): Promise<{ runId: string; community: number } | null> {
  const pinned = parseRingLocal(ref);
  if (pinned) return pinned;
  const runId = await ctx.store.currentRunId();
  return runId && /^\d{1,9}$/.test(ref) ? { runId, community: Number(ref) } : null;
}

async function ringOfItem(ctx: ApiContext, ref: string): Promise<{ runId: string; record: CommunityRecord } | null> {
  const ring = await ringItem(ctx, ref);
  const record = ring ? await ctx.store.getCommunity(ring.community, ring.runId) : null;
  return ring && record ? { runId: ring.runId, record } : null;
}

/** A case's rings still kept by their runs, by item ref (the graph, the report and the watchlist read them). */
async function caseRings(ctx: ApiContext, c: InvestigationCase): Promise<Map<string, CommunityRecord>> {
  const rings = new Map<string, CommunityRecord>();
  for (const i of c.items.filter((x) => x.kind === 'ring')) {
    const r = (await ringOfItem(ctx, i.ref))?.record;
    if (r) rings.set(i.ref, r);
  }
  return rings;
}

export const caseResolvers = {
  Query: {
    async cases(_: unknown, args: Args, ctx: ApiContext) {
      ctx.require('manageCases');
      const first = checkFirst(args.first as number);
      const after = decodeCursor(args.after as string | undefined);
      const status = typeof args.status === 'string' ? (args.status.toLowerCase() as CaseStatus) : undefined;
      const list = await ctx.store.listCases({ status, limit: first + 1, before: after === undefined ? undefined : String(after) });
      return connection(list.map(caseOut), first, (c) => c.__case.id, { after: args.after, total: () => ctx.store.countCases({ status }) });
    },

    async case(_: unknown, args: Args, ctx: ApiContext) {
      ctx.require('manageCases');
      return caseOut(await caseArg(ctx, args.id));
    },
  },

  Mutation: {
    async openCase(_: unknown, args: Args, ctx: ApiContext) {
      ctx.require('manageCases');
      const title = textArg(args.title, 'title', MAX_TITLE_CHARS, true)!;
      const at = new Date().toISOString();
      const c = await ctx.store.createCase({
        title, status: 'open', createdAt: at, createdBy: ctx.key.name, updatedAt: at, version: 1, items: [], notes: [],
        history: [{ at, who: ctx.key.name, action: 'opened', detail: title }],
      });
      return caseOut(c);
    },

    async addToCase(_: unknown, args: Args, ctx: ApiContext, info: GraphQLResolveInfo) {
      ctx.require('manageCases');
      const c = await load(ctx, args.id, args.version);
      const kind = String(args.kind).toLowerCase() as CaseItemKind;
      const given = String(args.ref);
      // Entities and declarations by their store id; a ring as run:community, so that it stays the ring that was added.
      let ref: string;
      const note = textArg(args.note, 'note', MAX_NOTE_CHARS, false);
      if (c.items.length >= MAX_CASE_ITEMS) throw badInput(`a case holds at most ${MAX_CASE_ITEMS} items`, { argument: 'ref' });
      let what: string;
      if (kind === 'ring') {
        const ring = await ringOfItem(ctx, localId(given, ['Ring'], 'ref'));
        if (!ring) throw notFound(`no ring ${given.slice(0, 80)}`, 'ref');
        ref = ringLocal(ring.runId, ring.record.community);
        what = `ring #${ring.record.rank} of run ${ring.runId}`;
      } else if (kind === 'declaration') {
        ref = localId(given, ['Declaration', 'Entity'], 'ref');
        const d = await ctx.loaders.declaration.load(ref);
        if (!d) throw notFound(`no declaration ${given.slice(0, 80)}`, 'ref');
        what = `declaration ${d.declaration_id}/${d.item_no}`;
      } else {
        ref = localId(given, ['Entity'], 'ref');
        const e = await ctx.loaders.entity.load(ref);
        if (!e || e.kind === 'Declaration') throw notFound(`no entity ${given.slice(0, 80)}`, 'ref');
        what = `${e.kind.toLowerCase()} ${e.name || e.key}`;
      }
      if (c.items.some((i) => i.kind === kind && i.ref === ref)) throw badInput(`${kind} ${given.slice(0, 80)} is already in case ${c.id}`, { argument: 'ref' });
      const saved = await change(ctx, c, 'added', `${what}${note ? `: ${note}` : ''}`, (next, at) => {
        next.items.push({ kind, ref, ...(note ? { note } : {}), addedAt: at, addedBy: ctx.key.name });
      });
      // The item's id (the wrapper of identity roots opens the audit entry; it cannot know the id).
      ctx.audit.note(info, kind === 'ring' ? [] : [ref]);
      return caseOut(saved);
    },

    async annotateCase(_: unknown, args: Args, ctx: ApiContext) {
      ctx.require('manageCases');
      const c = await load(ctx, args.id, args.version);
      const note = textArg(args.text, 'text', MAX_NOTE_CHARS, true)!;
      if (c.notes.length >= MAX_CASE_NOTES) throw badInput(`a case holds at most ${MAX_CASE_NOTES} notes`, { argument: 'text' });
      const saved = await change(ctx, c, 'annotated', note, (next, at) => { next.notes.push({ at, who: ctx.key.name, text: note }); });
      return caseOut(saved);
    },

    async setCaseStatus(_: unknown, args: Args, ctx: ApiContext) {
      ctx.require('manageCases');
      const c = await load(ctx, args.id, args.version);
      const status = String(args.status).toLowerCase() as CaseStatus;
      if (!CASE_STATUSES.includes(status)) throw badInput(`unknown status ${String(args.status)}`, { argument: 'status' });
      const note = textArg(args.note, 'note', MAX_NOTE_CHARS, false);
      const watch = args.addToWatchlist === true;
      if (watch && status !== 'closed_confirmed') throw badInput('only a case closed as fraud confirmed can add its entities to the watchlist', { argument: 'addToWatchlist' });
      let listed = 0;
      if (watch) {
        // Of its items and its rings' members, the parties, persons and identifiers (not routes, vessels or containers)
        // go on the watchlist, the case as the reason.
        const members = [...(await caseRings(ctx, c)).values()].flatMap((r) => r.members);
        const ids = [...new Set([...c.items.filter((i) => i.kind !== 'ring').map((i) => i.ref), ...members])];
        const entities = (await ctx.loaders.entity.loadMany(ids)).filter((e): e is Entity => !!e && !(e instanceof Error))
          .filter((e) => isPartyKind(e.kind) || (IDENTIFIER_KINDS as readonly EntityKind[]).includes(e.kind) || e.kind === 'Person');
        await ctx.store.upsertWatchlist(entities.map((e) => ({
          kind: e.kind, key: e.key, reason: `case ${c.id} closed as fraud confirmed: ${c.title}`.slice(0, 500), source: `case ${c.id}`, severity: 0.9,
          listedAt: new Date().toISOString().slice(0, 10),
        })));
        listed = entities.length;
      }
      const detail = `${c.status} → ${status}${note ? `: ${note}` : ''}${watch ? `; ${listed} entities put on the watchlist` : ''}`;
      const saved = await change(ctx, c, 'status', detail, (next, at) => {
        next.status = status;
        if (note) next.notes.push({ at, who: ctx.key.name, text: note });
      });
      return caseOut(saved);
    },
  },

  Case: {
    async subgraph(c: { __case: InvestigationCase }, args: Args, ctx: ApiContext) {
      const limit = args.limit as number;
      if (!(limit >= 1 && limit <= FIELD_LIMITS.maxSubgraph)) throw badInput(`limit must be between 1 and ${FIELD_LIMITS.maxSubgraph}`, { argument: 'limit', limit: 'maxSubgraph' });
      // Its rings as a ring is drawn (members and what ties them), its entities and declarations with their neighbours.
      const parts: Subgraph[] = [];
      for (const ring of (await caseRings(ctx, c.__case)).values()) parts.push(await ringSubgraph(ctx.store, ring, limit));
      const own = c.__case.items.filter((x) => x.kind !== 'ring').map((x) => x.ref);
      if (own.length) parts.push(await ctx.store.neighbourhood(own.slice(0, limit), { hops: 1, limit }));
      return subgraphOut(mergeSubgraphs(parts, limit));
    },
    async reportHtml(c: { __case: InvestigationCase }, _: Args, ctx: ApiContext, info: GraphQLResolveInfo) {
      const rings = await caseRings(ctx, c.__case);
      const entityIds = c.__case.items.filter((i) => i.kind === 'entity').map((i) => i.ref);
      const entities = new Map((await ctx.loaders.entity.loadMany(entityIds)).filter((e): e is Entity => !!e && !(e instanceof Error)).map((e) => [e.id, e]));
      const scores = new Map<string, EntityScore>((await ctx.store.getScores(entityIds)).map((s) => [s.entityId, s]));
      const declIds = c.__case.items.filter((i) => i.kind === 'declaration').map((i) => i.ref);
      const declarations = new Map((await ctx.store.getDeclarations(declIds)).map((d) => [d.id, d]));
      // The page names the case's entities and declarations: noted like the objects themselves.
      ctx.audit.note(info, [...entityIds, ...declIds]);
      return caseReportHtml({ c: c.__case, entities, scores, declarations, rings });
    },
  },

  CaseItem: {
    async ref(i: { kind: string; __ref: string }, _: Args, ctx: ApiContext) {
      if (i.kind === 'ENTITY') return globalId('Entity', i.__ref);
      if (i.kind === 'DECLARATION') return globalId('Declaration', i.__ref);
      const ring = await ringItem(ctx, i.__ref);
      return ring ? globalId('Ring', ringLocal(ring.runId, ring.community)) : i.__ref;
    },
    ...referenceTargets,
    async ring(i: { kind: string; __ref: string }, _: Args, ctx: ApiContext) {
      if (i.kind !== 'RING') return null;
      const ring = await ringOfItem(ctx, i.__ref);
      return ring ? ringOut(ring.record, ring.runId) : null;
    },
  },
};
