/** Settings from the environment, with the defaults of the embedded mode. */
export interface Config {
  dbPath: string;
  phoneRegion: string;
  defaultCurrency: string;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return {
    dbPath: env.CUSTOMS_GRAPH_DB || 'customs-graph.db',
    phoneRegion: (env.CUSTOMS_GRAPH_PHONE_REGION || 'MA').toUpperCase(),
    defaultCurrency: (env.CUSTOMS_GRAPH_CURRENCY || 'MAD').toUpperCase(),
  };
}
