/**
 * The audit of identity reads, in one place. Every object of an identity type (an Entity, a
 * Declaration) that a response carries is noted, whatever field, alias or page brought it there,
 * under the top-level field of the request that led to it; so is every top-level field that can
 * lead to one, even when it found nothing. When the response is ready, one record per top-level
 * field is appended (who, role, operation, ids, request id); a response whose audit cannot be
 * written is not sent.
 *
 * The rule comes from the schema, so a new field cannot forget it: identityRoots() lists the
 * top-level fields whose result can reach an identity type.
 */
import type { GraphQLRequestContextWillSendResponse } from '@apollo/server';
import { ApolloServerErrorCode } from '@apollo/server/errors';
import {
  defaultFieldResolver, getNamedType, isAbstractType, isObjectType, type GraphQLFieldResolver, type GraphQLNamedType, type GraphQLResolveInfo, type GraphQLSchema,
} from 'graphql';
import type { AuditLog } from '../store/audit-log';

/** Types whose objects are identities: reading one is recorded. */
export const IDENTITY_TYPES = ['Entity', 'Declaration'] as const;
/** Fields that return identities inside text (an export's GEXF, GraphML or JSON; a report's default identifiers): their resolvers note what they wrote. */
export const IDENTITY_TEXT_FIELDS = ['Query.exportGraph', 'Query.runReport'] as const;

/** The identities a request has let out, by top-level field (response key → field name and ids). */
export class AuditLedger {
  private readonly entries = new Map<string, { operation: string; ids: Set<string>; detail?: string }>();

  /** Opens the entry of the top-level field `info` belongs to, and notes the ids under it (and what a change changed). */
  note(info: Pick<GraphQLResolveInfo, 'path' | 'operation'>, ids: Iterable<string>, detail?: string): void {
    let root = info.path;
    while (root.prev) root = root.prev;
    const key = String(root.key);
    let entry = this.entries.get(key);
    if (!entry) {
      const field = info.operation.selectionSet.selections.find((s) => s.kind === 'Field' && (s.alias?.value ?? s.name.value) === key);
      entry = { operation: field?.kind === 'Field' ? field.name.value : key, ids: new Set() };
      this.entries.set(key, entry);
    }
    for (const id of ids) entry.ids.add(id);
    if (detail) entry.detail = detail;
  }

  async write(log: AuditLog, who: { name: string; role: string }, request: { requestId: string; clientRequestId?: string; purpose?: string }): Promise<void> {
    const at = new Date().toISOString();
    for (const { operation, ids, detail } of this.entries.values()) {
      await log.appendAudit({
        at, who: who.name, role: who.role, operation, entityIds: [...ids], requestId: request.requestId,
        ...(request.clientRequestId ? { clientRequestId: request.clientRequestId } : {}), ...(request.purpose ? { purpose: request.purpose } : {}),
        ...(detail ? { detail } : {}),
      });
    }
    this.entries.clear();
  }
}

/** Top-level fields (`Query.x`, `Mutation.y`) whose result can reach an identity type, or that write identities as text. */
export function identityRoots(schema: GraphQLSchema): string[] {
  const reaches = new Map<string, boolean>();
  const identity = new Set<string>(IDENTITY_TYPES);
  const visit = (type: GraphQLNamedType, path: Set<string>): boolean => {
    if (identity.has(type.name)) return true;
    // An interface (Node) reaches an identity when one of its types does.
    if (isAbstractType(type)) return schema.getPossibleTypes(type).some((t) => visit(t, path));
    if (!isObjectType(type)) return false;
    const known = reaches.get(type.name);
    if (known !== undefined) return known;
    if (path.has(type.name)) return false;
    const next = new Set(path).add(type.name);
    const found = Object.values(type.getFields()).some((f) => visit(getNamedType(f.type), next));
    if (path.size === 0) reaches.set(type.name, found);
    return found;
  };
  const out: string[] = [];
  for (const root of [schema.getQueryType(), schema.getMutationType()]) {
    if (!root) continue;
    for (const f of Object.values(root.getFields())) {
      const name = `${root.name}.${f.name}`;
      if (visit(getNamedType(f.type), new Set()) || (IDENTITY_TEXT_FIELDS as readonly string[]).includes(name)) out.push(name);
    }
  }
  return out;
}

type Resolvers = Record<string, unknown>;
interface Audited { audit: AuditLedger; requirePurpose(): Promise<void> }

/**
 * The resolvers with every field of every identity type noting its object's id in the request's
 * ledger, and every top-level identity field opening its entry as it starts (so a read that found
 * nothing is recorded too).
 */
export function auditedResolvers<R extends Resolvers>(resolvers: R, schema: GraphQLSchema): R {
  const out: Resolvers = { ...resolvers };
  for (const root of identityRoots(schema)) {
    const [typeName, field] = root.split('.') as [string, string];
    const own = { ...((out[typeName] as object | undefined) ?? {}) } as Record<string, GraphQLFieldResolver<unknown, Audited>>;
    const resolve = own[field] ?? defaultFieldResolver;
    // Checked before anything is read: a refused read reads nothing (and is still recorded).
    own[field] = async (parent, args, ctx, info) => {
      ctx.audit.note(info, []);
      await ctx.requirePurpose();
      return resolve(parent, args, ctx, info);
    };
    out[typeName] = own;
  }
  for (const typeName of IDENTITY_TYPES) {
    const type = schema.getType(typeName);
    if (!isObjectType(type)) throw new Error(`the schema has no type ${typeName} to audit`);
    const own = { ...((resolvers[typeName] as object | undefined) ?? {}) } as Record<string, GraphQLFieldResolver<{ id: string }, Audited>>;
    for (const field of Object.keys(type.getFields())) {
      const resolve = own[field] ?? defaultFieldResolver;
      own[field] = (parent, args, ctx, info) => {
        ctx.audit.note(info, [parent.id]);
        return resolve(parent, args, ctx, info);
      };
    }
    out[typeName] = own;
  }
  return out as R;
}

/** Apollo's willSendResponse hook that writes the ledger before the response leaves (server.ts runs it). */
export async function writeAudit<C extends Audited & { key: { name: string; role: string }; requestId: string; clientRequestId?: string; purpose?: string; store: AuditLog }>(
  { contextValue, response }: GraphQLRequestContextWillSendResponse<C>,
): Promise<void> {
  // No context: the request was refused before it had one (a malformed operation).
  if (!contextValue?.audit) return;
  try {
    await contextValue.audit.write(contextValue.store, contextValue.key, contextValue);
  } catch {
    // Identities whose reading cannot be recorded do not leave.
    if (response.body.kind === 'single') {
      response.body.singleResult = { errors: [{ message: 'internal error', extensions: { code: ApolloServerErrorCode.INTERNAL_SERVER_ERROR } }] };
    }
    response.http.status = 500;
  }
}
