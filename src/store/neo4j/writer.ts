/** Writes of the Neo4j adapter: one managed transaction per graph batch, `UNWIND $rows MERGE` throughout. */
import { splitDeclarationKey } from '../../domain/declaration-key';
import { searchName } from '../../domain/normalize';
import type { GraphWriter, OutcomeUpdate, WatchlistEntry } from '../graph-writer';
import type { EntityRef, GraphBatch } from '../../domain/graph-facts';
import type { Neo4jSession, Row } from './session';

export class Neo4jGraphWriter implements GraphWriter {
  constructor(private readonly s: Neo4jSession) {}

  async bulk<T>(_expectedRows: number, work: () => Promise<T>): Promise<T> {
    return work();
  }

  async writeBatch(batch: GraphBatch): Promise<void> {
    const seq = Date.now() * 1000;
    await this.s.write([
      ['upsert-entities', { rows: batch.entities.map((e) => ({ kind: e.kind, key: e.key, name: e.name, searchName: searchName(e.name) })) }],
      ['upsert-links', { rows: batch.links.map((l) => ({ fromKind: l.from.kind, fromKey: l.from.key, type: l.type, toKind: l.to.kind, toKey: l.to.key })) }],
      ['upsert-declarations', {
        rows: batch.declarations.map((d, i) => {
          const { attrs, ...fields } = d.declaration;
          const props: Row = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
          if (attrs) props.attrs = JSON.stringify(attrs);
          if (d.source) { props.source_file = d.source.file; props.source_line = d.source.line; }
          const parties = Object.entries(d.parties).map(([type, ref]) => ({ type, kind: ref!.kind, key: ref!.key }));
          for (const c of d.containers) parties.push({ type: 'IN_CONTAINER', kind: c.kind, key: c.key });
          return { declaration_id: d.declaration.declaration_id, item_no: d.declaration.item_no, key: d.key, seq: seq + i, props, parties };
        }),
      }],
    ]);
  }

  async upsertWatchlist(entries: WatchlistEntry[]): Promise<void> {
    await this.s.write([['upsert-watchlist', { rows: entries }]]);
  }

  async removeWatchlist(ref: EntityRef): Promise<boolean> {
    const [rows] = await this.s.write([['remove-watchlist', { kind: ref.kind, key: ref.key }]]);
    return Number(rows?.[0]?.removed ?? 0) > 0;
  }

  async updateOutcomes(rows: OutcomeUpdate[]): Promise<{ updated: number; missing: string[] }> {
    const [found] = await this.s.write([['update-outcomes', {
      rows: rows.map((r) => {
        const [id, item] = splitDeclarationKey(r.key);
        return { key: r.key, declaration_id: id, item_no: item, outcome: r.outcome, fraudType: r.fraudType ?? null, recoveredAmount: r.recoveredAmount ?? null };
      }),
    }]]);
    const ok = new Set((found ?? []).map((r) => String(r.key)));
    return { updated: ok.size, missing: rows.map((r) => r.key).filter((k) => !ok.has(k)) };
  }
}
