/** The retention purge of the embedded store (store/retention.ts says what it keeps and removes). */
import type Database from 'better-sqlite3';
import { IDENTIFIER_KINDS, PARTY_KINDS } from '../../domain/entities';
import { PARTY_ID_FIELDS, PERSONAL_FIELDS, PSEUDONYM_PREFIX, type PurgeCounts, type RetentionStore } from '../retention';
import { spacedCheckpoints } from './connection';
import { DECLARED_FIELDS, IDENTIFIER_LINK_TYPES } from './rows';

/** Page cache while purging (KiB, as cache_size takes it negative): 512 MiB. */
const PURGE_CACHE_KIB = -524288;

const REF_COLUMNS = ['trader_ref', 'consignee_ref', 'supplier_ref', 'broker_ref', 'carrier_ref'] as const;
const PARTY_KIND_LIST = PARTY_KINDS.map((k) => `'${k}'`).join(', ');
const IDENTIFIER_KIND_LIST = [...IDENTIFIER_KINDS, 'Person'].map((k) => `'${k}'`).join(', ');
const LINK_LIST = IDENTIFIER_LINK_TYPES.map((t) => `'${t}'`).join(', ');
/** A party's identifiers and directors: the other end of its identifier links and of the DIRECTS links to it. */
const NAMED_BY = `SELECT src AS party, dst AS ident FROM edges WHERE type IN (${LINK_LIST}) UNION ALL SELECT dst AS party, src AS ident FROM edges WHERE type = 'DIRECTS'`;

const PERSONAL_POSITIONS = PERSONAL_FIELDS.map((f) => DECLARED_FIELDS.indexOf(f)).filter((i) => i >= 0);
const ID_POSITIONS = Object.entries(PARTY_ID_FIELDS).map(([f, kind]) => [DECLARED_FIELDS.indexOf(f), kind] as const).filter(([i]) => i >= 0);

type PurgeRow = Record<string, unknown> & { id: number; declared: string };

export class SqliteRetention implements RetentionStore {
  /** The cutoff whose parties past it temp.purge_parties holds (one scan of the declarations per purge, not a read per party). */
  private partiesOf?: string;
  /** The last row a step purged: the next one goes on after it (a new purge, or a re-run, starts from the first). */
  private after = 0;

  constructor(private readonly db: Database.Database) {}

  /** temp.purge_parties: the parties a purge before `cutoff` pseudonymizes, as the plan counts them. */
  private pastParties(cutoff: string): void {
    if (this.partiesOf === cutoff) return;
    // One pass over the declarations (not a group-by per party column): each entity's last lodging day.
    const last = new Map<number, string>();
    const refs = this.db.prepare(`SELECT lodged_at, ${REF_COLUMNS.join(', ')} FROM declarations`).raw();
    for (const r of refs.iterate() as Iterable<[string, ...Array<number | null>]>) {
      for (let k = 1; k < r.length; k++) {
        const e = r[k] as number | null;
        if (e === null) continue;
        const seen = last.get(e);
        if (seen === undefined || r[0] > seen) last.set(e, r[0]);
      }
    }
    // The purge touches rows all over the file, step after step: a page cache that keeps them (this connection's, for the purge's life).
    this.db.pragma(`cache_size = ${PURGE_CACHE_KIB}`);
    this.db.exec('DROP TABLE IF EXISTS temp.purge_parties');
    this.db.exec('CREATE TEMP TABLE purge_parties (id INTEGER PRIMARY KEY)');
    const add = this.db.prepare('INSERT INTO temp.purge_parties (id) VALUES (?)');
    this.db.transaction(() => {
      for (const [e, day] of last) if (day < cutoff) add.run(e);
      // Parties only (not routes or vessels), not pseudonyms yet.
      this.db.exec(`DELETE FROM temp.purge_parties WHERE id NOT IN (SELECT id FROM entities WHERE kind IN (${PARTY_KIND_LIST}) AND key NOT LIKE '${PSEUDONYM_PREFIX}%')`);
    })();
    this.partiesOf = cutoff;
    this.after = 0;
  }

  async purgePlan(cutoff: string): Promise<PurgeCounts> {
    const declarations = this.db.prepare('SELECT COUNT(*) FROM declarations WHERE purged = 0 AND lodged_at < ?').pluck().get(cutoff) as number;
    this.partiesOf = undefined;
    this.pastParties(cutoff);
    const parties = this.db.prepare('SELECT COUNT(*) FROM temp.purge_parties').pluck().get() as number;
    // An identifier goes when every party naming it goes.
    const identifiers = this.db.prepare(`SELECT COUNT(*) FROM (SELECT n.ident FROM (${NAMED_BY}) n JOIN entities i ON i.id = n.ident AND i.kind IN (${IDENTIFIER_KIND_LIST})
      GROUP BY n.ident HAVING SUM(n.party NOT IN (SELECT id FROM temp.purge_parties)) = 0)`).pluck().get() as number;
    return { declarations, parties, identifiers };
  }

  async purgeStep(cutoff: string, batch: number, pseudonym: (kind: string, key: string) => string): Promise<PurgeCounts> {
    // In row order from where the last step stopped: each step rewrites neighbouring pages, and the purge reads the table once.
    const rows = this.db.prepare(`SELECT id, declared, ${REF_COLUMNS.join(', ')} FROM declarations WHERE id > ? AND purged = 0 AND lodged_at < ? ORDER BY id LIMIT ?`)
      .all(this.after, cutoff, batch) as PurgeRow[];
    if (rows.length === 0) {
      this.after = 0;
      return { declarations: 0, parties: 0, identifiers: 0 };
    }
    this.after = rows[rows.length - 1]!.id;
    this.pastParties(cutoff);
    // A purge rewrites rows all over the file: fewer, larger checkpoints while it works.
    return spacedCheckpoints(this.db, () => this.purgeRows(rows, pseudonym));
  }

  /** One step's transaction: the declarations stripped, their parties past the cutoff pseudonymized, identifiers no one names removed. */
  private purgeRows(rows: PurgeRow[], pseudonym: (kind: string, key: string) => string): PurgeCounts {
    const strip = this.db.prepare('UPDATE declarations SET declared = ?, attrs = NULL, purged = 1 WHERE id = ?');
    // A party of the purge's set not pseudonymized yet (a re-run skips those a killed run did).
    const party = this.db.prepare(`SELECT e.kind, e.key FROM temp.purge_parties p JOIN entities e ON e.id = p.id WHERE p.id = ? AND e.key NOT LIKE '${PSEUDONYM_PREFIX}%'`);
    const pseudonymize = this.db.prepare("UPDATE entities SET key = ?, name = '', search_name = '' WHERE id = ?");
    const namedBy = this.db.prepare(`SELECT ident FROM (${NAMED_BY}) WHERE party = ?`).pluck();
    const unlink = this.db.prepare(`DELETE FROM edges WHERE (src = @p AND type IN (${LINK_LIST})) OR (dst = @p AND type = 'DIRECTS')`);
    const stillNamed = this.db.prepare('SELECT 1 FROM edges WHERE src = @i UNION ALL SELECT 1 FROM edges WHERE dst = @i LIMIT 1').pluck();
    const removeIdentifier = this.db.prepare(`DELETE FROM entities WHERE id = ? AND kind IN (${IDENTIFIER_KIND_LIST})`);
    return this.db.transaction((): PurgeCounts => {
      const touched = new Set<number>();
      for (const r of rows) {
        const declared = JSON.parse(r.declared) as unknown[];
        for (const i of PERSONAL_POSITIONS) declared[i] = null;
        for (const [i, kind] of ID_POSITIONS) if (typeof declared[i] === 'string') declared[i] = pseudonym(kind, declared[i] as string);
        strip.run(JSON.stringify(declared), r.id);
        for (const c of REF_COLUMNS) if (r[c] !== null) touched.add(r[c] as number);
      }
      let parties = 0;
      let identifiers = 0;
      for (const id of touched) {
        const p = party.get(id) as { kind: string; key: string } | undefined;
        if (!p) continue;
        const idents = namedBy.all(id) as number[];
        pseudonymize.run(pseudonym(p.kind, p.key), id);
        unlink.run({ p: id });
        parties++;
        for (const i of idents) if (!stillNamed.get({ i }) && removeIdentifier.run(i).changes === 1) identifiers++;
      }
      return { declarations: rows.length, parties, identifiers };
    })();
  }

  async purgeAudit(cutoff: string): Promise<number> {
    // The log refuses deletes (its triggers); the purge alone lifts that, inside one transaction.
    return this.db.transaction(() => {
      this.db.exec('DROP TRIGGER IF EXISTS audit_log_no_delete');
      const n = this.db.prepare('DELETE FROM audit_log WHERE at < ?').run(cutoff).changes;
      this.db.exec("CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END");
      return n;
    })();
  }
}
