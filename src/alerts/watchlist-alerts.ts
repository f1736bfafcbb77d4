/**
 * The ingest-time alert: a watchlisted identifier (phone, account, director, company, ...) in a
 * newly stored declaration, however it was written. Keys are compared after normalization (the
 * watchlist's keys are normalized on import the way ingest normalizes), so `+212 6 61-23 45 67`
 * and `0661234567` are one phone. The check is a map lookup per entity of a declaration.
 */
import type { AlertSeverity, NewAlert } from '../domain/alerts';
import type { EntityFact } from '../domain/graph-facts';
import type { EntityKind } from '../domain/entities';
import type { GraphStore } from '../store/graph-store';
import type { WatchlistEntry } from '../store/graph-writer';

export function watchlistSeverity(severity: number): AlertSeverity {
  return severity >= 0.95 ? 'critical' : severity >= 0.75 ? 'high' : severity >= 0.45 ? 'medium' : 'low';
}

interface Hit {
  entry: WatchlistEntry;
  declaration: string;
}

export class WatchlistCheck {
  private readonly byKind = new Map<EntityKind, Map<string, WatchlistEntry>>();
  private pending: Hit[] = [];

  constructor(entries: readonly WatchlistEntry[]) {
    for (const e of entries) (this.byKind.get(e.kind) ?? this.byKind.set(e.kind, new Map()).get(e.kind)!).set(e.key, e);
  }

  get empty(): boolean {
    return this.byKind.size === 0;
  }

  /** Notes the watchlisted entities among one declaration's. */
  check(declarationKey: string, entities: readonly EntityFact[]): void {
    for (const e of entities) {
      const entry = this.byKind.get(e.kind)?.get(e.key);
      if (entry) this.pending.push({ entry, declaration: declarationKey });
    }
  }

  /** Stores the alerts of the hits noted since the last call (their declarations are stored by now). */
  async raise(store: Pick<GraphStore, 'findEntity' | 'getDeclaration' | 'addAlerts'>): Promise<number> {
    if (!this.pending.length) return 0;
    const hits = this.pending;
    this.pending = [];
    const alerts: NewAlert[] = [];
    for (const { entry, declaration } of hits) {
      const [entity, decl] = await Promise.all([store.findEntity(entry), store.getDeclaration(declaration)]);
      if (!entity || !decl) continue;
      alerts.push({
        key: `watchlist_hit:${entry.kind}:${entry.key}:${declaration}`, type: 'watchlist_hit', severity: watchlistSeverity(entry.severity),
        entities: [entity.id], runs: {},
        evidence: [
          { kind: 'declaration', ref: decl.id, note: `${decl.lodged_at} ${decl.hs_code}` },
          { kind: 'entity', ref: entity.id, note: `watchlisted ${entry.kind.toLowerCase()}: ${entry.reason} (${entry.source}, listed ${entry.listedAt})` },
        ],
        summary: `Watchlisted ${entry.kind.toLowerCase()} in declaration ${declaration} (${entry.reason})`,
      });
    }
    return (await store.addAlerts(alerts, new Date().toISOString())).length;
  }
}
