/**
 * Every Cypher statement of the Neo4j adapter, checked without a server by Neo4j's own parser
 * (@neo4j-cypher/language-support): no syntax error, no undefined variable, no parameter the
 * adapter does not pass, no unknown label or relationship type.
 */
import { describe, expect, it } from 'vitest';
import { lintCypherQuery } from '@neo4j-cypher/language-support';
import { cypherDir, loadStatements, migrationNames, SCHEMA, STATEMENT_PARAMS } from '../src/store/neo4j/statements';

const statements = loadStatements(cypherDir());

describe('cypher/', () => {
  it('holds a file for every statement the adapter runs, and none it does not', () => {
    const files = [...statements.keys()].filter((k) => !k.startsWith('migrate-') || k in STATEMENT_PARAMS);
    expect(files.sort()).toEqual(Object.keys(STATEMENT_PARAMS).sort());
    expect(migrationNames(statements).length).toBeGreaterThanOrEqual(10);
  });

  it('creates its schema idempotently', () => {
    for (const name of migrationNames(statements)) {
      const s = statements.get(name)!;
      if (/^\s*CREATE (TEXT )?(CONSTRAINT|INDEX)/.test(s)) expect(s, name).toMatch(/IF NOT EXISTS/);
      else if (/^\s*DROP (CONSTRAINT|INDEX)/.test(s)) expect(s, name).toMatch(/IF EXISTS/);
      else expect(s, name).toMatch(/^\s*MERGE/);
    }
  });

  it('writes with UNWIND $rows MERGE so a retried transaction changes nothing', () => {
    for (const name of ['upsert-entities', 'upsert-links', 'upsert-declarations', 'upsert-watchlist', 'write-scores', 'write-communities', 'write-categories']) {
      expect(statements.get(name), name).toMatch(/^UNWIND \$rows AS row\s+(MATCH[^\n]*\n\s*)*MERGE/);
    }
  });

  for (const [name, text] of statements) {
    it(`${name}.cypher lints clean against the adapter's labels, types and parameters`, () => {
      const params = Object.fromEntries((STATEMENT_PARAMS[name] ?? []).map((p) => [p, null]));
      const diagnostics = lintCypherQuery(text, { ...SCHEMA, parameters: params });
      expect(diagnostics.map((d) => `${d.severity === 1 ? 'error' : 'warning'}: ${d.message}`)).toEqual([]);
    });
  }

  it('the linter does catch what it is trusted to catch', () => {
    const bad = lintCypherQuery('MATCH (n:Nope) WHERE n.id = $missing RETURN m', { ...SCHEMA, parameters: {} });
    const text = bad.map((d) => d.message).join(' | ');
    expect(text).toMatch(/Nope/);
    expect(text).toMatch(/\$missing/);
    expect(text).toMatch(/`m` not defined/);
  });
});
