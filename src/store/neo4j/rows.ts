/** Node properties of the Neo4j adapter back to the contract's objects. */
import type { Declaration } from '../../domain/declaration';
import type { EntityKind } from '../../domain/entities';
import type { AnalysisRun, CommunityRecord, EntityScore } from '../../domain/results';
import { runInState } from '../run-store';
import type { Row } from './session';

export function declarationFromProps(id: string, p: Row): Declaration & { id: string } {
  const { seq: _s, kind: _k, key: _key, attrs, ...rest } = p;
  return {
    id, trader_directors: [], container_ids: [], transit_ports: [], ...rest,
    ...(typeof attrs === 'string' ? { attrs: JSON.parse(attrs) as Record<string, string> } : {}),
  } as unknown as Declaration & { id: string };
}

export function runFromProps(p: Row): AnalysisRun {
  const parse = (v: unknown) => (typeof v === 'string' ? JSON.parse(v) : {});
  return runInState({
    id: String(p.id), startedAt: String(p.started_at), seed: Number(p.seed), params: parse(p.params), timings: parse(p.timings),
    modularity: (p.modularity as number | undefined) ?? undefined, counts: parse(p.counts),
    ...(typeof p.model === 'string' ? { model: JSON.parse(p.model) } : {}),
  }, String(p.status), (p.finished_at as string | undefined) ?? undefined);
}

export function scoreFromProps(p: Row): EntityScore {
  return {
    entityId: String(p.entityId), kind: p.kind as EntityKind, risk: Number(p.risk), community: (p.community as number | undefined) ?? undefined,
    component: (p.component as number | undefined) ?? undefined, pagerank: Number(p.pagerank), ppr: Number(p.ppr), seizures: Number(p.seizures),
    knownBad: p.knownBad === true, signals: JSON.parse(String(p.signals)),
  };
}

export function communityFromProps(p: Row): CommunityRecord {
  return {
    community: Number(p.community), rank: Number(p.rank), size: Number(p.size), byKind: JSON.parse(String(p.byKind)), knownBad: Number(p.knownBad),
    value: Number(p.value), risk: Number(p.risk), members: JSON.parse(String(p.members)), signals: JSON.parse(String(p.signals)),
  };
}
