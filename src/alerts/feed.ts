/**
 * New alerts as they are stored, whoever stored them (this process, a worker, another server):
 * the feed reads the store every `intervalMs` from the last alert it saw and tells its listeners
 * (the WebSocket subscriptions, the webhooks). Reading the store rather than an in-process event
 * is what makes it work in the scaled mode, where alerts are raised by workers.
 */
import { matchesFilter, type Alert, type AlertFilter } from '../domain/alerts';
import type { AlertStore } from '../store/alert-store';
import type { Logger } from '../util/logger';

/** A subscriber this many alerts behind is cut off (a client that stopped reading must not grow the server without end). */
const MAX_BEHIND = 10_000;

export class AlertFeed {
  private cursor?: string;
  private timer?: NodeJS.Timeout;
  private polling?: Promise<void>;
  private readonly listeners = new Set<(a: Alert) => void>();

  constructor(private readonly store: AlertStore, private readonly opts: { intervalMs?: number; logger?: Logger } = {}) {}

  /** From the newest alert stored now: what is raised from here on is told. */
  async start(): Promise<void> {
    this.cursor = await this.store.lastAlertId();
    this.timer = setInterval(() => { void this.poll(); }, this.opts.intervalMs ?? 250);
    this.timer.unref();
  }

  /** Reads what is new now (the timer calls it; a job that just ended may call it sooner). */
  poll(): Promise<void> {
    return (this.polling ??= this.readNew().finally(() => { this.polling = undefined; }));
  }

  private async readNew(): Promise<void> {
    try {
      for (;;) {
        const batch = await this.store.alertsAfter(this.cursor, 500);
        for (const a of batch) {
          this.cursor = a.id;
          for (const l of this.listeners) l(a);
        }
        if (batch.length < 500) return;
      }
    } catch (err) {
      this.opts.logger?.warn({ err: (err as Error).message }, 'alert feed: could not read new alerts');
    }
  }

  onAlert(listener: (a: Alert) => void): () => void {
    this.listeners.add(listener);
    return () => { this.listeners.delete(listener); };
  }

  /** The alerts passing a filter from now on, as an async iterator (graphql-ws ends it when the client unsubscribes). */
  subscribe(filter: AlertFilter): AsyncIterableIterator<Alert> {
    const queue: Alert[] = [];
    let wake: ((r: IteratorResult<Alert>) => void) | undefined;
    let done = false;
    const end = (): IteratorResult<Alert> => {
      done = true;
      off();
      wake?.({ value: undefined, done: true });
      wake = undefined;
      return { value: undefined, done: true };
    };
    const off = this.onAlert((a) => {
      if (done || !matchesFilter(a, filter)) return;
      if (wake) {
        const w = wake;
        wake = undefined;
        w({ value: a, done: false });
      } else if (queue.push(a) > MAX_BEHIND) end();
    });
    return {
      next: () => {
        if (queue.length) return Promise.resolve({ value: queue.shift()!, done: false });
        if (done) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => { wake = resolve; });
      },
      return: () => Promise.resolve(end()),
      throw: (err?: unknown) => { end(); return Promise.reject(err); },
      [Symbol.asyncIterator]() { return this; },
    };
  }

  stop(): void {
    clearInterval(this.timer);
    this.listeners.clear();
  }
}
