/**
 * BullMQ worker process: `node dist/workers/worker.js [queues]` (or `customs-graph worker`).
 * REDIS_URL selects Redis; CUSTOMS_GRAPH_DB the embedded store the processors write to.
 */
import { run } from '../src/cli/main';

run([process.argv[0] ?? 'node', 'customs-graph', 'worker', ...(process.argv[2] ? ['--queues', process.argv[2]] : [])]).catch((err) => {
  process.stderr.write(`worker: ${(err as Error).message}\n`);
  process.exit(1);
});
