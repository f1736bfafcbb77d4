/**
 * The bulk import's side of a load, on the thread that parses, validates and resolves: it stands
 * where the store stands in ingest (runIngest writes its batches here), but the store is empty,
 * so every entity and source file gets its id here, in memory, in the order ingest's inserts
 * would have given them, and each batch leaves as flat rows for the writer thread. Declarations
 * get their ids from the writer, whose unique index on their keys finds a second version.
 */
import type { BatchResult, EntityRef, GraphBatch } from '../../domain/graph-facts';
import type { EntityKind, LinkRel } from '../../domain/entities';
import { LINK_TYPES, type ImportRows } from '../../store/sqlite/bulk-writer';
import type { QualityCount } from '../../domain/accountability';
import { searchName } from '../../domain/normalize';
import { detach } from '../../util/strings';
import { declarationValues } from '../../store/sqlite/rows';
import type { WatchlistEntry } from '../../store/graph-writer';
import type { LoadTarget } from '../declaration-loader';
import type { IngestProgress } from '../ingest';

const LINK_INDEX = new Map<LinkRel, number>(LINK_TYPES.map((t, i) => [t, i]));

export class ImportRowSink implements LoadTarget {
  private readonly entityIds = new Map<EntityKind, Map<string, number>>();
  private readonly sourceFileIds = new Map<string, number>();
  private lastEntity = 0;
  /** Data-quality counts of the load, written once the store is complete. */
  readonly quality: QualityCount[] = [];
  private sourceFiles: Array<[number, string]> = [];
  /** The last progress runIngest reported, sent with the next batch. */
  progress?: IngestProgress;

  /** `send` hands a batch to the writer (with the last progress) and resolves when it may take another. */
  constructor(private readonly send: (rows: ImportRows, progress: IngestProgress | undefined) => Promise<void>) {}

  async bulk<T>(_expectedRows: number, work: () => Promise<T>): Promise<T> {
    return work();
  }

  async watchlistEntries(): Promise<WatchlistEntry[]> {
    return []; // an import builds a new store: there is no watchlist yet
  }

  async addQualityCounts(counts: QualityCount[]): Promise<void> {
    this.quality.push(...counts);
  }

  private sourceFileId = (name: string): number => {
    let id = this.sourceFileIds.get(name);
    if (id === undefined) {
      id = this.sourceFileIds.size + 1;
      this.sourceFileIds.set(name, id);
      this.sourceFiles.push([id, name]);
    }
    return id;
  };

  async writeBatch(batch: GraphBatch): Promise<BatchResult> {
    // The batch's links and declarations name its entity objects: their ids are found by object, not by key.
    const ids = new Map<EntityRef, number>();
    const entities: unknown[] = [];
    for (const e of batch.entities) {
      let byKey = this.entityIds.get(e.kind);
      if (!byKey) this.entityIds.set(e.kind, (byKey = new Map()));
      let id = byKey.get(e.key);
      if (id === undefined) {
        id = ++this.lastEntity;
        byKey.set(detach(e.key), id);
        entities.push(id, e.kind, e.key, e.name, searchName(e.name));
      }
      ids.set(e, id);
    }
    const ref = (r: EntityRef) => {
      const id = ids.get(r);
      if (id === undefined) throw new Error(`entity ${r.kind} ${r.key} is named outside its batch`);
      return id;
    };
    const links = new Int32Array(batch.links.length * 3);
    batch.links.forEach((l, i) => {
      links[i * 3] = ref(l.from);
      links[i * 3 + 1] = LINK_INDEX.get(l.type)!;
      links[i * 3 + 2] = ref(l.to);
    });
    const declarations: unknown[] = [];
    const containers: number[] = [];
    batch.declarations.forEach((fact, i) => {
      for (const v of declarationValues(fact, ref, this.sourceFileId)) declarations.push(v);
      // In key order: the table's primary key is (declaration, container).
      const containerIds = fact.containers.length > 1 ? [...new Set(fact.containers.map(ref))].sort((a, b) => a - b) : fact.containers.map(ref);
      for (const c of containerIds) containers.push(i, c);
    });
    const rows: ImportRows = { entities, declarations, links, containers: Int32Array.from(containers), sourceFiles: this.sourceFiles };
    this.sourceFiles = [];
    await this.send(rows, this.progress);
    // The writer says what replaced rows were; ingest's store would have, batch by batch.
    return { replaced: [] };
  }

  // A load into an empty store has no watchlist and replaces nothing stored, so it never reads the store back.
  async findEntity(): Promise<never> { throw new Error('a bulk import does not read the store'); }
  async getDeclaration(): Promise<never> { throw new Error('a bulk import does not read the store'); }
  async entityDeclarations(): Promise<never> { throw new Error('a bulk import does not read the store'); }
  async removeLinks(): Promise<never> { throw new Error('a bulk import does not remove links'); }
  async addAlerts(): Promise<never> { throw new Error('a bulk import raises no alert'); }
}
