/**
 * `customs-graph report [--run N] [--period FROM..TO] [--html FILE] [--json]`: what a run learned,
 * whom it selects more than their record justifies, how good its data was, and how often people
 * overruled it.
 */
import type { Command } from 'commander';
import { writeFileSync } from 'node:fs';
import type { RunReport } from '../../accountability/report';
import type { Config } from '../../config';
import { withStore } from '../../store/open';
import { createProgress } from '../../util/progress';
import { positiveInt, share, withDb, withJson } from '../options';
import { emit, formatNumber, storeLine, table } from '../output';

const reporting = () => require('../../accountability/report') as typeof import('../../accountability/report');
const rendering = () => require('../../accountability/report-html') as typeof import('../../accountability/report-html');

const pct = (v: number) => `${(v * 100).toFixed(1)}%`;

export function printReport(r: RunReport, html?: string): string {
  const c = r.modelCard;
  const lines = [`run ${r.run.id} (${r.run.status}), data ${c.data.periodStart} to ${c.data.periodEnd}, ${formatNumber(c.data.declarations)} declarations, ${formatNumber(c.data.controlled)} controlled`];
  lines.push(`entity weights: ${c.weights.entity.source}`, `declaration model: ${c.weights.declaration.source}`);
  const h = c.heldOut;
  lines.push(h
    ? `held out ${formatNumber(h.n)} labelled declarations (${h.from} to ${h.to}, ${formatNumber(h.positives)} bad): AUC ${h.auc.toFixed(3)}, precision at 1% ${pct(h.precisionAt['1%'])}, 5% ${pct(h.precisionAt['5%'])}, 10% ${pct(h.precisionAt['10%'])}, Brier ${h.brier.toFixed(4)}`
    : `no held-out figure: ${c.heldOutMissing ?? ''}`);
  if (c.changes) {
    const ch = c.changes;
    lines.push(`since run ${ch.previousRun}: ${ch.entityWeights.length + ch.declarationWeights.length} weights changed; top rings ${ch.topRings.kept} kept, ${ch.topRings.new} new, ${ch.topRings.gone} gone; ${formatNumber(ch.topTraders.stayed)} of ${formatNumber(ch.topTraders.compared)} riskiest traders stayed`);
  }
  lines.push('');
  const a = r.biasAudit;
  if (a) {
    lines.push(`bias audit ${a.period.from}..${a.period.to}: ${formatNumber(a.items)} items, ${pct(a.selectionRate)} selected, confirmed fraud ${pct(a.fraudRate)} per control`);
    lines.push(a.flagged.length === 0 ? 'no group is selected, with confidence, more than twice what its record justifies'
      : table(['flagged', 'group', 'disparity', 'interval'], a.flagged.map((f) => [f.dimension, f.group, f.disparity.toFixed(2), `${f.interval[0].toFixed(2)}–${f.interval[1].toFixed(2)}`])));
  } else lines.push(`no bias audit: ${r.biasAuditMissing ?? ''}`);
  lines.push('');
  const q = r.dataQuality;
  const emptiest = Object.entries(q.fill).sort((x, y) => x[1] - y[1]).slice(0, 5).map(([f, v]) => `${f} ${pct(v)}`).join(', ');
  lines.push(`data quality: ${formatNumber(q.rows)} rows received, ${formatNumber(q.replaced)} replaced, ${formatNumber(q.duplicates)} sent again unchanged; emptiest fields: ${emptiest}`);
  lines.push(`${formatNumber(q.defaultIdentifiers.count)} default-looking identifiers (shared by over ${q.defaultIdentifiers.limit} traders) left out of rings and propagation${q.defaultIdentifiers.examples.length ? `, e.g. ${q.defaultIdentifiers.examples.slice(0, 3).map((d) => `${d.kind} ${d.key} (${d.traders} traders)`).join(', ')}` : ''}`);
  lines.push(`out of range: ${formatNumber(q.outOfRange.unitValueFar)} unit values 100x from their peers, ${formatNumber(q.outOfRange.zeroValue)} zero values, ${formatNumber(q.outOfRange.zeroWeight)} zero weights`);
  lines.push('');
  const o = c.overrides;
  lines.push(`overrides counted in the card: ${formatNumber(o.total)} (${formatNumber(o.released)} releases, ${formatNumber(o.controlled)} controls)${o.byReason.length ? `: ${o.byReason.map((b) => `${b.reason} ${b.count}`).join(', ')}` : ''}; since this run: ${formatNumber(r.overridesSince.total)}`);
  if (html) lines.push('', `HTML report written: ${html}`);
  return lines.join('\n');
}

export function registerReport(program: Command, config: Config): void {
  withJson(withDb(program
    .command('report')
    .description('a run\'s model card, bias audit, data quality and overrides (the current run unless --run)')
    .option('--run <id>', 'the analysis run to report on')
    .option('--period <from..to>', 'the declarations audited for bias, e.g. 2025-10-01..2025-12-31 (default: the last 90 days of the run\'s data)')
    .option('--html <file>', 'also write the report as an HTML page (static SVG charts, offline, printable)')
    .option('--capacity <share>', 'share of declarations for physical control in the audit', share, 0.05)
    .option('--documentary <share>', 'share for documentary control in the audit', share, 0.05)
    .option('--seed <n>', 'seed of the exploration draws', positiveInt, 42), config))
    .action(async (opts) => {
      const { buildRunReport, parsePeriod } = reporting();
      const period = opts.period ? parsePeriod(opts.period) : undefined;
      const progress = createProgress('report', !opts.json && process.stderr.isTTY === true);
      const report = await withStore(opts.db, (store) => buildRunReport(store, {
        runId: opts.run, period, capacity: opts.capacity, documentary: opts.documentary, seed: opts.seed, phoneRegion: config.phoneRegion,
        onProgress: (stage, done) => progress.update(0, 1, `${stage} ${formatNumber(done)}`),
      }), { mustExist: true });
      progress.stop();
      if (opts.html) writeFileSync(opts.html, rendering().reportHtml(report));
      emit(opts.json, report, (r) => `${storeLine(opts.db)}\n${printReport(r, opts.html)}`);
    });
}
