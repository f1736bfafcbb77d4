/**
 * The run report as a page people look at rather than read: the model card's figures, the charts
 * (precision against capacity, calibration, selection against fraud by group, score drift, data
 * quality over time), the flagged groups, the data-quality findings and the overrides. Static,
 * offline, printable; the same body is shown inside the explorer.
 */
import type { BiasAudit, GroupFigures } from './bias-audit';
import type { RunReport } from './report';
import { chart, escapeXml as esc, type Series } from './svg-charts';

const pct = (v: number, digits = 1) => `${(v * 100).toFixed(digits)}%`;
const num = (v: number) => v.toLocaleString('en-US');
const fix = (v: number | undefined, d = 3) => (v === undefined ? '–' : v.toFixed(d));

/** Fields whose fill rate is drawn over time: the ones the network and the targeting lean on. */
const TREND_FIELDS = ['trader_phone', 'trader_bank_account', 'supplier_id', 'consignee_id', 'goods_origin_country', 'quantity'];
const TREND_COLOURS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#9467bd', '#8c564b', '#17becf'];

export const REPORT_CSS = `
.cg-report { font: 14px/1.45 system-ui, sans-serif; color: #1d232a; max-width: 1180px; margin: 0 auto; padding: 12px 20px; }
.cg-report h1 { font-size: 22px; margin: 4px 0 2px; }
.cg-report h2 { font-size: 17px; margin: 22px 0 6px; border-bottom: 1px solid #d5dae0; padding-bottom: 3px; }
.cg-report .meta { color: #555; margin: 0 0 8px; }
.cg-report .figures { display: flex; flex-wrap: wrap; gap: 10px; margin: 8px 0; }
.cg-report .figure { border: 1px solid #d5dae0; border-radius: 6px; padding: 6px 10px; min-width: 110px; }
.cg-report .figure b { display: block; font-size: 18px; }
.cg-report .charts { display: flex; flex-wrap: wrap; gap: 14px; }
.cg-report figure.chart { margin: 0; border: 1px solid #e3e6ea; border-radius: 6px; padding: 6px; background: #fff; }
.cg-report figure.chart figcaption { font-weight: 600; margin-bottom: 2px; }
.cg-report .caption { color: #555; font-size: 12px; max-width: 540px; margin: 4px 0 0; }
.cg-report table { border-collapse: collapse; margin: 6px 0 10px; font-size: 13px; }
.cg-report th, .cg-report td { border: 1px solid #d5dae0; padding: 3px 7px; text-align: left; }
.cg-report td.n { text-align: right; font-variant-numeric: tabular-nums; }
.cg-report .flag { color: #a61b1b; font-weight: 600; }
.cg-report .ok { color: #1d6b2f; font-weight: 600; }
@media print { .cg-report figure.chart, .cg-report table { break-inside: avoid; } }
`;

function figure(label: string, value: string): string {
  return `<div class="figure">${esc(label)}<b>${esc(value)}</b></div>`;
}

function table(head: string[], rows: string[][], numeric: number[] = []): string {
  return `<table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows.map((r) =>
    `<tr>${r.map((c, i) => `<td${numeric.includes(i) ? ' class="n"' : ''}>${c}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
}

function learned(r: RunReport): string {
  const c = r.modelCard;
  const weightRows = (list: typeof c.weights.entity.weights) => list
    .filter((w) => w.value !== 0 || w.default !== 0)
    .map((w) => [esc(w.name), fix(w.value, 3), fix(w.default, 3), w.value > w.default ? 'higher' : w.value < w.default ? 'lower' : 'same']);
  return `<h2>What the run learned from, and its weights</h2>
<div class="figures">${figure('Declarations', num(c.data.declarations))}${figure('Controlled', num(c.data.controlled))}${figure('Bad outcomes', num(c.data.bad))}
${figure('Entities', num(c.data.entities))}${figure('Known bad', num(c.labels.knownBad))}${figure('Watchlist hits', num(c.labels.watchlist.hits))}</div>
<p>Data from ${esc(c.data.periodStart)} to ${esc(c.data.periodEnd)}; weights fitted on outcomes after ${esc(c.data.cutoff)}:
${num(c.labels.entityModel.traders)} traders (${num(c.labels.entityModel.bad)} bad) for the entity weights, ${num(c.labels.declarationModel.declarations)} labelled declarations (${num(c.labels.declarationModel.bad)} bad) for the declaration model.</p>
<p>Entity weights: ${esc(c.weights.entity.source)}.</p>
${table(['Signal', 'Weight', 'Default', 'Against the default'], weightRows(c.weights.entity.weights), [1, 2])}
<p>Declaration model: ${esc(c.weights.declaration.source)} (bias ${fix(c.weights.declaration.bias.value)}, default ${fix(c.weights.declaration.bias.default)}).</p>
${table(['Feature', 'Weight', 'Default', 'Against the default'], weightRows(c.weights.declaration.weights), [1, 2])}`;
}

function quality(r: RunReport): string {
  const h = r.modelCard.heldOut;
  if (!h) return `<h2>Quality on data it was not fitted on</h2><p>${esc(r.modelCard.heldOutMissing ?? 'No held-out figure.')}</p>`;
  const maxP = Math.max(h.baseRate * 2, ...h.precisionCurve.map((p) => p.precision), 0.05);
  const maxCal = Math.max(0.05, ...h.calibration.flatMap((b) => [b.predicted, b.observed]));
  return `<h2>Quality on data it was not fitted on</h2>
<p>The ${h.model === 'fitted' ? 'model fitted on' : 'documented defaults, measured after'} ${num(h.train.n)} labelled declarations (${esc(h.train.from)} to ${esc(h.train.to)}),
measured on the next ${num(h.n)} (${esc(h.from)} to ${esc(h.to)}, ${num(h.positives)} bad, base rate ${pct(h.baseRate)}).</p>
<div class="figures">${figure('AUC', fix(h.auc))}${figure('Precision at 1%', pct(h.precisionAt['1%']))}${figure('Precision at 5%', pct(h.precisionAt['5%']))}
${figure('Precision at 10%', pct(h.precisionAt['10%']))}${figure('Brier score', fix(h.brier, 4))}</div>
<div class="charts">${chart({
    id: 'precision-capacity', title: 'Precision against capacity', caption: 'Share of bad outcomes among the riskiest declarations when that share of them is controlled; the dashed line is the base rate (random selection).',
    x: { label: 'capacity (share of declarations controlled)', min: 0, max: 0.3, ticks: [0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3], format: (v) => pct(v, 0) },
    y: { label: 'precision', min: 0, max: maxP, format: (v) => pct(v, 0) },
    series: [{ name: 'model', colour: '#1f77b4', kind: 'line', points: h.precisionCurve.map((p) => ({ x: p.share, y: p.precision, label: `${pct(p.share)}: ${pct(p.precision)}` })) }],
    references: [{ from: [0, h.baseRate], to: [0.3, h.baseRate], label: `base rate ${pct(h.baseRate)}` }],
  })}${chart({
    id: 'calibration', title: 'Calibration', caption: 'Ten bins of equal size, lowest risks first: mean predicted risk against the share that turned out bad. On the diagonal, a predicted 20% comes true one time in five.',
    x: { label: 'mean predicted risk', min: 0, max: maxCal, format: (v) => pct(v, 0) },
    y: { label: 'observed bad share', min: 0, max: maxCal, format: (v) => pct(v, 0) },
    series: [{ name: 'bins', colour: '#2ca02c', kind: 'line', points: h.calibration.map((b) => ({ x: b.predicted, y: b.observed, label: `${num(b.n)} declarations: predicted ${pct(b.predicted)}, observed ${pct(b.observed)}` })) }],
    references: [{ from: [0, 0], to: [maxCal, maxCal], label: 'perfect calibration' }],
  })}</div>`;
}

function groupRow(g: GroupFigures): string[] {
  return [esc(g.dimension), esc(g.group), num(g.items), pct(g.selectionRate), num(g.controlled), pct(g.fraudRate), g.precision === undefined ? '–' : pct(g.precision),
    `${num(g.compliant.selected)} / ${num(g.compliant.items)}`, g.disparity === undefined ? 'not judged' : `${fix(g.disparity, 2)} [${fix(g.interval![0], 2)}, ${fix(g.interval![1], 2)}]`,
    g.flagged ? '<span class="flag">flagged</span>' : ''];
}

function bias(r: RunReport): string {
  const a: BiasAudit | undefined = r.biasAudit;
  if (!a) return `<h2>Whom the model selects more than their record justifies</h2><p>${esc(r.biasAuditMissing ?? 'No bias audit.')}</p>`;
  const judged = a.groups.filter((g) => g.judged);
  const rel = (g: GroupFigures) => ({ x: g.fraudRate / Math.max(1e-9, a.fraudRate), y: g.selectionRate / Math.max(1e-9, a.selectionRate) });
  const maxRel = Math.max(3, ...judged.map((g) => Math.max(rel(g).x, rel(g).y))) * 1.05;
  const shown = [...judged].sort((x, y) => (y.interval?.[0] ?? 0) - (x.interval?.[0] ?? 0)).slice(0, 25);
  return `<h2>Whom the model selects more than their record justifies</h2>
<p>Declarations lodged ${esc(a.period.from)} to ${esc(a.period.to)} (${num(a.items)} items), channelled by run ${esc(a.runId)}'s model with ${pct(a.capacity, 0)} physical and ${pct(a.documentary, 0)} documentary control:
${pct(a.selectionRate)} selected. Confirmed fraud per control in the record: ${pct(a.fraudRate)} (${num(a.bad)} of ${num(a.controlled)}).</p>
<p>${a.flagged.length === 0 ? '<span class="ok">No group is selected, with confidence, more than twice what its record justifies.</span>'
    : `<span class="flag">${a.flagged.length} group${a.flagged.length > 1 ? 's' : ''} selected more than their record justifies:</span> ${a.flagged.map((f) => `${esc(f.dimension)} ${esc(f.group)} (×${fix(f.disparity, 2)}, interval ${fix(f.interval[0], 2)} to ${fix(f.interval[1], 2)})`).join('; ')}.`}</p>
<p class="caption">${esc(a.rule)}.</p>
<div class="charts">${chart({
    id: 'selection-fraud', title: 'Selection rate against fraud rate, by group', caption: 'Each point a group, both rates relative to the overall ones. On the diagonal a group is selected in proportion to its record; above the upper dashed line, more than twice. Flagged groups in red.',
    x: { label: 'confirmed fraud per control, relative to all', min: 0, max: maxRel },
    y: { label: 'selection rate, relative to all', min: 0, max: maxRel },
    series: [{ name: 'groups judged', colour: '#1f77b4', kind: 'points', points: judged.map((g) => ({ ...rel(g), label: `${g.dimension} ${g.group}`, highlight: g.flagged })) }],
    references: [{ from: [0, 0], to: [maxRel, maxRel], label: 'in proportion to the record' }, { from: [0, 0], to: [maxRel / 2, maxRel], label: 'twice the record' }],
  })}</div>
${table(['Dimension', 'Group', 'Items', 'Selected', 'Controls on record', 'Fraud per control', 'Precision of the selected', 'Compliant traders: selected / items', 'Disparity [interval]', ''],
    shown.map(groupRow), [2, 3, 4, 5, 6])}`;
}

function drift(r: RunReport): string {
  const c = r.modelCard;
  const ch = c.changes;
  const bins = c.risk.histogram.map((_, i) => `${i / 10}–${(i + 1) / 10}`);
  const share = (h: number[]) => { const t = h.reduce((a, b) => a + b, 0) || 1; return h.map((v) => v / t); };
  const series: Series[] = [];
  if (ch?.previousRisk) series.push({ name: `run ${ch.previousRun}`, colour: '#aab4bf', kind: 'bars', points: share(ch.previousRisk.histogram).map((y, x) => ({ x, y, label: pct(y) })) });
  series.push({ name: `run ${r.run.id}`, colour: '#1f77b4', kind: 'bars', points: share(c.risk.histogram).map((y, x) => ({ x, y, label: pct(y) })) });
  const maxShare = Math.max(0.1, ...series.flatMap((s) => s.points.map((p) => p.y)));
  const hist = r.history;
  return `<h2>What changed since the previous run</h2>
${ch ? `<p>Against run ${esc(ch.previousRun)}: ${ch.entityWeights.length} entity weight${ch.entityWeights.length === 1 ? '' : 's'} and ${ch.declarationWeights.length} declaration weight${ch.declarationWeights.length === 1 ? '' : 's'} changed;
of the top ${ch.topRings.compared} candidate rings ${ch.topRings.kept} kept, ${ch.topRings.new} new, ${ch.topRings.gone} gone; of the previous ${num(ch.topTraders.compared)} riskiest traders ${num(ch.topTraders.stayed)} still among the riskiest.</p>
${ch.entityWeights.length + ch.declarationWeights.length ? table(['Weight', 'Before', 'After'], [...ch.entityWeights, ...ch.declarationWeights].slice(0, 30).map((w) => [esc(w.name), fix(w.before), fix(w.after)]), [1, 2]) : ''}`
    : '<p>The first run with a model card: nothing to compare with.</p>'}
<div class="charts">${chart({
    id: 'score-drift', title: 'Score drift: traders by risk band', caption: 'Share of traders in each band of risk, this run against the previous one.',
    x: { label: 'risk band', min: 0, max: 9, categories: bins }, y: { label: 'share of traders', min: 0, max: maxShare, format: (v) => pct(v, 0) }, series,
  })}${chart({
    id: 'run-history', title: 'Risk and held-out AUC over the runs', caption: 'The 90th and 99th percentile of traders\' risk and the held-out AUC of each run, oldest first.',
    x: { label: 'run', min: 0, max: Math.max(1, hist.length - 1), categories: hist.map((h) => h.runId.slice(0, 10)) }, y: { label: 'value', min: 0, max: 1 },
    series: [
      { name: 'p90 risk', colour: '#ff7f0e', kind: 'line', points: hist.map((h, x) => ({ x, y: h.risk.percentiles.p90 ?? 0 })) },
      { name: 'p99 risk', colour: '#d62728', kind: 'line', points: hist.map((h, x) => ({ x, y: h.risk.percentiles.p99 ?? 0 })) },
      { name: 'held-out AUC', colour: '#2ca02c', kind: 'line', points: hist.flatMap((h, x) => (h.auc === undefined ? [] : [{ x, y: h.auc }])) },
    ],
  })}</div>`;
}

function dataQuality(r: RunReport): string {
  const q = r.dataQuality;
  const months = q.months;
  const fills = Object.entries(q.fill).sort((a, b) => a[1] - b[1]);
  const o = q.outOfRange;
  return `<h2>How good the data was</h2>
<div class="figures">${figure('Rows received', num(q.rows))}${figure('Replaced rows', num(q.replaced))}${figure('Duplicate rows', num(q.duplicates))}${figure('Default identifiers left out', num(q.defaultIdentifiers.count))}
${figure('Unit values 100× off', num(o.unitValueFar))}${figure('Zero values', num(o.zeroValue))}${figure('Zero weights', num(o.zeroWeight))}</div>
<div class="charts">${chart({
    id: 'data-quality-trend', title: 'Fill rate by month of lodging', caption: 'Share of the rows received that filled each field, month by month.',
    x: { label: 'month', min: 0, max: Math.max(1, months.length - 1), categories: months.map((m, i) => (months.length > 12 && i % 2 ? '' : m.month)) },
    y: { label: 'filled', min: 0, max: 1, format: (v) => pct(v, 0) },
    series: TREND_FIELDS.map((f, k) => ({ name: f, colour: TREND_COLOURS[k]!, kind: 'line' as const, points: months.map((m, x) => ({ x, y: (m.filled[f] ?? 0) / Math.max(1, m.rows), label: `${m.month} ${f}: ${pct((m.filled[f] ?? 0) / Math.max(1, m.rows))}` })) })),
  })}</div>
<p>Identifiers shared by more than ${num(q.defaultIdentifiers.limit)} traders are data-entry defaults, not links: the run left them out of rings, communities and risk propagation.</p>
${q.defaultIdentifiers.examples.length ? table(['Kind', 'Identifier', 'Traders'], q.defaultIdentifiers.examples.map((d) => [esc(d.kind), esc(d.key), num(d.traders)]), [2]) : '<p>None found.</p>'}
<details><summary>Fill rate of every field (emptiest first)</summary>${table(['Field', 'Filled'], fills.map(([f, v]) => [esc(f), pct(v)]), [1])}</details>`;
}

function people(r: RunReport): string {
  const o = r.modelCard.overrides;
  const s = r.overridesSince;
  const rows = (x: typeof o) => x.byReason.map((b) => [esc(b.reason.replace(/_/g, ' ')), num(b.count), pct(b.share), x.declarations ? b.per1000.toFixed(2) : '–']);
  return `<h2>People and the model</h2>
<p>Counted in this run's card${o.since ? ` (overrides since ${esc(o.since)})` : ''}: ${num(o.total)} channel overrides, ${num(o.released)} releasing a selected declaration, ${num(o.controlled)} controlling one the model let go.</p>
${o.total ? table(['Reason', 'Overrides', 'Share', 'Per 1,000 declarations'], rows(o), [1, 2, 3]) : ''}
<p>Since this run: ${num(s.total)} overrides (${num(s.released)} releases, ${num(s.controlled)} controls).</p>
${s.total ? table(['Reason', 'Overrides', 'Share', 'Per 1,000 declarations'], rows(s), [1, 2, 3]) : ''}`;
}

/** The few figures a manager or an auditor looks for first. */
function glance(r: RunReport): string {
  const h = r.modelCard.heldOut;
  const a = r.biasAudit;
  const q = r.dataQuality;
  const flagged = a ? (a.flagged.length ? a.flagged.map((f) => `${f.dimension} ${f.group}`).join(', ') : 'none') : 'not audited';
  return `<h2>At a glance</h2>
<div class="figures">${figure('Held-out AUC', h ? fix(h.auc) : '–')}${figure('Precision at 5% capacity', h ? pct(h.precisionAt['5%']) : '–')}
${figure('Groups selected beyond their record', a ? String(a.flagged.length) : '–')}${figure('Default identifiers left out', num(q.defaultIdentifiers.count))}
${figure('Overrides since the previous run', num(r.modelCard.overrides.total))}</div>
<p>${a && a.flagged.length ? '<span class="flag">Selected more than their record justifies:</span>' : 'Selected more than their record justifies:'} ${esc(flagged)}.</p>`;
}

/** The report's body, for a page of its own or inside the explorer. */
export function reportBody(r: RunReport): string {
  return `<article class="cg-report">
<h1>Run ${esc(r.run.id)}: what it learned, whom it selects, how good its data was</h1>
<p class="meta">Run ${esc(r.run.status)}, started ${esc(r.run.startedAt)}${r.run.finishedAt ? `, finished ${esc(r.run.finishedAt)}` : ''}, seed ${r.run.seed};
${esc(r.modelCard.software.name)} ${esc(r.modelCard.software.version)}; report generated ${esc(r.generatedAt)}.</p>
${glance(r)}${quality(r)}${bias(r)}${drift(r)}${dataQuality(r)}${people(r)}${learned(r)}
</article>`;
}

/** A whole HTML document: offline (no script, no external resource), printable. */
export function reportHtml(r: RunReport): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>customs-graph run ${esc(r.run.id)} report</title>
<style>${REPORT_CSS}</style></head><body>${reportBody(r)}</body></html>\n`;
}
