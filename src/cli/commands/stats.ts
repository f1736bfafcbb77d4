/** `customs-graph stats`: what the store holds. */
import type { Command } from 'commander';
import type { Config } from '../../config';
import type { StoreCounts } from '../../store/graph-reader';
import { withStore } from '../../store/open';
import { withDb, withJson } from '../options';
import { emit, table } from '../output';

export function printCounts(counts: StoreCounts): string {
  return `${table(['entity kind', 'count'], Object.entries(counts.entities).map(([k, n]) => [k, n]))}\n\n${table(['relationship', 'count'],
    Object.entries(counts.relationships).map(([k, n]) => [k, n]))}`;
}

export function registerStats(program: Command, config: Config): void {
  withJson(withDb(program.command('stats').description('counts of what the store holds'), config))
    .action(async (opts) => emit(opts.json, await withStore(opts.db, (store) => store.counts()), printCounts));
}
