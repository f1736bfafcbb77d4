/** A served store and a GraphQL client over its real socket, for the API tests. */
import { KeyRing } from '../src/api/auth';
import { startServer, type RunningServer } from '../src/api/server';
import type { JobRunner } from '../src/jobs/runner';
import type { Config } from '../src/config';
import type { SqliteGraphStore } from '../src/store/sqlite/sqlite-store';
import { silentLogger } from '../src/util/logger';

export interface GqlResult {
  status: number;
  data?: Record<string, any>;
  errors?: Array<{ message: string; extensions?: Record<string, any> }>;
}

export type GqlClient<K extends string> = (who: K, query: string, variables?: Record<string, unknown>) => Promise<GqlResult>;

/**
 * Serves `store` on 127.0.0.1 with one key per name (`[role, key]`; the server names them
 * env-1-ROLE, env-2-ROLE... in this order) and gives a client that asks as one of them.
 */
export async function servedApi<K extends string>(
  store: SqliteGraphStore, keys: Record<K, [role: string, key: string]>, opts: { jobs?: JobRunner; config?: Partial<Config> } = {},
): Promise<{ server: RunningServer; gql: GqlClient<K> }> {
  const server: RunningServer = await startServer({
    store, dbPath: store.path, ...(opts.jobs ? { jobs: opts.jobs } : {}), keys: KeyRing.fromEnv(Object.values<[string, string]>(keys).map(([r, k]) => `${r}:${k}`).join(',')),
    config: { dbPath: store.path, phoneRegion: 'MA', defaultCurrency: 'MAD', ...opts.config }, logger: silentLogger, port: 0,
  });
  const gql: GqlClient<K> = async (who, query, variables) => {
    const res = await fetch(server.url, {
      method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${keys[who][1]}` }, body: JSON.stringify({ query, variables }),
    });
    return { status: res.status, ...((await res.json()) as object) };
  };
  return { server, gql };
}
