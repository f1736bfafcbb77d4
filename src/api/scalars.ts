/**
 * The schema's scalars, and its enums whose values are the domain's words.
 * Date and DateTime are strict on the way in (a value that is not a real calendar day or moment is
 * refused before any resolver runs: BAD_USER_INPUT as a variable, GRAPHQL_VALIDATION_FAILED as a
 * literal) and give the stored ISO strings on the way out, DateTime always in UTC.
 */
import { GraphQLError, GraphQLScalarType, Kind, type ValueNode } from 'graphql';

const DAY = /^(\d{4})-(\d{2})-(\d{2})/;
const MOMENT = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;

function isCalendarDay(y: number, m: number, d: number): boolean {
  const t = new Date(Date.UTC(y, m - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === m - 1 && t.getUTCDate() === d;
}

/** The day of an ISO date or date-time string; undefined when it does not start with a calendar day. */
function dayOf(value: string): string | undefined {
  const m = DAY.exec(value);
  return m && isCalendarDay(Number(m[1]), Number(m[2]), Number(m[3])) ? value.slice(0, 10) : undefined;
}

function parseDay(value: unknown): string {
  if (typeof value !== 'string' || value.length !== 10 || !dayOf(value)) throw new GraphQLError(`Date must be a calendar day, YYYY-MM-DD: ${String(value).slice(0, 40)}`);
  return value;
}

function parseMoment(value: unknown): string {
  const t = typeof value === 'string' && MOMENT.test(value) && dayOf(value) ? Date.parse(value.replace(' ', 'T')) : NaN;
  if (Number.isNaN(t)) throw new GraphQLError(`DateTime must be an ISO 8601 date-time with an offset: ${String(value).slice(0, 40)}`);
  return new Date(t).toISOString();
}

function literal(parse: (v: unknown) => string) {
  return (ast: ValueNode): string => {
    if (ast.kind !== Kind.STRING) throw new GraphQLError('expected a string');
    return parse(ast.value);
  };
}

export const DateScalar = new GraphQLScalarType({
  name: 'Date',
  serialize(value) {
    const day = typeof value === 'string' ? dayOf(value) : undefined;
    if (!day) throw new GraphQLError(`not a date: ${String(value).slice(0, 40)}`);
    return day;
  },
  parseValue: parseDay,
  parseLiteral: literal(parseDay),
});

export const DateTimeScalar = new GraphQLScalarType({
  name: 'DateTime',
  serialize(value) {
    const t = value instanceof Date ? value.getTime() : typeof value === 'string' ? Date.parse(value) : NaN;
    if (Number.isNaN(t)) throw new GraphQLError(`not a date-time: ${String(value).slice(0, 40)}`);
    return new Date(t).toISOString();
  },
  parseValue: parseMoment,
  parseLiteral: literal(parseMoment),
});

export const JSONScalar = new GraphQLScalarType({ name: 'JSON', serialize: (v) => v, parseValue: (v) => v });

/** An enum whose values are the domain's lowercase words (seizure, running, lodge, ...): NAME → word, both ways. */
export function wordsEnum(words: readonly string[]): Record<string, string> {
  return Object.fromEntries(words.map((w) => [w.toUpperCase(), w]));
}
