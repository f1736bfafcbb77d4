/**
 * Writes validated declarations to the store in batches, whatever brought them (a file, the
 * clearance system through the API): entity resolution, a second version of one declaration
 * replacing the first (its stale links pruned at the end), and the load's data-quality counts.
 */
import { declarationKey } from '../domain/declaration-key';
import type { Declaration } from '../domain/declaration';
import { BatchBuilder, DeclarationResolver } from '../domain/resolve';
import type { GraphStore } from '../store/graph-store';
import { QualityTally } from './quality-tally';
import { Replacements } from './replacements';
import { WatchlistCheck } from '../alerts/watchlist-alerts';
import type { EntityFact } from '../domain/graph-facts';

/**
 * What a load needs of its store: to write batches, to read the watchlist and raise its alerts, to
 * count data quality, and to prune the links that replaced declarations no longer hold.
 */
export type LoadTarget = Pick<GraphStore, 'bulk' | 'writeBatch' | 'watchlistEntries' | 'addQualityCounts' | 'findEntity'
  | 'getDeclaration' | 'entityDeclarations' | 'removeLinks' | 'addAlerts'>;

/** Declarations per transaction unless told otherwise. */
export const DEFAULT_BATCH_SIZE = 2000;

export class DeclarationLoader {
  private readonly resolver: DeclarationResolver;
  private readonly builder = new BatchBuilder();
  readonly replacements: Replacements;
  readonly quality = new QualityTally();
  /** Keys in the batch being built: a second version of one goes to the next batch, so that it replaces the first. */
  private readonly inBatch = new Set<string>();
  /** Declarations written so far. */
  stored = 0;
  /** Watchlist alerts raised so far. */
  alertsRaised = 0;
  /** Read at the first declaration; undefined while the watchlist is empty (nothing to check). */
  private watchlist?: Promise<WatchlistCheck | undefined>;
  /** The entities of the declaration being resolved. */
  private readonly named: EntityFact[] = [];

  constructor(private readonly store: LoadTarget, opts: { phoneRegion: string; batchSize?: number }, private readonly batchSize = opts.batchSize ?? DEFAULT_BATCH_SIZE) {
    this.resolver = new DeclarationResolver({ phoneRegion: opts.phoneRegion });
    this.replacements = new Replacements(this.resolver);
  }

  /** Adds one declaration; true when a batch was written. */
  async add(d: Declaration, source: { file: string; line: number }): Promise<boolean> {
    const key = declarationKey(d.declaration_id, d.item_no);
    const watchlist = await (this.watchlist ??= this.readWatchlist());
    let wrote = false;
    if (this.inBatch.has(key)) wrote = await this.write();
    this.inBatch.add(key);
    this.named.length = 0;
    this.resolver.resolve(d, this.builder, source);
    watchlist?.check(key, this.named);
    this.quality.add(d);
    if (this.builder.size >= this.batchSize) wrote = (await this.write()) || wrote;
    return wrote;
  }

  /** Writes what is left of the batch being built. */
  async flush(): Promise<void> {
    await this.write();
  }

  /** After the last flush: drops the links that replaced declarations no longer have. */
  async finish(): Promise<void> {
    await this.replacements.pruneStaleLinks(this.store);
  }

  private async readWatchlist(): Promise<WatchlistCheck | undefined> {
    const check = new WatchlistCheck(await this.store.watchlistEntries());
    if (check.empty) return undefined;
    this.builder.onEntity = (fact) => { this.named.push(fact); };
    return check;
  }

  private async write(): Promise<boolean> {
    const n = this.builder.size;
    if (n === 0) return false;
    this.quality.noteReplaced(this.replacements.note(await this.store.writeBatch(this.builder.take())));
    // Once its declarations are stored, so that the alerts point at them.
    this.alertsRaised += await (await this.watchlist)?.raise(this.store) ?? 0;
    this.inBatch.clear();
    this.stored += n;
    // Counted once written, so a killed load counts only what it stored.
    await this.store.addQualityCounts(this.quality.take());
    return true;
  }
}
