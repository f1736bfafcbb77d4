/**
 * /metrics in Prometheus's text format (prom-client): GraphQL requests and their latency by
 * operation, the queues' depth and the age of their oldest waiting job, the ingest lag from
 * lodging to storing, declarations stored, outcomes recorded, analysis runs and their duration.
 * Names and counts only: never an identity.
 */
import type { ApolloServerPlugin } from '@apollo/server';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { QUEUES } from '../jobs/processors';
import type { JobInfo, JobRunner } from '../jobs/runner';

export class ServiceMetrics {
  readonly registry = new Registry();
  private readonly requests = new Counter({ name: 'customs_graph_graphql_requests_total', help: 'GraphQL requests by top-level field and outcome', labelNames: ['operation', 'outcome'], registers: [this.registry] });
  private readonly latency = new Histogram({
    name: 'customs_graph_graphql_request_seconds', help: 'GraphQL request latency by top-level field', labelNames: ['operation'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers: [this.registry],
  });
  private readonly lag = new Histogram({
    name: 'customs_graph_ingest_lag_seconds', help: 'From a declaration lodged through the API to its being stored',
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300], registers: [this.registry],
  });
  private readonly stored = new Counter({ name: 'customs_graph_declarations_stored_total', help: 'Declaration items stored, by how they came', labelNames: ['source'], registers: [this.registry] });
  private readonly outcomes = new Counter({ name: 'customs_graph_outcomes_recorded_total', help: 'Control results recorded through the API', registers: [this.registry] });
  private readonly alerts = new Counter({ name: 'customs_graph_alerts_raised_total', help: 'Alerts raised (seen by this server\'s feed), by type and severity', labelNames: ['type', 'severity'], registers: [this.registry] });
  private readonly jobs = new Counter({ name: 'customs_graph_jobs_total', help: 'Jobs ended, by kind and state', labelNames: ['kind', 'status'], registers: [this.registry] });
  private readonly runSeconds = new Histogram({
    name: 'customs_graph_analysis_run_seconds', help: 'Duration of completed analysis runs', buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1800], registers: [this.registry],
  });

  constructor(runner: Pick<JobRunner, 'depth'>) {
    collectDefaultMetrics({ register: this.registry, prefix: 'customs_graph_' });
    const depth = () => runner.depth();
    // Read from the queues when scraped, not kept: one read of the runner per scrape for the three gauges.
    let pending: ReturnType<typeof depth> | undefined;
    const once = () => (pending ??= depth().finally(() => { setTimeout(() => { pending = undefined; }, 0); }));
    const gauge = (name: string, help: string, pick: (d: Awaited<ReturnType<typeof depth>>[keyof Awaited<ReturnType<typeof depth>>]) => number) => new Gauge({
      name, help, labelNames: ['queue'], registers: [this.registry],
      async collect() {
        const d = await once();
        for (const q of QUEUES) this.set({ queue: q }, pick(d[q]));
      },
    });
    gauge('customs_graph_queue_waiting', 'Jobs waiting in each queue', (d) => d.waiting);
    gauge('customs_graph_queue_active', 'Jobs being worked on in each queue', (d) => d.active);
    gauge('customs_graph_queue_oldest_waiting_seconds', 'Age of the oldest waiting job in each queue', (d) => d.oldestWaitingMs / 1000);
  }

  /** A job has ended: what it stored, its lag, its run's duration. */
  readonly alertRaised = (a: { type: string; severity: string }): void => {
    this.alerts.inc({ type: a.type, severity: a.severity });
  };

  readonly jobDone = (job: JobInfo): void => {
    this.jobs.inc({ kind: job.kind, status: job.status });
    if (job.status !== 'done') return;
    const r = job.result;
    if (job.kind === 'lodge') {
      this.stored.inc({ source: 'api' }, Number(r.stored) || 0);
      if (typeof r.lagMs === 'number') this.lag.observe(r.lagMs / 1000);
    } else if (job.kind === 'ingest') this.stored.inc({ source: 'file' }, Number(r.accepted) || 0);
    else if (job.kind === 'outcomes') this.outcomes.inc(Number(r.updated) || 0);
    else if (job.kind === 'analysis') {
      const timings = r.timings as Record<string, number> | undefined;
      if (timings?.total !== undefined) this.runSeconds.observe(timings.total / 1000);
    }
  };

  /** Apollo plugin: each request counted and timed under its first top-level field (bounded by the schema). */
  plugin(): ApolloServerPlugin {
    const { requests, latency } = this;
    return {
      async requestDidStart() {
        const started = process.hrtime.bigint();
        return {
          async willSendResponse({ operation, response }) {
            const field = operation?.selectionSet.selections.find((s) => s.kind === 'Field');
            const name = field?.kind === 'Field' ? field.name.value : 'invalid';
            const failed = response.body.kind === 'single' && (response.body.singleResult.errors?.length ?? 0) > 0;
            requests.inc({ operation: name, outcome: failed ? 'error' : 'ok' });
            latency.observe({ operation: name }, Number(process.hrtime.bigint() - started) / 1e9);
          },
        };
      },
    };
  }
}
