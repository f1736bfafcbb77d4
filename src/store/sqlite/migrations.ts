/**
 * Versioned schema of the embedded store. Each migration runs once, in a transaction, and is
 * recorded in schema_migrations; add new ones at the end, never edit an applied one.
 *
 * Secondary indexes that only reads use live in DEFERRED_INDEXES (those on declarations are part
 * of no migration): a bulk load drops them and builds them once at the end (much faster than
 * updating them row by row, in random order), and opening the store rebuilds any that a killed
 * load left out.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'graph model',
    sql: `
      CREATE TABLE entities (
        id   INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,
        key  TEXT NOT NULL,
        name TEXT NOT NULL,  -- as first declared
        UNIQUE (kind, key)
      );
      -- Identifier and director relationships between entities.
      CREATE TABLE edges (
        src  INTEGER NOT NULL,
        type TEXT NOT NULL,
        dst  INTEGER NOT NULL,
        PRIMARY KEY (src, type, dst)
      ) WITHOUT ROWID;
      CREATE INDEX edges_by_dst ON edges (dst, type, src);

      -- One row per declaration item: the fields analysis queries as columns, the identities as
      -- declared (names, addresses, phones as written: the evidence behind the keys) as JSON in
      -- declared, and the entity each declaration relationship points to (FILED_BY = trader_ref,
      -- CONSIGNED_TO = consignee_ref, ...). Fewer, narrower columns keep ingest fast.
      CREATE TABLE declarations (
        id                   INTEGER PRIMARY KEY,
        declaration_id       TEXT NOT NULL,
        item_no              INTEGER NOT NULL,
        lodged_at            TEXT NOT NULL,
        office               TEXT,
        regime               TEXT NOT NULL,
        trader_ref           INTEGER NOT NULL,
        consignee_ref        INTEGER,
        supplier_ref         INTEGER,
        broker_ref           INTEGER,
        carrier_ref          INTEGER,
        route_ref            INTEGER NOT NULL,
        vessel_ref           INTEGER,
        transport_mode       TEXT,
        origin_country       TEXT NOT NULL,
        transit_ports        TEXT,
        hs_code              TEXT NOT NULL,
        goods_origin_country TEXT,
        quantity             REAL,
        gross_weight_kg      REAL,
        declared_value       REAL NOT NULL,
        currency             TEXT NOT NULL,
        outcome              TEXT NOT NULL,
        fraud_type           TEXT,
        recovered_amount     REAL,
        declared             TEXT NOT NULL,
        attrs                TEXT,      -- extra attributes carried through a column mapping (JSON)
        source_file          INTEGER,   -- source_files.id
        source_line          INTEGER,
        UNIQUE (declaration_id, item_no)
      );
      CREATE TABLE source_files (
        id   INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE
      );
      CREATE TABLE declaration_containers (
        declaration INTEGER NOT NULL,
        container   INTEGER NOT NULL,
        PRIMARY KEY (declaration, container)
      ) WITHOUT ROWID;

      CREATE TABLE watchlist (
        kind      TEXT NOT NULL,
        key       TEXT NOT NULL,
        reason    TEXT NOT NULL,
        source    TEXT NOT NULL,
        severity  REAL NOT NULL,
        listed_at TEXT NOT NULL,
        PRIMARY KEY (kind, key)
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 2,
    name: 'analysis runs',
    sql: `
      CREATE TABLE analysis_runs (
        id          INTEGER PRIMARY KEY,
        started_at  TEXT NOT NULL,
        finished_at TEXT,
        status      TEXT NOT NULL,      -- running | done | failed
        seed        INTEGER NOT NULL,
        params      TEXT NOT NULL,      -- JSON: resolution, hub rule, weights, ...
        timings     TEXT,               -- JSON: stage -> milliseconds
        modularity  REAL,
        counts      TEXT                -- JSON
      );
      CREATE TABLE entity_scores (
        run_id     INTEGER NOT NULL,
        entity_id  INTEGER NOT NULL,
        kind       TEXT NOT NULL,
        risk       REAL NOT NULL,
        community  INTEGER,
        component  INTEGER,
        pagerank   REAL,
        ppr        REAL,
        seizures   INTEGER NOT NULL,    -- seizures on the entity's own declarations
        known_bad  INTEGER NOT NULL,    -- 1 when the entity itself has a seizure or a watchlist hit
        signals    TEXT NOT NULL,       -- JSON: [{name, value, contribution, evidence}]
        PRIMARY KEY (run_id, entity_id)
      ) WITHOUT ROWID;
      CREATE INDEX entity_scores_by_risk ON entity_scores (run_id, kind, risk DESC);
      CREATE TABLE communities (
        run_id    INTEGER NOT NULL,
        community INTEGER NOT NULL,
        rank      INTEGER NOT NULL,
        size      INTEGER NOT NULL,
        by_kind   TEXT NOT NULL,        -- JSON: kind -> count
        known_bad INTEGER NOT NULL,
        value     REAL NOT NULL,
        risk      REAL NOT NULL,
        members   TEXT NOT NULL,        -- JSON: entity ids, riskiest first
        signals   TEXT NOT NULL,        -- JSON: why it ranks where it does
        PRIMARY KEY (run_id, community)
      ) WITHOUT ROWID;
      CREATE INDEX communities_by_rank ON communities (run_id, rank);
      -- Outcome history by declared attribute (HS code, origin, office, broker, ...): the rates the
      -- declaration scorer uses, from the declarations the run could see.
      CREATE TABLE category_risk (
        run_id   INTEGER NOT NULL,
        field    TEXT NOT NULL,
        value    TEXT NOT NULL,
        n        INTEGER NOT NULL,
        bad      INTEGER NOT NULL,
        PRIMARY KEY (run_id, field, value)
      ) WITHOUT ROWID;
      -- The run readers see: switched in one statement once a run is written whole.
      CREATE TABLE current_run (
        singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
        run_id    INTEGER NOT NULL
      );
    `,
  },
  {
    version: 3,
    name: 'audit log',
    sql: `
      -- Append-only: the API only ever inserts (triggers refuse updates and deletes).
      CREATE TABLE audit_log (
        id         INTEGER PRIMARY KEY,
        at         TEXT NOT NULL,
        who        TEXT NOT NULL,
        role       TEXT NOT NULL,
        operation  TEXT NOT NULL,
        entity_ids TEXT NOT NULL,
        request_id TEXT NOT NULL
      );
      CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
      CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
      CREATE INDEX entities_by_name ON entities (name COLLATE NOCASE);
    `,
  },
  {
    version: 4,
    name: 'entity ranks',
    sql: `
      -- A run's entities ranked by risk within their kind (risk descending, then id), written in
      -- rank order with the run. It replaces an index on (run_id, kind, risk) that the write-back
      -- filled in random order (700k entries a run at 1M entities: the dearest part of writing a run).
      CREATE TABLE entity_ranks (
        run_id    INTEGER NOT NULL,
        kind      TEXT NOT NULL,
        rank      INTEGER NOT NULL,
        entity_id INTEGER NOT NULL,
        PRIMARY KEY (run_id, kind, rank)
      ) WITHOUT ROWID;
      INSERT INTO entity_ranks (run_id, kind, rank, entity_id)
        SELECT run_id, kind, ROW_NUMBER() OVER (PARTITION BY run_id, kind ORDER BY risk DESC, entity_id), entity_id FROM entity_scores;
      DROP INDEX entity_scores_by_risk;
    `,
  },
  {
    version: 5,
    name: 'run model',
    sql: `
      -- The fitted declaration model and the unit-value medians a scorer applies, in a column of
      -- their own instead of inside the run's parameters.
      ALTER TABLE analysis_runs ADD COLUMN model TEXT;
      UPDATE analysis_runs
        SET model = json_object('declarationModel', json(json_extract(params, '$.declarationModel')),
                                'medians', json(coalesce(json_extract(params, '$.medians'), '{}')))
        WHERE json_extract(params, '$.declarationModel') IS NOT NULL;
      UPDATE analysis_runs SET params = json_remove(params, '$.declarationModel', '$.medians')
        WHERE json_extract(params, '$.declarationModel') IS NOT NULL OR json_extract(params, '$.medians') IS NOT NULL;
    `,
  },
  {
    version: 6,
    name: 'search names',
    sql: `
      -- Names folded for search (case, accents, punctuation: domain/normalize.ts searchName), so
      -- that "Étoile" finds "ETOILE SARL". search_name() is the same function, registered by the store.
      ALTER TABLE entities ADD COLUMN search_name TEXT;
      UPDATE entities SET search_name = search_name(name);
      -- A name search is a substring match, which no index serves.
      DROP INDEX IF EXISTS entities_by_name;
    `,
  },
  {
    version: 7,
    name: 'run heartbeat',
    sql: `
      -- A running run's process writes the time here every 30 s; a run silent for longer than the
      -- stale limit was killed, and is marked failed.
      ALTER TABLE analysis_runs ADD COLUMN heartbeat_at TEXT;
    `,
  },
  {
    version: 8,
    name: 'accountability',
    sql: `
      -- A run's model card and data quality (JSON), read on its own: listing runs does not parse it.
      ALTER TABLE analysis_runs ADD COLUMN card TEXT;
      -- The trader is an authorised economic operator (1), is not (0), or the declaration does not say (NULL).
      ALTER TABLE declarations ADD COLUMN aeo INTEGER;
      -- Ingest's data-quality counters per month of lodging: rows, filled:FIELD, zero:FIELD, replaced.
      CREATE TABLE ingest_quality (
        month   TEXT NOT NULL,
        measure TEXT NOT NULL,
        n       INTEGER NOT NULL,
        PRIMARY KEY (month, measure)
      ) WITHOUT ROWID;
      -- Channels people decided against the model, with their reason.
      CREATE TABLE channel_overrides (
        id             INTEGER PRIMARY KEY,
        at             TEXT NOT NULL,
        who            TEXT NOT NULL,
        declaration_id TEXT NOT NULL,
        model_channel  TEXT NOT NULL,
        channel        TEXT NOT NULL,
        reason         TEXT NOT NULL,
        note           TEXT,
        run_id         TEXT
      );
      CREATE INDEX channel_overrides_by_at ON channel_overrides (at);
    `,
  },
  {
    version: 9,
    name: 'investigation cases',
    sql: `
      -- A case whole (items, notes, history) as JSON in doc; version guards against two people saving at once.
      CREATE TABLE cases (
        id         INTEGER PRIMARY KEY,
        title      TEXT NOT NULL,
        status     TEXT NOT NULL,
        created_at TEXT NOT NULL,
        created_by TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        version    INTEGER NOT NULL,
        doc        TEXT NOT NULL
      );
      CREATE INDEX cases_by_status ON cases (status, id);
    `,
  },
  {
    version: 10,
    name: 'audit purpose, client request id and detail',
    sql: `
      -- Why identities were read, the client's id of the request beside the server's, what a change changed.
      ALTER TABLE audit_log ADD COLUMN purpose TEXT;
      ALTER TABLE audit_log ADD COLUMN client_request_id TEXT;
      ALTER TABLE audit_log ADD COLUMN detail TEXT;
    `,
  },
  {
    version: 11,
    name: 'retention purge',
    sql: `
      -- 1 once a declaration's identities were removed by the retention purge (store/retention.ts).
      ALTER TABLE declarations ADD COLUMN purged INTEGER NOT NULL DEFAULT 0;
      -- The purge's next declarations, oldest first, without reading the purged ones again.
      CREATE INDEX declarations_to_purge ON declarations (lodged_at) WHERE purged = 0;
    `,
  },
  {
    version: 12,
    name: 'alerts and watches',
    sql: `
      -- One row per change reported (key), its filtered fields as columns, the rest as JSON.
      CREATE TABLE alerts (
        id       INTEGER PRIMARY KEY,
        key      TEXT NOT NULL UNIQUE,
        type     TEXT NOT NULL,
        severity INTEGER NOT NULL,   -- 0 low .. 3 critical
        state    TEXT NOT NULL,
        at       TEXT NOT NULL,
        assignee TEXT,
        version  INTEGER NOT NULL,
        doc      TEXT NOT NULL
      );
      CREATE INDEX alerts_by_at ON alerts (at);
      -- What each run's alert pass found: recorded before the run is current, raised after.
      CREATE TABLE alert_passes (
        run_id    TEXT PRIMARY KEY,
        raised_at TEXT,
        doc       TEXT NOT NULL
      );
      CREATE TABLE watches (
        id  INTEGER PRIMARY KEY,
        who TEXT NOT NULL,
        doc TEXT NOT NULL
      );
    `,
  },
  {
    version: 13,
    name: 'purge without its partial index',
    sql: `
      -- The purge reads declarations in row order: the index served only the plan's count, and
      -- every purged row paid a random delete in it (a tenth of the purge's time, measured).
      DROP INDEX IF EXISTS declarations_to_purge;
    `,
  },
  {
    version: 14,
    name: 'declaration changes',
    sql: `
      -- What the analysis cache beside the store holds: its token (the file carries it too, so a
      -- store restored from a backup never takes a newer cache for its own), the last declaration
      -- and the last change it covers. A row with an empty token: a first cache is being made.
      CREATE TABLE analysis_cache (
        id       INTEGER PRIMARY KEY CHECK (id = 1),
        token    TEXT NOT NULL,
        max_id   INTEGER NOT NULL,
        last_seq INTEGER NOT NULL
      );
      -- Once a store has (or is making) an analysis cache: every change to what analysis reads of
      -- a stored declaration, and every delete, in order (a new declaration needs no note: its id
      -- is above every earlier one). The cache (declaration-cache.ts) reads the declarations
      -- changed since it was made instead of every declaration again. An update that changes only
      -- what analysis does not read (a purge's identities, the attributes of a declaration without
      -- an outcome) is not noted. AUTOINCREMENT: a number is never given twice, even once the notes
      -- before it are let go.
      CREATE TABLE declaration_changes (
        seq         INTEGER PRIMARY KEY AUTOINCREMENT,
        declaration INTEGER NOT NULL
      );
      CREATE TRIGGER declarations_updated AFTER UPDATE ON declarations
        WHEN EXISTS (SELECT 1 FROM analysis_cache) AND (OLD.id IS NOT NEW.id OR OLD.lodged_at IS NOT NEW.lodged_at
          OR OLD.trader_ref IS NOT NEW.trader_ref OR OLD.consignee_ref IS NOT NEW.consignee_ref OR OLD.supplier_ref IS NOT NEW.supplier_ref
          OR OLD.broker_ref IS NOT NEW.broker_ref OR OLD.carrier_ref IS NOT NEW.carrier_ref OR OLD.route_ref IS NOT NEW.route_ref
          OR OLD.hs_code IS NOT NEW.hs_code OR OLD.origin_country IS NOT NEW.origin_country
          OR OLD.goods_origin_country IS NOT NEW.goods_origin_country OR OLD.transit_ports IS NOT NEW.transit_ports
          OR OLD.declared_value IS NOT NEW.declared_value OR OLD.quantity IS NOT NEW.quantity
          OR OLD.gross_weight_kg IS NOT NEW.gross_weight_kg OR OLD.currency IS NOT NEW.currency OR OLD.outcome IS NOT NEW.outcome
          OR OLD.office IS NOT NEW.office OR OLD.regime IS NOT NEW.regime OR OLD.aeo IS NOT NEW.aeo
          OR OLD.declaration_id IS NOT NEW.declaration_id OR OLD.recovered_amount IS NOT NEW.recovered_amount
          OR (OLD.attrs IS NOT NEW.attrs AND (OLD.outcome <> 'unknown' OR NEW.outcome <> 'unknown')))
        BEGIN INSERT INTO declaration_changes (declaration) VALUES (NEW.id); END;
      CREATE TRIGGER declarations_deleted AFTER DELETE ON declarations WHEN EXISTS (SELECT 1 FROM analysis_cache)
        BEGIN INSERT INTO declaration_changes (declaration) VALUES (OLD.id); END;
    `,
  },
];

/** Indexes that bulk loads defer; `CREATE INDEX IF NOT EXISTS` so they can be re-run at any time. */
export const DEFERRED_INDEXES: Array<{ name: string; sql: string }> = [
  ['trader_ref', false], ['consignee_ref', true], ['supplier_ref', true], ['broker_ref', true],
  ['carrier_ref', true], ['route_ref', false], ['vessel_ref', true],
].map(([col, partial]) => ({
  name: `declarations_by_${String(col).replace('_ref', '')}`,
  sql: `CREATE INDEX IF NOT EXISTS declarations_by_${String(col).replace('_ref', '')} ON declarations (${col})${partial ? ` WHERE ${col} IS NOT NULL` : ''}`,
})).concat([
  { name: 'declaration_containers_by_container', sql: 'CREATE INDEX IF NOT EXISTS declaration_containers_by_container ON declaration_containers (container)' },
  // Created by migration 1, and read only by the API: a load fills it in key order, not target order.
  { name: 'edges_by_dst', sql: 'CREATE INDEX IF NOT EXISTS edges_by_dst ON edges (dst, type, src)' },
]);
