/**
 * What a server does with new alerts, whoever raised them (a run in a worker, an ingest in
 * another process): counts them on /metrics and queues a webhook delivery per subscriber that
 * wants them; the subscriptions listen to the same feed. The feed is read again as soon as a job
 * that may raise alerts ends here.
 */
import { AlertFeed } from '../alerts/feed';
import { webhookBody, wants, type Webhook } from '../alerts/webhooks';
import type { JobRunner } from '../jobs/runner';
import type { GraphStore } from '../store/graph-store';
import type { Logger } from '../util/logger';
import type { ServiceMetrics } from './metrics';

export async function startAlertDelivery(opts: { store: GraphStore; jobs: JobRunner; metrics: ServiceMetrics; webhooks: Webhook[]; logger: Logger }): Promise<AlertFeed> {
  const feed = new AlertFeed(opts.store, { logger: opts.logger });
  await feed.start();
  feed.onAlert(opts.metrics.alertRaised);
  feed.onAlert((a) => {
    for (const hook of opts.webhooks.filter((h) => wants(h, a))) {
      opts.jobs.enqueueWebhook({ subscriber: hook.subscriber, alertId: a.id, body: webhookBody(a) })
        .catch((err: unknown) => opts.logger.error({ err: (err as Error).message, subscriber: hook.subscriber }, 'could not queue a webhook delivery'));
    }
  });
  opts.jobs.onDone((job) => { if (job.kind === 'analysis' || job.kind === 'lodge' || job.kind === 'ingest') void feed.poll(); });
  return feed;
}
