/**
 * A full garbage collection now, for a long run at a point where it knows most of its heap has just
 * died (the end of a stage). V8 lets the heap grow, before its next full collection, to a multiple
 * of what was live at the last one: one taken in the middle of scoring, when much was live, let
 * the garbage of the write-back and the alerts pile up to a gigabyte at 1M entities.
 *
 * Node offers `gc` only under --expose-gc; the flag set at run time puts it in contexts made after.
 * Where that does not work (a Node whose V8 refuses flags once started), this does nothing: the
 * collection is an economy of memory, never needed for a correct result.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let gc: (() => void) | null | undefined;

export function collectGarbage(): void {
  gc ??= exposedGc();
  gc?.();
}

function exposedGc(): (() => void) | null {
  try {
    setFlagsFromString('--expose-gc');
    const f: unknown = runInNewContext('gc');
    return typeof f === 'function' ? (f as () => void) : null;
  } catch {
    return null;
  }
}
