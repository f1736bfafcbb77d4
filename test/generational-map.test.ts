import { describe, expect, it } from 'vitest';
import { GenerationalMap } from '../src/util/generational-map';

describe('GenerationalMap', () => {
  it('keeps between capacity and twice capacity entries, forgetting the oldest generation', () => {
    const m = new GenerationalMap<string, number>(3);
    for (let i = 0; i < 3; i++) m.set(`k${i}`, i);
    // The young generation is full: the next new key starts a new one, the first three grow old.
    m.set('k3', 3);
    expect([0, 1, 2, 3].map((i) => m.get(`k${i}`))).toEqual([0, 1, 2, 3]);
    m.set('k4', 4);
    m.set('k5', 5);
    // A third generation: k0..k2 are dropped, k3..k5 are the old one.
    m.set('k6', 6);
    expect([0, 1, 2].map((i) => m.get(`k${i}`))).toEqual([undefined, undefined, undefined]);
    expect([3, 4, 5, 6].map((i) => m.get(`k${i}`))).toEqual([3, 4, 5, 6]);
  });

  it('updates a key in place without starting a generation', () => {
    const m = new GenerationalMap<string, number>(2);
    m.set('a', 1);
    m.set('b', 2);
    m.set('b', 20);
    m.set('c', 3);
    expect(m.get('b')).toBe(20);
    m.set('d', 4);
    // c and d filled the new young generation; a and b are still in the old one.
    expect(m.get('a')).toBe(1);
    m.clear();
    expect(m.get('a')).toBeUndefined();
  });
});
