/**
 * The store contract suite against Neo4j, run when NEO4J_URI is set (with NEO4J_USER,
 * NEO4J_PASSWORD and NEO4J_DATABASE): it empties that database before each test. Neo4j cannot be
 * installed on the development machines, so it is skipped there.
 */
import { describe, expect, it } from 'vitest';
import neo4j from 'neo4j-driver';
import { Neo4jGraphStore } from '../src/store/neo4j/neo4j-store';
import { storeContract } from './store-contract';

const uri = process.env.NEO4J_URI;

describe.skipIf(!uri)('Neo4j adapter', () => {
  const opts = { uri: uri ?? '', user: process.env.NEO4J_USER ?? 'neo4j', password: process.env.NEO4J_PASSWORD ?? '', database: process.env.NEO4J_DATABASE };
  storeContract('neo4j', {
    async create() {
      const driver = neo4j.driver(opts.uri, neo4j.auth.basic(opts.user, opts.password));
      await driver.executeQuery('MATCH (n) DETACH DELETE n', {}, { database: opts.database });
      await driver.close();
      const store = new Neo4jGraphStore(opts);
      await store.migrate();
      return store;
    },
    async cleanup() {},
  });

  it('passes neo4j-check: every declared index and constraint online, no plan scanning, sorting or buffering what it should not', async () => {
    const store = new Neo4jGraphStore(opts);
    try {
      await store.migrate();
      const report = await store.check();
      expect(report.schema).toEqual([]);
      expect(report.plans).toEqual([]);
      expect(report.statementsPlanned).toBeGreaterThan(40);
    } finally {
      await store.close();
    }
  }, 120_000);
});
