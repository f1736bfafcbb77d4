/** The Neo4j adapter refuses a server older than 5.26 (its statements use dynamic labels) with a message that names both versions. */
import { describe, expect, it } from 'vitest';
import { checkServerVersion, supportsServer } from '../src/store/neo4j/server-version';
import { UnsupportedStoreError } from '../src/util/errors';

describe('the Neo4j server version', () => {
  it('accepts 5.26 and later, calendar versions included', () => {
    for (const v of ['5.26.0', '5.26.12', '5.27.0', '2025.01.0', '2026.10.1']) expect(supportsServer(v), v).toBe(true);
  });

  it('refuses older servers and versions it cannot read', () => {
    for (const v of ['5.25.1', '5.0.0', '4.4.30', 'unknown', '']) expect(supportsServer(v), v).toBe(false);
  });

  it('reads the kernel among dbms.components() and says what is needed', () => {
    expect(checkServerVersion([{ name: 'Neo4j Kernel', version: '5.26.3' }])).toBe('5.26.3');
    expect(() => checkServerVersion([{ name: 'Neo4j Kernel', version: '5.13.0' }])).toThrow(UnsupportedStoreError);
    expect(() => checkServerVersion([{ name: 'Neo4j Kernel', version: '5.13.0' }])).toThrow(/Neo4j 5\.13\.0 is too old: customs-graph needs Neo4j 5\.26 or later/);
  });
});
