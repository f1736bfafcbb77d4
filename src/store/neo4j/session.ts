/**
 * The driver and the statements of cypher/: reads and writes in managed transactions (the driver
 * retries transient errors and deadlocks, and a retried `UNWIND $rows MERGE` changes nothing), and
 * streamed reads consumed as the server sends them.
 */
import neo4j, { type Driver } from 'neo4j-driver';
import { recordToObject } from './mapping';
import { loadStatements } from './statements';

/** A plan as the driver gives it (result.summary.plan): an operator, its details, its inputs. */
export interface PlanNode {
  operatorType: string;
  arguments?: Record<string, unknown>;
  children?: PlanNode[];
}

export type Row = Record<string, unknown>;

export interface Neo4jStoreOptions {
  uri: string;
  user: string;
  password: string;
  database?: string;
}

export class Neo4jSession {
  readonly driver: Driver;
  readonly statements = loadStatements();
  readonly database?: string;

  constructor(opts: Neo4jStoreOptions) {
    this.driver = neo4j.driver(opts.uri, neo4j.auth.basic(opts.user, opts.password));
    this.database = opts.database;
  }

  /**
   * Every session of this process shares one bookmark manager: in a cluster, a read after a write
   * (the current run after completeRun, a declaration after its load) waits until the member
   * serving it has applied that write, instead of reading a follower that has not.
   */
  private readonly bookmarks = neo4j.bookmarkManager();

  private session(mode: 'read' | 'write') {
    return this.driver.session({
      database: this.database, bookmarkManager: this.bookmarks, ...(mode === 'read' ? { defaultAccessMode: neo4j.session.READ } : {}),
    });
  }

  cypher(name: string): string {
    const s = this.statements.get(name);
    if (!s) throw new Error(`no statement cypher/${name}.cypher`);
    return s;
  }

  async read(name: string, params: Row = {}): Promise<Row[]> {
    const session = this.session('read');
    try {
      return await session.executeRead(async (tx) => (await tx.run(this.cypher(name), params)).records.map(recordToObject));
    } finally {
      await session.close();
    }
  }

  async write(steps: Array<[string, Row]>): Promise<Row[][]> {
    const session = this.session('write');
    try {
      return await session.executeWrite(async (tx) => {
        const out: Row[][] = [];
        for (const [name, params] of steps) out.push((await tx.run(this.cypher(name), params)).records.map(recordToObject));
        return out;
      });
    } finally {
      await session.close();
    }
  }

  /** Streams a read: records are consumed as the server sends them, in batches. */
  async *batches<T>(name: string, params: Row, batchSize: number, map: (r: Row) => T): AsyncIterable<T[]> {
    const session = this.session('read');
    try {
      let batch: T[] = [];
      for await (const record of session.run(this.cypher(name), params)) {
        batch.push(map(recordToObject(record)));
        if (batch.length >= batchSize) {
          yield batch;
          batch = [];
        }
      }
      if (batch.length) yield batch;
    } finally {
      await session.close();
    }
  }

  /** The plan of a statement (EXPLAIN: planned by the server, never run), for neo4j-check. */
  async explain(name: string, params: Row = {}): Promise<PlanNode | undefined> {
    // A write session: a cluster may refuse to plan a write statement on a read member.
    const session = this.session('write');
    try {
      const summary = (await session.run(`EXPLAIN ${this.cypher(name)}`, params)).summary;
      return summary.plan ? (summary.plan as unknown as PlanNode) : undefined;
    } finally {
      await session.close();
    }
  }

  /** Schema statements one auto-commit each: they cannot share a transaction with data writes. */
  async runSchema(name: string, params: Row = {}): Promise<Row[]> {
    const session = this.session('write');
    try {
      return (await session.run(this.cypher(name), params)).records.map(recordToObject);
    } finally {
      await session.close();
    }
  }

  async close(): Promise<void> {
    await this.driver.close();
  }
}
