/**
 * The analysis cache: what the declaration scan and the graph's projection read of every
 * declaration, in id order, as columns in a file beside the store. A run reads it and only the
 * declarations added or changed since (declaration_changes), instead of every declaration from
 * SQLite; the scan then aggregates the same columns in the same order as from SQLite, so its
 * figures are the same to the bit.
 *
 * The file: a magic, each column's values one after the other (rows × element size, padded to 8
 * bytes), the declarations with a recorded outcome (whole, as the scan's labels need them) as
 * length-prefixed v8-serialized chunks, then the footer (JSON: the string tables and what the cache
 * covers), its length and the magic again. It is written under a name of its own and renamed into
 * place when whole.
 */
import { closeSync, existsSync, linkSync, openSync, readSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { deserialize, serialize } from 'node:v8';
import { removeAbandonedFiles } from '../../util/abandoned-files';
import type { DeclarationFacts } from '../../domain/results';

const MAGIC = Buffer.from('CGDCACHE');
/** Bumped whenever what a column holds or how it is read changes: an older file is then not read. */
export const CACHE_VERSION = 1;

/** The columns, in file order: parties as entity ids (0 for none), strings as codes in their table (-1 for none). */
export const CACHE_COLUMNS = {
  id: Float64Array, lodged: Int32Array, trader: Int32Array, consignee: Int32Array, supplier: Int32Array, broker: Int32Array,
  carrier: Int32Array, route: Int32Array, value: Float64Array, quantity: Float64Array, weight: Float64Array, hs: Int32Array,
  currency: Int32Array, outcome: Uint8Array, goodsOrigin: Int32Array, transit: Int32Array,
} as const;
export type ColumnName = keyof typeof CACHE_COLUMNS;
export type Columns = { [K in ColumnName]: InstanceType<(typeof CACHE_COLUMNS)[K]> };
/** The columns' names, in file order. */
export const COLUMN_NAMES = Object.keys(CACHE_COLUMNS) as ColumnName[];

/** Strings numbered in order of first sight. */
export class StringTable {
  private readonly codes = new Map<string, number>();
  constructor(readonly strings: string[] = []) {
    strings.forEach((s, i) => this.codes.set(s, i));
  }

  code(s: string): number {
    let c = this.codes.get(s);
    if (c === undefined) {
      c = this.strings.push(s) - 1;
      this.codes.set(s, c);
    }
    return c;
  }
}

export const TABLE_NAMES = ['lodged', 'hs', 'currency', 'place', 'transit'] as const;
export type Tables = Record<(typeof TABLE_NAMES)[number], StringTable>;

export function newTables(strings?: Record<string, string[]>): Tables {
  return Object.fromEntries(TABLE_NAMES.map((t) => [t, new StringTable(strings?.[t] ? [...strings[t]!] : [])])) as Tables;
}

/** Declarations as columns: a batch read from SQLite, or the whole cache. */
export interface DeclarationRows {
  length: number;
  columns: Columns;
  /** The declarations with a recorded outcome, whole, in id order. */
  controlled: DeclarationFacts[];
}

/** What a cache covers: the store it was made from (its token), its last declaration and the last change read. */
export interface CacheCoverage {
  token: string;
  maxId: number;
  lastSeq: number;
}

interface Footer extends CacheCoverage {
  version: number;
  rows: number;
  tables: Record<string, string[]>;
  controlledEnd: number;
}

/** Columns of `length` rows. */
export function allocateColumns(length: number): Columns {
  return Object.fromEntries(COLUMN_NAMES.map((name) => [name, new CACHE_COLUMNS[name](length)])) as Columns;
}

/** Rows from..to of some columns, as views (no copy). */
export function columnsSlice(c: Columns, from: number, to: number): Columns {
  return Object.fromEntries(COLUMN_NAMES.map((name) => [name, c[name].subarray(from, to)])) as Columns;
}

const CONTROLLED_CHUNK = 10_000;
const pad8 = (n: number) => Math.ceil(n / 8) * 8;

/** Where each column starts in a file of `rows` rows, and where the columns end. */
function layout(rows: number): { at: Record<ColumnName, number>; end: number } {
  const at = {} as Record<ColumnName, number>;
  let offset = MAGIC.length;
  for (const name of COLUMN_NAMES) {
    at[name] = offset;
    offset += pad8(rows * CACHE_COLUMNS[name].BYTES_PER_ELEMENT);
  }
  return { at, end: offset };
}

const bytesOf = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** The name a replaced cache has while it is removed: its writer's file's name and this. */
const REPLACED = '.replaced';

/** Writers made by this process: each writes a file of its own (two runs of one store may write at once). */
let writers = 0;

/**
 * Writes a cache of a known number of rows a batch at a time under a name of its own; `install`
 * gives it the cache's name once it is finished.
 */
export class CacheWriter {
  private readonly temp: string;
  private readonly fd: number;
  private readonly at: Record<ColumnName, number>;
  private controlledAt: number;
  private written = 0;
  private readonly close: () => void;

  constructor(private readonly path: string, private readonly rows: number, readonly tables: Tables = newTables()) {
    this.temp = `${path}.writing-${process.pid}-${++writers}`;
    // A run killed while writing left its file (hundreds of MB at a million declarations), or the cache it replaced.
    removeAbandonedFiles(`${path}.writing-`, [REPLACED]);
    this.fd = openSync(this.temp, 'w');
    this.close = closerOf(this.fd);
    writeFully(this.fd, MAGIC, 0);
    const { at, end } = layout(rows);
    this.at = at;
    this.controlledAt = end;
  }

  /** Appends the next rows (in id order). */
  append(batch: DeclarationRows): void {
    if (this.written + batch.length > this.rows) throw new Error(`the analysis cache was sized for ${this.rows} declarations`);
    for (const name of COLUMN_NAMES) {
      const values = batch.columns[name].subarray(0, batch.length);
      writeFully(this.fd, bytesOf(values), this.at[name] + this.written * values.BYTES_PER_ELEMENT);
    }
    this.written += batch.length;
    // In chunks: one serialization of a few hundred thousand declarations would be one large buffer.
    for (let from = 0; from < batch.controlled.length; from += CONTROLLED_CHUNK) {
      const data = serialize(batch.controlled.slice(from, from + CONTROLLED_CHUNK));
      const head = Buffer.alloc(4);
      head.writeUInt32LE(data.length);
      writeFully(this.fd, head, this.controlledAt);
      writeFully(this.fd, data, this.controlledAt + 4);
      this.controlledAt += 4 + data.length;
    }
  }

  /** Writes the footer (with the string tables the rows' codes refer to) and closes the file. */
  finish(coverage: CacheCoverage): void {
    const { tables } = this;
    if (this.written !== this.rows) throw new Error(`the analysis cache has ${this.written} of ${this.rows} declarations`);
    const footer: Footer = {
      ...coverage, version: CACHE_VERSION, rows: this.rows, controlledEnd: this.controlledAt,
      tables: Object.fromEntries(TABLE_NAMES.map((t) => [t, tables[t].strings])),
    };
    const json = Buffer.from(JSON.stringify(footer));
    const tail = Buffer.alloc(4);
    tail.writeUInt32LE(json.length);
    const end = Buffer.concat([json, tail, MAGIC]);
    writeFully(this.fd, end, this.controlledAt);
    this.close();
  }

  /**
   * Puts the finished file in place of the cache (in one step: a reader sees one file or the other).
   * The cache it replaces keeps a name of its own until then and is removed off this thread:
   * freeing the blocks of hundreds of MB made the rename take most of a second, with the store's
   * write lock held.
   */
  install(): void {
    const replaced = `${this.temp}${REPLACED}`;
    let kept = true;
    try {
      linkSync(this.path, replaced);
    } catch {
      kept = false; // no cache yet (or no hard links here: the rename frees it)
    }
    renameSync(this.temp, this.path);
    if (kept) rm(replaced, { force: true }).catch(() => undefined);
  }

  /** Removes the file (finished or not) unless it was installed. */
  abort(): void {
    this.close();
    rmSync(this.temp, { force: true });
  }
}

/** Closes `fd` the first time it is called and does nothing after: the number may be another file's by then. */
function closerOf(fd: number): () => void {
  let open = true;
  return () => {
    if (!open) return;
    open = false;
    closeSync(fd);
  };
}

/**
 * A cache file opened for reading: what it covers, its string tables (copies, to be added to), and
 * its rows read a range at a time, so a run holds no more of it than it works on.
 */
export interface OpenedCache {
  coverage: CacheCoverage;
  rows: number;
  tables: Tables;
  /** Rows from..to of one column into `into` (at its start). */
  readColumn<K extends ColumnName>(name: K, from: number, to: number, into: Columns[K]): void;
  /** Rows from..to of every column, in new arrays. */
  readRows(from: number, to: number): Columns;
  /** The declarations with an outcome, in id order, a serialized chunk at a time. */
  controlled(): Generator<DeclarationFacts[]>;
  /** Closes the file; again, does nothing. */
  close(): void;
}

/** The cache at `path` if there is one this version can read; why not otherwise. */
export function openCache(path: string): OpenedCache | { unreadable: string } {
  if (!existsSync(path)) return { unreadable: 'no analysis cache yet' };
  const size = statSync(path).size;
  const fd = openSync(path, 'r');
  let footer: Footer;
  try {
    const tail = Buffer.alloc(12);
    if (size < MAGIC.length + tail.length) throw new CutShort();
    readFully(fd, tail, size - 12);
    if (!tail.subarray(4).equals(MAGIC)) throw new CutShort();
    const json = Buffer.alloc(tail.readUInt32LE(0));
    readFully(fd, json, size - 12 - json.length);
    footer = JSON.parse(json.toString('utf8')) as Footer;
    if (footer.version !== CACHE_VERSION) {
      closeSync(fd);
      return { unreadable: `the analysis cache is of another version (${footer.version})` };
    }
  } catch (err) {
    closeSync(fd);
    return { unreadable: err instanceof CutShort ? 'the analysis cache is cut short' : `the analysis cache cannot be read: ${(err as Error).message}` };
  }
  const { at, end } = layout(footer.rows);
  const readColumn = <K extends ColumnName>(name: K, from: number, to: number, into: Columns[K]) => {
    readFully(fd, bytesOf(into.subarray(0, to - from)), at[name] + from * CACHE_COLUMNS[name].BYTES_PER_ELEMENT);
  };
  return {
    coverage: { token: footer.token, maxId: footer.maxId, lastSeq: footer.lastSeq },
    rows: footer.rows,
    tables: newTables(footer.tables),
    readColumn,
    readRows(from, to) {
      const columns = allocateColumns(to - from);
      for (const name of COLUMN_NAMES) readColumn(name, from, to, columns[name]);
      return columns;
    },
    *controlled() {
      const head = Buffer.alloc(4);
      for (let offset = end; offset < footer.controlledEnd;) {
        readFully(fd, head, offset);
        const data = Buffer.alloc(head.readUInt32LE(0));
        readFully(fd, data, offset + 4);
        yield deserialize(data) as DeclarationFacts[];
        offset += 4 + data.length;
      }
    },
    close: closerOf(fd),
  };
}

class CutShort extends Error {}

function readFully(fd: number, into: Uint8Array, position: number): void {
  for (let done = 0; done < into.length;) {
    const n = readSync(fd, into, done, into.length - done, position + done);
    if (n === 0) throw new Error('the analysis cache is cut short');
    done += n;
  }
}

function writeFully(fd: number, from: Uint8Array, position: number): void {
  for (let done = 0; done < from.length;) done += writeSync(fd, from, done, from.length - done, position + done);
}
