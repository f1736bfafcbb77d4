/** Alerts, alert passes and watches in Neo4j (alert-store.ts): an Alert node each, ids that sort by creation. */
import neo4j from 'neo4j-driver';
import { severityRank, type Alert, type AlertFilter, type NewAlert, type Watch, type WatchSnapshot } from '../../domain/alerts';
import { alertDocument, alertFromDocument, raisedAlert, watchDocument, type AlertPass, type AlertStore } from '../alert-store';
import type { Neo4jSession, Row } from './session';
import { TimeSortedIds } from './time-sorted-ids';

const fromRow = (r: Row) => alertFromDocument({ id: String(r.id), key: String(r.key), state: String(r.state), version: Number(r.version), doc: String(r.doc) });
const watchFromRow = (r: Row): Watch => ({
  ...(JSON.parse(String(r.doc)) as Omit<Watch, 'id'>), id: String(r.id), ...(r.seen ? { seen: JSON.parse(String(r.seen)) as WatchSnapshot } : {}),
});

function filterParams(f: AlertFilter): Row {
  return {
    types: f.types?.length ? f.types : null, states: f.states?.length ? f.states : null,
    minSeverity: neo4j.int(f.minSeverity ? severityRank(f.minSeverity) : 0), since: f.since ?? null, until: f.until ?? null,
    assignee: f.assignee ?? null, entity: f.entityId ?? null,
  };
}

export class Neo4jAlertStore implements AlertStore {
  constructor(private readonly s: Neo4jSession) {}

  private readonly ids = new TimeSortedIds();

  async addAlerts(alerts: NewAlert[], at: string): Promise<Alert[]> {
    const full = alerts.map((a) => ({ ...raisedAlert(a, at), id: this.ids.next() }));
    const [rows] = await this.s.write([['add-alerts', {
      rows: full.map((a) => ({
        id: a.id, key: a.key, type: a.type, severity: neo4j.int(severityRank(a.severity)), state: a.state, at, assignee: a.assignee ?? null,
        version: neo4j.int(a.version), entities: a.entities, doc: alertDocument(a),
      })),
    }]]);
    const created = new Set((rows ?? []).filter((r) => r.created === true).map((r) => String(r.key)));
    return full.filter((a) => created.has(a.key));
  }

  async getAlert(id: string): Promise<Alert | null> {
    const [r] = await this.s.read('get-alert', { id });
    return r ? fromRow(r) : null;
  }

  async listAlerts(opts: AlertFilter & { limit: number; before?: string }): Promise<Alert[]> {
    return (await this.s.read('list-alerts', { ...filterParams(opts), before: opts.before ?? null, limit: neo4j.int(opts.limit) })).map(fromRow);
  }

  async countAlerts(filter: AlertFilter): Promise<number> {
    return Number((await this.s.read('count-alerts', filterParams(filter)))[0]?.n ?? 0);
  }

  async alertsAfter(id: string | undefined, limit: number): Promise<Alert[]> {
    return (await this.s.read('alerts-after', { after: id ?? null, limit: neo4j.int(limit) })).map(fromRow);
  }

  async lastAlertId(): Promise<string | undefined> {
    const id = (await this.s.read('last-alert-id'))[0]?.id;
    return id ? String(id) : undefined;
  }

  async saveAlert(a: Alert, expectedVersion: number): Promise<boolean> {
    const [rows] = await this.s.write([['save-alert', {
      id: a.id, expected: neo4j.int(expectedVersion), state: a.state, assignee: a.assignee ?? null, doc: alertDocument({ ...a, version: expectedVersion + 1 }),
    }]]);
    return Number(rows?.[0]?.saved ?? 0) === 1;
  }

  async getAlertPass(runId: string): Promise<AlertPass | null> {
    const [r] = await this.s.read('get-alert-pass', { runId });
    return r ? (JSON.parse(String(r.doc)) as AlertPass) : null;
  }

  async saveAlertPass(pass: AlertPass): Promise<void> {
    await this.s.write([['save-alert-pass', { runId: pass.runId, raisedAt: pass.raisedAt ?? null, doc: JSON.stringify(pass) }]]);
  }

  async addWatch(w: Omit<Watch, 'id'>): Promise<Watch> {
    const id = this.ids.next();
    await this.s.write([['add-watch', { id, who: w.who, doc: watchDocument(w) }]]);
    return { ...w, id };
  }

  async getWatch(id: string): Promise<Watch | null> {
    const [r] = await this.s.read('get-watch', { id });
    return r ? watchFromRow(r) : null;
  }

  async listWatches(opts: { who?: string } = {}): Promise<Watch[]> {
    return (await this.s.read('list-watches', { who: opts.who ?? null })).map(watchFromRow);
  }

  async removeWatch(id: string): Promise<boolean> {
    const [rows] = await this.s.write([['remove-watch', { id }]]);
    return Number(rows?.[0]?.removed ?? 0) === 1;
  }

  async saveWatchSnapshots(seen: Array<{ id: string; seen: WatchSnapshot }>): Promise<void> {
    if (seen.length) await this.s.write([['save-watch-snapshots', { rows: seen.map((s) => ({ id: s.id, seen: JSON.stringify(s.seen) })) }]]);
  }
}
