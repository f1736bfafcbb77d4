/** What analysis reads of the Neo4j adapter, streamed as the server sends it. */
import type { EntityKind, RelType } from '../../domain/entities';
import type { DeclarationFacts } from '../../domain/results';
import type { AnalysisSource, DeclarationColumns, DeclarationInput, EntityLink, EntityStats } from '../analysis-source';
import { columnsFromFacts, everyDeclaration } from '../declaration-columns';
import type { IdNumbers } from '../../util/id-numbers';
import type { Entity } from '../graph-reader';
import type { Neo4jSession } from './session';

export class Neo4jAnalysisSource implements Omit<AnalysisSource, 'getEntities'> {
  constructor(private readonly s: Neo4jSession) {}

  async *streamEntityGraph(batchSize = 10_000): AsyncIterable<EntityLink[]> {
    yield* this.s.batches('entity-graph-declaration-links', {}, batchSize, (r) => ({
      source: String(r.source), sourceKind: 'Trader' as EntityKind, target: String(r.target), targetKind: r.targetKind as EntityKind,
      type: r.type as RelType, count: Number(r.count), value: Number(r.value),
    }));
    yield* this.s.batches('entity-graph-shared-identifiers', {}, batchSize, (r) => ({
      source: String(r.source), sourceKind: r.sourceKind as EntityKind, target: String(r.target), targetKind: r.targetKind as EntityKind,
      type: r.type as RelType, count: 1, value: 0,
    }));
  }

  async *streamEntityStats(batchSize = 10_000): AsyncIterable<EntityStats[]> {
    yield* this.s.batches('entity-stats', {}, batchSize, (r) => ({
      id: String(r.id), kind: r.kind as EntityKind, declarations: Number(r.n), value: Number(r.value), seizures: Number(r.seizures),
      discrepancies: Number(r.discrepancies), firstLodged: String(r.first), lastLodged: String(r.last),
    }));
  }

  async *streamDeclarationFacts(batchSize = 10_000): AsyncIterable<DeclarationFacts[]> {
    const opt = (v: unknown) => (v === null || v === undefined ? undefined : String(v));
    yield* this.s.batches('declaration-facts', {}, batchSize, (r) => ({
      id: String(r.id), lodgedAt: String(r.lodgedAt), trader: String(r.trader), consignee: opt(r.consignee), supplier: opt(r.supplier),
      broker: opt(r.broker), carrier: opt(r.carrier), route: String(r.route), hsCode: String(r.hsCode), origin: String(r.origin),
      goodsOrigin: opt(r.goodsOrigin), transit: (r.transit as string[] | null) ?? [], value: Number(r.value),
      quantity: (r.quantity as number | null) ?? undefined, weight: (r.weight as number | null) ?? undefined, currency: String(r.currency),
      outcome: r.outcome as DeclarationFacts['outcome'], ...(typeof r.attrs === 'string' ? { attrs: JSON.parse(r.attrs) as Record<string, string> } : {}),
      office: opt(r.office), regime: String(r.regime ?? 'IM'), aeo: typeof r.aeo === 'boolean' ? r.aeo : undefined,
      declarationId: String(r.declarationId), recovered: (r.recovered as number | null) ?? undefined,
    }));
  }

  streamDeclarationColumns(numbers: IdNumbers, batchSize = 2_000): AsyncIterable<DeclarationColumns> {
    return columnsFromFacts(this.streamDeclarationFacts(batchSize), numbers);
  }

  async declarationsPerDay(): Promise<Array<{ day: string; count: number }>> {
    return (await this.s.read('declarations-per-day')).map((r) => ({ day: String(r.day), count: Number(r.count) }));
  }

  /** Every declaration, every run: the analysis cache is the embedded store's (docs/operations.md). */
  async declarationInput(): Promise<DeclarationInput> {
    return everyDeclaration(this, 'the Neo4j store keeps no analysis cache');
  }

  async *streamEntities(kinds: readonly EntityKind[], batchSize = 10_000): AsyncIterable<Entity[]> {
    yield* this.s.batches('stream-entities', { kinds: [...kinds] }, batchSize, (r) => r as unknown as Entity);
  }
}
