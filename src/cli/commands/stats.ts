/** `customs-graph stats`: what the store holds. */
import type { Command } from 'commander';
import { DEFAULT_RUN_STALE_MS, type Config } from '../../config';
import type { StoreCounts } from '../../store/graph-reader';
import type { GraphStore } from '../../store/graph-store';
import { withStore } from '../../store/open';
import { withDb, withJson } from '../options';
import { emit, storeName, table } from '../output';

export interface StoreStats extends StoreCounts {
  /** The store read. */
  store: string;
  /** The newest analysis runs (runs of killed processes are marked failed first). */
  runs: Array<{ id: string; status: string; startedAt: string; finishedAt?: string; error?: string; current: boolean }>;
}

export async function statsOf(store: GraphStore, config: Config, dbPath: string): Promise<StoreStats> {
  await store.failAbandonedRuns(config.runStaleMs ?? DEFAULT_RUN_STALE_MS);
  const current = await store.currentRunId();
  const runs = (await store.listRuns(10)).map((r) => ({
    id: r.id, status: r.status, startedAt: r.startedAt, finishedAt: r.finishedAt, ...(r.status === 'failed' ? { error: r.error } : {}), current: r.id === current,
  }));
  return { store: storeName(dbPath), ...(await store.counts()), runs };
}

export function printStats(s: StoreStats): string {
  return [
    `store: ${s.store}${s.declarations === 0 ? ' (empty: no declaration loaded yet)' : ''}`, '',
    table(['entity kind', 'count'], Object.entries(s.entities).map(([k, n]) => [k, n])), '',
    table(['relationship', 'count'], Object.entries(s.relationships).map(([k, n]) => [k, n])), '',
    s.runs.length ? table(['analysis run', 'status', 'started', 'finished', 'note'], s.runs.map((r) => [
      r.id, r.current ? `${r.status} (current)` : r.status, r.startedAt, r.finishedAt ?? '', r.error ?? '',
    ])) : 'no analysis run yet',
  ].join('\n');
}

export function registerStats(program: Command, config: Config): void {
  withJson(withDb(program.command('stats').description('counts of what the store holds, and its latest analysis runs'), config))
    .action(async (opts) => emit(opts.json, await withStore(opts.db, (store) => statsOf(store, config, opts.db), { mustExist: true }), printStats));
}
