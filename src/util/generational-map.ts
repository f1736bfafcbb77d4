/**
 * A bounded map that forgets its oldest half at a time: entries live in a young and an old
 * generation; when the young one is full the old one is dropped and the young one takes its place.
 * Between `capacity` and 2 × `capacity` entries are kept, so a full map no longer starts from
 * nothing (every key a load repeats missing at once).
 *
 * A hit in the old generation is not moved back: the caller's key may be a slice of a large read
 * buffer, and keeping it would keep the buffer (callers store detached copies on a miss).
 */
export class GenerationalMap<K, V> {
  private young = new Map<K, V>();
  private old = new Map<K, V>();

  constructor(private readonly capacity: number) {}

  get(key: K): V | undefined {
    const v = this.young.get(key);
    if (v !== undefined) return v;
    return this.old.get(key);
  }

  set(key: K, value: V): void {
    if (this.young.size >= this.capacity && !this.young.has(key)) {
      this.old = this.young;
      this.young = new Map();
    }
    this.young.set(key, value);
  }

  clear(): void {
    this.young = new Map();
    this.old = new Map();
  }
}
