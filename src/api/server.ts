/**
 * The HTTP server: GraphQL at /graphql (Apollo Server 5 on Express 5), /healthz and /readyz.
 * The landing page is disabled (no CDN scripts on an air-gapped network); introspection and
 * field suggestions are off in production; CSRF prevention stays on.
 */
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { ApolloServerErrorCode } from '@apollo/server/errors';
import express from 'express';
import { buildSchema, type GraphQLSchema } from 'graphql';
import { makeExecutableSchema } from '@graphql-tools/schema';
import { loadWebhooks } from '../alerts/webhooks';
import { startAlertDelivery } from './alert-delivery';
import { serveSubscriptions } from './subscriptions';
import helmet from 'helmet';
import { randomUUID } from 'node:crypto';
import pinoHttp from 'pino-http';
import { existsSync, readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { join } from 'node:path';
import type { Config } from '../config';
import { InProcessJobRunner } from '../jobs/in-process';
import { analyzeAfter } from '../jobs/runner';
import { ServiceMetrics } from './metrics';
import type { JobRunner } from '../jobs/runner';
import type { GraphStore } from '../store/graph-store';
import { ScoringService } from '../targeting/scoring-service';
import { UsageError } from '../util/errors';
import type { Logger } from '../util/logger';
import type { ApiKey, KeyRing } from './auth';
import { auditedResolvers, writeAudit } from './audit';
import { apiKeyOf, clientRequestIdOf, contextFor, purposeOf, type ApiContext, type ApiServices } from './context';
import { ApiErrorCode, formatError, unauthenticated } from './errors';
import { checkOperation, QUERY_LIMITS, sizedStringify, withTimeBudget } from './limits';
import { resolvers } from './resolvers';

export { QUERY_LIMITS } from './limits';

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
  /** Overrides of the request limits (limits.ts), for operators who must tune them. */
  limits?: Partial<Record<keyof typeof QUERY_LIMITS, number>>;
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

/** Where the GraphQL IDE's bundle lives under dist/web (scripts/build-web.js). */
const IDE_PATH = '/graphiql/';

export async function createApp(opts: ServerOptions): Promise<{ app: express.Express; apollo: ApolloServer<ApiContext>; services: ApiServices; schema: GraphQLSchema; metrics: ServiceMetrics }> {
  const production = opts.production ?? process.env.NODE_ENV === 'production';
  const dbPath = opts.dbPath ?? opts.config.dbPath;
  const services: ApiServices = {
    store: opts.store, keys: opts.keys, config: opts.config,
    jobs: opts.jobs ?? new InProcessJobRunner({ analyzeAfter: analyzeAfter(), autoAnalysis: { db: dbPath, seed: 42, resolution: 1 } }),
    dbPath,
    scoring: new ScoringService(opts.store, opts.config), logger: opts.logger,
  };
  const limits: typeof QUERY_LIMITS = { ...QUERY_LIMITS, ...opts.limits } as typeof QUERY_LIMITS;
  const sdl = schemaSdl();
  const metrics = new ServiceMetrics(services.jobs);
  services.jobs.onDone(metrics.jobDone);
  // The schema's shape says which fields carry identities (audit.ts).
  const shape = buildSchema(sdl);
  // One executable schema for HTTP (Apollo) and WebSocket (subscriptions.ts).
  const schema = makeExecutableSchema({ typeDefs: sdl, resolvers: withTimeBudget(auditedResolvers(resolvers, shape), limits.timeBudgetMs) });
  const apollo = new ApolloServer<ApiContext>({
    schema,
    introspection: !production,
    hideSchemaDetailsFromClientErrors: production,
    includeStacktraceInErrorResponses: false,
    csrfPrevention: true,
    formatError: formatError(opts.logger),
    validationRules: armorRules(),
    // Cost, batch, time and size limits from the arguments as they resolve (variables too): limits.ts.
    plugins: [ApolloServerPluginLandingPageDisabled(), requestGuards(limits), metrics.plugin()],
    stringifyResult: sizedStringify(limits.maxResponseBytes),
  });
  await apollo.start();
  const app = express();
  app.disable('x-powered-by');
  app.use(requestLog(opts.logger));
  app.use(securityHeaders());
  // The explorer page, bundled by `npm run build` (scripts/build-web.js); its source map only outside production.
  const web = packageFile('dist', 'web');
  if (web && production) app.use((req, res, next) => (req.path.endsWith('.map') || req.path.startsWith(IDE_PATH) ? res.status(404).end() : next()));
  // Outside production, a browser opening /graphql gets the GraphQL IDE (bundled GraphiQL); clients posting queries get the API.
  if (web && !production) {
    app.get('/graphql', (req, res, next) => (req.accepts(['application/json', 'text/html']) === 'text/html' && req.query.query === undefined
      ? res.sendFile(join(web, IDE_PATH, 'index.html')) : next()));
  }
  if (web) app.use('/', express.static(web, { index: 'index.html', maxAge: '1h' }));
  app.get('/healthz', (_req, res) => { res.json({ ok: true }); });
  // For Prometheus: counts and timings, no identity (metrics.ts).
  app.get('/metrics', async (_req, res, next) => {
    try {
      res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
    } catch (err) {
      next(err);
    }
  });
  app.get('/readyz', async (_req, res) => {
    try {
      const run = await opts.store.currentRunId();
      if (!run) res.status(503).json({ ready: false, reason: 'no current analysis run' });
      else res.json({ ready: true, run });
    } catch {
      res.status(503).json({ ready: false, reason: 'store unreachable' });
    }
  });
  // The key is checked before the body is read: an unauthenticated request costs no parsing.
  app.use('/graphql', requireApiKey(services), express.json({ limit: '8mb' }), expressMiddleware(apollo, {
    // requireApiKey has identified the key; pino-http has given the request its id.
    context: async ({ req, res }) => contextFor(services, res.locals.apiKey as ApiKey, String((req as { id?: unknown }).id), {
      clientRequestId: clientRequestIdOf(req.headers), purpose: purposeOf(req.headers, req.body),
    }),
  }));
  app.use(jsonErrors(opts.logger));
  return { app, apollo, services, schema, metrics };
}

/** Depth and alias limits (graphql-armor), each violation reported as a validation error. */
function armorRules() {
  return [
    maxDepthRule({ n: QUERY_LIMITS.maxDepth, propagateOnRejection: false, onReject: [(ctx, err) => ctx?.reportError(err)] }),
    maxAliasesRule({ n: QUERY_LIMITS.maxAliases, propagateOnRejection: false, onReject: [(ctx, err) => ctx?.reportError(err)] }),
  ];
}

/**
 * Headers for the explorer page and the API (helmet): a content security policy that lets the
 * page load only its own bundle and talk only to this server, no framing, no MIME sniffing, no
 * referrer sent elsewhere.
 */
function securityHeaders(): express.RequestHandler {
  const headers = helmetHeaders({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"], scriptSrc: ["'self'"], connectSrc: ["'self'"], imgSrc: ["'self'", 'data:', 'blob:'],
        // The page sets colours through style attributes (legend swatches).
        styleSrc: ["'self'", "'unsafe-inline'"], fontSrc: ["'self'", 'data:'], workerSrc: ["'self'", 'blob:'], objectSrc: ["'none'"],
        baseUri: ["'self'"], formAction: ["'self'"], frameAncestors: ["'none'"],
      },
    },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
    // Served over plain HTTP on 127.0.0.1 or behind the operator's TLS proxy, which sets HSTS itself.
    strictTransportSecurity: false,
  });
  return (_req, res, next) => {
    for (const [name, value] of headers) res.setHeader(name, value);
    next();
  };
}

/**
 * The headers helmet sets with these options, read once: they are the same for every response,
 * and setting them from a list costs a tenth of helmet's dozen middlewares per request.
 */
function helmetHeaders(options: Parameters<typeof helmet>[0]): Array<[string, string]> {
  const headers: Array<[string, string]> = [];
  const res = {
    setHeader: (name: string, value: string) => { headers.push([name, String(value)]); },
    removeHeader: () => undefined,
  };
  helmet(options)({} as never, res as never, () => undefined);
  return headers;
}

/**
 * The request's guards in one plugin, with one listener object shared by every request: the
 * limits when the operation is known (limits.ts), the audit when the response is ready (audit.ts).
 */
function requestGuards(limits: typeof QUERY_LIMITS): ApolloServerPlugin<ApiContext> {
  const listener = { didResolveOperation: checkOperation(limits), willSendResponse: writeAudit<ApiContext> };
  return { requestDidStart: async () => listener };
}

/**
 * One log line per request, when its response is finished (pino-http): method, path, the
 * operation's name, the caller's role and key name, status, duration and request id. Never a
 * header (keys travel in them) and never the body.
 */
function requestLog(logger: Logger): express.RequestHandler {
  return pinoHttp({
    logger,
    // The server's own id, always: a client's x-request-id is kept beside it (clientRequestIdOf), never instead.
    genReqId: (_req, res) => {
      const id = randomUUID();
      res.setHeader('x-request-id', id);
      return id;
    },
    serializers: {
      req: (req: { id: string; method: string; url: string }) => ({ id: req.id, method: req.method, url: req.url }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
    customProps: (req, res) => {
      const key = (res as express.Response).locals?.apiKey as ApiKey | undefined;
      const body = (req as express.Request).body as { operationName?: unknown; query?: unknown } | undefined;
      const operation = typeof body?.operationName === 'string' ? body.operationName
        : typeof body?.query === 'string' ? /^\s*(query|mutation|subscription)?\s*(\w+)?/.exec(body.query)?.[2] ?? 'anonymous' : undefined;
      return { ...(key ? { role: key.role, who: key.name } : {}), ...(operation ? { operation } : {}) };
    },
    customSuccessMessage: () => 'request',
    customErrorMessage: () => 'request failed',
    // Health checks every few seconds would drown the log.
    autoLogging: { ignore: (req) => req.url === '/healthz' || req.url === '/readyz' },
  }) as unknown as express.RequestHandler;
}

/** UNAUTHENTICATED as JSON before anything of the request (its body included) is read. */
function requireApiKey(services: ApiServices): express.RequestHandler {
  return (req, res, next) => {
    const key = services.keys.identify(apiKeyOf(req.headers));
    if (key) {
      res.locals.apiKey = key;
      return next();
    }
    res.status(401).json(errorBody(unauthenticated().message, ApiErrorCode.UNAUTHENTICATED));
  };
}

function errorBody(message: string, code: string) {
  return { errors: [{ message, extensions: { code } }] };
}

/**
 * Errors outside GraphQL (a body that is not JSON, or too large) answered as JSON with a code, in
 * every mode: never Express's HTML page with a stack trace, never the body echoed to the log.
 */
function jsonErrors(logger: Logger): express.ErrorRequestHandler {
  return (err: { status?: number; statusCode?: number; type?: string; message?: string }, _req, res, _next) => {
    const status = err.status ?? err.statusCode ?? 500;
    if (status >= 500) logger.error({ err: { message: err.message, type: err.type } }, 'internal error outside GraphQL');
    const message = err.type === 'entity.parse.failed' ? 'the request body is not valid JSON'
      : err.type === 'entity.too.large' ? 'the request body is over 8 MB'
        : status >= 500 ? 'internal error' : 'bad request';
    res.status(status).json(errorBody(message, status >= 500 ? ApolloServerErrorCode.INTERNAL_SERVER_ERROR : ApolloServerErrorCode.BAD_REQUEST));
  };
}

export async function startServer(opts: ServerOptions & { port: number; host?: string }): Promise<RunningServer> {
  // A webhook file that cannot be read stops the server before it starts anything.
  const webhooks = loadWebhooks();
  const { app, apollo, services, schema, metrics } = await createApp(opts);
  // New alerts, whoever raised them: counted, pushed to subscriptions, sent to webhooks.
  const feed = await startAlertDelivery({ store: opts.store, jobs: services.jobs, metrics, webhooks, logger: opts.logger });
  const host = opts.host ?? '127.0.0.1';
  // The current run's scorer is read before the first request (a full read of its model), and
  // again as soon as a new run is current: no request of the clearance system waits for it.
  const warm = () => services.scoring.current().then(() => undefined, () => undefined);
  if (await opts.store.currentRunId()) await warm();
  services.jobs.onDone((job) => { if (job.kind === 'analysis' && job.status === 'done') void warm(); });
  const server: Server = await new Promise<Server>((resolve, reject) => {
    // Express 5 hands a listen error (a port in use) to this callback rather than throwing it.
    const s = app.listen(opts.port, host, (err?: Error) => {
      if (!err) return resolve(s);
      const code = (err as NodeJS.ErrnoException).code;
      reject(code === 'EADDRINUSE' ? new UsageError(`cannot serve on ${host}:${opts.port}: the port is already in use`)
        : code === 'EACCES' ? new UsageError(`cannot serve on ${host}:${opts.port}: permission denied`) : err);
    });
  }).catch(async (err) => {
    await apollo.stop();
    throw err;
  });
  // A client that sends its headers or body slowly is cut off (slowloris), whatever GraphQL then does.
  server.headersTimeout = 20_000;
  server.requestTimeout = 60_000;
  const subscriptions = serveSubscriptions(server, { schema, services, feed, validationRules: armorRules() });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;
  return {
    url: `http://${host}:${port}/graphql`, port, services,
    async close() {
      feed.stop();
      await subscriptions.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await apollo.stop();
      await services.jobs.close();
    },
  };
}
