/**
 * Webhooks: an optional endpoint per subscriber (CUSTOMS_GRAPH_WEBHOOKS, a JSON file), told of
 * every new alert that passes its filter. The body is signed with the subscriber's secret:
 * `X-Customs-Graph-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`, so that a
 * receiver checks who sent it and refuses an old one replayed. Delivery is a job (BullMQ in the
 * scaled mode, the in-process runner otherwise), retried with backoff until it gets a 2xx.
 * The body carries ids, never names: the receiver reads the rest through the API, audited.
 */
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ALERT_SEVERITIES, ALERT_TYPES, matchesFilter, type Alert } from '../domain/alerts';
import { UsageError } from '../util/errors';

const webhookSchema = z.array(z.object({
  /** The API key name it belongs to (its alerts are those that key may read). */
  subscriber: z.string().min(1).max(200),
  url: z.string().url().refine((u) => /^https?:\/\//.test(u), 'an http(s) URL'),
  secret: z.string().min(16, 'at least 16 characters'),
  types: z.array(z.enum(ALERT_TYPES)).optional(),
  minSeverity: z.enum(ALERT_SEVERITIES).optional(),
}).strict());
export type Webhook = z.infer<typeof webhookSchema>[number];

/** The webhooks configured (none without CUSTOMS_GRAPH_WEBHOOKS). */
export function loadWebhooks(env: NodeJS.ProcessEnv = process.env): Webhook[] {
  const file = env.CUSTOMS_GRAPH_WEBHOOKS;
  if (!file) return [];
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new UsageError(`CUSTOMS_GRAPH_WEBHOOKS ${file}: ${(err as Error).message}`);
  }
  const parsed = webhookSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new UsageError(`CUSTOMS_GRAPH_WEBHOOKS ${file}: entry ${String(issue.path[0] ?? '')} ${issue.path.slice(1).join('.')}: ${issue.message}`);
  }
  return parsed.data;
}

export function wants(hook: Webhook, a: Alert): boolean {
  return matchesFilter(a, { types: hook.types, minSeverity: hook.minSeverity });
}

/** What a receiver gets: the alert's ids, type, severity, summary, evidence references and time. */
export function webhookBody(a: Alert): string {
  return JSON.stringify({
    alert: {
      id: `Alert:${a.id}`, type: a.type, severity: a.severity, summary: a.summary, raisedAt: a.at, state: a.state,
      entities: a.entities.map((e) => `Entity:${e}`),
      evidence: a.evidence.map((e) => ({ kind: e.kind, ref: `${e.kind === 'ring' ? 'Ring' : e.kind === 'declaration' ? 'Declaration' : 'Entity'}:${e.ref}`, note: e.note ?? null })),
      runs: a.runs,
    },
  });
}

export const SIGNATURE_HEADER = 'x-customs-graph-signature';

export function signature(secret: string, timestamp: number, body: string): string {
  return `t=${timestamp},v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** A delivery refused by the receiver or not reached: retried (jobs retry any error but a CustomsGraphError that cannot be). */
class DeliveryError extends Error {}

export interface WebhookJob {
  subscriber: string;
  alertId: string;
  body: string;
}

/** Sends one alert to its subscriber's endpoint, signed now; throws (to be retried) unless it answers 2xx. */
export async function deliverWebhook(job: WebhookJob, hooks: Webhook[] = loadWebhooks()): Promise<{ status: number; ms: number }> {
  const hook = hooks.find((h) => h.subscriber === job.subscriber);
  if (!hook) throw new UsageError(`no webhook for subscriber ${job.subscriber} in CUSTOMS_GRAPH_WEBHOOKS`);
  const t0 = Date.now();
  const timestamp = Math.floor(t0 / 1000);
  let res: Response;
  try {
    res = await fetch(hook.url, {
      method: 'POST', body: job.body, redirect: 'error', signal: AbortSignal.timeout(10_000),
      headers: {
        'content-type': 'application/json', 'user-agent': 'customs-graph-webhook', [SIGNATURE_HEADER]: signature(hook.secret, timestamp, job.body),
        'x-customs-graph-alert': `Alert:${job.alertId}`,
      },
    });
  } catch (err) {
    throw new DeliveryError(`webhook ${job.subscriber}: ${(err as Error).message}`);
  }
  await res.arrayBuffer().catch(() => undefined);
  if (!res.ok) throw new DeliveryError(`webhook ${job.subscriber}: HTTP ${res.status}`);
  return { status: res.status, ms: Date.now() - t0 };
}
