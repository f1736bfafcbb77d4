/**
 * Node flags for a process that runs analyses. A run keeps two threads busy (the declaration scan
 * and the graph thread); on a two-core machine V8's parallel garbage-collection helpers can only
 * take CPU from them: with --single-threaded-gc the 1M-node benchmark ran in 59.4 s instead of
 * 64.2 s here. V8 reads the flag at start-up only, so it goes on the analysis child process.
 */
import { availableParallelism } from 'node:os';

export function analysisNodeFlags(cores = availableParallelism()): string[] {
  return cores <= 2 && !process.execArgv.includes('--single-threaded-gc') ? ['--single-threaded-gc'] : [];
}
