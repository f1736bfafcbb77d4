/**
 * The HTTP server: GraphQL at /graphql (Apollo Server 5 on Express 5), /healthz and /readyz.
 * The landing page is disabled (no CDN scripts on an air-gapped network); introspection and
 * field suggestions are off in production; CSRF prevention stays on.
 */
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import { costLimitRule } from '@escape.tech/graphql-armor-cost-limit';
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import express from 'express';
import { existsSync, readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { join } from 'node:path';
import type { Config } from '../config';
import { InProcessJobRunner } from '../jobs/in-process';
import type { JobRunner } from '../jobs/runner';
import type { GraphStore } from '../store/graph-store';
import { ScoringService } from '../targeting/scoring-service';
import type { Logger } from '../util/logger';
import type { KeyRing } from './auth';
import { contextFor, type ApiContext, type ApiServices } from './context';
import { formatError } from './errors';
import { resolvers } from './resolvers';

/** The deepest valid query of the schema is 9 levels (rings > ... > subgraph > nodes > declarations > ... > id). */
export const QUERY_LIMITS = { maxDepth: 10, maxAliases: 20, maxCost: 20_000 } as const;

export interface ServerOptions {
  store: GraphStore;
  /** Runs analysis jobs; in-process unless given (the scaled mode passes BullMQ). */
  jobs?: JobRunner;
  /** The store file the job processors open (embedded mode); defaults to the configured one. */
  dbPath?: string;
  keys: KeyRing;
  config: Config;
  logger: Logger;
  production?: boolean;
}

export interface RunningServer {
  url: string;
  port: number;
  services: ApiServices;
  close(): Promise<void>;
}

/** A path under the package root (this file is src/api when run from sources, dist/src/api when built). */
function packageFile(...parts: string[]): string | undefined {
  for (const up of [['..', '..'], ['..', '..', '..']]) {
    const path = join(__dirname, ...up, ...parts);
    if (existsSync(path)) return path;
  }
  return undefined;
}

export function schemaSdl(): string {
  const path = packageFile('graphql', 'schema.graphql');
  if (!path) throw new Error('graphql/schema.graphql not found');
  return readFileSync(path, 'utf8');
}

export async function createApp(opts: ServerOptions): Promise<{ app: express.Express; apollo: ApolloServer<ApiContext>; services: ApiServices }> {
  const production = opts.production ?? process.env.NODE_ENV === 'production';
  const services: ApiServices = {
    store: opts.store, keys: opts.keys, config: opts.config, jobs: opts.jobs ?? new InProcessJobRunner(),
    dbPath: opts.dbPath ?? opts.config.dbPath,
    scoring: new ScoringService(opts.store, opts.config), logger: opts.logger,
  };
  const apollo = new ApolloServer<ApiContext>({
    typeDefs: schemaSdl(),
    resolvers,
    introspection: !production,
    hideSchemaDetailsFromClientErrors: production,
    includeStacktraceInErrorResponses: false,
    csrfPrevention: true,
    formatError: formatError(opts.logger),
    validationRules: [
      maxDepthRule({ n: QUERY_LIMITS.maxDepth, propagateOnRejection: false, onReject: [(ctx, err) => ctx?.reportError(err)] }),
      maxAliasesRule({ n: QUERY_LIMITS.maxAliases, propagateOnRejection: false, onReject: [(ctx, err) => ctx?.reportError(err)] }),
      costLimitRule({ maxCost: QUERY_LIMITS.maxCost, propagateOnRejection: false, onReject: [(ctx, err) => ctx?.reportError(err)] }),
    ],
    plugins: [ApolloServerPluginLandingPageDisabled()],
  });
  await apollo.start();
  const app = express();
  app.disable('x-powered-by');
  // The explorer page, bundled by `npm run build` (scripts/build-web.js).
  const web = packageFile('dist', 'web');
  if (web) app.use('/', express.static(web, { index: 'index.html', maxAge: '1h' }));
  app.get('/healthz', (_req, res) => { res.json({ ok: true }); });
  app.get('/readyz', async (_req, res) => {
    try {
      const run = await opts.store.currentRunId();
      if (!run) res.status(503).json({ ready: false, reason: 'no current analysis run' });
      else res.json({ ready: true, run });
    } catch {
      res.status(503).json({ ready: false, reason: 'store unreachable' });
    }
  });
  app.use('/graphql', express.json({ limit: '8mb' }), expressMiddleware(apollo, {
    context: async ({ req }) => contextFor(services, req.headers),
  }));
  return { app, apollo, services };
}

export async function startServer(opts: ServerOptions & { port: number; host?: string }): Promise<RunningServer> {
  const { app, apollo, services } = await createApp(opts);
  const host = opts.host ?? '127.0.0.1';
  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(opts.port, host, () => resolve(s));
    s.on('error', reject);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;
  return {
    url: `http://${host}:${port}/graphql`, port, services,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await apollo.stop();
      await services.jobs.close();
    },
  };
}
