/** The Neo4j adapter's mapping of driver values, with the driver's own classes. */
import { describe, expect, it } from 'vitest';
import neo4j from 'neo4j-driver';
import { recordToObject, toPlain } from '../src/store/neo4j/mapping';

const { Node, Relationship, Record: Neo4jRecord, Date: Neo4jDate } = neo4j.types;

describe('driver values to contract values', () => {
  it('turns Integers into numbers, and those beyond 2^53 into strings', () => {
    expect(toPlain(neo4j.int(42))).toBe(42);
    expect(toPlain(neo4j.int('9007199254740993'))).toBe('9007199254740993');
  });

  it('maps nodes and relationships to element ids and plain properties', () => {
    const node = new Node(neo4j.int(1), ['Entity', 'Trader'], { key: 'T1', declarations: neo4j.int(3) }, '4:abc:1');
    expect(toPlain(node)).toEqual({ id: '4:abc:1', labels: ['Entity', 'Trader'], properties: { key: 'T1', declarations: 3 } });
    const rel = new Relationship(neo4j.int(7), neo4j.int(1), neo4j.int(2), 'HAS_PHONE', { since: neo4j.int(2020) }, '5:abc:7', '4:abc:1', '4:abc:2');
    expect(toPlain(rel)).toEqual({ id: '5:abc:7', type: 'HAS_PHONE', source: '4:abc:1', target: '4:abc:2', properties: { since: 2020 } });
  });

  it('maps lists, maps, nulls and temporal values', () => {
    expect(toPlain([neo4j.int(1), null, { a: neo4j.int(2) }])).toEqual([1, null, { a: 2 }]);
    expect(toPlain(new Neo4jDate(2025, 3, 1))).toBe('2025-03-01');
  });

  it('reads a record by its RETURN names', () => {
    const r = new Neo4jRecord(['id', 'kind', 'n'], ['4:abc:1', 'Trader', neo4j.int(5)]);
    expect(recordToObject(r)).toEqual({ id: '4:abc:1', kind: 'Trader', n: 5 });
  });
});
