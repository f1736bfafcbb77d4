/** Data-quality counters (QualityCount nodes) and channel overrides (ChannelOverride nodes) in Neo4j. */
import neo4j from 'neo4j-driver';
import type { ChannelName, ChannelOverride, OverrideReason, QualityCount } from '../../domain/accountability';
import type { AccountabilityLog } from '../accountability-log';
import type { Neo4jSession, Row } from './session';
import { TimeSortedIds } from './time-sorted-ids';

export class Neo4jAccountabilityLog implements AccountabilityLog {
  constructor(private readonly s: Neo4jSession) {}

  private readonly ids = new TimeSortedIds();

  async addQualityCounts(counts: QualityCount[]): Promise<void> {
    if (counts.length === 0) return;
    await this.s.write([['add-quality-counts', { rows: counts.map((c) => ({ month: c.month, measure: c.measure, n: neo4j.int(c.n) })) }]]);
  }

  async qualityCounts(): Promise<QualityCount[]> {
    return (await this.s.read('quality-counts')).map((r) => ({ month: String(r.month), measure: String(r.measure), n: Number(r.n) }));
  }

  async recordOverride(o: Omit<ChannelOverride, 'id'>): Promise<ChannelOverride> {
    const id = this.ids.next();
    await this.s.write([['record-override', {
      id, at: o.at, who: o.who, declarationId: o.declarationId, modelChannel: o.modelChannel, channel: o.channel, reason: o.reason,
      note: o.note ?? null, runId: o.runId ?? null,
    }]]);
    return { ...o, id };
  }

  async countOverrides(opts: { since?: string }): Promise<number> {
    return Number((await this.s.read('count-overrides', { since: opts.since ?? '' }))[0]?.n ?? 0);
  }

  async listOverrides(opts: { since?: string; limit: number; before?: string }): Promise<ChannelOverride[]> {
    const rows = await this.s.read('list-overrides', { before: opts.before ?? null, since: opts.since ?? '', limit: neo4j.int(opts.limit) });
    return rows.map((r) => {
      const p = r.override as Row;
      return {
        id: String(p.id), at: String(p.at), who: String(p.who), declarationId: String(p.declaration_id),
        modelChannel: p.model_channel as ChannelName, channel: p.channel as ChannelName, reason: p.reason as OverrideReason,
        ...(p.note != null ? { note: String(p.note) } : {}), ...(p.run_id != null ? { runId: String(p.run_id) } : {}),
      };
    });
  }
}
