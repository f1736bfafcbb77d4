/**
 * What a run says for itself: its model card (what it learned from, how well it did on data it
 * was not fitted on, what changed since the previous run), the quality of the data it read, and
 * the decisions people took against it (channel overrides). Analysis writes these, the stores keep
 * them with the run, the report shows them.
 */

/** One held-out prediction: the declaration item's store id (as the analysis source streams it) and the risk the model gave it. */
export type HeldOutPrediction = [id: string, risk: number];

export interface CalibrationBin {
  /** Predictions in the bin (bins hold equal numbers of predictions, lowest risks first). */
  n: number;
  /** Mean predicted risk. */
  predicted: number;
  /** Share with a bad outcome. */
  observed: number;
}

/** Quality of a ranking on labelled items it was not fitted on. */
export interface HeldOutQuality {
  n: number;
  positives: number;
  baseRate: number;
  auc: number;
  /** Precision among the riskiest 1%, 5%, 10%. */
  precisionAt: { '1%': number; '5%': number; '10%': number };
  /** Precision when the riskiest `share` of items are controlled, for capacities from 0.5% to 30%. */
  precisionCurve: Array<{ share: number; precision: number }>;
  calibration: CalibrationBin[];
  /** Mean squared error of the predicted risk. */
  brier: number;
}

/** The time-ordered split: fitted on the earlier labelled declarations, measured on the later ones. */
export interface HeldOutEvaluation extends HeldOutQuality {
  /** Which model was measured: fitted on the training part, or the documented defaults (too few labels to fit). */
  model: 'fitted' | 'defaults';
  train: { from: string; to: string; n: number; positives: number };
  from: string;
  to: string;
  /** Every held-out prediction (rounded as the figures were computed from them), when there are at most MAX_STORED_PREDICTIONS. */
  predictions?: HeldOutPrediction[];
}

export const MAX_STORED_PREDICTIONS = 50_000;

export interface WeightChange {
  name: string;
  before?: number;
  after: number;
}

export interface RiskDistribution {
  /** Entities scored. */
  n: number;
  /** Risk at the 10th, 20th, ..., 90th, 99th percentile. */
  percentiles: Record<string, number>;
  /** Counts in ten equal-width risk bins [0, 0.1), ..., [0.9, 1]. */
  histogram: number[];
}

/** What changed since the previous completed run. */
export interface RunChanges {
  previousRun: string;
  entityWeights: WeightChange[];
  declarationWeights: WeightChange[];
  /** The top candidate rings matched by their members (Jaccard ≥ 0.5): kept, new and gone. */
  topRings: { compared: number; kept: number; new: number; gone: number };
  /** The riskiest traders of each run: how many stayed among them. */
  topTraders: { compared: number; stayed: number };
  previousRisk?: RiskDistribution;
}

export interface ModelCard {
  software: { name: string; version: string };
  data: { periodStart: string; periodEnd: string; cutoff: string; declarations: number; controlled: number; bad: number; entities: number; links: number };
  labels: {
    /** Traders with outcomes after the cutoff that the entity weights were fitted to. */
    entityModel: { traders: number; bad: number };
    /** Labelled declarations after the cutoff that the declaration model learned from. */
    declarationModel: { declarations: number; bad: number };
    watchlist: { hits: number };
    knownBad: number;
  };
  weights: {
    entity: { source: string; weights: Array<{ name: string; value: number; default: number }> ; bias: { value: number; default: number } };
    declaration: { source: string; weights: Array<{ name: string; value: number; default: number }>; bias: { value: number; default: number } };
  };
  /** How the entity weights (in-sample, on the traders they were fitted to) ranked the future. */
  entityAuc?: { fitted?: number; defaults?: number };
  heldOut?: HeldOutEvaluation;
  /** Why there is no held-out figure. */
  heldOutMissing?: string;
  risk: RiskDistribution;
  changes?: RunChanges;
  overrides: OverrideSummary;
}

/** The closed set of reasons for overruling the model's channel. */
export const OVERRIDE_REASONS = ['intelligence', 'known_compliant_trader', 'documents_verified', 'capacity', 'perishable_goods', 'other'] as const;
export type OverrideReason = (typeof OVERRIDE_REASONS)[number];
export const CHANNELS = ['red', 'orange', 'green'] as const;
export type ChannelName = (typeof CHANNELS)[number];

/** An officer's or investigator's decision against the model's channel for a declaration. */
export interface ChannelOverride {
  id: string;
  at: string;
  who: string;
  declarationId: string;
  modelChannel: ChannelName;
  channel: ChannelName;
  reason: OverrideReason;
  note?: string;
  /** The run whose channel was overruled. */
  runId?: string;
}

export interface OverrideSummary {
  /** Overrides recorded in the window (since the previous run, or all before a first run). */
  since?: string;
  total: number;
  /** Releases of a red or orange (fewer controls) and controls of a green or orange (more). */
  released: number;
  controlled: number;
  /** Declarations lodged in the window: the rate's denominator. */
  declarations: number;
  byReason: Array<{ reason: OverrideReason; count: number; share: number; per1000: number }>;
}

/** A default-looking identifier: shared by so many traders that it is a data-entry default, not a link. */
export interface DefaultIdentifier {
  kind: string;
  /** Store id, and the identifier as keyed (the normalised phone, address, ...). */
  id: string;
  key: string;
  traders: number;
}

export interface DataQuality {
  /** Rows received at ingest, by month of lodging, with the rows that filled each field. */
  months: Array<{ month: string; rows: number; filled: Record<string, number>; replaced: number; duplicates: number; zero: Record<string, number> }>;
  /** Fill rate of every contract field over all months. */
  fill: Record<string, number>;
  rows: number;
  /** Items whose id had been received before with other content (a later file replaced them). */
  replaced: number;
  /** Items received again unchanged. */
  duplicates: number;
  /** Identifiers shared by more traders than the limit: left out of rings, communities and propagation. */
  defaultIdentifiers: { limit: number; count: number; examples: DefaultIdentifier[] };
  /** Unit values more than 100 times away from their HS-code peers' median, and zero amounts. */
  outOfRange: { unitValueFar: number; zeroValue: number; zeroQuantity: number; zeroWeight: number };
}

/** Everything a run says for itself, stored with it. */
export interface RunCard {
  modelCard: ModelCard;
  dataQuality: DataQuality;
}

/** Ingest's quality counters: `filled:FIELD`, `zero:FIELD`, `rows`, `replaced`, `duplicate`, per month of lodging. */
export interface QualityCount {
  month: string;
  measure: string;
  n: number;
}
