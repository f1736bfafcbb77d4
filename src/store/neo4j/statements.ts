/**
 * Every Cypher statement of the Neo4j adapter, one file per operation under cypher/, loaded once
 * at start-up, and the parameters the adapter passes to each (the Cypher lint test checks each
 * file against exactly these). Statements take parameters only: no string is ever built into one.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

export const STATEMENT_PARAMS: Record<string, string[]> = {
  'migrate-011-schema-version': ['version', 'appliedAt'],
  'upsert-entities': ['rows'],
  'upsert-links': ['rows'],
  'upsert-declarations': ['rows'],
  'previous-declarations': ['keys'],
  'remove-links': ['rows'],
  'remove-unlinked': ['rows', 'kinds'],
  'upsert-watchlist': ['rows'],
  'remove-watchlist': ['kind', 'key'],
  'update-outcomes': ['rows'],
  'get-entities': ['ids'],
  'find-entity': ['kind', 'key'],
  'find-declaration': ['declarationId', 'itemNo'],
  'get-declaration': ['declarationId', 'itemNo'],
  'entity-declarations': ['id', 'after', 'limit'],
  'get-declarations': ['ids'],
  'link-figures': ['a', 'b'],
  'link-declarations': ['a', 'b', 'after', 'limit'],
  'search-by-name': ['text', 'kinds', 'after', 'limit'],
  'count-by-name': ['text', 'kinds'],
  'count-entity-declarations': ['id'],
  'neighbours': ['ids', 'limit'],
  'entity-graph-declaration-links': [],
  'entity-graph-shared-identifiers': [],
  'entity-stats': [],
  'declaration-facts': [],
  'declarations-per-day': [],
  'stream-entities': ['kinds'],
  'watchlist-hits': [],
  'watchlist-entries': [],
  'count-entities': [],
  'count-relationships': [],
  'count-declarations': [],
  'count-watchlist': [],
  'begin-run': ['id', 'startedAt', 'seed', 'params'],
  'write-scores': ['runId', 'rows'],
  'write-communities': ['runId', 'rows'],
  'write-categories': ['runId', 'rows'],
  'complete-run': ['id', 'finishedAt', 'timings', 'modularity', 'counts', 'params', 'model', 'card'],
  'run-card': ['id'],
  'add-quality-counts': ['rows'],
  'quality-counts': [],
  'create-case': ['id', 'title', 'status', 'createdAt', 'createdBy', 'updatedAt', 'version', 'doc'],
  'get-case': ['id'],
  'list-cases': ['before', 'status', 'limit'],
  'count-cases': ['status'],
  'save-case': ['id', 'expected', 'title', 'status', 'updatedAt', 'doc'],
  'record-override': ['id', 'at', 'who', 'declarationId', 'modelChannel', 'channel', 'reason', 'note', 'runId'],
  'list-overrides': ['before', 'since', 'limit'],
  'count-overrides': ['since'],
  'server-version': [],
  'entities-without-search-name': ['limit'],
  'set-search-names': ['rows'],
  'fail-run': ['id', 'finishedAt', 'counts'],
  'run-heartbeat': ['id', 'at'],
  'fail-abandoned-runs': ['before', 'now'],
  'prune-run-scores': ['runId', 'limit'],
  'prune-run-communities': ['runId', 'limit'],
  'prune-run-categories': ['runId', 'limit'],
  'mark-run-pruned': ['id'],
  'current-run': [],
  'current-run-id': [],
  'list-runs': ['limit'],
  'get-scores': ['runId', 'ids'],
  'top-entities': ['runId', 'kind', 'limit'],
  'top-entities-any-kind': ['runId', 'limit'],
  'top-communities': ['runId', 'offset', 'limit'],
  'get-community': ['runId', 'community'],
  'count-communities': ['runId'],
  'category-risk': ['runId'],
  'append-audit': ['id', 'at', 'who', 'role', 'operation', 'entityIds', 'requestId', 'clientRequestId', 'purpose', 'detail'],
  'list-audit': ['before', 'limit'],
  'count-audit': [],
  'purge-count-declarations': ['cutoff'],
  'purge-count-parties': ['partyKinds', 'prefix', 'cutoff'],
  'purge-count-identifiers': ['identifierKinds', 'linkTypes', 'partyKinds', 'cutoff'],
  'purge-next-declarations': ['cutoff', 'limit', 'partyKinds', 'idFields'],
  'purge-parties-past': ['ids', 'prefix', 'cutoff'],
  'purge-declarations': ['rows'],
  'purge-parties': ['rows', 'prefix', 'linkTypes', 'identifierKinds'],
  'purge-audit': ['cutoff', 'limit'],
  'add-alerts': ['rows'],
  'get-alert': ['id'],
  'list-alerts': ['types', 'states', 'minSeverity', 'since', 'until', 'assignee', 'entity', 'before', 'limit'],
  'count-alerts': ['types', 'states', 'minSeverity', 'since', 'until', 'assignee', 'entity'],
  'alerts-after': ['after', 'limit'],
  'last-alert-id': [],
  'save-alert': ['id', 'expected', 'state', 'assignee', 'doc'],
  'get-alert-pass': ['runId'],
  'save-alert-pass': ['runId', 'raisedAt', 'doc'],
  'add-watch': ['id', 'who', 'doc'],
  'get-watch': ['id'],
  'list-watches': ['who'],
  'remove-watch': ['id'],
  'save-watch-snapshots': ['rows'],
  'check-indexes': [],
  'check-constraints': [],
};

/** cypher/ at the package root (from src/store/neo4j or dist/src/store/neo4j). */
export function cypherDir(): string {
  for (const up of [['..', '..', '..'], ['..', '..', '..', '..']]) {
    const dir = join(__dirname, ...up, 'cypher');
    if (existsSync(dir)) return dir;
  }
  throw new Error('cypher/ not found');
}

export function loadStatements(dir = cypherDir()): Map<string, string> {
  const out = new Map<string, string>();
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.cypher')).sort()) {
    out.set(f.replace(/\.cypher$/, ''), readFileSync(join(dir, f), 'utf8'));
  }
  return out;
}

/** Migrations, in order: constraints and indexes (all IF NOT EXISTS), then the schema version. */
export function migrationNames(statements: Map<string, string>): string[] {
  return [...statements.keys()].filter((k) => k.startsWith('migrate-')).sort();
}

/** An index or constraint the migrations leave on the server. */
export interface DeclaredIndex {
  name: string;
  label: string;
  props: string[];
  kind: 'index' | 'text index' | 'constraint';
}

/** The indexes and constraints the migrations create, less those a later migration drops. */
export function declaredSchema(statements: Map<string, string>): DeclaredIndex[] {
  const out = new Map<string, DeclaredIndex>();
  for (const m of migrationNames(statements)) {
    const s = statements.get(m)!.trim();
    const created = /CREATE (TEXT )?(INDEX|CONSTRAINT) (\w+) IF NOT EXISTS FOR \((\w+):(\w+)\) (?:ON|REQUIRE) \(?([^)]*?)\)?(?: IS UNIQUE)?$/.exec(s);
    if (created) {
      const [, text, what, name, v, label, props] = created;
      const kind = what === 'CONSTRAINT' ? 'constraint' : text ? 'text index' : 'index';
      out.set(name!, { name: name!, label: label!, props: props!.split(',').map((p) => p.trim().replace(`${v}.`, '')), kind });
    }
    const dropped = /DROP (?:INDEX|CONSTRAINT) (\w+) IF EXISTS/.exec(s);
    if (dropped) out.delete(dropped[1]!);
  }
  return [...out.values()];
}

/** Labels with millions of nodes at a country's scale: never scanned whole outside the streams. */
export const LARGE_LABELS = ['Entity', 'Declaration', 'Score', 'Community', 'CategoryRisk', 'AuditRecord', 'WatchlistEntry'];

/** Statements that read a large label whole on purpose: the analysis streams, the counts, the search, the purge's plan. */
export const WHOLE_READS: ReadonlySet<string> = new Set([
  'entity-graph-declaration-links', 'entity-graph-shared-identifiers', 'entity-stats', 'declarations-per-day', 'watchlist-hits', 'watchlist-entries',
  'stream-entities', 'declaration-facts', 'count-declarations', 'count-watchlist', 'count-entities', 'count-relationships',
  'entities-without-search-name', 'search-by-name',
  // The purge's plan: counts over the whole store, as the embedded store's plan makes them.
  'purge-count-parties', 'purge-count-identifiers',
]);

/** What the adapter declares to the Cypher linter. */
export const SCHEMA = {
  labels: [
    'Entity', 'Declaration', 'WatchlistEntry', 'AnalysisRun', 'Score', 'Community', 'CategoryRisk', 'CurrentRun', 'AuditRecord',
    'SchemaVersion', 'RunCard', 'QualityCount', 'ChannelOverride', 'Case', 'Alert', 'AlertPass', 'Watch', 'Trader', 'Consignee', 'Supplier', 'Broker', 'Carrier', 'Route', 'Person', 'Address', 'Phone', 'Email',
    'BankAccount', 'Vessel', 'Container',
  ],
  relationshipTypes: [
    'FILED_BY', 'CONSIGNED_TO', 'SUPPLIED_BY', 'DECLARED_BY', 'CARRIED_BY', 'ROUTED_VIA', 'ON_VESSEL', 'IN_CONTAINER',
    'AT_ADDRESS', 'HAS_PHONE', 'HAS_EMAIL', 'HAS_ACCOUNT', 'DIRECTS',
  ],
};
