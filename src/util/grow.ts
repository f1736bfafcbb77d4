/** Typed arrays that grow: a copy of the same kind, larger. */
export type GrowableArray = Int32Array | Uint8Array | Float64Array;

/** A copy of `a` with room for `size` elements (zeroed beyond a's). */
export function grown<T extends GrowableArray>(a: T, size: number): T {
  const b = new (a.constructor as new (n: number) => T)(size);
  b.set(a);
  return b;
}
