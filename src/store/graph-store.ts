/**
 * The GraphStore contract: the seam between customs-graph and its graph database, made of the
 * roles a store plays (graph-writer, graph-reader, analysis-source, run-store, audit-log,
 * accountability-log, case-store, retention, alert-store). The
 * embedded SQLite adapter and the Neo4j adapter both implement it; test/store-contract.ts runs the
 * same suite against each. Code that needs one role takes that role, not the whole store.
 */
import type { AccountabilityLog } from './accountability-log';
import type { AnalysisSource } from './analysis-source';
import type { CaseStore } from './case-store';
import type { AuditLog } from './audit-log';
import type { GraphReader } from './graph-reader';
import type { GraphWriter } from './graph-writer';
import type { RunStore } from './run-store';
import type { RetentionStore } from './retention';
import type { AlertStore } from './alert-store';

export interface GraphStore extends GraphWriter, GraphReader, AnalysisSource, RunStore, AuditLog, AccountabilityLog, CaseStore, RetentionStore, AlertStore {
  /** Creates or upgrades the schema (and checks the server can hold it); safe to call on every start. */
  migrate(): Promise<void>;
  close(): Promise<void>;
}
