/**
 * What one request may cost, computed from the arguments as they will be resolved (literals,
 * variables and defaults alike), before anything runs:
 * - cost: every field selected counts 1, and the fields under a list-sized argument (`first`,
 *   `limit`, the `inputs` of a batch) count that many times over, so a nested page of pages
 *   costs what it would return;
 * - batch: the declarations scored or selected, summed over every field of the request (aliases
 *   do not multiply the limit);
 * then, while it runs, a time budget, and before it is sent, a response size limit.
 */
import type { ApolloServerPlugin } from '@apollo/server';
import { ApolloServerErrorCode } from '@apollo/server/errors';
import {
  GraphQLError, getArgumentValues, getNamedType, getVariableValues, isInterfaceType, isObjectType, Kind, type FragmentDefinitionNode,
  type GraphQLField, type GraphQLNamedType, type GraphQLSchema, type OperationDefinitionNode, type SelectionSetNode,
} from 'graphql';

/** Limits of single arguments, checked by the resolvers (each error names its limit). */
export const FIELD_LIMITS = { maxHops: 3, maxSubgraph: 500, maxBatch: 1000, maxPathHops: 6, maxFirst: 100 } as const;

export const QUERY_LIMITS = {
  /** The deepest valid query of the schema is 9 levels (rings > ... > subgraph > nodes > declarations > ... > id). */
  maxDepth: 10,
  maxAliases: 20,
  maxCost: 20_000,
  /** Declarations scored or selected in one request, whatever the number of fields asking. */
  maxBatch: 1000,
  /** A request still resolving fields after this long is stopped. */
  timeBudgetMs: 10_000,
  /** Largest response body sent. */
  maxResponseBytes: 8 * 1024 * 1024,
} as const;

const clamp = (n: number, max: number) => Math.min(max, Math.max(1, n));

/** Fields whose children come back once per item of a list argument. */
const BATCH_FIELDS = new Set(['scoreDeclarations', 'selectDeclarations']);

export function limitError(message: string, limit: keyof typeof QUERY_LIMITS): GraphQLError {
  return new GraphQLError(message, { extensions: { code: ApolloServerErrorCode.BAD_USER_INPUT, limit, http: { status: 400 } } });
}

interface Measure {
  cost: number;
  batch: number;
}

/** The cost and batch size of an operation with its variables coerced (undefined when they do not coerce: validation reports that). */
export function measureOperation(
  schema: GraphQLSchema, operation: OperationDefinitionNode, fragments: Record<string, FragmentDefinitionNode>, rawVariables: Record<string, unknown>,
): Measure | undefined {
  const vars = getVariableValues(schema, operation.variableDefinitions ?? [], rawVariables);
  if (vars.errors) return undefined;
  const root = operation.operation === 'mutation' ? schema.getMutationType() : operation.operation === 'subscription' ? schema.getSubscriptionType() : schema.getQueryType();
  if (!root) return undefined;
  const m: Measure = { cost: 0, batch: 0 };
  m.cost = selectionCost(root, operation.selectionSet, vars.coerced, fragments, m, 1, new Set());
  return m;
}

function selectionCost(
  type: GraphQLNamedType, set: SelectionSetNode, vars: Record<string, unknown>, fragments: Record<string, FragmentDefinitionNode>,
  m: Measure, times: number, seen: Set<string>,
): number {
  let cost = 0;
  for (const sel of set.selections) {
    if (sel.kind === Kind.INLINE_FRAGMENT) {
      // The schema has no interfaces or unions: an inline fragment selects on the same type.
      cost += selectionCost(type, sel.selectionSet, vars, fragments, m, times, seen);
      continue;
    }
    if (sel.kind === Kind.FRAGMENT_SPREAD) {
      const frag = fragments[sel.name.value];
      // A fragment that spreads itself is refused by validation; here it is simply not counted twice.
      if (!frag || seen.has(frag.name.value)) continue;
      cost += selectionCost(type, frag.selectionSet, vars, fragments, m, times, new Set([...seen, frag.name.value]));
      continue;
    }
    if (!isObjectType(type) && !isInterfaceType(type)) continue;
    const field = type.getFields()[sel.name.value] as GraphQLField<unknown, unknown> | undefined;
    if (!field) continue; // __typename, or a field validation will refuse
    let args: Record<string, unknown> = {};
    try {
      args = getArgumentValues(field, sel, vars);
    } catch {
      // An argument that does not coerce is reported by execution.
    }
    let each = 1;
    if (BATCH_FIELDS.has(field.name) && Array.isArray(args.inputs)) {
      each = clamp(args.inputs.length, FIELD_LIMITS.maxBatch);
      m.batch += args.inputs.length * times;
      // Past its own limit, the field's resolver refuses the request, naming that limit.
    } else if (typeof args.first === 'number') each = clamp(args.first, FIELD_LIMITS.maxFirst);
    else if (typeof args.limit === 'number') each = clamp(args.limit, FIELD_LIMITS.maxSubgraph);
    const children = sel.selectionSet ? selectionCost(getNamedType(field.type), sel.selectionSet, vars, fragments, m, times * each, seen) : 0;
    cost += 1 + each * children;
  }
  return cost;
}

/** The plugin that applies QUERY_LIMITS' cost, batch, time and size limits to every operation. */
export function requestLimits(limits: { maxCost: number; maxBatch: number; timeBudgetMs: number; maxResponseBytes: number } = QUERY_LIMITS): ApolloServerPlugin {
  return {
    async requestDidStart() {
      let deadline = Number.POSITIVE_INFINITY;
      return {
        async didResolveOperation({ operation, document, request, schema }) {
          if (!operation) return;
          const fragments: Record<string, FragmentDefinitionNode> = {};
          for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments[d.name.value] = d;
          const m = measureOperation(schema, operation, fragments, request.variables ?? {});
          if (!m) return;
          if (m.batch > limits.maxBatch) throw limitError(`at most ${limits.maxBatch} declarations per request (this one asks for ${m.batch})`, 'maxBatch');
          if (m.cost > limits.maxCost) throw limitError(`Query Cost limit of ${limits.maxCost} exceeded, found ${m.cost}.`, 'maxCost');
          deadline = Date.now() + limits.timeBudgetMs;
        },
        async executionDidStart() {
          return {
            willResolveField() {
              if (Date.now() >= deadline) throw limitError(`the request ran past its time budget of ${limits.timeBudgetMs} ms`, 'timeBudgetMs');
            },
          };
        },
        async willSendResponse({ response }) {
          if (response.body.kind !== 'single') return;
          const size = Buffer.byteLength(JSON.stringify(response.body.singleResult));
          if (size <= limits.maxResponseBytes) return;
          const error = limitError(`the response would be ${size} bytes, over the limit of ${limits.maxResponseBytes}: ask for fewer items`, 'maxResponseBytes');
          response.body.singleResult = { errors: [{ message: error.message, extensions: { code: ApolloServerErrorCode.BAD_USER_INPUT, limit: 'maxResponseBytes' } }] };
          response.http.status = 400;
        },
      };
    },
  };
}
