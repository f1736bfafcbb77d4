/**
 * The clearance system's side of the API: declarations lodged all day are channelled at once and
 * queued to be stored (a worker, or the in-process runner, writes them); control results come back
 * and are queued the same way; jobs are listed with their progress and counts. Nothing here waits
 * for the store to be written. These writes are not in the identity audit log (they read no
 * identity, and an audit row per request would contend with the workers' writes): the request
 * log and the jobs record who lodged what.
 */
import { createHash } from 'node:crypto';
import { declarationKey } from '../domain/declaration-key';
import { validateOutcome } from '../ingest/outcomes';
import type { JobKind, LodgeJob } from '../jobs/processors';
import type { JobState } from '../jobs/runner';
import type { ApiContext } from './context';
import { checkBatch, checkRange, declarationFromInput, jobOut, selectionOut } from './declaration-input';
import { badInput } from './errors';
import { checkFirst, connection, decodeCountCursor } from './paging';

type Args = Record<string, unknown>;

/**
 * The job id of a lodging: from the client's idempotency key, or else from the declarations and
 * parameters themselves; within one API key, so that two clearance systems never share one.
 */
function lodgeId(who: string, idempotencyKey: unknown, content: unknown): string {
  const basis = typeof idempotencyKey === 'string' && idempotencyKey ? ['key', idempotencyKey] : ['content', content];
  return `lodge-${createHash('sha256').update(JSON.stringify([who, ...basis])).digest('hex').slice(0, 32)}`;
}

export const flowResolvers = {
  Query: {
    async jobs(_: unknown, args: Args, ctx: ApiContext) {
      ctx.require('readJobs');
      const first = checkFirst(args.first as number);
      const offset = decodeCountCursor(args.after as string | undefined) ?? 0;
      const kind = typeof args.kind === 'string' ? (args.kind as JobKind) : undefined;
      const status = typeof args.status === 'string' ? (args.status.toLowerCase() as JobState) : undefined;
      const { jobs, total } = await ctx.services.jobs.list({ kind, status, offset, limit: first + 1 });
      return connection(jobs.map((j, i) => ({ ...jobOut(j), __offset: offset + i + 1 })), first, (j) => j.__offset, { after: args.after, total: () => total });
    },
  },

  Mutation: {
    async lodgeDeclarations(_: unknown, args: Args, ctx: ApiContext) {
      ctx.require('lodge');
      const inputs = args.inputs as Array<Record<string, unknown>>;
      checkBatch(inputs, 'inputs');
      if (inputs.length === 0) throw badInput('give at least one declaration', { argument: 'inputs' });
      for (const name of ['capacity', 'documentary', 'exploration'] as const) checkRange(name, args[name] as number, 0, 1, name);
      if (typeof args.idempotencyKey === 'string' && args.idempotencyKey.length > 200) throw badInput('idempotencyKey must have at most 200 characters', { argument: 'idempotencyKey' });
      const declarations = inputs.map((input, i) => declarationFromInput(input, ctx.services.config.defaultCurrency, i));
      const params = { capacity: args.capacity as number, documentary: args.documentary as number, exploration: args.exploration as number, seed: args.seed as number };
      const id = lodgeId(ctx.key.name, args.idempotencyKey, [declarations, params]);
      const lodged = await ctx.services.jobs.enqueueLodge(id, async (): Promise<LodgeJob> => ({
        db: ctx.services.dbPath, declarations, lodgedAt: Date.now(), selections: (await ctx.services.scoring.select(declarations, params)).map(selectionOut),
      }));
      return { job: jobOut(lodged.job), selections: lodged.payload.selections, replayed: lodged.replayed };
    },

    async recordOutcomes(_: unknown, args: Args, ctx: ApiContext) {
      ctx.require('lodge');
      const outcomes = args.outcomes as Array<{ declarationId: string; itemNo?: number | null; outcome: string; fraudType?: string | null; recoveredAmount?: number | null }>;
      checkBatch(outcomes, 'outcomes');
      const accepted = [];
      const rejected: Array<{ index: number; declarationId: string; itemNo: number; reason: string }> = [];
      for (const [index, o] of outcomes.entries()) {
        const itemNo = o.itemNo ?? 1;
        const checked = validateOutcome({
          declaration_id: o.declarationId, item_no: String(itemNo), outcome: o.outcome,
          fraud_type: o.fraudType ?? undefined, recovered_amount: o.recoveredAmount === null || o.recoveredAmount === undefined ? undefined : String(o.recoveredAmount),
        });
        if (!checked.ok) rejected.push({ index, declarationId: o.declarationId, itemNo, reason: `${checked.field}: ${checked.reason}` });
        else if (!(await ctx.store.getDeclaration(declarationKey(o.declarationId.trim(), itemNo)))) {
          rejected.push({ index, declarationId: o.declarationId, itemNo, reason: 'no such declaration in the store (an outcome comes after its declaration is stored)' });
        } else accepted.push(checked.update);
      }
      const job = accepted.length ? await ctx.services.jobs.enqueueOutcomes({ db: ctx.services.dbPath, outcomes: accepted }) : null;
      return { job: job ? jobOut(job) : null, accepted: accepted.length, rejected };
    },
  },
};
