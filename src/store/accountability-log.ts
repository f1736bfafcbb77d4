/**
 * What the service keeps to account for its targeting besides the runs: ingest's data-quality
 * counters per month of lodging, and the channel overrides people decided against the model.
 */
import type { ChannelOverride, QualityCount } from '../domain/accountability';

export interface AccountabilityLog {
  /** Adds to the counters (an ingest adds its batch's counts; nothing is ever overwritten). */
  addQualityCounts(counts: QualityCount[]): Promise<void>;
  /** Every counter, by month then measure. */
  qualityCounts(): Promise<QualityCount[]>;
  /** Records an override; the store gives its id, which sorts by time. */
  recordOverride(o: Omit<ChannelOverride, 'id'>): Promise<ChannelOverride>;
  /** Newest first, recorded at or after `since` and before the given id. */
  listOverrides(opts: { since?: string; limit: number; before?: string }): Promise<ChannelOverride[]>;
  /** How many overrides were recorded (since a moment, or all). */
  countOverrides(opts: { since?: string }): Promise<number>;
}
