/** Resolvers of graphql/schema.graphql. Every identity read checks the role and is audited. */
import type { GraphQLResolveInfo } from 'graphql';
import { parseIsoDate } from '../domain/declaration';
import { DEFAULT_RUN_STALE_MS } from '../config';
import { keyFor, PARTY_KINDS, type EntityKind } from '../domain/entities';
import { searchName, stripControls } from '../domain/normalize';
import { ERROR_CODES, isCustomsGraphError } from '../util/errors';
import type { AnalysisRun, CommunityRecord, EntityScore, Signal } from '../domain/results';
import type { Edge, Entity } from '../store/graph-reader';
import type { ApiContext } from './context';
import { badInput, notFound } from './errors';
import { exportSubgraph, type ExportFormat } from '../export/formats';
import { filterByWeight, ringSubgraph, subgraphOf, withRisk, type SubgraphTarget } from '../export/subgraph';
import { kindFromGql, kindToGql } from './kinds';
import { FIELD_LIMITS } from './limits';
import { checkFirst, connection, decodeCountCursor, decodeCursor } from './paging';
import { shortestPath } from '../store/shortest-path';
import { buildRunReport } from '../accountability/report';
import type { ChannelName, OverrideReason } from '../domain/accountability';
import { MAX_KEY_CHARS, OUTCOMES } from '../domain/fields';
import { overrideOut, reportOut } from './report-out';
import { declarationOut, gqlEntity, ringOut, subgraphOut } from './shapes';
import { caseResolvers } from './cases';
import { evidenceRefs, type EvidenceRef, type ReasonOf } from './evidence';
import { globalId, localId, parseGlobalId, parseRingLocal, ringLocal, type NodeType } from './global-id';
import { DateScalar, DateTimeScalar, JSONScalar, wordsEnum } from './scalars';
import { JOB_KINDS } from '../jobs/processors';
import { checkBatch, checkRange, declarationFromInput, jobOut, selectionOut } from './declaration-input';
import { flowResolvers } from './flow';
import { alertResolvers } from './alerts';
import { CASE_ACTIONS } from '../domain/cases';

/** An override's note: a sentence or two, not a file. */
const MAX_NOTE_CHARS = 2000;

/** Kinds whose key a search text is tried as, in this order, before names are searched. */
const SEARCH_BY_KEY: readonly EntityKind[] = [...PARTY_KINDS, 'Phone', 'Email', 'BankAccount', 'Address', 'Person', 'Vessel', 'Container'];

/** Arguments naming an entity also take a declaration's id: a declaration item is a node of the graph too. */
const ENTITY_IDS: readonly NodeType[] = ['Entity', 'Declaration'];


function risk(s: EntityScore | null) {
  if (!s) return null;
  // Each reason knows its entity's community: a shared-identifier ring's evidence opens it.
  const reasons: ReasonOf[] = s.signals.map((r) => ({ ...r, __community: s.community ?? null }));
  return { score: s.risk, knownBad: s.knownBad, seizures: s.seizures, community: s.community ?? null, pagerank: s.pagerank, reasons };
}



async function entitiesOf(ctx: ApiContext, ids: string[]): Promise<Entity[]> {
  return (await ctx.loaders.entity.loadMany(ids)).filter((e): e is Entity => e !== null && !(e instanceof Error));
}



function runOut(r: AnalysisRun) {
  // The run's fitted model is large and of no use to a client.
  const { model: _m, ...run } = r;
  return { ...run, finishedAt: r.finishedAt ?? null, modularity: r.modularity ?? null };
}

/** A ring of a run (the current one when absent); NOT_FOUND naming `argument` when the run keeps no such community. */
async function ringOf(ctx: ApiContext, community: number, runId: string | null, argument: string) {
  const run = runId ?? (await ctx.store.currentRunId());
  const c = run ? await ctx.store.getCommunity(community, run) : null;
  if (!run || !c) throw notFound(run ? `no ring ${community} in run ${run}` : 'no ring: there is no current analysis run', argument);
  return ringOut(c, run);
}

/** Entities whose key the text is, normalized as each kind's key (a phone typed any way finds its owner). */
async function keyMatches(ctx: ApiContext, text: string, kinds: EntityKind[] | undefined): Promise<Entity[]> {
  const opts = { phoneRegion: ctx.services.config.phoneRegion };
  const found: Entity[] = [];
  for (const kind of kinds ?? SEARCH_BY_KEY) {
    const key = keyFor(kind, text, opts);
    const e = key ? await ctx.store.findEntity({ kind, key }) : null;
    if (e) found.push(e);
  }
  return found;
}

/** A run by its store id, for node(id:); NOT_FOUND when there is none. */
async function runById(ctx: ApiContext, id: string) {
  ctx.require('readRuns');
  const run = (await ctx.store.listRuns(10_000)).find((r) => r.id === id);
  if (!run) throw notFound(`no analysis run ${id.slice(0, 80)}`, 'id');
  return runOut(run);
}

/** An entity by an argument's id; NOT_FOUND naming the argument when there is none. */
async function entityArg(ctx: ApiContext, id: unknown, argument: string): Promise<Entity> {
  const e = await ctx.loaders.entity.load(localId(String(id), ENTITY_IDS, argument));
  if (!e) throw notFound(`no entity ${String(id).slice(0, 80)}`, argument);
  return e;
}



type Args = Record<string, unknown>;

export const resolvers = {
  JSON: JSONScalar,
  Date: DateScalar,
  DateTime: DateTimeScalar,
  Outcome: wordsEnum(OUTCOMES),
  RunStatus: wordsEnum(['running', 'done', 'failed', 'pruned']),
  JobKind: wordsEnum(JOB_KINDS),
  SelectionReason: wordsEnum(['risk', 'exploration', 'release']),
  CaseAction: wordsEnum(CASE_ACTIONS),
  Node: { __resolveType: (o: { __typename: string }) => o.__typename },
  Case: caseResolvers.Case,
  CaseItem: caseResolvers.CaseItem,
  ...alertResolvers,

  Query: {
    ...caseResolvers.Query,
    ...alertResolvers.Query,
    ...flowResolvers.Query,
    async entity(_: unknown, args: Args, ctx: ApiContext) {
      ctx.require('readIdentities');
      if (typeof args.id === 'string') return gqlEntity(await entityArg(ctx, args.id, 'id'));
      if (typeof args.kind !== 'string' || typeof args.key !== 'string') throw badInput('give id, or kind and key', { argument: 'id' });
      const kind = kindFromGql(args.kind);
      const e = await ctx.store.findEntity({ kind, key: keyFor(kind, args.key, { phoneRegion: ctx.services.config.phoneRegion }) });
      if (!e) throw notFound(`no ${args.kind} with key ${args.key.slice(0, 80)}`, 'key');
      return gqlEntity(e);
    },

    async node(_: unknown, args: Args, ctx: ApiContext, info: GraphQLResolveInfo) {
      const id = String(args.id);
      const parsed = parseGlobalId(id);
      if (!parsed) throw badInput('id is not a global id: give an object\'s id as the API gives it (Entity:96, Case:4, ...)', { argument: 'id' });
      // Each type's own lookup, with its own role rule and not-found error.
      const own: Record<NodeType, () => Promise<unknown>> = {
        Entity: () => resolvers.Query.entity(_, { id }, ctx),
        Declaration: () => resolvers.Query.declaration(_, { id }, ctx),
        Ring: () => resolvers.Query.ring(_, { id }, ctx),
        AnalysisRun: () => runById(ctx, parsed.local),
        Job: () => resolvers.Query.job(_, { id }, ctx),
        Case: () => caseResolvers.Query.case(_, { id }, ctx),
        Alert: () => alertResolvers.Query.alert(_, { id }, ctx),
      };
      const found = (await own[parsed.type]()) as object;
      ctx.audit.note(info, []);
      return { ...found, __typename: parsed.type };
    },

    viewer(_: unknown, __: Args, ctx: ApiContext) {
      return { name: ctx.key.name, role: ctx.key.role.toUpperCase() };
    },

    async declaration(_: unknown, args: Args, ctx: ApiContext) {
      ctx.require('readIdentities');
      const d = await ctx.loaders.declaration.load(localId(String(args.id), ['Declaration', 'Entity'], 'id'));
      if (!d) throw notFound(`no declaration ${String(args.id).slice(0, 80)}`, 'id');
      return declarationOut(d);
    },

    async linkEvidence(_: unknown, args: Args, ctx: ApiContext) {
      ctx.require('readIdentities');
      const [ea, eb] = await Promise.all([entityArg(ctx, args.a, 'a'), entityArg(ctx, args.b, 'b')]);
      const figures = await ctx.store.linkFigures(ea.id, eb.id);
      return {
        a: gqlEntity(ea), b: gqlEntity(eb), declarations: figures.declarations, firstDate: figures.first ?? null,
        lastDate: figures.last ?? null, value: figures.value.map((v) => ({ currency: v.currency, amount: v.total })), __a: ea.id, __b: eb.id,
      };
    },

    async search(_: unknown, args: Args, ctx: ApiContext) {
      ctx.require('readIdentities');
      const text = String(args.text ?? '').trim();
      if (text.length < 2 || text.length > 200) throw badInput('text must have 2 to 200 characters', { argument: 'text' });
      const first = checkFirst(args.first as number);
      const after = decodeCursor(args.after as string | undefined);
      const kinds = (args.kinds as string[] | undefined)?.map(kindFromGql);
      // Identifiers and ids first, on the first page: the text normalized as each kind's key.
      const found = after === undefined ? await keyMatches(ctx, text, kinds) : [];
      // The cursor is the store's own id of the last entity found by name (a number in SQLite, an
      // element id in Neo4j), or '' after one found by key: the name search then starts over.
      // Cursors of earlier versions held the id as a number: read the same way.
      const nameAfter = after === undefined || after === '' || after === 0 ? undefined : String(after);
      const byName = await ctx.store.searchByName(text, { kinds, limit: first + 1, after: nameAfter });
      const seen = new Set(found.map((e) => e.id));
      const items = [...found, ...byName.filter((e) => !seen.has(e.id))];
      return connection(items.map(gqlEntity), first, (e) => (seen.has(e.id) ? '' : e.id), {
        after: args.after,
        total: async () => {
          // Key matches that the name search finds too are counted once.
          const byKey = await keyMatches(ctx, text, kinds);
          const folded = searchName(text);
          return byKey.filter((e) => !searchName(e.name).includes(folded)).length + (await ctx.store.countByName(text, { kinds }));
        },
      });
    },

    async neighborhood(_: unknown, args: Args, ctx: ApiContext) {
      ctx.require('readIdentities');
      const hops = args.hops as number;
      const limit = args.limit as number;
      checkRange('hops', hops, 1, FIELD_LIMITS.maxHops, 'maxHops');
      checkRange('limit', limit, 1, FIELD_LIMITS.maxSubgraph, 'maxSubgraph');
      const start = await entityArg(ctx, args.id, 'id');
      const kinds = (args.kinds as string[] | undefined)?.map(kindFromGql);
      const sub = filterByWeight(await ctx.store.neighbourhood([start.id], { hops, limit, kinds }), start.id, Number(args.minWeight ?? 0));
      for (const n of sub.nodes) ctx.loaders.entity.prime(n.id, n);
      return subgraphOut(sub);
    },

    async shortestPath(_: unknown, args: Args, ctx: ApiContext) {
      ctx.require('readIdentities');
      checkRange('maxHops', args.maxHops as number, 1, FIELD_LIMITS.maxPathHops, 'maxPathHops');
      const [a, b] = await Promise.all([entityArg(ctx, args.from, 'from'), entityArg(ctx, args.to, 'to')]);
      const path = await shortestPath(ctx.store, a.id, b.id, args.maxHops as number);
      if (!path) return null;
      return { length: path.edges.length, nodes: (await entitiesOf(ctx, path.nodeIds)).map(gqlEntity), edges: path.edges };
    },

    async rings(_: unknown, args: Args, ctx: ApiContext) {
      ctx.require('readIdentities');
      const first = checkFirst(args.first as number);
      const after = decodeCountCursor(args.after as string | undefined) ?? 0;
      const runId = await ctx.store.currentRunId();
      const list = runId ? await ctx.store.topCommunities(first + 1, runId, after) : [];
      return connection(list.map((c) => ringOut(c, runId!)), first, (r) => r.rank, { after: args.after, total: () => (runId ? ctx.store.countCommunities(runId) : 0) });
    },

    async ring(_: unknown, args: Args, ctx: ApiContext) {
      ctx.require('readIdentities');
      if (typeof args.id === 'string') {
        const ring = parseRingLocal(localId(args.id, ['Ring'], 'id'));
        if (!ring) throw badInput('id is not a ring\'s id (Ring:<run>:<community>)', { argument: 'id' });
        return ringOf(ctx, ring.community, ring.runId, 'id');
      }
      if (typeof args.community !== 'number') throw badInput('give id, or community', { argument: 'id' });
      return ringOf(ctx, args.community, null, 'community');
    },

    async currentRun(_: unknown, __: Args, ctx: ApiContext) {
      ctx.require('readRuns');
      const r = await ctx.store.currentRun();
      return r ? runOut(r) : null;
    },

    async analysisRuns(_: unknown, args: Args, ctx: ApiContext) {
      ctx.require('readRuns');
      const first = checkFirst(args.first as number);
      const after = decodeCursor(args.after as string | undefined);
      await ctx.store.failAbandonedRuns(ctx.services.config.runStaleMs ?? DEFAULT_RUN_STALE_MS);
      // Newest first; the cursor is the last run's id as the store gives it (numbers in SQLite,
      // time-ordered strings in Neo4j), so the page goes on after that run in the same list.
      const all = await ctx.store.listRuns(10_000);
      const start = after === undefined ? 0 : all.findIndex((r) => r.id === String(after)) + 1;
      if (start === 0 && after !== undefined) throw badInput('malformed cursor', { argument: 'after' });
      return connection(all.slice(start, start + first + 1).map(runOut), first, (r) => r.id, { after: args.after, total: () => all.length });
    },

    async job(_: unknown, args: Args, ctx: ApiContext) {
      ctx.require('readJobs');
      const job = await ctx.services.jobs.get(localId(String(args.id), ['Job'], 'id'));
      if (!job) throw notFound(`no job ${String(args.id).slice(0, 80)}`, 'id');
      return jobOut(job);
    },

    async scoreDeclaration(_: unknown, args: Args, ctx: ApiContext) {
      ctx.require('score');
      const d = declarationFromInput(args.input as Record<string, unknown>, ctx.services.config.defaultCurrency);
      return (await ctx.services.scoring.score([d]))[0];
    },

    async scoreDeclarations(_: unknown, args: Args, ctx: ApiContext) {
      ctx.require('score');
      const inputs = args.inputs as Array<Record<string, unknown>>;
      checkBatch(inputs, 'inputs');
      return ctx.services.scoring.score(inputs.map((input, i) => declarationFromInput(input, ctx.services.config.defaultCurrency, i)));
    },

    async selectDeclarations(_: unknown, args: Args, ctx: ApiContext) {
      ctx.require('score');
      const inputs = args.inputs as Array<Record<string, unknown>>;
      checkBatch(inputs, 'inputs');
      for (const name of ['capacity', 'documentary', 'exploration'] as const) checkRange(name, args[name] as number, 0, 1, name);
      const selections = await ctx.services.scoring.select(inputs.map((input, i) => declarationFromInput(input, ctx.services.config.defaultCurrency, i)), {
        capacity: args.capacity as number, documentary: args.documentary as number, exploration: args.exploration as number, seed: args.seed as number,
      });
      return selections.map(selectionOut);
    },

    async exportGraph(_: unknown, args: Args, ctx: ApiContext, info: GraphQLResolveInfo) {
      ctx.require('readIdentities');
      const limit = args.limit as number;
      checkRange('limit', limit, 1, FIELD_LIMITS.maxSubgraph, 'maxSubgraph');
      let target: SubgraphTarget;
      if (typeof args.ring === 'number') target = { ring: (await ringOf(ctx, args.ring, null, 'ring')).community };
      else if (typeof args.id === 'string') {
        const hops = args.hops as number;
        checkRange('hops', hops, 1, FIELD_LIMITS.maxHops, 'maxHops');
        target = { entityId: (await entityArg(ctx, args.id, 'id')).id, hops };
      } else throw badInput('give id or ring', { argument: 'id' });
      const sub = await subgraphOf(ctx.store, target, limit);
      const content = exportSubgraph(args.format as ExportFormat, await withRisk(ctx.store, sub.nodes), sub.edges);
      // The export's text carries identities: noted like any entity the response returns.
      ctx.audit.note(info, sub.nodes.map((n) => n.id));
      return { format: args.format, content, nodes: sub.nodes.length, edges: sub.edges.length, truncated: sub.truncated };
    },

    async runReport(_: unknown, args: Args, ctx: ApiContext, info: GraphQLResolveInfo) {
      ctx.require('readReports');
      for (const name of ['capacity', 'documentary'] as const) checkRange(name, args[name] as number, 0, 1, name);
      let period: { from: string; to: string } | undefined;
      if (args.from !== undefined && args.from !== null || args.to !== undefined && args.to !== null) {
        if (typeof args.from !== 'string' || typeof args.to !== 'string') throw badInput('give both from and to, or neither', { argument: args.from ? 'to' : 'from' });
        try {
          period = { from: parseIsoDate(args.from, 'from').slice(0, 10), to: parseIsoDate(args.to, 'to').slice(0, 10) };
        } catch (err) {
          throw badInput((err as Error).message, { argument: 'from' });
        }
        if (period.from > period.to) throw badInput('from is after to', { argument: 'from' });
      }
      const report = await buildRunReport(ctx.store, {
        runId: args.run === undefined || args.run === null ? undefined : localId(String(args.run), ['AnalysisRun'], 'run'), period, capacity: args.capacity as number,
        documentary: args.documentary as number, seed: 42, phoneRegion: ctx.services.config.phoneRegion,
      }).catch((err: unknown) => {
        // The run asked for does not exist: the API's not-found, naming the argument.
        throw isCustomsGraphError(err) && err.code === ERROR_CODES.NOT_FOUND ? notFound(err.message, 'run') : err;
      });
      // The default identifiers (phones, addresses) are identities, in the fields and in the HTML.
      ctx.audit.note(info, report.dataQuality.defaultIdentifiers.examples.map((d) => d.id));
      return reportOut(report, runOut(report.run));
    },

    async channelOverrides(_: unknown, args: Args, ctx: ApiContext) {
      ctx.require('readReports');
      const first = checkFirst(args.first as number);
      const before = decodeCursor(args.after as string | undefined);
      const list = await ctx.store.listOverrides({ limit: first + 1, before: before === undefined ? undefined : String(before) });
      return connection(list.map(overrideOut), first, (o) => o.id, { after: args.after, total: () => ctx.store.countOverrides({}) });
    },

    async auditLog(_: unknown, args: Args, ctx: ApiContext) {
      ctx.require('readAudit');
      const first = checkFirst(args.first as number);
      const before = decodeCursor(args.after as string | undefined);
      const records = await ctx.store.listAudit({ limit: first + 1, before: before === undefined ? undefined : String(before) });
      // A listed record always has its id (only a record being appended has none yet).
      return connection(records.map((r) => ({ ...r, role: r.role.toUpperCase() })), first, (r) => r.id ?? '', { after: args.after, total: () => ctx.store.countAudit() });
    },
  },

  Mutation: {
    ...caseResolvers.Mutation,
    ...alertResolvers.Mutation,
    ...flowResolvers.Mutation,
    async startAnalysis(_: unknown, args: Args, ctx: ApiContext) {
      ctx.require('runAnalysis');
      const seed = args.seed as number;
      const resolution = args.resolution as number;
      if (!Number.isInteger(seed) || seed < 0) throw badInput('seed must be a non-negative integer', { argument: 'seed' });
      checkRange('resolution', resolution, 0.01, 100, 'resolution');
      // In-process in the embedded mode, a BullMQ job in the scaled mode (REDIS_URL).
      // `full` only when asked: the same parameters as before give the same job (its key).
      return jobOut(await ctx.services.jobs.enqueueAnalysis({ db: ctx.services.dbPath, seed, resolution, ...(args.full === true ? { full: true } : {}) }));
    },

    async addToWatchlist(_: unknown, args: Args, ctx: ApiContext, info: GraphQLResolveInfo) {
      ctx.require('manageWatchlist');
      const input = args.input as { kind: string; key: string; reason: string; source: string; severity: number; listedAt?: string };
      const kind = kindFromGql(input.kind);
      if (kind === 'Declaration') throw badInput('declarations cannot be watchlisted', { argument: 'kind' });
      const key = keyFor(kind, input.key, { phoneRegion: ctx.services.config.phoneRegion });
      if (!key) throw badInput('key is empty after normalization', { argument: 'key' });
      checkRange('severity', input.severity, 0, 1, 'severity');
      let listedAt: string;
      try {
        listedAt = parseIsoDate(input.listedAt ?? new Date().toISOString().slice(0, 10), 'listedAt');
      } catch (err) {
        throw badInput((err as Error).message, { argument: 'listedAt' });
      }
      const entry = { kind, key, reason: stripControls(input.reason), source: stripControls(input.source), severity: input.severity, listedAt };
      await ctx.store.upsertWatchlist([entry]);
      ctx.audit.note(info, [], `listed ${input.kind} ${key} (severity ${entry.severity}, source ${entry.source}, since ${listedAt}): ${entry.reason}`.slice(0, 2000));
      return { ...entry, kind: kindToGql(kind) };
    },

    async overrideChannel(_: unknown, args: Args, ctx: ApiContext, info: GraphQLResolveInfo) {
      ctx.require('overrideChannels');
      const input = args.input as { declarationId: string; modelChannel: string; channel: string; reason: string; note?: string | null };
      const declarationId = stripControls(input.declarationId).trim();
      if (!declarationId || declarationId.length > MAX_KEY_CHARS) throw badInput(`declarationId must have 1 to ${MAX_KEY_CHARS} characters`, { argument: 'declarationId' });
      if (input.channel === input.modelChannel) throw badInput('channel is the model\'s channel: nothing was overruled', { argument: 'channel' });
      const note = input.note ? stripControls(input.note).trim() : undefined;
      if (note && note.length > MAX_NOTE_CHARS) throw badInput(`note must have at most ${MAX_NOTE_CHARS} characters`, { argument: 'note' });
      if (input.reason === 'OTHER' && !note) throw badInput('a note is required when the reason is OTHER', { argument: 'note' });
      const runId = await ctx.store.currentRunId();
      const saved = await ctx.store.recordOverride({
        at: new Date().toISOString(), who: ctx.key.name, declarationId, modelChannel: input.modelChannel.toLowerCase() as ChannelName,
        channel: input.channel.toLowerCase() as ChannelName, reason: input.reason.toLowerCase() as OverrideReason, ...(note ? { note } : {}), ...(runId ? { runId } : {}),
      });
      ctx.audit.note(info, []);
      return overrideOut(saved);
    },

    async removeFromWatchlist(_: unknown, args: Args, ctx: ApiContext, info: GraphQLResolveInfo) {
      ctx.require('manageWatchlist');
      const kind = kindFromGql(String(args.kind));
      const key = keyFor(kind, String(args.key), { phoneRegion: ctx.services.config.phoneRegion });
      const removed = await ctx.store.removeWatchlist({ kind, key });
      ctx.audit.note(info, [], `${removed ? 'removed' : 'asked to remove, not listed:'} ${String(args.kind)} ${key}`.slice(0, 2000));
      return removed;
    },
  },

  Entity: {
    id: (e: { id: string }) => globalId('Entity', e.id),
    key(e: { key: string }, _: Args, ctx: ApiContext) {
      ctx.require('readIdentities');
      return e.key;
    },
    name(e: { name: string }, _: Args, ctx: ApiContext) {
      ctx.require('readIdentities');
      return e.name;
    },
    async risk(e: { id: string }, _: Args, ctx: ApiContext) {
      return risk(await ctx.loaders.score.load(e.id));
    },
    async lodgedOn(e: { id: string; kind: string }, _: Args, ctx: ApiContext) {
      if (e.kind !== 'DECLARATION') return null;
      return (await ctx.loaders.declaration.load(e.id))?.lodged_at ?? null;
    },
    async declarations(e: { id: string }, args: Args, ctx: ApiContext) {
      ctx.require('readIdentities');
      const first = checkFirst(args.first as number);
      const after = decodeCursor(args.after as string | undefined);
      const rows = await ctx.store.entityDeclarations(e.id, { limit: first + 1, after: after === undefined ? undefined : String(after) });
      return connection(rows.map(declarationOut), first, (d) => d.id, { after: args.after, total: () => ctx.store.countEntityDeclarations(e.id) });
    },
  },

  Ring: {
    id: (r: { runId: string; community: number }) => globalId('Ring', ringLocal(r.runId, r.community)),
    async members(r: { __record: CommunityRecord }, args: Args, ctx: ApiContext) {
      const first = checkFirst(args.first as number);
      const offset = decodeCountCursor(args.after as string | undefined) ?? 0;
      const ids = r.__record.members.slice(offset, offset + first + 1);
      const entities = await entitiesOf(ctx, ids);
      const items = entities.map((e, i) => ({ ...gqlEntity(e), __offset: offset + i + 1 }));
      return connection(items, first, (x) => x.__offset, { after: args.after, total: () => r.__record.members.length });
    },
    async subgraph(r: { __record: CommunityRecord }, args: Args, ctx: ApiContext) {
      const limit = args.limit as number;
      checkRange('limit', limit, 1, FIELD_LIMITS.maxSubgraph, 'maxSubgraph');
      const sub = await ringSubgraph(ctx.store, r.__record, limit);
      return subgraphOut(sub);
    },
  },

  Declaration: {
    id: (d: { id: string }) => globalId('Declaration', d.id),
    // From the current run's scorer (read when the server starts and after each run), which holds its medians.
    async hsMedianUnitValue(d: { __medianKey: string }, _: Args, ctx: ApiContext) {
      if (!(await ctx.store.currentRunId())) return null;
      return (await ctx.services.scoring.current()).run.model?.medians[d.__medianKey] ?? null;
    },
    async risk(d: { id: string }, _: Args, ctx: ApiContext) {
      const stored = await ctx.loaders.declaration.load(d.id);
      if (!stored || !(await ctx.store.currentRunId())) return null;
      const [s] = await ctx.services.scoring.score([stored]);
      return { score: s!.risk, reasons: s!.reasons };
    },
    async parties(d: { id: string }, _: Args, ctx: ApiContext) {
      const stored = await ctx.loaders.declaration.load(d.id);
      if (!stored) return [];
      const entities = await entitiesOf(ctx, stored.parties.map((p) => p.entityId));
      const byId = new Map(entities.map((e) => [e.id, e]));
      return stored.parties.filter((p) => byId.has(p.entityId)).map((p) => ({ role: p.rel, entity: gqlEntity(byId.get(p.entityId)!) }));
    },
  },

  LinkEvidence: {
    async page(l: { __a: string; __b: string; declarations: number }, args: Args, ctx: ApiContext) {
      const first = checkFirst(args.first as number);
      const after = decodeCursor(args.after as string | undefined);
      const rows = await ctx.store.linkDeclarations(l.__a, l.__b, { limit: first + 1, after: after === undefined ? undefined : String(after) });
      return connection(rows.map(declarationOut), first, (d) => d.id, { after: args.after, total: () => l.declarations });
    },
  },

  EvidenceRef: {
    declaration: (r: EvidenceRef) => (r.declaration ? declarationOut(r.declaration) : null),
    entity: (r: EvidenceRef) => (r.entity ? gqlEntity(r.entity) : null),
    async ring(r: EvidenceRef, _: Args, ctx: ApiContext) {
      const runId = r.community === null ? null : await ctx.store.currentRunId();
      const c = runId ? await ctx.store.getCommunity(r.community!, runId) : null;
      return c ? ringOut(c, runId!) : null;
    },
    category: (r: EvidenceRef) => (r.category ? { ...r.category, entity: r.category.entity ? gqlEntity(r.category.entity) : null } : null),
  },

  ScoreReason: {
    evidence: (s: Signal) => s.evidence,
    effect: (s: Signal) => (s.contribution < 0 ? 'LOWERS' : 'RAISES'),
  },

  Reason: {
    evidence: (s: Signal) => s.evidence,
    async references(s: ReasonOf, _: Args, ctx: ApiContext, info: GraphQLResolveInfo) {
      ctx.require('readIdentities');
      const refs = await evidenceRefs(s, ctx);
      // The sentences name entities: noted like the entities themselves.
      ctx.audit.note(info, refs.flatMap((r) => [r.declaration?.id, r.entity?.id, r.category?.entity?.id].filter((x): x is string => x !== undefined)));
      return refs;
    },
    effect: (s: Signal) => (s.contribution < 0 ? 'LOWERS' : 'RAISES'),
  },

  Link: {
    source: (e: Edge) => globalId('Entity', e.source),
    target: (e: Edge) => globalId('Entity', e.target),
  },

  AnalysisRun: {
    id: (r: { id: string }) => globalId('AnalysisRun', r.id),
  },

  Job: {
    id: (j: { id: string }) => globalId('Job', j.id),
    runId: (j: { runId: string | null }) => (j.runId === null ? null : globalId('AnalysisRun', j.runId)),
  },

  ChannelOverride: {
    runId: (o: { runId: string | null }) => (o.runId === null ? null : globalId('AnalysisRun', o.runId)),
  },

  BiasAudit: {
    runId: (b: { runId: string }) => globalId('AnalysisRun', b.runId),
  },

  RunChanges: {
    previousRun: (c: { previousRun: string }) => globalId('AnalysisRun', c.previousRun),
  },
};
