/** Alerts, alert passes and watches in the embedded store (alert-store.ts). */
import type Database from 'better-sqlite3';
import { severityRank, type Alert, type AlertFilter, type NewAlert, type Watch, type WatchSnapshot } from '../../domain/alerts';
import { alertDocument, alertFromDocument, raisedAlert, watchDocument, type AlertPass, type AlertStore } from '../alert-store';
import { rowIdCursor } from './rows';

interface AlertRow { id: number; key: string; state: string; version: number; doc: string }
const fromRow = (r: AlertRow) => alertFromDocument({ ...r, id: String(r.id) });
const isRowId = (id: string) => /^\d{1,15}$/.test(id);

/** The WHERE clause of a filter and its parameters, in order. */
function where(f: AlertFilter): { sql: string; params: unknown[] } {
  const parts: string[] = [];
  const params: unknown[] = [];
  if (f.types?.length) { parts.push(`type IN (${f.types.map(() => '?').join(',')})`); params.push(...f.types); }
  if (f.states?.length) { parts.push(`state IN (${f.states.map(() => '?').join(',')})`); params.push(...f.states); }
  if (f.minSeverity) { parts.push('severity >= ?'); params.push(severityRank(f.minSeverity)); }
  if (f.since) { parts.push('at >= ?'); params.push(f.since); }
  if (f.until) { parts.push('at < ?'); params.push(f.until); }
  if (f.assignee) { parts.push('assignee = ?'); params.push(f.assignee); }
  if (f.entityId) { parts.push("EXISTS (SELECT 1 FROM json_each(alerts.doc, '$.entities') WHERE value = ?)"); params.push(f.entityId); }
  return { sql: parts.length ? parts.join(' AND ') : '1', params };
}

export class SqliteAlertStore implements AlertStore {
  constructor(private readonly db: Database.Database) {}

  async addAlerts(alerts: NewAlert[], at: string): Promise<Alert[]> {
    const insert = this.db.prepare(`INSERT INTO alerts (key, type, severity, state, at, assignee, version, doc) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (key) DO NOTHING`);
    const stored: Alert[] = [];
    this.db.transaction(() => {
      for (const a of alerts) {
        const full = raisedAlert(a, at);
        const r = insert.run(a.key, a.type, severityRank(a.severity), full.state, at, a.assignee ?? null, full.version, alertDocument(full));
        if (r.changes === 1) stored.push({ ...full, id: String(r.lastInsertRowid) });
      }
    })();
    return stored;
  }

  async getAlert(id: string): Promise<Alert | null> {
    if (!isRowId(id)) return null;
    const r = this.db.prepare('SELECT id, key, state, version, doc FROM alerts WHERE id = ?').get(Number(id)) as AlertRow | undefined;
    return r ? fromRow(r) : null;
  }

  async listAlerts(opts: AlertFilter & { limit: number; before?: string }): Promise<Alert[]> {
    const w = where(opts);
    const before = opts.before === undefined ? Number.MAX_SAFE_INTEGER : rowIdCursor(opts.before);
    const rows = this.db.prepare(`SELECT id, key, state, version, doc FROM alerts WHERE id < ? AND ${w.sql} ORDER BY id DESC LIMIT ?`)
      .all(before, ...w.params, opts.limit) as AlertRow[];
    return rows.map(fromRow);
  }

  async countAlerts(filter: AlertFilter): Promise<number> {
    const w = where(filter);
    return (this.db.prepare(`SELECT COUNT(*) AS n FROM alerts WHERE ${w.sql}`).get(...w.params) as { n: number }).n;
  }

  async alertsAfter(id: string | undefined, limit: number): Promise<Alert[]> {
    const after = id === undefined ? 0 : rowIdCursor(id);
    return (this.db.prepare('SELECT id, key, state, version, doc FROM alerts WHERE id > ? ORDER BY id LIMIT ?').all(after, limit) as AlertRow[]).map(fromRow);
  }

  async lastAlertId(): Promise<string | undefined> {
    const r = this.db.prepare('SELECT MAX(id) AS id FROM alerts').get() as { id: number | null };
    return r.id === null ? undefined : String(r.id);
  }

  async saveAlert(a: Alert, expectedVersion: number): Promise<boolean> {
    const next = { ...a, version: expectedVersion + 1 };
    const r = this.db.prepare('UPDATE alerts SET state = ?, assignee = ?, version = ?, doc = ? WHERE id = ? AND version = ?')
      .run(a.state, a.assignee ?? null, next.version, alertDocument(next), Number(a.id), expectedVersion);
    return r.changes === 1;
  }

  async getAlertPass(runId: string): Promise<AlertPass | null> {
    const r = this.db.prepare('SELECT doc FROM alert_passes WHERE run_id = ?').get(runId) as { doc: string } | undefined;
    return r ? (JSON.parse(r.doc) as AlertPass) : null;
  }

  async saveAlertPass(pass: AlertPass): Promise<void> {
    this.db.prepare('INSERT INTO alert_passes (run_id, raised_at, doc) VALUES (?, ?, ?) ON CONFLICT (run_id) DO UPDATE SET raised_at = excluded.raised_at, doc = excluded.doc')
      .run(pass.runId, pass.raisedAt ?? null, JSON.stringify(pass));
  }

  async addWatch(w: Omit<Watch, 'id'>): Promise<Watch> {
    const r = this.db.prepare('INSERT INTO watches (who, doc) VALUES (?, ?)').run(w.who, watchDocument(w));
    return { ...w, id: String(r.lastInsertRowid) };
  }

  async getWatch(id: string): Promise<Watch | null> {
    if (!isRowId(id)) return null;
    const r = this.db.prepare('SELECT id, doc FROM watches WHERE id = ?').get(Number(id)) as { id: number; doc: string } | undefined;
    return r ? { ...(JSON.parse(r.doc) as Omit<Watch, 'id'>), id: String(r.id) } : null;
  }

  async listWatches(opts: { who?: string } = {}): Promise<Watch[]> {
    const rows = (opts.who === undefined
      ? this.db.prepare('SELECT id, doc FROM watches ORDER BY id').all()
      : this.db.prepare('SELECT id, doc FROM watches WHERE who = ? ORDER BY id').all(opts.who)) as Array<{ id: number; doc: string }>;
    return rows.map((r) => ({ ...(JSON.parse(r.doc) as Omit<Watch, 'id'>), id: String(r.id) }));
  }

  async removeWatch(id: string): Promise<boolean> {
    return isRowId(id) && this.db.prepare('DELETE FROM watches WHERE id = ?').run(Number(id)).changes === 1;
  }

  async saveWatchSnapshots(seen: Array<{ id: string; seen: WatchSnapshot }>): Promise<void> {
    const update = this.db.prepare("UPDATE watches SET doc = json_set(doc, '$.seen', json(?)) WHERE id = ?");
    this.db.transaction(() => {
      for (const s of seen) if (isRowId(s.id)) update.run(JSON.stringify(s.seen), Number(s.id));
    })();
  }
}
