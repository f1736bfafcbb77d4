/** What analysis reads of the embedded store, streamed on read connections of their own. */
import type Database from 'better-sqlite3';
import type { EntityKind, RelType } from '../../domain/entities';
import { OUTCOMES, type Outcome } from '../../domain/fields';
import type { DeclarationFacts } from '../../domain/results';
import type { AnalysisSource, DeclarationColumns, EntityLink, EntityStats } from '../analysis-source';
import { emptyColumns, outcomeCode } from '../declaration-columns';
import type { IdNumbers } from '../../util/id-numbers';
import type { Entity } from '../graph-reader';
import { streamQuery, withReader } from './connection';
import { declarationLinks, entityNames } from './declaration-links';
import { queryColumns, rangeColumns } from './range-columns';
import { declarationNodeId, GRAPH_RELS, IDENTIFIER_LINK_TYPES, NO_PORTS, REL_COLUMN } from './rows';

const FACT_COLUMNS = `id, lodged_at, trader_ref, consignee_ref, supplier_ref, broker_ref, carrier_ref, route_ref, hs_code,
  origin_country, goods_origin_country, transit_ports, declared_value, quantity, gross_weight_kg, currency, outcome, attrs,
  office, regime, aeo, declaration_id, recovered_amount`;

const opt = (v: unknown) => (v === null ? undefined : String(v));
const ports = (v: unknown) => (v ? (v as string).split(';') : NO_PORTS);

/** A declaration's facts from a row of FACT_COLUMNS: one object of one shape (attrs always present), no per-row empty arrays. */
function factOf(r: unknown[]): DeclarationFacts {
  return {
    id: declarationNodeId(r[0] as number), lodgedAt: r[1] as string, trader: String(r[2]), consignee: opt(r[3]),
    supplier: opt(r[4]), broker: opt(r[5]), carrier: opt(r[6]), route: String(r[7]), hsCode: r[8] as string, origin: r[9] as string,
    goodsOrigin: (r[10] as string | null) ?? undefined, transit: ports(r[11]), value: r[12] as number,
    quantity: (r[13] as number | null) ?? undefined, weight: (r[14] as number | null) ?? undefined, currency: r[15] as string,
    outcome: r[16] as Outcome, attrs: r[17] ? (JSON.parse(r[17] as string) as Record<string, string>) : undefined,
    office: opt(r[18]), regime: r[19] as string, aeo: r[20] === null ? undefined : r[20] === 1,
    declarationId: r[21] as string, recovered: (r[22] as number | null) ?? undefined,
  };
}

/** The outcome as its index in OUTCOMES (DeclarationColumns.outcome). */
const OUTCOME_CODE_SQL = `CASE outcome ${OUTCOMES.map((o, i) => `WHEN '${o}' THEN ${i}`).join(' ')} ELSE ${outcomeCode('unknown')} END`;
const UNKNOWN = outcomeCode('unknown');

export class SqliteAnalysisSource implements Omit<AnalysisSource, 'getEntities'> {
  constructor(private readonly db: Database.Database, private readonly path: string) {}

  async *streamEntityGraph(batchSize = 10_000): AsyncIterable<EntityLink[]> {
    yield* withReader(this.path, (reader) => declarationLinks(reader, GRAPH_RELS, REL_COLUMN, batchSize));
    // Identifier links only where the identifier is shared: one used by a single entity tells nothing.
    const idTypes = IDENTIFIER_LINK_TYPES.map((t) => `'${t}'`).join(',');
    const shared = `SELECT e.src AS s, se.kind AS sk, e.dst AS t, te.kind AS tk, e.type AS type FROM edges e
      JOIN (SELECT dst, type FROM edges WHERE type IN (${idTypes}) GROUP BY dst, type HAVING COUNT(*) > 1) s
        ON s.dst = e.dst AND s.type = e.type
      JOIN entities se ON se.id = e.src JOIN entities te ON te.id = e.dst
      UNION ALL
      SELECT e.src, 'Person', e.dst, 'Trader', e.type FROM edges e
      JOIN (SELECT src FROM edges WHERE type = 'DIRECTS' GROUP BY src HAVING COUNT(*) > 1) p ON p.src = e.src
      WHERE e.type = 'DIRECTS'`;
    yield* withReader(this.path, function* (db) {
      // As whole columns (range-columns.ts): a million links and more, read as rows, took twice as long.
      const [source, sourceKind, target, targetKind, type] = queryColumns(db, shared, ['s', 'sk', 't', 'tk', 'type']) as
        [number[], EntityKind[], number[], EntityKind[], RelType[]];
      const name = entityNames();
      for (let from = 0; from < source.length; from += batchSize) {
        const batch: EntityLink[] = [];
        for (let i = from; i < Math.min(source.length, from + batchSize); i++) {
          batch.push({ source: name(source[i]!), sourceKind: sourceKind[i]!, target: name(target[i]!), targetKind: targetKind[i]!, type: type[i]!, count: 1, value: 0 });
        }
        yield batch;
      }
    });
  }

  async *streamEntityStats(batchSize = 10_000): AsyncIterable<EntityStats[]> {
    const parts = GRAPH_RELS.concat(['FILED_BY']).map((rel) => `SELECT ${REL_COLUMN[rel]} AS id, declared_value, outcome, lodged_at
      FROM declarations WHERE ${REL_COLUMN[rel]} IS NOT NULL`);
    const sql = `SELECT x.id AS id, e.kind AS kind, COUNT(*) AS n, SUM(x.declared_value) AS v,
        SUM(x.outcome = 'seizure') AS seizures, SUM(x.outcome = 'discrepancy') AS discrepancies,
        MIN(x.lodged_at) AS first, MAX(x.lodged_at) AS last
      FROM (${parts.join(' UNION ALL ')}) x JOIN entities e ON e.id = x.id GROUP BY x.id`;
    yield* streamQuery<EntityStats>(this.path, sql, batchSize, (r) => ({
      id: String(r[0]), kind: r[1] as EntityKind, declarations: r[2] as number, value: r[3] as number, seizures: r[4] as number,
      discrepancies: r[5] as number, firstLodged: r[6] as string, lastLodged: r[7] as string,
    }));
  }

  async *streamDeclarationFacts(batchSize = 10_000): AsyncIterable<DeclarationFacts[]> {
    yield* streamQuery<DeclarationFacts>(this.path, `SELECT ${FACT_COLUMNS} FROM declarations ORDER BY id`, batchSize, factOf);
  }

  async *streamDeclarationColumns(numbers: IdNumbers, batchSize = 2_000): AsyncIterable<DeclarationColumns> {
    yield* withReader(this.path, function* (db) {
      // Every declaration's columns a rowid range at a time (range-columns.ts), then the few of the
      // range with an outcome whole. One read transaction: the ranges see one snapshot.
      db.exec('BEGIN');
      const controlled = db.prepare(`SELECT ${FACT_COLUMNS} FROM declarations WHERE id >= ? AND id <= ? AND outcome <> 'unknown' ORDER BY id`).raw(true);
      const exprs = ['lodged_at', 'trader_ref', 'consignee_ref', 'supplier_ref', 'broker_ref', 'carrier_ref', 'declared_value', 'quantity',
        'gross_weight_kg', 'hs_code', 'currency', OUTCOME_CODE_SQL, `CASE WHEN goods_origin_country <> origin_country THEN goods_origin_country END`,
        `CASE WHEN goods_origin_country <> origin_country THEN transit_ports END`];
      const party = (v: number | null) => (v === null ? -1 : numbers.ofInt(v));
      for (const { ids, columns } of rangeColumns(db, 'declarations', exprs, batchSize)) {
        const [lodgedAt, trader, consignee, supplier, broker, carrier, value, quantity, weight, hsCode, currency, outcome, goodsOrigin, transit] =
          columns as [string[], number[], Array<number | null>, Array<number | null>, Array<number | null>, Array<number | null>, number[],
            Array<number | null>, Array<number | null>, string[], string[], number[], Array<string | null>, Array<string | null>];
        const c = emptyColumns(ids.length, declarationNodeId, { lodgedAt, hsCode, currency, goodsOriginElsewhere: goodsOrigin });
        let anyControlled = false;
        for (let i = 0; i < ids.length; i++) {
          c.key[i] = ids[i]!;
          // In the order the scan has always numbered a declaration's parties.
          c.trader[i] = numbers.ofInt(trader[i]!);
          c.consignee[i] = party(consignee[i]!);
          c.supplier[i] = party(supplier[i]!);
          c.broker[i] = party(broker[i]!);
          c.carrier[i] = party(carrier[i]!);
          c.value[i] = value[i]!;
          if (quantity[i] !== null) c.quantity[i] = quantity[i]!;
          if (weight[i] !== null) c.weight[i] = weight[i]!;
          c.outcome[i] = outcome[i]!;
          if (outcome[i] !== UNKNOWN) anyControlled = true;
          if (goodsOrigin[i] !== null) c.transit[i] = ports(transit[i]);
        }
        if (anyControlled) c.controlled = (controlled.all(ids[0], ids[ids.length - 1]) as unknown[][]).map(factOf);
        yield c;
      }
      db.exec('COMMIT');
    });
  }

  async declarationsPerDay(): Promise<Array<{ day: string; count: number }>> {
    // Counted here rather than by GROUP BY, whose sort of millions of days costs SQLite several
    // times more; read as whole columns a rowid range at a time (range-columns.ts), in one snapshot.
    return this.db.transaction(() => {
      const perDay = new Map<string, number>();
      for (const { columns } of rangeColumns(this.db, 'declarations', ['substr(lodged_at, 1, 10)'], 100_000)) {
        for (const day of columns[0] as string[]) perDay.set(day, (perDay.get(day) ?? 0) + 1);
      }
      return [...perDay].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([day, count]) => ({ day, count }));
    })();
  }

  async *streamEntities(kinds: readonly EntityKind[], batchSize = 10_000): AsyncIterable<Entity[]> {
    const list = kinds.filter((k) => k !== 'Declaration').map((k) => `'${k.replace(/'/g, '')}'`).join(',');
    if (!list) return;
    yield* streamQuery<Entity>(this.path, `SELECT id, kind, key, name FROM entities WHERE kind IN (${list}) ORDER BY id`, batchSize,
      (r) => ({ id: String(r[0]), kind: r[1] as EntityKind, key: r[2] as string, name: r[3] as string }));
  }
}
