/** What the commands share: option parsers, the store option, the current-run check, signals. */
import { InvalidArgumentError, type Command } from 'commander';
import type { Config } from '../config';
import type { RunStore } from '../store/run-store';
import { UsageError } from '../util/errors';
import { parseShare } from '../targeting/select';

export function positiveNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a positive number');
  return n;
}

export function share(value: string): number {
  try {
    return parseShare(value);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
}

export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a non-negative whole number');
  return n;
}

/** `--db PATH`: the store file (CUSTOMS_GRAPH_DB sets the default). */
export function withDb(cmd: Command, config: Config): Command {
  return cmd.option('--db <path>', 'SQLite store file', config.dbPath);
}

/** `--json`: print the result as JSON. */
export function withJson(cmd: Command): Command {
  return cmd.option('--json', 'print as JSON');
}

/** The store, once it is known to have a current analysis run (checked by id: the run itself is large). */
export async function requireRun<S extends Pick<RunStore, 'currentRunId'>>(store: S, dbPath: string): Promise<S> {
  if (await store.currentRunId()) return store;
  throw new UsageError(`no analysis run is current in the store ${dbPath}: run \`customs-graph analyze --db ${dbPath}\` first`);
}

export function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
}
