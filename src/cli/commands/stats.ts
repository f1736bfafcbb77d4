/** `customs-graph stats`: what the store holds; `customs-graph neo4j-check`: whether a Neo4j server holds up at scale. */
import type { Command } from 'commander';
import { DEFAULT_RUN_STALE_MS, type Config } from '../../config';
import type { StoreCounts } from '../../store/graph-reader';
import type { GraphStore } from '../../store/graph-store';
import type { CheckReport } from '../../store/neo4j/check';
import { openStore, withStore } from '../../store/open';
import { UsageError } from '../../util/errors';
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

export function printCheck(r: CheckReport): string {
  const problems = r.schema.length + r.plans.length;
  return [
    `Neo4j ${r.version}; ${r.statementsPlanned} statements planned (EXPLAIN, none run)`,
    ...(r.schema.length ? ['', ...r.schema] : []),
    ...(r.plans.length ? ['', table(['statement', 'problem'], r.plans.map((p) => [p.statement, p.problem]))] : []),
    '', problems ? `${problems} problem(s)` : 'no problem found: every declared index and constraint is online and no plan scans, sorts or buffers what it should not',
  ].join('\n');
}

export function registerNeo4jCheck(program: Command): void {
  program
    .command('neo4j-check')
    .description('on a Neo4j store (NEO4J_URI): the server version, the declared indexes and constraints, and the plan of every statement; exit 1 on a problem')
    .option('--json', 'print the report as JSON')
    .action(async (opts: { json?: boolean }) => {
      if (!process.env.NEO4J_URI) throw new UsageError('neo4j-check checks a Neo4j server: set NEO4J_URI (and NEO4J_USER, NEO4J_PASSWORD, NEO4J_DATABASE)');
      // Not migrated first: the check says what the server holds, not what opening it would add.
      const store = openStore('') as import('../../store/neo4j/neo4j-store').Neo4jGraphStore;
      try {
        const report = await store.check();
        emit(opts.json, report, printCheck);
        if (report.schema.length + report.plans.length > 0) process.exitCode = 1;
      } finally {
        await store.close();
      }
    });
}
