/**
 * Selection under a capacity: which declarations go to physical control (red), documentary
 * control (orange) or release (green).
 *
 * Rounding: red = floor(n × capacity) and orange = floor(n × documentary), so capacity is never
 * exceeded. Of the red slots, floor(red × exploration) go to declarations drawn at random (seeded)
 * from outside the top-risk set (the `red` riskiest): without them the model would only ever learn
 * about what it already suspects. The other red slots and all orange slots go by risk.
 */
import type { Signal } from '../domain/results';
import { Rng } from '../util/rng';

export type Channel = 'red' | 'orange' | 'green';

export interface Scored {
  key: string;
  risk: number;
  reasons: Signal[];
}

export interface Selection {
  key: string;
  channel: Channel;
  risk: number;
  /** 'risk' (with the scorer's reasons) or 'exploration'. */
  why: 'risk' | 'exploration' | 'release';
  reasons: Signal[];
}

export interface SelectOptions {
  capacity: number;
  documentary?: number;
  exploration?: number;
  seed: number;
}

export function slots(n: number, opts: SelectOptions): { red: number; orange: number; exploration: number } {
  const red = Math.floor(n * opts.capacity + 1e-9);
  const orange = Math.min(n - red, Math.floor(n * (opts.documentary ?? 0) + 1e-9));
  return { red, orange, exploration: Math.floor(red * (opts.exploration ?? 0) + 1e-9) };
}

export function selectChannels(items: Scored[], opts: SelectOptions): Selection[] {
  for (const [name, v] of [['capacity', opts.capacity], ['documentary', opts.documentary ?? 0], ['exploration', opts.exploration ?? 0]] as const) {
    if (!(v >= 0 && v <= 1)) throw new RangeError(`${name} must be between 0 and 1`);
  }
  const s = slots(items.length, opts);
  // Riskiest first; ties in input order, so the same batch gives the same selection.
  const order = items.map((_, i) => i).sort((a, b) => items[b]!.risk - items[a]!.risk || a - b);
  const channel = new Array<Selection['why'] | undefined>(items.length);
  const isRed = new Uint8Array(items.length);
  const byRisk = order.slice(0, s.red - s.exploration);
  for (const i of byRisk) { isRed[i] = 1; channel[i] = 'risk'; }
  // Exploration: drawn from outside the top-risk set (the `red` riskiest).
  const pool = order.slice(s.red);
  const rng = new Rng(opts.seed);
  for (let k = 0; k < s.exploration && pool.length > 0; k++) {
    const j = rng.int(pool.length);
    const i = pool[j]!;
    pool[j] = pool[pool.length - 1]!;
    pool.pop();
    isRed[i] = 1;
    channel[i] = 'exploration';
  }
  const orange = new Uint8Array(items.length);
  let left = s.orange;
  for (const i of order) {
    if (left === 0) break;
    if (!isRed[i]) { orange[i] = 1; left--; }
  }
  return items.map((it, i) => ({
    key: it.key, risk: it.risk,
    channel: isRed[i] ? 'red' : orange[i] ? 'orange' : 'green',
    why: channel[i] ?? (orange[i] ? 'risk' : 'release'),
    reasons: channel[i] === 'exploration' ? [] : it.reasons,
  }));
}

/** An item of a declaration, scored: items of one declaration share its `declaration`. */
export interface ScoredItem extends Scored {
  declaration: string;
}

/**
 * Channels by declaration: a declaration is controlled as a whole, so its risk is that of its
 * riskiest item (with that item's reasons), the capacity counts declarations, and every item of a
 * declaration gets the declaration's channel. Declarations in the order their first item comes.
 */
export function selectDeclarationChannels(items: ScoredItem[], opts: SelectOptions): { selections: Selection[]; declarations: number } {
  const index = new Map<string, number>();
  const groups: Scored[] = [];
  const groupOf = items.map((it) => {
    let g = index.get(it.declaration);
    if (g === undefined) {
      g = groups.length;
      index.set(it.declaration, g);
      groups.push({ key: it.declaration, risk: it.risk, reasons: it.reasons });
    } else if (it.risk > groups[g]!.risk) groups[g] = { key: it.declaration, risk: it.risk, reasons: it.reasons };
    return g;
  });
  const chosen = selectChannels(groups, opts);
  return { selections: items.map((it, i) => ({ ...chosen[groupOf[i]!]!, key: it.key })), declarations: groups.length };
}

/** "5%" or "0.05" → 0.05. */
export function parseShare(text: string): number {
  const t = text.trim();
  const n = t.endsWith('%') ? Number(t.slice(0, -1)) / 100 : Number(t);
  if (!t.endsWith('%') && Number.isFinite(n) && n > 1 && n <= 100) {
    throw new RangeError(`${text} is not a share: write ${t}% for ${t} percent, or a fraction such as ${(n / 100).toString()}`);
  }
  if (!Number.isFinite(n) || n < 0 || n > 1) throw new RangeError(`not a share between 0 and 100% (e.g. 5% or 0.05): ${text}`);
  return n;
}
