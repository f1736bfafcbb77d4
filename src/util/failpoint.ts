/**
 * Crash points for the tests that prove a job survives `kill -9` at its worst moment: with
 * CUSTOMS_GRAPH_FAILPOINT set to a point's name, the process kills itself there with SIGKILL
 * (no handler, no cleanup: as an operator's kill -9 or a power cut would). In a sandboxed BullMQ
 * job (a child the worker forked, with an IPC channel) the worker is killed first, as a kill -9
 * of the worker would leave things. Never set in service.
 */
export function failpoint(name: string): void {
  if (process.env.CUSTOMS_GRAPH_FAILPOINT !== name) return;
  if (process.send) process.kill(process.ppid, 'SIGKILL');
  process.kill(process.pid, 'SIGKILL');
}
