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
import type { GraphQLRequestContextDidResolveOperation } from '@apollo/server';
import { ApolloServerErrorCode } from '@apollo/server/errors';
import {
  GraphQLError, getNamedType, type FormattedExecutionResult, isInterfaceType, isObjectType, Kind, type FieldNode, type FragmentDefinitionNode, type GraphQLField,
  type GraphQLFieldResolver, type GraphQLResolveInfo, type GraphQLNamedType, type GraphQLSchema, type OperationDefinitionNode, type SelectionSetNode, type ValueNode,
} from 'graphql';

/** Limits of single arguments, checked by the resolvers (each error names its limit). */
export const FIELD_LIMITS = { maxHops: 3, maxSubgraph: 500, maxBatch: 1000, maxPathHops: 6, maxFirst: 100 } as const;

export const QUERY_LIMITS = {
  /** The deepest valid query of the schema is 9 levels (rings > ... > subgraph > nodes > declarations > ... > id). */
  maxDepth: 10,
  maxAliases: 20,
  maxCost: 20_000,
  /** Declarations scored or selected in one request, whatever the number of fields asking (as many as one field may take). */
  maxBatch: FIELD_LIMITS.maxBatch,
  /** A request still resolving fields after this long is stopped. */
  timeBudgetMs: 10_000,
  /** Largest response body sent. */
  maxResponseBytes: 8 * 1024 * 1024,
} as const;

const clamp = (n: number, max: number) => Math.min(max, Math.max(1, n));

/** Fields whose children come back once per item of a list argument. */
/** Fields that take a batch, by the argument that holds it: their items count together against maxBatch, however many aliases ask. */
const BATCH_FIELDS: ReadonlyMap<string, string> = new Map([
  ['scoreDeclarations', 'inputs'], ['selectDeclarations', 'inputs'], ['lodgeDeclarations', 'inputs'], ['recordOutcomes', 'outcomes'],
]);

export function limitError(message: string, limit: keyof typeof QUERY_LIMITS): GraphQLError {
  return new GraphQLError(message, { extensions: { code: ApolloServerErrorCode.BAD_USER_INPUT, limit, http: { status: 400 } } });
}

interface Measure {
  cost: number;
  batch: number;
}

/**
 * The cost and batch size of an operation. Only sizes are read (a whole number, or a list's
 * length), from literals, variables (their values, else their defaults) and the fields' defaults;
 * whether the values are valid is execution's business, so nothing is coerced twice.
 */
export function measureOperation(
  schema: GraphQLSchema, operation: OperationDefinitionNode, fragments: Record<string, FragmentDefinitionNode>, rawVariables: Record<string, unknown>,
): Measure | undefined {
  const root = operation.operation === 'mutation' ? schema.getMutationType() : operation.operation === 'subscription' ? schema.getSubscriptionType() : schema.getQueryType();
  if (!root) return undefined;
  const vars: Record<string, unknown> = {};
  for (const d of operation.variableDefinitions ?? []) {
    const name = d.variable.name.value;
    vars[name] = name in rawVariables ? rawVariables[name] : d.defaultValue ? literal(d.defaultValue, {}) : undefined;
  }
  const m: Measure = { cost: 0, batch: 0 };
  m.cost = selectionCost(schema, root, operation.selectionSet, vars, fragments, m, 1, new Set());
  return m;
}

/** A size as written in the operation: an integer, a list (its items), or a variable's value. */
function literal(node: ValueNode, vars: Record<string, unknown>): unknown {
  switch (node.kind) {
    case Kind.INT: return Number(node.value);
    case Kind.LIST: return node.values;
    case Kind.VARIABLE: return vars[node.name.value];
    default: return undefined;
  }
}

/** The size arguments of a field as they will resolve: given (literal or variable), else the field's default. */
function sizeArgs(field: GraphQLField<unknown, unknown>, node: FieldNode, vars: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const a of field.args) {
    if (a.name !== 'first' && a.name !== 'limit' && BATCH_FIELDS.get(field.name) !== a.name) continue;
    const given = node.arguments?.find((x) => x.name.value === a.name);
    const v = given ? literal(given.value, vars) : a.defaultValue;
    if (v !== undefined && v !== null) out[a.name] = v;
  }
  return out;
}

function selectionCost(
  schema: GraphQLSchema, type: GraphQLNamedType, set: SelectionSetNode, vars: Record<string, unknown>, fragments: Record<string, FragmentDefinitionNode>,
  m: Measure, times: number, seen: Set<string>,
): number {
  // A fragment selects on its type condition (`... on Entity` inside node(id:), a Node): its fields are that type's.
  const on = (condition: { name: { value: string } } | undefined) => (condition ? schema.getType(condition.name.value) ?? type : type);
  let cost = 0;
  for (const sel of set.selections) {
    if (sel.kind === Kind.INLINE_FRAGMENT) {
      cost += selectionCost(schema, on(sel.typeCondition), sel.selectionSet, vars, fragments, m, times, seen);
      continue;
    }
    if (sel.kind === Kind.FRAGMENT_SPREAD) {
      const frag = fragments[sel.name.value];
      // A fragment that spreads itself is refused by validation; here it is simply not counted twice.
      if (!frag || seen.has(frag.name.value)) continue;
      cost += selectionCost(schema, on(frag.typeCondition), frag.selectionSet, vars, fragments, m, times, new Set([...seen, frag.name.value]));
      continue;
    }
    if (!isObjectType(type) && !isInterfaceType(type)) continue;
    const field = type.getFields()[sel.name.value] as GraphQLField<unknown, unknown> | undefined;
    if (!field) continue; // __typename, or a field validation will refuse
    const args = sizeArgs(field, sel, vars);
    let each = 1;
    const batch = args[BATCH_FIELDS.get(field.name) ?? ''];
    if (Array.isArray(batch)) {
      each = clamp(batch.length, FIELD_LIMITS.maxBatch);
      m.batch += batch.length * times;
      // Past its own limit, the field's resolver refuses the request, naming that limit.
    } else if (typeof args.first === 'number') each = clamp(args.first, FIELD_LIMITS.maxFirst);
    else if (typeof args.limit === 'number') each = clamp(args.limit, FIELD_LIMITS.maxSubgraph);
    const children = sel.selectionSet ? selectionCost(schema, getNamedType(field.type), sel.selectionSet, vars, fragments, m, times * each, seen) : 0;
    cost += 1 + each * children;
  }
  return cost;
}

interface Timed { deadline?: number }

/**
 * Apollo's didResolveOperation hook that applies the cost and batch limits to an operation and
 * starts its time budget (server.ts runs it from one plugin beside the audit's).
 */
export function checkOperation(limits: { maxCost: number; maxBatch: number; timeBudgetMs: number } = QUERY_LIMITS) {
  return async ({ operation, document, request, schema, contextValue }: GraphQLRequestContextDidResolveOperation<Timed>): Promise<void> => {
    if (!operation) return;
    const fragments: Record<string, FragmentDefinitionNode> = {};
    for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments[d.name.value] = d;
    const m = measureOperation(schema, operation, fragments, request.variables ?? {});
    if (!m) return;
    if (m.batch > limits.maxBatch) throw limitError(`at most ${limits.maxBatch} declarations per request (this one asks for ${m.batch})`, 'maxBatch');
    if (m.cost > limits.maxCost) throw limitError(`Query Cost limit of ${limits.maxCost} exceeded, found ${m.cost}.`, 'maxCost');
    contextValue.deadline = Date.now() + limits.timeBudgetMs;
  };
}

/**
 * The resolvers, each refusing to start once its request is past its time budget. Only the
 * project's resolvers are wrapped (they do the reading); plain property reads stay as they are.
 */
export function withTimeBudget<R extends Record<string, unknown>>(resolvers: R, budgetMs: number): R {
  const out: Record<string, unknown> = {};
  for (const [typeName, fields] of Object.entries(resolvers)) {
    if (typeof fields !== 'object' || fields === null || Object.getPrototypeOf(fields) !== Object.prototype) {
      out[typeName] = fields; // a scalar
      continue;
    }
    const wrapped: Record<string, unknown> = {};
    for (const [name, resolve] of Object.entries(fields as Record<string, GraphQLFieldResolver<unknown, Timed> | string>)) {
      // An enum's internal values (NAME → word) and __resolveType are not field resolvers.
      if (typeof resolve !== 'function' || name.startsWith('__')) {
        wrapped[name] = resolve;
        continue;
      }
      wrapped[name] = (parent: unknown, args: Record<string, unknown>, ctx: Timed, info: GraphQLResolveInfo) => {
        if (ctx.deadline !== undefined && Date.now() >= ctx.deadline) throw limitError(`the request ran past its time budget of ${budgetMs} ms`, 'timeBudgetMs');
        return resolve(parent, args, ctx, info);
      };
    }
    out[typeName] = wrapped;
  }
  return out as R;
}

/**
 * Apollo's stringifyResult with the response size limit: the result is serialized once, here, and
 * a body over the limit is replaced by the error that says so.
 */
export function sizedStringify(maxBytes: number): (value: FormattedExecutionResult) => string {
  return (value) => {
    const body = JSON.stringify(value);
    if (body.length <= maxBytes / 4 || Buffer.byteLength(body) <= maxBytes) return body;
    const message = `the response would be ${Buffer.byteLength(body)} bytes, over the limit of ${maxBytes}: ask for fewer items`;
    return JSON.stringify({ errors: [{ message, extensions: { code: ApolloServerErrorCode.BAD_USER_INPUT, limit: 'maxResponseBytes' } }] });
  };
}
