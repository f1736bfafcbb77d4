/**
 * Typed arrays in shared memory or in the thread's own: an array a worker thread is given (or
 * gives) in shared memory is read there by both threads, not copied into the message.
 */
import type { GrowableArray as NumberArray } from './grow';

/** The constructor of a typed array of the kinds this project keeps columns and graphs in. */
export interface NumberArrayType<T extends NumberArray> {
  new (buffer: ArrayBuffer): T;
  readonly BYTES_PER_ELEMENT: number;
}

/** A zeroed array of `length` elements, in shared memory when asked. */
export function typedArray<T extends NumberArray>(Type: NumberArrayType<T>, length: number, shared = false): T {
  const bytes = length * Type.BYTES_PER_ELEMENT;
  return new Type((shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes)) as ArrayBuffer);
}

/** A copy of `a` in shared memory. */
export function sharedCopy<T extends NumberArray>(a: T): T {
  const copy = typedArray(a.constructor as unknown as NumberArrayType<T>, a.length, true);
  copy.set(a);
  return copy;
}
