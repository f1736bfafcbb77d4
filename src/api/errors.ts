/**
 * GraphQL errors with codes; nothing else (no stack, no SQL) ever reaches a client. Codes are
 * Apollo Server's own (ApolloServerErrorCode) plus the project's (ApiErrorCode); an error of the
 * project that a resolver lets through keeps its code (NO_CURRENT_RUN, NOT_FOUND, ...).
 */
import { ApolloServerErrorCode, ApolloServerValidationErrorCode, unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { ERROR_CODES, isCustomsGraphError } from '../util/errors';
import type { Logger } from '../util/logger';

/** The project's codes beside Apollo Server's. */
export enum ApiErrorCode {
  UNAUTHENTICATED = 'UNAUTHENTICATED',
  FORBIDDEN = 'FORBIDDEN',
  NOT_FOUND = 'NOT_FOUND',
  NO_CURRENT_RUN = 'NO_CURRENT_RUN',
  /** A change made from an older version of what it changes (two people editing one case). */
  CONFLICT = 'CONFLICT',
}

export function badInput(message: string, extra: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { code: ApolloServerErrorCode.BAD_USER_INPUT, ...extra } });
}

export function forbidden(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: ApiErrorCode.FORBIDDEN, http: { status: 403 } } });
}

export function unauthenticated(): GraphQLError {
  return new GraphQLError('a valid API key is required (Authorization: Bearer KEY or X-Api-Key)', {
    extensions: { code: ApiErrorCode.UNAUTHENTICATED, http: { status: 401 } },
  });
}

/** An identity read without the purpose its role must give (CUSTOMS_GRAPH_PURPOSE_REQUIRED). */
export function purposeRequired(role: string): GraphQLError {
  return new GraphQLError(
    `the ${role} role must say why it reads identities: send the header X-Purpose (case:<case id>, or a reason), or extensions.purpose in the request`,
    { extensions: { code: ApiErrorCode.FORBIDDEN, reason: 'PURPOSE_REQUIRED', http: { status: 403 } } },
  );
}

export function conflict(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: ApiErrorCode.CONFLICT } });
}

/** Something an argument names does not exist: the one not-found behaviour of the API (schema.graphql's header). */
export function notFound(message: string, argument: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: ApiErrorCode.NOT_FOUND, argument } });
}

/** Errors of the project that a client may see as they are, under these codes. */
const PROJECT_CODES: Partial<Record<string, string>> = {
  [ERROR_CODES.NO_CURRENT_RUN]: ApiErrorCode.NO_CURRENT_RUN,
  [ERROR_CODES.NOT_FOUND]: ApiErrorCode.NOT_FOUND,
  [ERROR_CODES.USAGE]: ApolloServerErrorCode.BAD_USER_INPUT,
};

const CLIENT_CODES = new Set<string>([
  ApolloServerErrorCode.BAD_USER_INPUT, ApolloServerErrorCode.GRAPHQL_PARSE_FAILED, ApolloServerErrorCode.GRAPHQL_VALIDATION_FAILED,
  ApolloServerErrorCode.BAD_REQUEST, ApolloServerErrorCode.PERSISTED_QUERY_NOT_FOUND, ApolloServerErrorCode.PERSISTED_QUERY_NOT_SUPPORTED,
  ApolloServerErrorCode.OPERATION_RESOLUTION_FAILURE, ApolloServerValidationErrorCode.INTROSPECTION_DISABLED,
  ...Object.values(ApiErrorCode),
]);

/** Limits reported by graphql-armor become BAD_USER_INPUT naming the limit. */
const LIMIT_MESSAGES: Array<[RegExp, string]> = [
  [/depth limit/i, 'maxDepth'], [/aliases limit/i, 'maxAliases'], [/cost limit|query cost/i, 'maxCost'],
];

export function formatError(logger: Logger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    for (const [re, limit] of LIMIT_MESSAGES) {
      if (re.test(formatted.message)) {
        return { message: formatted.message.replace(/^Syntax Error: /, ''), extensions: { code: ApolloServerErrorCode.BAD_USER_INPUT, limit } };
      }
    }
    const where = { ...(formatted.locations ? { locations: formatted.locations } : {}), ...(formatted.path ? { path: formatted.path } : {}) };
    const original = unwrapResolverError(error);
    if (isCustomsGraphError(original) && PROJECT_CODES[original.code]) {
      return { message: original.message, ...where, extensions: { code: PROJECT_CODES[original.code] } };
    }
    const code = String(formatted.extensions?.code ?? ApolloServerErrorCode.INTERNAL_SERVER_ERROR);
    if (CLIENT_CODES.has(code)) {
      const { stacktrace: _s, exception: _e, ...extensions } = (formatted.extensions ?? {}) as Record<string, unknown>;
      return { message: formatted.message, ...where, extensions };
    }
    // Anything else is ours: log it whole, tell the client only that it failed.
    logger.error({ err: error }, 'internal error in a GraphQL request');
    return { message: 'internal error', ...(formatted.path ? { path: formatted.path } : {}), extensions: { code: ApolloServerErrorCode.INTERNAL_SERVER_ERROR } };
  };
}
