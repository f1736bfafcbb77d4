/** `customs-graph purge`: the retention policy applied (src/retention/purge.ts). */
import type { Command } from 'commander';
import type { Config } from '../../config';
import { parseIsoDate } from '../../domain/declaration';
import { DEFAULT_AUDIT_RETENTION_YEARS, DEFAULT_PURGE_BATCH, DEFAULT_RETENTION_YEARS, retentionCutoffs, runPurge } from '../../retention/purge';
import { openStore } from '../../store/open';
import { UsageError } from '../../util/errors';
import type { Logger } from '../../util/logger';
import { createProgress } from '../../util/progress';
import { emit, formatNumber, table } from '../output';
import { positiveInt, withDb, withJson } from '../options';

function day(value: string, what: string): string {
  try {
    return parseIsoDate(value, what).slice(0, 10);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

export function registerPurge(program: Command, config: Config, logger: Logger): void {
  withJson(withDb(program
    .command('purge')
    .description('remove the identities of declarations older than the retention limit (outcomes, amounts and statistics stay), and old audit records')
    .option('--before <date>', `declarations lodged before this day (default: CUSTOMS_GRAPH_RETENTION_YEARS, ${DEFAULT_RETENTION_YEARS}, years ago)`)
    .option('--audit-before <date>', `audit records before this day (default: CUSTOMS_GRAPH_AUDIT_RETENTION_YEARS, ${DEFAULT_AUDIT_RETENTION_YEARS}, years ago)`)
    .option('--dry-run', 'say what would be purged, purge nothing')
    .option('--batch <n>', 'declarations per transaction', positiveInt, DEFAULT_PURGE_BATCH), config))
    .action(async (opts) => {
      const policy = retentionCutoffs();
      const before = opts.before ? day(opts.before, '--before') : policy.before;
      const auditBefore = opts.auditBefore ? day(opts.auditBefore, '--audit-before') : policy.auditBefore;
      const store = openStore(opts.db);
      try {
        await store.migrate();
        const progress = createProgress('purge', !opts.json && process.stderr.isTTY === true);
        const summary = await runPurge(store, {
          before, auditBefore, dryRun: opts.dryRun === true, batch: opts.batch, secret: process.env.CUSTOMS_GRAPH_PSEUDONYM_KEY || undefined,
          onProgress: (done, total) => progress.update(done, total, `${formatNumber(done)} declarations`),
        });
        progress.stop();
        // Counts only: never a name, a key or an id.
        logger.info({ before, auditBefore, dryRun: summary.dryRun, plan: summary.plan, done: summary.done, auditRecordsRemoved: summary.auditRecordsRemoved }, 'purge');
        emit(opts.json, summary, (s) => table(['', s.dryRun ? 'would purge' : 'purged'], [
          ['declarations lodged before', s.before],
          ['declarations losing their identities', formatNumber((s.done ?? s.plan).declarations)],
          ['parties kept as pseudonyms', formatNumber((s.done ?? s.plan).parties)],
          ['identifiers and directors removed', formatNumber((s.done ?? s.plan).identifiers)],
          ...(s.auditRecordsRemoved !== undefined ? [[`audit records before ${auditBefore} removed`, formatNumber(s.auditRecordsRemoved)]] : []),
          ['seconds', s.seconds.toFixed(1)],
        ]));
      } finally {
        await store.close();
      }
    });
}
