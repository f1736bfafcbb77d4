/** Data-quality counters and channel overrides in the embedded store. */
import type Database from 'better-sqlite3';
import type { ChannelName, ChannelOverride, OverrideReason, QualityCount } from '../../domain/accountability';
import type { AccountabilityLog } from '../accountability-log';
import { rowIdCursor } from './rows';

export class SqliteAccountabilityLog implements AccountabilityLog {
  constructor(private readonly db: Database.Database) {}

  async addQualityCounts(counts: QualityCount[]): Promise<void> {
    const add = this.db.prepare('INSERT INTO ingest_quality (month, measure, n) VALUES (?, ?, ?) ON CONFLICT (month, measure) DO UPDATE SET n = n + excluded.n');
    this.db.transaction(() => { for (const c of counts) add.run(c.month, c.measure, c.n); }).immediate();
  }

  async qualityCounts(): Promise<QualityCount[]> {
    return this.db.prepare('SELECT month, measure, n FROM ingest_quality ORDER BY month, measure').all() as QualityCount[];
  }

  async recordOverride(o: Omit<ChannelOverride, 'id'>): Promise<ChannelOverride> {
    const r = this.db.prepare(`INSERT INTO channel_overrides (at, who, declaration_id, model_channel, channel, reason, note, run_id)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?)`).run(o.at, o.who, o.declarationId, o.modelChannel, o.channel, o.reason, o.note ?? null, o.runId ?? null);
    return { ...o, id: String(r.lastInsertRowid) };
  }

  async countOverrides(opts: { since?: string }): Promise<number> {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM channel_overrides WHERE at >= ?').get(opts.since ?? '') as { n: number }).n;
  }

  async listOverrides(opts: { since?: string; limit: number; before?: string }): Promise<ChannelOverride[]> {
    const before = opts.before === undefined ? Number.MAX_SAFE_INTEGER : rowIdCursor(opts.before);
    const rows = this.db.prepare('SELECT * FROM channel_overrides WHERE id < ? AND at >= ? ORDER BY id DESC LIMIT ?')
      .all(before, opts.since ?? '', opts.limit) as Array<Record<string, unknown>>;
    return rows.map((r) => ({
      id: String(r.id), at: r.at as string, who: r.who as string, declarationId: r.declaration_id as string,
      modelChannel: r.model_channel as ChannelName, channel: r.channel as ChannelName, reason: r.reason as OverrideReason,
      ...(r.note != null ? { note: r.note as string } : {}), ...(r.run_id != null ? { runId: r.run_id as string } : {}),
    }));
  }
}
