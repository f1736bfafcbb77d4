/** `customs-graph alerts`: the alert inbox on the terminal (newest first), for operators and scripts. */
import type { Command } from 'commander';
import type { Config } from '../../config';
import { ALERT_SEVERITIES, ALERT_STATES, ALERT_TYPES, type Alert, type AlertFilter } from '../../domain/alerts';
import { parseIsoDate } from '../../domain/declaration';
import { withStore } from '../../store/open';
import { UsageError } from '../../util/errors';
import { emit, table } from '../output';
import { positiveInt, withDb, withJson } from '../options';

function oneOf<T extends string>(value: string | undefined, known: readonly T[], flag: string): T | undefined {
  if (value === undefined) return undefined;
  const v = value.toLowerCase() as T;
  if (!known.includes(v)) throw new UsageError(`${flag}: unknown value ${value} (known: ${known.join(', ')})`);
  return v;
}

function since(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  try {
    return parseIsoDate(value, '--since');
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

type AlertLine = Pick<Alert, 'id' | 'type' | 'severity' | 'state' | 'at' | 'summary' | 'entities' | 'assignee' | 'evidence' | 'runs'> & { main?: string };

export function registerAlerts(program: Command, config: Config): void {
  withJson(withDb(program
    .command('alerts')
    .description('alerts newest first: what changed since the previous run, watchlist hits at ingest, watched entities and rings')
    .option('--since <date>', 'raised on or after this day or moment (ISO 8601)')
    .option('--type <type>', `only this type (${ALERT_TYPES.join(', ')})`)
    .option('--state <state>', `only this state (${ALERT_STATES.join(', ')})`)
    .option('--min-severity <severity>', `this severity and above (${ALERT_SEVERITIES.join(', ')})`)
    .option('--limit <n>', 'how many', positiveInt, 50), config))
    .action(async (opts) => {
      const type = oneOf(opts.type, ALERT_TYPES, '--type');
      const state = oneOf(opts.state, ALERT_STATES, '--state');
      const filter: AlertFilter = {
        ...(type ? { types: [type] } : {}), ...(state ? { states: [state] } : {}),
        minSeverity: oneOf(opts.minSeverity, ALERT_SEVERITIES, '--min-severity'), since: since(opts.since),
      };
      const lines = await withStore(opts.db, async (store) => {
        const alerts = await store.listAlerts({ ...filter, limit: opts.limit });
        const names = new Map((await store.getEntities(alerts.map((a) => a.entities[0]).filter((e): e is string => !!e))).map((e) => [e.id, `${e.kind} ${e.name}`]));
        return {
          total: await store.countAlerts(filter),
          alerts: alerts.map((a): AlertLine => ({
            id: a.id, type: a.type, severity: a.severity, state: a.state, at: a.at, summary: a.summary, entities: a.entities, assignee: a.assignee,
            evidence: a.evidence, runs: a.runs, main: a.entities[0] ? names.get(a.entities[0]) : undefined,
          })),
        };
      }, { mustExist: true });
      emit(opts.json, lines, ({ total, alerts }) => [
        `${total} alert(s)${alerts.length < total ? `, newest ${alerts.length} shown` : ''}`,
        table(['id', 'raised', 'severity', 'type', 'state', 'entity', 'summary'],
          alerts.map((a) => [a.id, a.at.slice(0, 16).replace('T', ' '), a.severity, a.type, a.state, a.main ?? '', a.summary])),
      ].join('\n'));
    });
}
