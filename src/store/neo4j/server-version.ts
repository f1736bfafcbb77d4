/** The Neo4j server this adapter can use: 5.26 or later (its statements use dynamic labels and relationship types). */
import { UnsupportedStoreError } from '../../util/errors';

export const MIN_NEO4J_VERSION = [5, 26] as const;

/** "5.26.2", "2025.01.0" (calendar versions come after 5.26) → whether it is new enough. */
export function supportsServer(version: string): boolean {
  const [major = NaN, minor = NaN] = version.split('.').map((p) => Number.parseInt(p, 10));
  if (!Number.isFinite(major) || !Number.isFinite(minor)) return false;
  return major > MIN_NEO4J_VERSION[0] || (major === MIN_NEO4J_VERSION[0] && minor >= MIN_NEO4J_VERSION[1]);
}

/** Throws a clear error naming the server's version when it is older than the adapter needs. */
export function checkServerVersion(components: Array<{ name?: unknown; version?: unknown }>): string {
  const kernel = components.find((c) => c.name === 'Neo4j Kernel') ?? components[0];
  const version = String(kernel?.version ?? 'unknown');
  if (!supportsServer(version)) {
    throw new UnsupportedStoreError(`Neo4j ${version} is too old: customs-graph needs Neo4j ${MIN_NEO4J_VERSION.join('.')} or later (dynamic labels)`);
  }
  return version;
}
