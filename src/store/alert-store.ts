/**
 * Alerts, the alert pass of each run, and watches. An alert is kept whole as a document beside
 * the columns it is filtered by; its key is unique, so the same change raised twice is stored once.
 */
import type { Alert, AlertFilter, NewAlert, Watch, WatchSnapshot } from '../domain/alerts';

/**
 * What a run's alert pass found, recorded before the run is made current and raised (stored as
 * alerts) after: a job killed between the two raises them when it is retried.
 */
export interface AlertPass {
  runId: string;
  previousRunId?: string;
  alerts: NewAlert[];
  /** The focus set: top rings' members and known-bad entities, whose new ties the next pass reports. */
  focus: string[];
  /** Ties of the focus entities as `focus>entity`: the next pass's "before". */
  ties: string[];
  /** What each watch saw in this run. */
  watchSeen: Array<{ id: string; seen: WatchSnapshot }>;
  /** When its alerts were stored; absent until then. */
  raisedAt?: string;
}

export interface AlertStore {
  /** Stores the alerts whose key is not stored yet, raised at `at`; returns those it stored, with their ids. */
  addAlerts(alerts: NewAlert[], at: string): Promise<Alert[]>;
  getAlert(id: string): Promise<Alert | null>;
  /** Newest first, before the given alert id, passing the filter. */
  listAlerts(opts: AlertFilter & { limit: number; before?: string }): Promise<Alert[]>;
  countAlerts(filter: AlertFilter): Promise<number>;
  /** Alerts stored after the given id, oldest first (the feed that pushes them); all when no id. */
  alertsAfter(id: string | undefined, limit: number): Promise<Alert[]>;
  /** The newest alert's id (where a feed starts). */
  lastAlertId(): Promise<string | undefined>;
  /** Saves a changed alert when the stored one is still at `expectedVersion`; false when someone changed it meanwhile. */
  saveAlert(a: Alert, expectedVersion: number): Promise<boolean>;

  getAlertPass(runId: string): Promise<AlertPass | null>;
  /** Creates or replaces a run's pass. */
  saveAlertPass(pass: AlertPass): Promise<void>;

  addWatch(w: Omit<Watch, 'id'>): Promise<Watch>;
  getWatch(id: string): Promise<Watch | null>;
  /** Oldest first. */
  listWatches(opts?: { who?: string }): Promise<Watch[]>;
  removeWatch(id: string): Promise<boolean>;
  /** What each watch saw in a pass (watches removed meanwhile are skipped). */
  saveWatchSnapshots(seen: Array<{ id: string; seen: WatchSnapshot }>): Promise<void>;
}

/** The parts of an alert kept as one JSON document (id, key, state and version are columns). */
export function alertDocument(a: Omit<Alert, 'id'> & { id?: string }): string {
  const { id: _i, key: _k, version: _v, state: _s, ...rest } = a;
  return JSON.stringify(rest);
}

export function alertFromDocument(row: { id: string; key: string; state: string; version: number; doc: string }): Alert {
  return { ...(JSON.parse(row.doc) as Omit<Alert, 'id' | 'key' | 'state' | 'version'>), id: row.id, key: row.key, state: row.state as Alert['state'], version: row.version };
}

/** A new alert as first stored: state new, its history one line. */
export function raisedAlert(a: NewAlert, at: string): Omit<Alert, 'id'> {
  return { ...a, at, state: 'new', version: 1, history: [{ at, who: 'customs-graph', action: 'raised', detail: a.summary }] };
}

export function watchDocument(w: Omit<Watch, 'id'>): string {
  return JSON.stringify(w);
}
