/** Driver values (Integer, Node, Relationship, temporal) to the plain values of the contract. */
import neo4j, { isInt, isNode, isRelationship, type Integer, type Record as Neo4jRecord } from 'neo4j-driver';

export function toPlain(value: unknown): unknown {
  if (value === null || value === undefined) return value ?? null;
  if (isInt(value)) {
    const i = value as Integer;
    return neo4j.integer.inSafeRange(i) ? i.toNumber() : i.toString();
  }
  if (isNode(value)) return { id: value.elementId, labels: value.labels, properties: toPlain(value.properties) };
  if (isRelationship(value)) {
    return { id: value.elementId, type: value.type, source: value.startNodeElementId, target: value.endNodeElementId, properties: toPlain(value.properties) };
  }
  if (Array.isArray(value)) return value.map(toPlain);
  if (typeof value === 'object') {
    const v = value as { toString?: () => string; constructor?: { name?: string } };
    // Dates, times and durations become ISO strings.
    if (v.constructor && /^(Date|DateTime|LocalDateTime|LocalTime|Time|Duration)$/.test(v.constructor.name ?? '')) return String(v);
    return Object.fromEntries(Object.entries(value as object).map(([k, x]) => [k, toPlain(x)]));
  }
  return value;
}

/** A record as a plain object keyed by the RETURN names. */
export function recordToObject(record: Neo4jRecord): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of record.keys) out[String(key)] = toPlain(record.get(key));
  return out;
}
