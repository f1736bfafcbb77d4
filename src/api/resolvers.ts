/** Resolvers of graphql/schema.graphql. Every identity read checks the role and is audited. */
import { GraphQLError, GraphQLScalarType } from 'graphql';
import { NoCurrentRunError } from '../analysis/scoring/declaration-scorer';
import { makeValidator } from '../domain/declaration';
import { keyFor, type EntityKind } from '../domain/entities';
import { DECLARATION_FIELDS } from '../domain/fields';
import type { Declaration as DeclarationRow } from '../domain/declaration';
import type { CommunityRecord, Edge, Entity, EntityScore, Signal, Subgraph } from '../store/graph-store';
import type { ApiContext } from './context';
import { badInput, notFound } from './errors';
import { exportSubgraph, type ExportFormat } from '../export/formats';
import { kindFromGql, kindToGql } from './kinds';
import { checkFirst, connection, decodeCursor } from './paging';
import { shortestPath } from '../store/shortest-path';
import { selectChannels } from '../targeting/select';

export const LIMITS = { maxHops: 3, maxSubgraph: 500, maxBatch: 1000, maxPathHops: 6 } as const;

/** Link weights for minWeight: how strong a tie the relationship is (shared identifiers weigh most). */
const LINK_WEIGHT: Record<string, number> = { HAS_ACCOUNT: 6, HAS_PHONE: 5, HAS_EMAIL: 4, DIRECTS: 4, AT_ADDRESS: 2 };
const linkWeight = (type: string) => LINK_WEIGHT[type] ?? 1;

const JSONScalar = new GraphQLScalarType({ name: 'JSON', serialize: (v) => v, parseValue: (v) => v });

const validateDeclaration = makeValidator({ defaultCurrency: 'MAD' });

/** camelCase input → the contract's snake_case fields, validated like ingest. */
function declarationFromInput(input: Record<string, unknown>, index?: number) {
  const snake = (f: string) => f.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
  const byField: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(input)) byField[snake(k)] = v;
  const r = validateDeclaration(DECLARATION_FIELDS.map((f) => byField[f]));
  if (!r.ok) throw badInput(`${index === undefined ? '' : `inputs[${index}]: `}${r.reason}`, { field: r.field, ...(index === undefined ? {} : { index }) });
  return r.value;
}

function risk(s: EntityScore | null) {
  if (!s) return null;
  return { score: s.risk, knownBad: s.knownBad, seizures: s.seizures, community: s.community ?? null, pagerank: s.pagerank, reasons: s.signals };
}

function gqlEntity(e: Entity) {
  return { ...e, kind: kindToGql(e.kind), __entity: e };
}

function checkRange(name: string, value: number, min: number, max: number, limit: string): void {
  if (!Number.isFinite(value) || value < min || value > max) throw badInput(`${name} must be between ${min} and ${max}`, { argument: name, limit });
}

async function entitiesOf(ctx: ApiContext, ids: string[]): Promise<Entity[]> {
  return (await ctx.loaders.entity.loadMany(ids)).filter((e): e is Entity => e !== null && !(e instanceof Error));
}

function subgraphOut(sub: Subgraph) {
  return { nodes: sub.nodes.map(gqlEntity), edges: sub.edges, truncated: sub.truncated };
}

/** Keeps the links at or above minWeight, and the nodes still reachable from the start. */
function filterByWeight(sub: Subgraph, start: string, minWeight: number): Subgraph {
  if (minWeight <= 0) return sub;
  const edges = sub.edges.filter((e) => linkWeight(e.type) >= minWeight);
  const adj = new Map<string, string[]>();
  for (const e of edges) {
    adj.set(e.source, [...(adj.get(e.source) ?? []), e.target]);
    adj.set(e.target, [...(adj.get(e.target) ?? []), e.source]);
  }
  const seen = new Set([start]);
  const queue = [start];
  while (queue.length) for (const n of adj.get(queue.shift()!) ?? []) if (!seen.has(n)) { seen.add(n); queue.push(n); }
  return { nodes: sub.nodes.filter((n) => seen.has(n.id)), edges: edges.filter((e) => seen.has(e.source) && seen.has(e.target)), truncated: sub.truncated };
}

async function ringSubgraph(ctx: ApiContext, c: CommunityRecord, limit: number): Promise<Subgraph> {
  const members = c.members.slice(0, limit);
  const inRing = new Set(members);
  const sub = await ctx.store.neighbourhood(members, { hops: 1, limit: limit * 4 });
  // Members, plus what ties at least two of them (a shared phone, a common declaration).
  const ties = new Map<string, Set<string>>();
  for (const e of sub.edges) {
    for (const [m, o] of [[e.source, e.target], [e.target, e.source]] as const) {
      if (inRing.has(m) && !inRing.has(o)) ties.set(o, (ties.get(o) ?? new Set()).add(m));
    }
  }
  const keep = new Set([...members, ...[...ties].filter(([, ms]) => ms.size >= 2).map(([o]) => o)]);
  const nodes = sub.nodes.filter((n) => keep.has(n.id)).slice(0, limit);
  const kept = new Set(nodes.map((n) => n.id));
  return { nodes, edges: sub.edges.filter((e) => kept.has(e.source) && kept.has(e.target)), truncated: sub.truncated || c.members.length > limit || keep.size > limit };
}

function ringOut(c: CommunityRecord) {
  return {
    community: c.community, rank: c.rank, size: c.size, risk: c.risk, knownBad: c.knownBad, value: c.value,
    membersByKind: c.byKind, reasons: c.signals, __record: c,
  };
}

function runOut(r: { id: string; status: string; startedAt: string; finishedAt?: string; seed: number; modularity?: number; timings: object; counts: object; params: Record<string, unknown> }) {
  // The run's fitted medians and models are large and of no use to a client.
  const { medians: _m, declarationModel: _d, ...params } = r.params;
  return { ...r, finishedAt: r.finishedAt ?? null, modularity: r.modularity ?? null, params };
}

function declarationOut(d: DeclarationRow & { id: string }) {
  return {
    id: d.id, declarationId: d.declaration_id, itemNo: d.item_no, lodgedAt: d.lodged_at, regime: d.regime, hsCode: d.hs_code,
    originCountry: d.origin_country, goodsOriginCountry: d.goods_origin_country ?? null, transitPorts: d.transit_ports,
    declaredValue: d.declared_value, currency: d.currency, outcome: d.outcome, fraudType: d.fraud_type ?? null,
  };
}

function jobOut(job: { id: string; kind: string; status: string; progress: number; result?: unknown; error?: string }) {
  return {
    id: job.id, kind: job.kind, status: job.status.toUpperCase(), progress: job.progress,
    runId: (job.result as { runId?: string } | undefined)?.runId ?? null, error: job.error ?? null,
  };
}

async function scorer(ctx: ApiContext) {
  try {
    return await ctx.services.scorer.get();
  } catch (err) {
    if (err instanceof NoCurrentRunError) throw new GraphQLError(err.message, { extensions: { code: 'NO_CURRENT_RUN' } });
    throw err;
  }
}

type Args = Record<string, unknown>;

export const resolvers = {
  JSON: JSONScalar,

  Query: {
    async entity(_: unknown, args: Args, ctx: ApiContext) {
      ctx.require('readIdentities');
      let e: Entity | null = null;
      if (typeof args.id === 'string') e = await ctx.loaders.entity.load(args.id);
      else if (typeof args.kind === 'string' && typeof args.key === 'string') {
        const kind = kindFromGql(args.kind);
        e = await ctx.store.findEntity({ kind, key: keyFor(kind, args.key, { phoneRegion: ctx.services.config.phoneRegion }) });
      } else throw badInput('give id, or kind and key');
      await ctx.audit('entity', e ? [e.id] : []);
      return e ? gqlEntity(e) : null;
    },

    async search(_: unknown, args: Args, ctx: ApiContext) {
      ctx.require('readIdentities');
      const text = String(args.text ?? '').trim();
      if (text.length < 2 || text.length > 200) throw badInput('text must have 2 to 200 characters', { argument: 'text' });
      const first = checkFirst(args.first as number);
      const after = decodeCursor(args.after as string | undefined);
      const kinds = (args.kinds as string[] | undefined)?.map(kindFromGql);
      const found: Entity[] = [];
      if (after === undefined) {
        // Identifiers and ids first: the text normalized as each kind's key.
        const opts = { phoneRegion: ctx.services.config.phoneRegion };
        for (const kind of kinds ?? (['Trader', 'Consignee', 'Supplier', 'Broker', 'Carrier', 'Phone', 'Email', 'BankAccount', 'Address', 'Person', 'Vessel', 'Container'] as EntityKind[])) {
          const key = keyFor(kind, text, opts);
          const e = key ? await ctx.store.findEntity({ kind, key }) : null;
          if (e) found.push(e);
        }
      }
      const byName = await ctx.store.searchByName(text, { kinds, limit: first + 1, after: after === undefined ? undefined : String(after) });
      const seen = new Set(found.map((e) => e.id));
      const items = [...found, ...byName.filter((e) => !seen.has(e.id))];
      const page = connection(items.map(gqlEntity), first, (e) => (found.some((f) => f.id === e.id) ? 0 : Number(e.id)));
      await ctx.audit('search', page.edges.map((x) => x.node.id));
      return page;
    },

    async neighborhood(_: unknown, args: Args, ctx: ApiContext) {
      ctx.require('readIdentities');
      const hops = args.hops as number;
      const limit = args.limit as number;
      checkRange('hops', hops, 1, LIMITS.maxHops, 'maxHops');
      checkRange('limit', limit, 1, LIMITS.maxSubgraph, 'maxSubgraph');
      const start = await ctx.loaders.entity.load(String(args.id));
      if (!start) throw notFound(`no entity ${String(args.id)}`);
      const kinds = (args.kinds as string[] | undefined)?.map(kindFromGql);
      const sub = filterByWeight(await ctx.store.neighbourhood([start.id], { hops, limit, kinds }), start.id, Number(args.minWeight ?? 0));
      for (const n of sub.nodes) ctx.loaders.entity.prime(n.id, n);
      await ctx.audit('neighborhood', sub.nodes.map((n) => n.id));
      return subgraphOut(sub);
    },

    async shortestPath(_: unknown, args: Args, ctx: ApiContext) {
      ctx.require('readIdentities');
      checkRange('maxHops', args.maxHops as number, 1, LIMITS.maxPathHops, 'maxPathHops');
      const [a, b] = await Promise.all([ctx.loaders.entity.load(String(args.from)), ctx.loaders.entity.load(String(args.to))]);
      if (!a || !b) throw notFound(`no entity ${!a ? String(args.from) : String(args.to)}`);
      const path = await shortestPath(ctx.store, a.id, b.id, args.maxHops as number);
      await ctx.audit('shortestPath', path?.nodeIds ?? []);
      if (!path) return null;
      return { length: path.edges.length, nodes: (await entitiesOf(ctx, path.nodeIds)).map(gqlEntity), edges: path.edges };
    },

    async rings(_: unknown, args: Args, ctx: ApiContext) {
      ctx.require('readIdentities');
      const first = checkFirst(args.first as number);
      const after = Number(decodeCursor(args.after as string | undefined) ?? 0);
      const list = await ctx.store.topCommunities(first + 1, undefined, after);
      await ctx.audit('rings', list.slice(0, first).flatMap((c) => c.members.slice(0, 50)));
      return connection(list.map(ringOut), first, (r) => r.rank);
    },

    async ring(_: unknown, args: Args, ctx: ApiContext) {
      ctx.require('readIdentities');
      const c = await ctx.store.getCommunity(args.community as number);
      await ctx.audit('ring', c?.members.slice(0, 200) ?? []);
      return c ? ringOut(c) : null;
    },

    async currentRun(_: unknown, __: Args, ctx: ApiContext) {
      ctx.require('readRuns');
      const r = await ctx.store.currentRun();
      return r ? runOut(r) : null;
    },

    async analysisRuns(_: unknown, args: Args, ctx: ApiContext) {
      ctx.require('readRuns');
      const first = checkFirst(args.first as number);
      const before = Number(decodeCursor(args.after as string | undefined) ?? Number.MAX_SAFE_INTEGER);
      const runs = (await ctx.store.listRuns(10_000)).filter((r) => Number(r.id) < before).slice(0, first + 1);
      return connection(runs.map(runOut), first, (r) => Number(r.id));
    },

    async job(_: unknown, args: Args, ctx: ApiContext) {
      ctx.require('readRuns');
      const job = await ctx.services.jobs.get(String(args.id));
      return job ? jobOut(job) : null;
    },

    async scoreDeclaration(_: unknown, args: Args, ctx: ApiContext) {
      ctx.require('score');
      const d = declarationFromInput(args.input as Record<string, unknown>);
      return (await scorer(ctx)).score(d);
    },

    async scoreDeclarations(_: unknown, args: Args, ctx: ApiContext) {
      ctx.require('score');
      const inputs = args.inputs as Array<Record<string, unknown>>;
      if (inputs.length > LIMITS.maxBatch) throw badInput(`at most ${LIMITS.maxBatch} declarations per request`, { argument: 'inputs', limit: 'maxBatch' });
      const declarations = inputs.map((input, i) => declarationFromInput(input, i));
      const s = await scorer(ctx);
      return declarations.map((d) => s.score(d));
    },

    async selectDeclarations(_: unknown, args: Args, ctx: ApiContext) {
      ctx.require('score');
      const inputs = args.inputs as Array<Record<string, unknown>>;
      if (inputs.length > LIMITS.maxBatch) throw badInput(`at most ${LIMITS.maxBatch} declarations per request`, { argument: 'inputs', limit: 'maxBatch' });
      for (const name of ['capacity', 'documentary', 'exploration'] as const) checkRange(name, args[name] as number, 0, 1, name);
      const declarations = inputs.map((input, i) => declarationFromInput(input, i));
      const s = await scorer(ctx);
      const scored = declarations.map((d) => {
        const r = s.score(d);
        return { key: `${r.declarationId}/${r.itemNo}`, risk: r.risk, reasons: r.reasons, declarationId: r.declarationId, itemNo: r.itemNo };
      });
      const selections = selectChannels(scored, {
        capacity: args.capacity as number, documentary: args.documentary as number, exploration: args.exploration as number, seed: args.seed as number,
      });
      return selections.map((sel, i) => ({
        declarationId: scored[i]!.declarationId, itemNo: scored[i]!.itemNo, channel: sel.channel.toUpperCase(), risk: sel.risk,
        why: sel.why.toUpperCase(), reasons: sel.reasons,
      }));
    },

    async exportGraph(_: unknown, args: Args, ctx: ApiContext) {
      ctx.require('readIdentities');
      const limit = args.limit as number;
      checkRange('limit', limit, 1, LIMITS.maxSubgraph, 'maxSubgraph');
      let sub: Subgraph;
      if (typeof args.ring === 'number') {
        const c = await ctx.store.getCommunity(args.ring);
        if (!c) throw notFound(`no ring ${args.ring} in the current run`);
        sub = await ringSubgraph(ctx, c, limit);
      } else if (typeof args.id === 'string') {
        const hops = args.hops as number;
        checkRange('hops', hops, 1, LIMITS.maxHops, 'maxHops');
        sub = await ctx.store.neighbourhood([args.id], { hops, limit });
        if (sub.nodes.length === 0) throw notFound(`no entity ${args.id}`);
      } else throw badInput('give id or ring');
      const scores = new Map((await ctx.store.getScores(sub.nodes.map((n) => n.id))).map((s) => [s.entityId, s.risk]));
      const content = exportSubgraph(args.format as ExportFormat, sub.nodes.map((n) => ({ ...n, risk: scores.get(n.id) })), sub.edges);
      await ctx.audit('export', sub.nodes.map((n) => n.id));
      return { format: args.format, content, nodes: sub.nodes.length, edges: sub.edges.length, truncated: sub.truncated };
    },

    async auditLog(_: unknown, args: Args, ctx: ApiContext) {
      ctx.require('readAudit');
      const first = checkFirst(args.first as number);
      const before = decodeCursor(args.after as string | undefined);
      const records = await ctx.store.listAudit({ limit: first + 1, before: before === undefined ? undefined : String(before) });
      return connection(records.map((r) => ({ ...r, role: r.role.toUpperCase() })), first, (r) => Number(r.id));
    },
  },

  Mutation: {
    async startAnalysis(_: unknown, args: Args, ctx: ApiContext) {
      ctx.require('runAnalysis');
      const seed = args.seed as number;
      const resolution = args.resolution as number;
      if (!Number.isInteger(seed) || seed < 0) throw badInput('seed must be a non-negative integer', { argument: 'seed' });
      checkRange('resolution', resolution, 0.01, 100, 'resolution');
      // In-process in the embedded mode, a BullMQ job in the scaled mode (REDIS_URL).
      return jobOut(await ctx.services.jobs.enqueueAnalysis({ db: ctx.services.dbPath, seed, resolution }));
    },

    async addToWatchlist(_: unknown, args: Args, ctx: ApiContext) {
      ctx.require('manageWatchlist');
      const input = args.input as { kind: string; key: string; reason: string; source: string; severity: number; listedAt?: string };
      const kind = kindFromGql(input.kind);
      if (kind === 'Declaration') throw badInput('declarations cannot be watchlisted', { argument: 'kind' });
      const key = keyFor(kind, input.key, { phoneRegion: ctx.services.config.phoneRegion });
      if (!key) throw badInput('key is empty after normalization', { argument: 'key' });
      checkRange('severity', input.severity, 0, 1, 'severity');
      const listedAt = input.listedAt ?? new Date().toISOString().slice(0, 10);
      if (!/^\d{4}-\d{2}-\d{2}/.test(listedAt)) throw badInput('listedAt must be an ISO 8601 date', { argument: 'listedAt' });
      const entry = { kind, key, reason: input.reason, source: input.source, severity: input.severity, listedAt };
      await ctx.store.upsertWatchlist([entry]);
      await ctx.audit('addToWatchlist', []);
      return { ...entry, kind: kindToGql(kind) };
    },

    async removeFromWatchlist(_: unknown, args: Args, ctx: ApiContext) {
      ctx.require('manageWatchlist');
      const kind = kindFromGql(String(args.kind));
      const removed = await ctx.store.removeWatchlist({ kind, key: keyFor(kind, String(args.key), { phoneRegion: ctx.services.config.phoneRegion }) });
      await ctx.audit('removeFromWatchlist', []);
      return removed;
    },
  },

  Entity: {
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
    async declarations(e: { id: string }, args: Args, ctx: ApiContext) {
      ctx.require('readIdentities');
      const first = checkFirst(args.first as number);
      const after = decodeCursor(args.after as string | undefined);
      const rows = await ctx.store.entityDeclarations(e.id, { limit: first + 1, after: after === undefined ? undefined : String(after) });
      await ctx.audit('declarations', [e.id, ...rows.slice(0, first).map((d) => d.id)]);
      return connection(rows.map(declarationOut), first, (d) => d.id);
    },
  },

  Ring: {
    async members(r: { __record: CommunityRecord }, args: Args, ctx: ApiContext) {
      const first = checkFirst(args.first as number);
      const offset = Number(decodeCursor(args.after as string | undefined) ?? 0);
      const ids = r.__record.members.slice(offset, offset + first + 1);
      const entities = await entitiesOf(ctx, ids);
      const items = entities.map((e, i) => ({ ...gqlEntity(e), __offset: offset + i + 1 }));
      return connection(items, first, (x) => x.__offset);
    },
    async subgraph(r: { __record: CommunityRecord }, args: Args, ctx: ApiContext) {
      const limit = args.limit as number;
      checkRange('limit', limit, 1, LIMITS.maxSubgraph, 'maxSubgraph');
      const sub = await ringSubgraph(ctx, r.__record, limit);
      await ctx.audit('ringSubgraph', sub.nodes.map((n) => n.id));
      return subgraphOut(sub);
    },
  },

  Reason: {
    evidence: (s: Signal) => s.evidence,
  },

  Link: {
    type: (e: Edge) => e.type,
  },
};
