/**
 * The writer of a bulk import: a new store built the way an offline importer builds one. Rows
 * come with their ids (assigned in memory: the store is empty, so nothing is looked up) and are
 * appended in primary-key order into a temporary file with no journal and no sync, in one
 * transaction, with a page cache that holds the indexes; identifier links are kept aside and
 * appended sorted at the end. The indexes are kept up row by row rather than built at the end:
 * this thread waits on the parsing thread half the time, and does that work then (at 1M rows,
 * 32 s in all against 38 s with the indexes built afterwards, which nothing overlaps). Only a
 * complete store is put in place: a killed import leaves a file of its own, never a half store
 * under the store's name.
 */
import Database from 'better-sqlite3';
import { existsSync, linkSync, renameSync, rmSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { removeAbandonedFiles } from '../../util/abandoned-files';
import { UsageError } from '../../util/errors';
import type { LinkRel } from '../../domain/entities';
import type { ReplacedDeclaration } from '../../domain/graph-facts';
import { FILES_BESIDE, migrate, removeStoreFiles, SIDE_FILES } from './connection';
import { DECLARATION_COLUMNS, declarationFromRow } from './rows';
import { DeclarationRows, replacedDeclaration } from './declaration-rows';

/** Values of one entity row: id, kind, key, name, search_name. */
const ENTITY_STRIDE = 5;
/** Values of one declaration row: DECLARATION_COLUMNS. */
const DECLARATION_STRIDE = DECLARATION_COLUMNS.length;
/** Link types by their index in the link triples. */
export const LINK_TYPES: readonly LinkRel[] = ['AT_ADDRESS', 'HAS_PHONE', 'HAS_EMAIL', 'HAS_ACCOUNT', 'DIRECTS', 'IN_CONTAINER'];

/** One batch of an import, as rows with their ids. */
export interface ImportRows {
  /** Flat: ENTITY_STRIDE values per new entity. */
  entities: unknown[];
  /** Flat: DECLARATION_STRIDE values per declaration. */
  declarations: unknown[];
  /** Triples: source entity, index in LINK_TYPES, target entity. */
  links: Int32Array;
  /** Pairs: the declaration's place in `declarations`, container entity, in that order. */
  containers: Int32Array;
  sourceFiles: Array<[number, string]>;
}

/**
 * Whether `path` holds no store, or a store with nothing in it yet (only its schema): what a bulk
 * import may build anew. A file that is not a store is not empty (opening it says what it is).
 */
export function isEmptyStore(path: string): boolean {
  if (!existsSync(path) || statSync(path).size === 0) return true;
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
    const tables = db.prepare(`SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'
      AND name <> 'schema_migrations'`).pluck().all() as string[];
    return tables.every((t) => db!.prepare(`SELECT 1 FROM "${t}" LIMIT 1`).get() === undefined);
  } catch {
    return false;
  } finally {
    db?.close();
  }
}

/** Growable columns of link triples, sorted once at the end. */
class LinkColumns {
  private data = new Int32Array(3 * 65_536);
  length = 0;

  add(triples: Int32Array): void {
    if ((this.length + triples.length / 3) * 3 > this.data.length) {
      const grown = new Int32Array(Math.max(this.data.length * 2, (this.length * 3 + triples.length) * 2));
      grown.set(this.data.subarray(0, this.length * 3));
      this.data = grown;
    }
    this.data.set(triples, this.length * 3);
    this.length += triples.length / 3;
  }

  /** Distinct triples in (source, type, target) order. */
  *sorted(): Iterable<[number, number, number]> {
    const d = this.data;
    const order = new Uint32Array(this.length);
    for (let i = 0; i < order.length; i++) order[i] = i;
    order.sort((a, b) => d[a * 3]! - d[b * 3]! || d[a * 3 + 1]! - d[b * 3 + 1]! || d[a * 3 + 2]! - d[b * 3 + 2]!);
    let last = -1;
    for (const i of order) {
      if (last >= 0 && d[i * 3] === d[last * 3] && d[i * 3 + 1] === d[last * 3 + 1] && d[i * 3 + 2] === d[last * 3 + 2]) continue;
      last = i;
      yield [d[i * 3]!, d[i * 3 + 1]!, d[i * 3 + 2]!];
    }
  }
}

export class SqliteBulkWriter {
  /** Where the store is built until it is complete. */
  readonly buildPath: string;
  private readonly db: Database.Database;
  private readonly links = new LinkColumns();
  private readonly sourceFiles = new Map<number, string>();
  private readonly stmts;

  constructor(readonly path: string) {
    this.buildPath = `${path}.importing-${process.pid}`;
    removeStoreFiles(this.buildPath);
    let db: Database.Database;
    try {
      db = new Database(this.buildPath);
    } catch (err) {
      throw new UsageError(`cannot open the store ${resolve(path)}: ${(err as Error).message}`);
    }
    this.db = db;
    // What killed imports into the same path left behind.
    removeAbandonedFiles(`${path}.importing-`, SIDE_FILES);
    try {
      // Nothing to recover if the process dies: the file is thrown away and the import run again.
      db.pragma('journal_mode = OFF');
      db.pragma('synchronous = OFF');
      db.pragma('locking_mode = EXCLUSIVE');
      db.pragma('temp_store = MEMORY');
      db.pragma('cache_size = -65536'); // 64 MiB: the unique keys of entities and declarations stay in memory
      migrate(db);
      this.stmts = {
        entity: db.prepare('INSERT INTO entities (id, kind, key, name, search_name) VALUES (?, ?, ?, ?, ?)'),
        // A second version of a declaration is found by the key's unique index, and replaces the first as in ingest.
        declarations: new DeclarationRows(db),
        container: db.prepare('INSERT INTO declaration_containers (declaration, container) VALUES (?, ?)'),
        sourceFile: db.prepare('INSERT INTO source_files (id, name) VALUES (?, ?)'),
        link: db.prepare('INSERT INTO edges (src, type, dst) VALUES (?, ?, ?)'),
      };
      db.exec('BEGIN');
    } catch (err) {
      this.abort();
      throw err;
    }
  }

  /** Appends a batch; says what the declarations it replaced were (duplicates within the import). */
  write(rows: ImportRows): ReplacedDeclaration[] {
    const s = this.stmts;
    for (const [id, name] of rows.sourceFiles) {
      s.sourceFile.run(id, name);
      this.sourceFiles.set(id, name);
    }
    const e = rows.entities;
    for (let i = 0; i < e.length; i += ENTITY_STRIDE) s.entity.run(e.slice(i, i + ENTITY_STRIDE));
    const d = rows.declarations;
    const c = rows.containers;
    const replaced: ReplacedDeclaration[] = [];
    for (let i = 0, k = 0, at = 0; i < d.length; i += DECLARATION_STRIDE, at++) {
      const values = d.slice(i, i + DECLARATION_STRIDE);
      const { id, previous } = s.declarations.write(values);
      if (previous) replaced.push(this.replacement(previous, values));
      for (; k < c.length && c[k] === at; k += 2) s.container.run(id, c[k + 1]);
    }
    this.links.add(rows.links);
    return replaced;
  }

  /** What a second version replaced, with the new version as ingest would have had it (its row read back). */
  private replacement(previous: Record<string, unknown>, values: unknown[]): ReplacedDeclaration {
    const current: Record<string, unknown> = { id: previous.id };
    DECLARATION_COLUMNS.forEach((col, i) => { current[col] = values[i]; });
    const file = this.sourceFiles.get(current.source_file as number);
    return replacedDeclaration(previous, declarationFromRow(current), true, file ? { file, line: current.source_line as number } : undefined);
  }

  /** Appends the links, commits and closes: the file at buildPath is a whole store. */
  finish(): void {
    for (const [src, type, dst] of this.links.sorted()) this.stmts.link.run(src, LINK_TYPES[type], dst);
    this.db.exec('COMMIT');
    this.db.close();
  }

  /**
   * Puts the built store in place: over the (empty) store there with `replace` (a rename replaces
   * it in one step), else only if no store has appeared there meanwhile (EEXIST if one has).
   */
  install(replace: boolean): void {
    if (replace) {
      // A log left beside the old file would be read as the new one's.
      for (const suffix of FILES_BESIDE) rmSync(this.path + suffix, { force: true });
      renameSync(this.buildPath, this.path);
    } else {
      linkSync(this.buildPath, this.path);
      rmSync(this.buildPath);
    }
  }

  /** Throws the unfinished store away. */
  abort(): void {
    if (this.db?.open) this.db.close();
    removeStoreFiles(this.buildPath);
  }
}
