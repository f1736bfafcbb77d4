/** What analysis reads of the embedded store, streamed on read connections of their own. */
import type Database from 'better-sqlite3';
import { KIND_CODE, REL_TYPE_CODE, type EntityKind, type RelType } from '../../domain/entities';
import type { DeclarationFacts } from '../../domain/results';
import type { AnalysisSource, DeclarationColumns, DeclarationInput, DeclarationLinkColumns, EntityLink, EntityLinkColumns, EntityStats } from '../analysis-source';
import type { IdNumbers } from '../../util/id-numbers';
import type { Entity } from '../graph-reader';
import { streamQuery, withReader } from './connection';
import { cachedDeclarationLinks, declarationLinks } from './declaration-links';
import { entityLinksOf, LinkColumnsBatch } from './link-columns';
import { readEvery } from './cache-rows';
import { FACT_COLUMNS, factOf } from './declaration-facts';
import { SqliteDeclarationInputs } from './declaration-input';
import { queryColumns, rangeColumns } from './range-columns';
import { GRAPH_RELS, IDENTIFIER_LINK_TYPES, REL_COLUMN } from './rows';

export class SqliteAnalysisSource implements Omit<AnalysisSource, 'getEntities'> {
  private readonly inputs: SqliteDeclarationInputs;

  constructor(private readonly db: Database.Database, private readonly path: string) {
    this.inputs = new SqliteDeclarationInputs(db, path, () => this.declarationsPerDay());
  }

  async *streamEntityGraph(batchSize = 10_000, declarations?: DeclarationLinkColumns): AsyncIterable<EntityLink[]> {
    for await (const c of this.streamEntityGraphColumns(batchSize, declarations)) yield entityLinksOf(c);
  }

  async *streamEntityGraphColumns(batchSize = 10_000, declarations?: DeclarationLinkColumns): AsyncIterable<EntityLinkColumns> {
    if (declarations) yield* cachedDeclarationLinks(declarations, GRAPH_RELS, batchSize);
    else yield* withReader(this.path, (reader) => declarationLinks(reader, GRAPH_RELS, REL_COLUMN, batchSize));
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
      const batch = new LinkColumnsBatch(batchSize);
      for (let i = 0; i < source.length; i++) {
        batch.push(source[i]!, KIND_CODE.get(sourceKind[i]!)!, target[i]!, KIND_CODE.get(targetKind[i]!)!, REL_TYPE_CODE.get(type[i]!)!, 1, 0);
        if (batch.full) yield batch.take();
      }
      if (batch.length) yield batch.take();
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

  streamDeclarationColumns(numbers: IdNumbers, batchSize = 2_000): AsyncIterable<DeclarationColumns> {
    return withReader(this.path, function* (db) {
      // One read transaction: the ranges see one snapshot.
      db.exec('BEGIN');
      try {
        yield* readEvery(db, numbers, batchSize);
      } finally {
        db.exec('COMMIT');
      }
    });
  }

  declarationInput(opts: { full: boolean }): Promise<DeclarationInput> {
    return this.inputs.open(opts);
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
