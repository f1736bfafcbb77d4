/**
 * A ring named for good: the run it was a community of and its community number, `run:community`
 * (a community number alone names another ring after the next run). Cases, alerts, watches and the
 * API's Ring ids all write it this way.
 */
export function ringLocal(runId: string, community: number): string {
  return `${runId}:${community}`;
}

/** The run and community of a ring's `run:community`; null when it is not one. */
export function parseRingLocal(local: string): { runId: string; community: number } | null {
  const colon = local.lastIndexOf(':');
  const community = Number(local.slice(colon + 1));
  if (colon <= 0 || !/^\d{1,9}$/.test(local.slice(colon + 1)) || !Number.isSafeInteger(community)) return null;
  return { runId: local.slice(0, colon), community };
}
