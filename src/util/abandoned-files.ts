/**
 * Files a process writes under a name of its own (`PREFIX` + its pid, `-N` where it writes several
 * at once, and maybe a suffix) and renames when done: what a killed process left behind is found
 * by its pid and removed.
 */
import { readdirSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** Whether a process of this machine is still running. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as { code?: string }).code === 'EPERM';
  }
}

/** Removes the files beside `prefixPath` named `basename(prefixPath)` + a pid of a process gone (+ `-N`) + one of `suffixes` (or none). */
export function removeAbandonedFiles(prefixPath: string, suffixes: readonly string[] = []): void {
  const prefix = basename(prefixPath);
  const pidAndSuffix = new RegExp(`^(\\d+)(?:-\\d+)?(${suffixes.map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})?$`);
  for (const name of readdirSync(dirname(prefixPath))) {
    const m = name.startsWith(prefix) ? pidAndSuffix.exec(name.slice(prefix.length)) : null;
    if (m && !alive(Number(m[1]))) rmSync(join(dirname(prefixPath), name), { force: true });
  }
}
