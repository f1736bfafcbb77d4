/** Writes of the Neo4j adapter: one managed transaction per graph batch, `UNWIND $rows MERGE` throughout. */
import { splitDeclarationKey } from '../../domain/declaration-key';
import { searchName } from '../../domain/normalize';
import type { GraphWriter, OutcomeUpdate, WatchlistEntry } from '../graph-writer';
import neo4j from 'neo4j-driver';
import { IDENTIFIER_KINDS } from '../../domain/entities';
import type { BatchResult, EntityRef, GraphBatch, LinkFact, ReplacedDeclaration } from '../../domain/graph-facts';
import { declarationFromProps } from './rows';
import type { Neo4jSession, Row } from './session';

/** Entities that exist only through the links that name them (an identifier, a director). */
const LINKED_ONLY = [...IDENTIFIER_KINDS, 'Person'];

export class Neo4jGraphWriter implements GraphWriter {
  /** Declarations with a `seq` from here on were written by the load under way. */
  private loadStart = Number.MAX_SAFE_INTEGER;

  constructor(private readonly s: Neo4jSession) {}

  async bulk<T>(_expectedRows: number, work: () => Promise<T>): Promise<T> {
    this.loadStart = Date.now() * 1000;
    try {
      return await work();
    } finally {
      this.loadStart = Number.MAX_SAFE_INTEGER;
    }
  }

  async writeBatch(batch: GraphBatch): Promise<BatchResult> {
    const seq = Date.now() * 1000;
    // An item given twice in one batch is written once, in its last version: each Cypher clause
    // runs for every row before the next, so writing both would give it the parties of both.
    // The earlier versions are reported as replaced by the next, as SQLite's row-by-row writes are.
    const versions = new Map<string, number[]>();
    batch.declarations.forEach((d, i) => {
      const at = versions.get(d.key);
      if (at) at.push(i);
      else versions.set(d.key, [i]);
    });
    const first = (key: string) => batch.declarations[versions.get(key)![0]!]!;
    const keys = [...versions.keys()].map((key) => {
      const d = first(key);
      return { key, declarationId: d.declaration.declaration_id, itemNo: neo4j.int(d.declaration.item_no) };
    });
    const [previous] = await this.s.write([
      // What the declarations said before this write, read in the same transaction as the write.
      ['previous-declarations', { keys }],
      ['upsert-entities', { rows: batch.entities.map((e) => ({ kind: e.kind, key: e.key, name: e.name, searchName: searchName(e.name) })) }],
      ['upsert-links', { rows: batch.links.map((l) => ({ fromKind: l.from.kind, fromKey: l.from.key, type: l.type, toKind: l.to.kind, toKey: l.to.key })) }],
      ['upsert-declarations', {
        rows: [...versions.values()].map((at) => at[at.length - 1]!).map((i) => {
          const d = batch.declarations[i]!;
          const { attrs, ...fields } = d.declaration;
          const props: Row = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
          props.item_no = neo4j.int(d.declaration.item_no); // an integer property, not a float
          if (attrs) props.attrs = JSON.stringify(attrs);
          if (d.source) { props.source_file = d.source.file; props.source_line = d.source.line; }
          const parties = Object.entries(d.parties).map(([type, ref]) => ({ type, kind: ref!.kind, key: ref!.key }));
          for (const c of d.containers) parties.push({ type: 'IN_CONTAINER', kind: c.kind, key: c.key });
          return { declaration_id: d.declaration.declaration_id, item_no: neo4j.int(d.declaration.item_no), key: d.key, seq: neo4j.int(seq + i), props, parties };
        }),
      }],
    ]);
    const replaced: ReplacedDeclaration[] = (previous ?? []).map((r) => {
      const props = r.props as Row;
      const fact = first(String(r.key));
      return {
        key: String(r.key), previous: declarationFromProps(String(r.key), props), current: fact.declaration, sameLoad: Number(r.seq) >= this.loadStart,
        ...(fact.source ? { source: fact.source } : {}),
        ...(typeof props.source_file === 'string' ? { previousSource: { file: props.source_file, line: Number(props.source_line) } } : {}),
      };
    });
    // Within the batch, each later version replaces the one before it, in batch order.
    const pairs: Array<[number, number]> = [];
    for (const at of versions.values()) for (let k = 1; k < at.length; k++) pairs.push([at[k - 1]!, at[k]!]);
    for (const [before, i] of pairs.sort((a, b) => a[1] - b[1])) {
      const [prior, d] = [batch.declarations[before]!, batch.declarations[i]!];
      replaced.push({
        key: d.key, previous: prior.declaration, current: d.declaration, sameLoad: seq + before >= this.loadStart,
        ...(d.source ? { source: d.source } : {}), ...(prior.source ? { previousSource: prior.source } : {}),
      });
    }
    return { replaced };
  }

  async removeLinks(links: LinkFact[]): Promise<{ links: number; entities: number }> {
    const rows = links.map((l) => ({ fromKind: l.from.kind, fromKey: l.from.key, type: l.type, toKind: l.to.kind, toKey: l.to.key }));
    const ends = links.flatMap((l) => [l.from, l.to]).map((e) => ({ kind: e.kind, key: e.key }));
    const [removed, unlinked] = await this.s.write([['remove-links', { rows }], ['remove-unlinked', { rows: ends, kinds: LINKED_ONLY }]]);
    return { links: Number(removed?.[0]?.removed ?? 0), entities: Number(unlinked?.[0]?.removed ?? 0) };
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
