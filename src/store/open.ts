/** The store the configuration selects: Neo4j when NEO4J_URI is set, else the embedded SQLite file. */
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

/** Opens (and migrates) the configured store for one piece of work, and closes it after, whatever happens. */
export async function withStore<T>(dbPath: string, fn: (store: GraphStore) => Promise<T>): Promise<T> {
  const store = openStore(dbPath);
  try {
    await store.migrate();
    return await fn(store);
  } finally {
    await store.close();
  }
}
