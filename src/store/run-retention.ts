/**
 * Which analysis runs give up their results. Scheduled re-analysis adds a full set of scores,
 * communities and category figures every time (700k score rows a run at 1M entities): the store
 * keeps the results of the newest completed runs and the current run, and drops those of older
 * completed or failed runs, whose records stay (status 'pruned') so the history of runs is whole.
 * Runs still running are never touched: one may be writing its results right now.
 */
import type { AnalysisRun } from '../domain/results';

/** `runs` newest first (as listRuns returns them). */
export function runsToPrune(runs: readonly AnalysisRun[], currentId: string | null, keep: number): string[] {
  let kept = 0;
  const out: string[] = [];
  for (const r of runs) {
    if (r.status === 'running' || r.status === 'pruned') continue;
    if (r.id === currentId) {
      kept++; // the current run counts among those kept, and is always kept
      continue;
    }
    if (r.status === 'done' && kept < keep) {
      kept++;
      continue;
    }
    out.push(r.id);
  }
  return out;
}
