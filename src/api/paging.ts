/** Relay-style connections with opaque cursors and a capped `first`. */
import { badInput } from './errors';
import { FIELD_LIMITS } from './limits';

export const MAX_FIRST = FIELD_LIMITS.maxFirst;

export function encodeCursor(value: string | number): string {
  return Buffer.from(JSON.stringify({ v: value })).toString('base64url');
}

export function decodeCursor(cursor: string | null | undefined): string | number | undefined {
  if (cursor === null || cursor === undefined) return undefined;
  try {
    const v = (JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { v?: unknown }).v;
    if (typeof v === 'string' || typeof v === 'number') return v;
  } catch {
    // fall through
  }
  throw badInput('malformed cursor', { argument: 'after' });
}

/** A cursor holding a position or a numeric id: a whole number from 0, or BAD_USER_INPUT. */
export function decodeCountCursor(cursor: string | null | undefined): number | undefined {
  const v = decodeCursor(cursor);
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw badInput('malformed cursor', { argument: 'after' });
  return v;
}

export function checkFirst(first: number | null | undefined, max = MAX_FIRST): number {
  const n = first ?? 20;
  if (!Number.isInteger(n) || n < 1 || n > max) throw badInput(`first must be between 1 and ${max}`, { argument: 'first', limit: 'maxFirst' });
  return n;
}

/**
 * A connection from `first + 1` fetched items: the extra one only says there is a next page. A
 * page asked for after a cursor has items before it. `total` counts every page's items, only
 * when a client asks for totalCount (GraphQL's default resolver calls it).
 */
export function connection<T>(items: T[], first: number, cursorOf: (t: T) => string | number, page: { after: unknown; total: () => number | Promise<number> }) {
  const shown = items.slice(0, first);
  const cursors = shown.map((node) => encodeCursor(cursorOf(node)));
  return {
    edges: shown.map((node, i) => ({ cursor: cursors[i]!, node })),
    pageInfo: {
      hasNextPage: items.length > first, hasPreviousPage: page.after !== undefined && page.after !== null,
      startCursor: cursors[0] ?? null, endCursor: cursors[cursors.length - 1] ?? null,
    },
    totalCount: page.total,
  };
}
