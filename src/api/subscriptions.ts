/**
 * GraphQL subscriptions over WebSocket (graphql-ws) on the API's own path and port, with the
 * same keys, roles, depth and alias limits, audit and error codes as HTTP: the key in
 * connectionParams (`apiKey`) or the upgrade request's Authorization / X-API-Key header, checked
 * before the connection is acknowledged. Only subscriptions are served here: queries and
 * mutations go over HTTP, where every limit and the audit apply.
 */
import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import {
  GraphQLError, Kind, parse, specifiedRules, validate,
  type DocumentNode, type FragmentDefinitionNode, type GraphQLFormattedError, type GraphQLSchema, type OperationDefinitionNode, type ValidationRule,
} from 'graphql';
import { limitError, measureOperation, QUERY_LIMITS } from './limits';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { AlertFeed } from '../alerts/feed';
import type { ApiKey } from './auth';
import { apiKeyOf, contextFor, type ApiContext, type ApiServices } from './context';
import { ApolloServerErrorCode } from '@apollo/server/errors';
import { formatError } from './errors';

type Extra = {
  key?: ApiKey;
  purpose?: string;
};

export interface SubscriptionServer {
  close(): Promise<void>;
}

export function serveSubscriptions(
  server: Server, opts: { schema: GraphQLSchema; services: ApiServices; feed: AlertFeed; validationRules: ValidationRule[]; path?: string },
): SubscriptionServer {
  const { services } = opts;
  const wss = new WebSocketServer({ server, path: opts.path ?? '/graphql', maxPayload: 1 << 20 });
  const format = formatError(services.logger);
  const formatted = (errors: readonly GraphQLError[]): GraphQLFormattedError[] => errors.map((e) => format(e.toJSON(), e));
  const disposable = useServer<Record<string, unknown> | undefined, Extra>({
    schema: opts.schema,
    onConnect(ctx) {
      const params = ctx.connectionParams ?? {};
      const given = typeof params.apiKey === 'string' ? params.apiKey : apiKeyOf(ctx.extra.request.headers);
      const key = services.keys.identify(given);
      // graphql-ws closes the socket with 4403 Forbidden: no subscription without a key.
      if (!key) return false;
      ctx.extra.key = key;
      if (typeof params.purpose === 'string') ctx.extra.purpose = params.purpose.slice(0, 500);
      return true;
    },
    // Parsed, validated (the HTTP API's depth and alias rules) and costed here, with the
    // variables: a subscription is refused before it starts, as a query would be.
    onSubscribe(ctx, _id, payload) {
      let document: DocumentNode;
      try {
        document = parse(payload.query);
      } catch (err) {
        return [err as GraphQLError];
      }
      const errors = validate(opts.schema, document, [...specifiedRules, ...opts.validationRules]);
      if (errors.length) return errors;
      const op = document.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION && (!payload.operationName || d.name?.value === payload.operationName));
      if (!op || op.operation !== 'subscription') {
        return [new GraphQLError('only subscriptions are served over WebSocket: send queries and mutations over HTTP', { extensions: { code: ApolloServerErrorCode.BAD_USER_INPUT } })];
      }
      const fragments = Object.fromEntries(document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((d) => [d.name.value, d]));
      const cost = measureOperation(opts.schema, op, fragments, payload.variables ?? {})?.cost ?? 0;
      if (cost > QUERY_LIMITS.maxCost) return [limitError(`Query Cost limit of ${QUERY_LIMITS.maxCost} exceeded, found ${cost}.`, 'maxCost')];
      const contextValue: ApiContext & { feed: AlertFeed } = {
        ...contextFor(services, ctx.extra.key!, randomUUID(), { ...(ctx.extra.purpose ? { purpose: ctx.extra.purpose } : {}) }), feed: opts.feed,
      };
      return { schema: opts.schema, document, operationName: payload.operationName, variableValues: payload.variables, contextValue };
    },
    // Each alert pushed is an identity read: its audit record is written before it leaves.
    async onNext(ctx, _id, _payload, args, result) {
      const c = args.contextValue as ApiContext;
      await c.audit.write(services.store, c.key, c);
      // A subscription lives for days: its loaders must not keep every entity it ever pushed.
      for (const loader of Object.values(c.loaders)) loader.clearAll();
      return result.errors ? { ...result, errors: formatted(result.errors) } : undefined;
    },
    onError: (_ctx, _id, _payload, errors) => formatted(errors),
  }, wss);
  return {
    async close() {
      await disposable.dispose();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
