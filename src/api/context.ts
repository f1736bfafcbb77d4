/** Per-request context: who is asking, what they may do, batched loaders, and the audit trail. */
import DataLoader from 'dataloader';
import type { Config } from '../config';
import type { EntityScore } from '../domain/results';
import type { Entity, StoredDeclaration } from '../store/graph-reader';
import type { GraphStore } from '../store/graph-store';
import type { JobRunner } from '../jobs/runner';
import type { ScoringService } from '../targeting/scoring-service';
import type { Logger } from '../util/logger';
import { AuditLedger } from './audit';
import { PERMISSIONS, type ApiKey, type KeyRing, type Permission } from './auth';
import { forbidden } from './errors';

export interface ApiServices {
  store: GraphStore;
  keys: KeyRing;
  config: Config;
  jobs: JobRunner;
  /** The store file the job processors open. */
  dbPath: string;
  scoring: ScoringService;
  logger: Logger;
}

export interface ApiContext {
  services: ApiServices;
  store: GraphStore;
  key: ApiKey;
  requestId: string;
  loaders: {
    entity: DataLoader<string, Entity | null>;
    score: DataLoader<string, EntityScore | null>;
    declaration: DataLoader<string, StoredDeclaration | null>;
  };
  require(p: Permission): void;
  /** The identities this request lets out (audit.ts writes them when the response is ready). */
  audit: AuditLedger;
  /** When the request's time budget runs out (limits.ts). */
  deadline?: number;
}

function loaders(store: GraphStore): ApiContext['loaders'] {
  return {
    entity: new DataLoader(async (ids) => {
      const found = new Map((await store.getEntities(ids)).map((e) => [e.id, e]));
      return ids.map((id) => found.get(id) ?? null);
    }, { maxBatchSize: 1000 }),
    score: new DataLoader(async (ids) => {
      const found = new Map((await store.getScores(ids)).map((s) => [s.entityId, s]));
      return ids.map((id) => found.get(id) ?? null);
    }, { maxBatchSize: 1000 }),
    declaration: new DataLoader(async (ids) => {
      const found = new Map((await store.getDeclarations(ids)).map((d) => [d.id, d]));
      return ids.map((id) => found.get(id) ?? null);
    }, { maxBatchSize: 500 }),
  };
}

export function apiKeyOf(headers: Record<string, string | string[] | undefined>): string | undefined {
  const auth = headers.authorization;
  if (typeof auth === 'string' && auth.toLowerCase().startsWith('bearer ')) return auth.slice(7).trim();
  const k = headers['x-api-key'];
  return typeof k === 'string' ? k.trim() : undefined;
}

/**
 * The context of a request whose key the server identified before reading its body
 * (server.ts requireApiKey), under the request id its log line carries.
 */
export function contextFor(services: ApiServices, key: ApiKey, requestId: string): ApiContext {
  return {
    services, store: services.store, key, requestId, loaders: loaders(services.store),
    require(p) {
      if (!(PERMISSIONS[p] as readonly string[]).includes(key.role)) throw forbidden(`the ${key.role} role may not ${p.replace(/([A-Z])/g, ' $1').toLowerCase()}`);
    },
    audit: new AuditLedger(),
  };
}
