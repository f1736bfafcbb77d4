/** The store the configuration selects: Neo4j when NEO4J_URI is set, else the embedded SQLite file. */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { UsageError } from '../util/errors';
import type { GraphStore } from './graph-store';
import { SqliteGraphStore } from './sqlite/sqlite-store';

export function openStore(dbPath: string, env: NodeJS.ProcessEnv = process.env, opts: { readonly?: boolean } = {}): GraphStore {
  if (env.NEO4J_URI) {
    // Loaded only here: neo4j-driver is a quarter of a second that the embedded mode never needs.
    const { Neo4jGraphStore } = require('./neo4j/neo4j-store') as typeof import('./neo4j/neo4j-store');
    return new Neo4jGraphStore({
      uri: env.NEO4J_URI, user: env.NEO4J_USER ?? 'neo4j', password: env.NEO4J_PASSWORD ?? '', database: env.NEO4J_DATABASE || undefined,
    });
  }
  return new SqliteGraphStore(dbPath, { readonly: opts.readonly });
}

/**
 * The store a command that only reads opens: an embedded store must exist already (a mistyped
 * --db must not leave an empty store behind and report it as empty). Neo4j is always there.
 */
export function requireExistingStore(dbPath: string, env: NodeJS.ProcessEnv = process.env): void {
  if (env.NEO4J_URI || existsSync(dbPath)) return;
  throw new UsageError(`no store at ${resolve(dbPath)}: load declarations first (customs-graph ingest FILE --db ${dbPath}), or name the store with --db or CUSTOMS_GRAPH_DB`);
}

/**
 * Opens (and migrates) the configured store for one piece of work, and closes it after, whatever
 * happens; with `mustExist`, an embedded store that is not there is an error, not a new file.
 */
export async function withStore<T>(dbPath: string, fn: (store: GraphStore) => Promise<T>, opts: { mustExist?: boolean } = {}): Promise<T> {
  if (opts.mustExist) requireExistingStore(dbPath);
  const store = openStore(dbPath);
  try {
    await store.migrate();
    return await fn(store);
  } finally {
    await store.close();
  }
}
