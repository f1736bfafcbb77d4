/**
 * The GraphStore on Neo4j 5.26+ (dynamic labels and relationship types) through neo4j-driver 6,
 * its roles each in a module of its own over one session helper (session.ts). Every statement is
 * a file under cypher/. Contract ids are element ids. `migrate()` checks the server's version first.
 *
 * Tested here only as far as can be done without a server (the Cypher lint test, the record
 * mapping and version tests); the store contract suite runs against it whenever NEO4J_URI is set.
 */
import { Neo4jRetention } from './retention';
import neo4j from 'neo4j-driver';
import { searchName } from '../../domain/normalize';
import { ComposedGraphStore } from '../composed-store';
import { Neo4jAccountabilityLog } from './accountability';
import { Neo4jAnalysisSource } from './analysis-source';
import { Neo4jCaseStore } from './cases';
import { Neo4jAlertStore } from './alerts';
import { Neo4jAuditLog } from './audit';
import { Neo4jGraphReader } from './reader';
import { Neo4jRunStore } from './runs';
import { checkServerVersion } from './server-version';
import { neo4jCheck, type CheckReport } from './check';
import { Neo4jSession, type Neo4jStoreOptions } from './session';
import { migrationNames } from './statements';
import { Neo4jGraphWriter } from './writer';

export type { Neo4jStoreOptions } from './session';
export const NEO4J_SCHEMA_VERSION = 7;

export class Neo4jGraphStore extends ComposedGraphStore {
  private readonly session: Neo4jSession;

  constructor(opts: Neo4jStoreOptions) {
    const session = new Neo4jSession(opts);
    super({
      writer: new Neo4jGraphWriter(session), reader: new Neo4jGraphReader(session), analysis: new Neo4jAnalysisSource(session),
      runs: new Neo4jRunStore(session), audit: new Neo4jAuditLog(session),
      accountability: new Neo4jAccountabilityLog(session), cases: new Neo4jCaseStore(session), retention: new Neo4jRetention(session),
      alerts: new Neo4jAlertStore(session),
    });
    this.session = session;
  }

  /** The server's version, or UnsupportedStoreError when it is older than 5.26. */
  async serverVersion(): Promise<string> {
    return checkServerVersion(await this.session.read('server-version'));
  }

  /** What neo4j-check reports: version, declared schema present and online, statement plans (check.ts). */
  check(): Promise<CheckReport> {
    return neo4jCheck(this.session);
  }

  async migrate(): Promise<void> {
    await this.serverVersion();
    for (const name of migrationNames(this.session.statements)) {
      await this.session.runSchema(name, name === 'migrate-011-schema-version'
        ? { version: NEO4J_SCHEMA_VERSION, appliedAt: new Date().toISOString() } : {});
    }
    await this.backfillSearchNames();
  }

  /** Entities written before search names existed (schema 1) get theirs, in slices. */
  private async backfillSearchNames(): Promise<void> {
    for (;;) {
      const rows = await this.session.read('entities-without-search-name', { limit: neo4j.int(10_000) });
      if (rows.length === 0) return;
      await this.session.write([['set-search-names', { rows: rows.map((r) => ({ id: String(r.id), searchName: searchName(String(r.name ?? '')) })) }]]);
    }
  }

  close(): Promise<void> { return this.session.close(); }
}
