/** GraphQL errors with codes; nothing else (no stack, no SQL) ever reaches a client. */
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import type { Logger } from '../util/logger';

export function badInput(message: string, extra: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT', ...extra } });
}

export function forbidden(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'FORBIDDEN', http: { status: 403 } } });
}

export function unauthenticated(): GraphQLError {
  return new GraphQLError('a valid API key is required (Authorization: Bearer KEY or X-Api-Key)', {
    extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } },
  });
}

export function notFound(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'NOT_FOUND' } });
}

const CLIENT_CODES = new Set([
  'BAD_USER_INPUT', 'FORBIDDEN', 'UNAUTHENTICATED', 'NOT_FOUND', 'GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST', 'PERSISTED_QUERY_NOT_FOUND', 'PERSISTED_QUERY_NOT_SUPPORTED', 'OPERATION_RESOLUTION_FAILURE', 'NO_CURRENT_RUN',
]);

/** Limits reported by graphql-armor become BAD_USER_INPUT naming the limit. */
const LIMIT_MESSAGES: Array<[RegExp, string]> = [
  [/depth limit/i, 'maxDepth'], [/aliases limit/i, 'maxAliases'], [/cost limit|query cost/i, 'maxCost'],
];

export function formatError(logger: Logger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const code = String(formatted.extensions?.code ?? 'INTERNAL_SERVER_ERROR');
    for (const [re, limit] of LIMIT_MESSAGES) {
      if (re.test(formatted.message)) {
        return { message: formatted.message.replace(/^Syntax Error: /, ''), extensions: { code: 'BAD_USER_INPUT', limit } };
      }
    }
    if (CLIENT_CODES.has(code)) {
      const { stacktrace: _s, exception: _e, ...extensions } = (formatted.extensions ?? {}) as Record<string, unknown>;
      return { message: formatted.message, ...(formatted.locations ? { locations: formatted.locations } : {}), ...(formatted.path ? { path: formatted.path } : {}), extensions };
    }
    // Anything else is ours: log it whole, tell the client only that it failed.
    logger.error({ err: error }, 'internal error in a GraphQL request');
    return { message: 'internal error', ...(formatted.path ? { path: formatted.path } : {}), extensions: { code: 'INTERNAL_SERVER_ERROR' } };
  };
}
