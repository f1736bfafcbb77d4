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
import { badInput, forbidden, purposeRequired } from './errors';
import { localId } from './global-id';
import { stripControls } from '../domain/normalize';

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
  /** The server's id of the request. */
  requestId: string;
  /** The client's id of the request (x-request-id), kept beside the server's. */
  clientRequestId?: string;
  /** Why the identities are read (X-Purpose, or the request's extensions.purpose): a case or a reason. */
  purpose?: string;
  /** Refuses an identity read without a purpose when the key's role must give one, or with a case that does not exist (audit.ts calls it). */
  requirePurpose(): Promise<void>;
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

/** A purpose or a client's id as given: controls stripped, trimmed, cut to a sentence's length. */
function headerText(value: unknown, max: number): string | undefined {
  const t = typeof value === 'string' ? stripControls(value).trim().slice(0, max) : '';
  return t || undefined;
}

export function clientRequestIdOf(headers: Record<string, string | string[] | undefined>): string | undefined {
  return headerText(headers['x-request-id'], 100);
}

/** The purpose of a request: the X-Purpose header, or `extensions.purpose` in its body. */
export function purposeOf(headers: Record<string, string | string[] | undefined>, body: unknown): string | undefined {
  const fromBody = (body as { extensions?: { purpose?: unknown } } | undefined)?.extensions?.purpose;
  return headerText(headers['x-purpose'] ?? fromBody, MAX_PURPOSE_CHARS);
}

export const MAX_PURPOSE_CHARS = 500;

/**
 * The context of a request whose key the server identified before reading its body
 * (server.ts requireApiKey), under the request id its log line carries.
 */
export function contextFor(services: ApiServices, key: ApiKey, requestId: string, given: { clientRequestId?: string; purpose?: string } = {}): ApiContext {
  let purposeChecked: Promise<void> | undefined;
  return {
    services, store: services.store, key, requestId, ...given, loaders: loaders(services.store),
    require(p) {
      if (!(PERMISSIONS[p] as readonly string[]).includes(key.role)) throw forbidden(`the ${key.role} role may not ${p.replace(/([A-Z])/g, ' $1').toLowerCase()}`);
    },
    requirePurpose() {
      return (purposeChecked ??= checkPurpose(services, key, given.purpose));
    },
    audit: new AuditLedger(),
  };
}

/** A purpose naming a case names one that exists; a role configured to give one gives one. */
async function checkPurpose(services: ApiServices, key: ApiKey, purpose: string | undefined): Promise<void> {
  if (!purpose) {
    if ((services.config.purposeRequired ?? []).includes(key.role)) throw purposeRequired(key.role);
    return;
  }
  const m = /^case:(.+)$/i.exec(purpose);
  if (m && !(await services.store.getCase(localId(m[1]!.trim(), ['Case'], 'purpose')))) {
    throw badInput(`the purpose names case ${m[1]!.slice(0, 80)}, which does not exist`, { argument: 'purpose' });
  }
}
