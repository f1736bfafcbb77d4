/**
 * Ids that sort by time, for records listed newest first (audit, overrides): the timestamp, a
 * counter for this process's records of the same millisecond (so they list in the order they were
 * written), and a random suffix that keeps two servers' records apart.
 */
import { randomUUID } from 'node:crypto';

export class TimeSortedIds {
  private lastMs = 0;
  private sameMs = 0;

  next(): string {
    const ms = Date.now();
    this.sameMs = ms === this.lastMs ? this.sameMs + 1 : 0;
    this.lastMs = ms;
    return `${ms.toString().padStart(15, '0')}-${this.sameMs.toString().padStart(6, '0')}-${randomUUID().slice(0, 8)}`;
  }
}
