/** Settings from the environment, with the defaults of the embedded mode. */

/** Completed runs whose results are kept when nothing else is said (CUSTOMS_GRAPH_KEEP_RUNS, --keep-runs). */
export const DEFAULT_KEEP_RUNS = 10;
/** A running analysis silent for this long (10 minutes) was killed: its heartbeat comes every 30 s. */
export const DEFAULT_RUN_STALE_MS = 10 * 60_000;

export interface Config {
  dbPath: string;
  phoneRegion: string;
  defaultCurrency: string;
  /** Completed analysis runs whose results are kept (older ones are pruned after each run). */
  keepRuns?: number;
  /** A running analysis silent for this long was killed and is marked failed (CUSTOMS_GRAPH_RUN_STALE_MS). */
  runStaleMs?: number;
  /** Roles whose identity reads must say why (CUSTOMS_GRAPH_PURPOSE_REQUIRED=investigator,analyst). */
  purposeRequired?: string[];
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return {
    dbPath: env.CUSTOMS_GRAPH_DB || 'customs-graph.db',
    phoneRegion: (env.CUSTOMS_GRAPH_PHONE_REGION || 'MA').toUpperCase(),
    defaultCurrency: (env.CUSTOMS_GRAPH_CURRENCY || 'MAD').toUpperCase(),
    keepRuns: Math.max(1, Math.floor(Number(env.CUSTOMS_GRAPH_KEEP_RUNS) || DEFAULT_KEEP_RUNS)),
    runStaleMs: Math.max(1000, Number(env.CUSTOMS_GRAPH_RUN_STALE_MS) || DEFAULT_RUN_STALE_MS),
    purposeRequired: (env.CUSTOMS_GRAPH_PURPOSE_REQUIRED ?? '').split(',').map((r) => r.trim().toLowerCase()).filter(Boolean),
  };
}
