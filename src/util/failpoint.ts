/**
 * Crash points for the tests that prove a job survives `kill -9` at its worst moment: with
 * CUSTOMS_GRAPH_FAILPOINT set to a point's name, the process kills itself there with SIGKILL
 * (no handler, no cleanup: as an operator's kill -9 or a power cut would). Never set in service.
 */
export function failpoint(name: string): void {
  if (process.env.CUSTOMS_GRAPH_FAILPOINT === name) process.kill(process.pid, 'SIGKILL');
}
