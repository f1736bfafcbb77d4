/**
 * API keys and roles. Keys are never stored: only their SHA-256, in a JSON file
 * (`[{ "name", "role", "sha256" }]`) or in CUSTOMS_GRAPH_API_KEYS as `role:key,role:key`.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { z } from 'zod';

export const ROLES = ['investigator', 'scorer', 'analyst', 'admin', 'clearance'] as const;
export type Role = (typeof ROLES)[number];

export interface ApiKey {
  name: string;
  role: Role;
  sha256: string;
}

const keyFileSchema = z.array(z.object({
  name: z.string().min(1),
  role: z.enum(ROLES),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
}).strict());

export function hashKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

export class KeyRing {
  private readonly byHash: Map<string, ApiKey>;

  constructor(keys: ApiKey[]) {
    this.byHash = new Map(keys.map((k) => [k.sha256, k]));
  }

  get size(): number {
    return this.byHash.size;
  }

  /** Key names by role, for the start-up log: never a key or its hash. */
  byRole(): Partial<Record<Role, string[]>> {
    const out: Partial<Record<Role, string[]>> = {};
    for (const k of this.byHash.values()) (out[k.role] ??= []).push(k.name);
    return out;
  }

  /** The key's name and role, or undefined. Compared by hash in constant time. */
  identify(key: string | undefined): ApiKey | undefined {
    if (!key) return undefined;
    const h = hashKey(key);
    const found = this.byHash.get(h);
    if (!found) return undefined;
    return timingSafeEqual(Buffer.from(found.sha256, 'hex'), Buffer.from(h, 'hex')) ? found : undefined;
  }

  static fromFile(path: string): KeyRing {
    const parsed = keyFileSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
    if (!parsed.success) throw new Error(`API key file ${path}: ${parsed.error.issues[0]?.message}`);
    return new KeyRing(parsed.data);
  }

  /** `role:key,role:key`, as in CUSTOMS_GRAPH_API_KEYS. */
  static fromEnv(value: string): KeyRing {
    const keys = value.split(',').filter(Boolean).map((entry, i) => {
      const at = entry.indexOf(':');
      const role = entry.slice(0, at) as Role;
      if (at < 1 || !ROLES.includes(role)) throw new Error(`CUSTOMS_GRAPH_API_KEYS entry ${i + 1}: expected role:key with a role among ${ROLES.join(', ')}`);
      return { name: `env-${i + 1}-${role}`, role, sha256: hashKey(entry.slice(at + 1)) };
    });
    return new KeyRing(keys);
  }
}

/** Creates one key per role, writes their hashes to `path`, and returns the keys in clear (shown once). */
export function createKeyFile(path: string): Record<Role, string> {
  const clear = Object.fromEntries(ROLES.map((r) => [r, `cg_${r.slice(0, 3)}_${randomBytes(18).toString('base64url')}`])) as Record<Role, string>;
  const file: ApiKey[] = ROLES.map((r) => ({ name: `demo-${r}`, role: r, sha256: hashKey(clear[r]) }));
  writeFileSync(path, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
  return clear;
}

/** What each role may do. */
export const PERMISSIONS = {
  readIdentities: ['investigator', 'analyst', 'admin'],
  score: ['scorer', 'investigator', 'analyst', 'admin'],
  readRuns: ['scorer', 'investigator', 'analyst', 'admin'],
  runAnalysis: ['analyst', 'admin'],
  manageWatchlist: ['analyst', 'admin'],
  readAudit: ['admin'],
  /** The run report shows group statistics and default identifiers (identities): people who read identities. */
  readReports: ['investigator', 'analyst', 'admin'],
  overrideChannels: ['investigator', 'analyst', 'admin'],
  manageCases: ['investigator', 'analyst', 'admin'],
  /** Alerts name entities and point at declarations: people who read identities read, handle and watch them. */
  readAlerts: ['investigator', 'analyst', 'admin'],
  /** The clearance system lodges declarations and records control results, and reads nothing else... */
  lodge: ['clearance', 'admin'],
  /** ...but the jobs that store them: their state is its receipt. */
  readJobs: ['scorer', 'investigator', 'analyst', 'admin', 'clearance'],
} as const satisfies Record<string, readonly Role[]>;
export type Permission = keyof typeof PERMISSIONS;
