/**
 * Alerts: what changed that an investigator should look at, with the evidence behind it, and
 * what people did about it. Each alert has a key naming the change it reports: the same change
 * seen twice (a job retried after a crash, two workers) is stored once.
 */

export const ALERT_TYPES = [
  /** An entity's risk crossed its kind's threshold since the previous run. */
  'risk_threshold',
  /** An entity's risk rose by the margin or more since the previous run. */
  'risk_rise',
  /** An entity newly tied (a declaration or a shared identifier) to a member of a top-ranked ring. */
  'new_link_ring',
  /** An entity newly tied to a known-bad entity (a seizure, a watchlist entry). */
  'new_link_known_bad',
  /** A top-ranked ring with members it did not have in the previous run. */
  'ring_grew',
  /** A top-ranked ring whose risk rose since the previous run. */
  'ring_risk_rose',
  /** A new trader with sudden volume. */
  'sudden_volume',
  /** A watchlisted identifier (phone, account, director, ...) in a newly stored declaration. */
  'watchlist_hit',
  /** Something changed about an entity or ring someone watches. */
  'watch',
] as const;
export type AlertType = (typeof ALERT_TYPES)[number];

/** In rising order: a filter by severity takes this one and those after it. */
export const ALERT_SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export type AlertSeverity = (typeof ALERT_SEVERITIES)[number];
export const severityRank = (s: AlertSeverity): number => ALERT_SEVERITIES.indexOf(s);

export const ALERT_STATES = ['new', 'acknowledged', 'dismissed', 'attached'] as const;
export type AlertState = (typeof ALERT_STATES)[number];

/** A typed reference to what backs an alert: a declaration (by node id), an entity, or a ring (`run:community`). */
export interface AlertEvidence {
  kind: 'declaration' | 'entity' | 'ring';
  ref: string;
  /** What this piece shows ("shares phone +212…", "seized 2025-03-02"). */
  note?: string;
}

export interface AlertEvent {
  at: string;
  who: string;
  action: 'raised' | 'acknowledged' | 'dismissed' | 'assigned' | 'attached';
  detail: string;
}

export interface Alert {
  id: string;
  /** The change it reports (see above): unique among alerts. */
  key: string;
  type: AlertType;
  severity: AlertSeverity;
  /** One line an investigator reads first. */
  summary: string;
  /** The entities it is about, the main one first. */
  entities: string[];
  evidence: AlertEvidence[];
  /** The runs compared (none for an alert raised at ingest). */
  runs: { previous?: string; current?: string };
  at: string;
  state: AlertState;
  assignee?: string;
  /** The case it was attached to. */
  caseId?: string;
  /** Why it was dismissed. */
  reason?: string;
  /** The watch that raised it, and the key name of whoever set that watch. */
  watch?: { id: string; who: string };
  history: AlertEvent[];
  /** Bumped by every change: a change made from an older version is refused. */
  version: number;
}

/** An alert as raised, before the store gives it an id. */
export type NewAlert = Omit<Alert, 'id' | 'state' | 'history' | 'version' | 'at'>;

export interface AlertFilter {
  types?: AlertType[];
  states?: AlertState[];
  /** This severity and above. */
  minSeverity?: AlertSeverity;
  /** Raised at or after / before these instants (ISO). */
  since?: string;
  until?: string;
  assignee?: string;
  /** Alerts about this entity. */
  entityId?: string;
}

/** Whether an alert passes a filter (the store filters the same way; subscriptions filter with this). */
export function matchesFilter(a: Pick<Alert, 'type' | 'state' | 'severity' | 'at' | 'assignee' | 'entities'>, f: AlertFilter): boolean {
  return (!f.types?.length || f.types.includes(a.type))
    && (!f.states?.length || f.states.includes(a.state))
    && (!f.minSeverity || severityRank(a.severity) >= severityRank(f.minSeverity))
    && (!f.since || a.at >= f.since)
    && (!f.until || a.at < f.until)
    && (!f.assignee || a.assignee === f.assignee)
    && (!f.entityId || a.entities.includes(f.entityId));
}

/** What a state may become: a dismissed alert can still be attached to a case (it was wrong to dismiss it). */
export const ALERT_TRANSITIONS: Record<AlertState, readonly AlertState[]> = {
  new: ['acknowledged', 'dismissed', 'attached'],
  acknowledged: ['dismissed', 'attached'],
  dismissed: ['attached'],
  attached: [],
};

export const MAX_DISMISS_REASON_CHARS = 1000;

/** A watch: someone asked to hear of any change to an entity or a ring. */
export interface Watch {
  id: string;
  kind: 'entity' | 'ring';
  /** An entity id, or the ring as `run:community` it was when watched. */
  ref: string;
  /** The key name that set it: its alerts are assigned to it. */
  who: string;
  at: string;
  note?: string;
  /** What the last alert pass saw, to tell the next one what changed. */
  seen?: WatchSnapshot;
}

export interface WatchSnapshot {
  run: string;
  /** Entity: its risk; ring: its risk as a ring. */
  risk: number;
  /** Entity: declarations naming it. */
  declarations?: number;
  /** Entity: its ring (`run:community`) if in one; ring: its members. */
  ring?: string;
  members?: string[];
}

export const MAX_WATCHES = 10_000;
