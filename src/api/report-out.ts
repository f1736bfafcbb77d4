/** The run report and channel overrides in the shapes of graphql/schema.graphql. */
import type { RunReport } from '../accountability/report';
import { reportBody, reportHtml } from '../accountability/report-html';
import type { GroupFigures } from '../accountability/bias-audit';
import type { ChannelOverride, ModelCard, OverrideSummary } from '../domain/accountability';
import { kindToGql } from './kinds';
import type { EntityKind } from '../domain/entities';

const upper = (s: string) => s.toUpperCase();

export function overrideOut(o: ChannelOverride) {
  return { ...o, modelChannel: upper(o.modelChannel), channel: upper(o.channel), reason: upper(o.reason), note: o.note ?? null, runId: o.runId ?? null };
}

function summaryOut(s: OverrideSummary) {
  return { ...s, since: s.since ?? null, byReason: s.byReason.map((b) => ({ ...b, reason: upper(b.reason) })) };
}

function cardOut(c: RunReport['modelCard']) {
  const h = c.heldOut;
  const changes: ModelCard['changes'] = c.changes;
  return {
    softwareVersion: c.software.version, ...c.data,
    entityLabels: c.labels.entityModel.traders, entityLabelsBad: c.labels.entityModel.bad,
    declarationLabels: c.labels.declarationModel.declarations, declarationLabelsBad: c.labels.declarationModel.bad,
    knownBad: c.labels.knownBad, watchlistHits: c.labels.watchlist.hits,
    entityWeightsSource: c.weights.entity.source, entityWeights: [{ name: 'bias', ...c.weights.entity.bias }, ...c.weights.entity.weights],
    declarationWeightsSource: c.weights.declaration.source, declarationWeights: [{ name: 'bias', ...c.weights.declaration.bias }, ...c.weights.declaration.weights],
    heldOut: h ? {
      ...h, model: upper(h.model), trainFrom: h.train.from, trainTo: h.train.to, trainSize: h.train.n, size: h.n,
      precisionAt1: h.precisionAt['1%'], precisionAt5: h.precisionAt['5%'], precisionAt10: h.precisionAt['10%'],
      calibration: h.calibration.map((b) => ({ size: b.n, predicted: b.predicted, observed: b.observed })),
    } : null,
    heldOutMissing: c.heldOutMissing ?? null,
    changes: changes ? {
      previousRun: changes.previousRun,
      weights: [...changes.entityWeights.map((w) => ({ model: 'ENTITY', ...w })), ...changes.declarationWeights.map((w) => ({ model: 'DECLARATION', ...w }))]
        .map((w) => ({ ...w, before: w.before ?? null })),
      topRingsCompared: changes.topRings.compared, topRingsKept: changes.topRings.kept, topRingsNew: changes.topRings.new, topRingsGone: changes.topRings.gone,
      topTradersCompared: changes.topTraders.compared, topTradersStayed: changes.topTraders.stayed,
    } : null,
    overrides: summaryOut(c.overrides),
  };
}

function groupOut(g: GroupFigures) {
  return {
    ...g, dimension: upper(g.dimension), confirmedFraud: g.bad, precision: g.precision ?? null, compliantItems: g.compliant.items,
    compliantSelected: g.compliant.selected, compliantControlsClear: g.compliant.controlsClear, disparity: g.disparity ?? null,
    intervalLow: g.interval?.[0] ?? null, intervalHigh: g.interval?.[1] ?? null,
  };
}

export function reportOut(r: RunReport, run: unknown) {
  const q = r.dataQuality;
  const a = r.biasAudit;
  const fill = (filled: Record<string, number>, rows: number) => Object.entries(filled).map(([field, n]) => ({ field, rate: rows ? n / rows : 0 }));
  return {
    run, generatedAt: r.generatedAt, modelCard: cardOut(r.modelCard),
    biasAudit: a ? {
      ...a, from: a.period.from, to: a.period.to, confirmedFraud: a.bad, groups: a.groups.map(groupOut), flagged: a.groups.filter((g) => g.flagged).map(groupOut),
    } : null,
    biasAuditMissing: r.biasAuditMissing ?? null,
    dataQuality: {
      rows: q.rows, replaced: q.replaced, duplicates: q.duplicates, fill: Object.entries(q.fill).map(([field, rate]) => ({ field, rate })),
      months: q.months.map((m) => ({ month: m.month, rows: m.rows, replaced: m.replaced, duplicates: m.duplicates, fill: fill(m.filled, m.rows) })),
      defaultIdentifierLimit: q.defaultIdentifiers.limit, defaultIdentifierCount: q.defaultIdentifiers.count,
      defaultIdentifiers: q.defaultIdentifiers.examples.map((d) => ({ kind: kindToGql(d.kind as EntityKind), key: d.key, traders: d.traders })),
      unitValuesFar: q.outOfRange.unitValueFar, zeroValues: q.outOfRange.zeroValue, zeroQuantities: q.outOfRange.zeroQuantity, zeroWeights: q.outOfRange.zeroWeight,
    },
    overridesSince: summaryOut(r.overridesSince),
    html: () => reportHtml(r),
    htmlBody: () => reportBody(r),
  };
}
