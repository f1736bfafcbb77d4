/** A full collection on demand, as a long analysis run takes one at the end of a stage. */
import { describe, expect, it } from 'vitest';
import { collectGarbage } from '../src/util/collect-garbage';

describe('collectGarbage', () => {
  it('frees what is no longer reachable, now, without --expose-gc', () => {
    expect((globalThis as { gc?: unknown }).gc).toBeUndefined();
    collectGarbage();
    const before = process.memoryUsage().heapUsed;
    let garbage: Array<{ i: number; s: string }> | undefined = Array.from({ length: 300_000 }, (_, i) => ({ i, s: `item ${i}` }));
    const full = process.memoryUsage().heapUsed;
    expect(full - before).toBeGreaterThan(10 * 2 ** 20);
    expect(garbage.length).toBe(300_000);
    garbage = undefined;
    collectGarbage();
    expect(process.memoryUsage().heapUsed - before).toBeLessThan((full - before) / 4);
    // Still no gc in this context: the flag exposed it to the context made for it only.
    expect((globalThis as { gc?: unknown }).gc).toBeUndefined();
  });
});
