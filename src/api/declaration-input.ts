/**
 * What the scoring and clearance operations share: declarations given in the API's fields,
 * validated as ingest validates them; numeric arguments in range; a selection and a job in the
 * shapes of graphql/schema.graphql.
 */
import { makeValidator } from '../domain/declaration';
import { DECLARATION_FIELDS } from '../domain/fields';
import type { JobInfo } from '../jobs/runner';
import type { Selection } from '../targeting/select';
import type { DeclarationScore } from '../analysis/scoring/declaration-scorer';
import { badInput } from './errors';
import { FIELD_LIMITS } from './limits';

/** A validator per default currency (the service's CUSTOMS_GRAPH_CURRENCY): made once each. */
const validators = new Map<string, ReturnType<typeof makeValidator>>();

/** camelCase input → the contract's snake_case fields, validated like ingest (a declaration naming no currency is in the service's). */
export function declarationFromInput(input: Record<string, unknown>, defaultCurrency: string, index?: number) {
  const snake = (f: string) => f.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
  const byField: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(input)) byField[snake(k)] = v;
  let validate = validators.get(defaultCurrency);
  if (!validate) validators.set(defaultCurrency, (validate = makeValidator({ defaultCurrency })));
  const r = validate(DECLARATION_FIELDS.map((f) => byField[f]));
  if (!r.ok) throw badInput(`${index === undefined ? '' : `inputs[${index}]: `}${r.reason}`, { field: r.field, ...(index === undefined ? {} : { index }) });
  return r.value;
}

/** A batch argument within maxBatch items, or BAD_USER_INPUT naming it and the limit. */
export function checkBatch(items: readonly unknown[], argument: string): void {
  if (items.length > FIELD_LIMITS.maxBatch) throw badInput(`at most ${FIELD_LIMITS.maxBatch} items per request`, { argument, limit: 'maxBatch' });
}

export function checkRange(name: string, value: number, min: number, max: number, limit: string): void {
  if (!Number.isFinite(value) || value < min || value > max) throw badInput(`${name} must be between ${min} and ${max}`, { argument: name, limit });
}

/** A channel given, with its declaration's number and the scorer's reasons (plain data: a lodge job keeps it). */
export function selectionOut(sel: Selection & { score: DeclarationScore }) {
  return { declarationId: sel.score.declarationId, itemNo: sel.score.itemNo, channel: sel.channel.toUpperCase(), risk: sel.risk, why: sel.why, reasons: sel.reasons };
}

export function jobOut(job: JobInfo) {
  const common = { id: job.id, kind: job.kind, status: job.status.toUpperCase(), progress: job.progress, queuedAt: new Date(job.queuedAt).toISOString() };
  switch (job.status) {
    case 'queued': case 'running': return { ...common, runId: null, error: null, result: null };
    case 'done': return { ...common, runId: (job.result as { runId?: string }).runId ?? null, error: null, result: job.result };
    case 'failed': return { ...common, runId: null, error: job.error, result: null };
    default: throw new Error(`unknown job state ${String(job satisfies never)}`);
  }
}
