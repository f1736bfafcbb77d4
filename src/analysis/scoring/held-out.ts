/**
 * How good a ranking is on labelled items it was not fitted on: AUC, precision at the capacities
 * customs works with, and calibration (does a predicted 20% come true one time in five?).
 */
import type { CalibrationBin, HeldOutQuality } from '../../domain/accountability';
import { auc } from './logistic';

const CURVE_SHARES = [0.005, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3];
const CALIBRATION_BINS = 10;

/** Riskiest first; equal risks in input order (the order the items were lodged). */
function rankOrder(risks: readonly number[]): number[] {
  return risks.map((_, i) => i).sort((a, b) => risks[b]! - risks[a]! || a - b);
}

/** Precision among the riskiest ceil(share × n) items of a ranking. */
function precisionAt(order: readonly number[], labels: readonly number[], share: number): number {
  const k = Math.max(1, Math.ceil(order.length * share - 1e-9));
  let hits = 0;
  for (let r = 0; r < k && r < order.length; r++) hits += labels[order[r]!]!;
  return hits / Math.min(k, Math.max(1, order.length));
}

/** Bins of equal numbers of predictions, lowest risks first. */
function calibration(risks: readonly number[], labels: readonly number[]): CalibrationBin[] {
  const order = rankOrder(risks).reverse();
  const bins: CalibrationBin[] = [];
  for (let b = 0; b < CALIBRATION_BINS; b++) {
    const from = Math.floor((order.length * b) / CALIBRATION_BINS);
    const to = Math.floor((order.length * (b + 1)) / CALIBRATION_BINS);
    if (to <= from) continue;
    let p = 0;
    let y = 0;
    for (let r = from; r < to; r++) {
      p += risks[order[r]!]!;
      y += labels[order[r]!]!;
    }
    bins.push({ n: to - from, predicted: round(p / (to - from)), observed: round(y / (to - from)) });
  }
  return bins;
}

const round = (v: number) => Math.round(v * 1e6) / 1e6;

export function heldOutQuality(risks: readonly number[], labels: readonly number[]): HeldOutQuality {
  const n = risks.length;
  const positives = labels.reduce((a, b) => a + b, 0);
  const order = rankOrder(risks);
  let brier = 0;
  for (let i = 0; i < n; i++) brier += (risks[i]! - labels[i]!) ** 2;
  return {
    n, positives, baseRate: round(positives / Math.max(1, n)), auc: round(auc(risks, labels)),
    precisionAt: { '1%': round(precisionAt(order, labels, 0.01)), '5%': round(precisionAt(order, labels, 0.05)), '10%': round(precisionAt(order, labels, 0.1)) },
    precisionCurve: CURVE_SHARES.map((share) => ({ share, precision: round(precisionAt(order, labels, share)) })),
    calibration: calibration(risks, labels),
    brier: round(brier / Math.max(1, n)),
  };
}
