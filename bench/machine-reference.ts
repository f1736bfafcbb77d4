/**
 * A fixed single-thread workload (string keys in a Map, the shape of ingest's lookups), timed, so a
 * benchmark table says how fast the machine was when it ran: these machines have been seen to run
 * the same code anywhere between 1.1 and 3.5 s here, which moves every figure of a table with it.
 * Compare two tables only at a like reference.
 */
export function machineReferenceSeconds(): number {
  const started = process.hrtime.bigint();
  const m = new Map<string, number>();
  let sum = 0;
  for (let i = 0; i < 3e6; i++) {
    m.set(`k${i % 200_000}`, i);
    sum += m.get(`k${(i * 7) % 200_000}`) ?? 0;
  }
  if (sum < 0) throw new Error('unreachable: keeps the loop from being optimized away');
  return Number(process.hrtime.bigint() - started) / 1e9;
}
