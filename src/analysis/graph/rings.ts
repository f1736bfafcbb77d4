/**
 * Shared-identifier rings and circular trade.
 *
 * A ring is a set of parties chained by identifiers they share (A shares a phone with B, B a bank
 * account with C, ...) in which at least two distinct identifiers are involved. Identifiers shared
 * by more than `maxSharing` parties (business centres, switchboards) do not chain: they link
 * everyone and prove nothing.
 */
import { IDENTIFIER_KINDS, isPartyKind, type EntityKind } from '../../domain/entities';
import { UnionFind } from './algorithms';
import type { EntityGraph } from './projection';

const IDENTIFIER = new Set<EntityKind>([...IDENTIFIER_KINDS, 'Person']);

export interface Ring {
  id: number;
  /** Node indices of the parties. */
  members: number[];
  /** Node indices of the identifiers that chain them. */
  identifiers: number[];
  /** Each chaining identifier with the parties that share it (same order as identifiers). */
  ties: Array<{ identifier: number; parties: number[] }>;
}

export function findRings(g: EntityGraph, opts: { maxSharing: number; excluded?: Uint8Array }): { rings: Ring[]; ringOf: Int32Array } {
  // Parties of each identifier.
  const users = new Map<number, number[]>();
  for (let e = 0; e < g.m; e++) {
    const s = g.src[e]!;
    const d = g.dst[e]!;
    const [party, ident] = IDENTIFIER.has(g.kinds[d]!) && isPartyKind(g.kinds[s]!) ? [s, d]
      : IDENTIFIER.has(g.kinds[s]!) && isPartyKind(g.kinds[d]!) ? [d, s] : [-1, -1];
    if (party < 0 || opts.excluded?.[ident]) continue;
    let list = users.get(ident);
    if (!list) users.set(ident, (list = []));
    if (!list.includes(party)) list.push(party);
  }
  const uf = new UnionFind(g.n);
  const chaining: number[] = [];
  for (const [ident, parties] of users) {
    if (parties.length < 2 || parties.length > opts.maxSharing) continue;
    chaining.push(ident);
    for (let i = 1; i < parties.length; i++) uf.union(parties[0]!, parties[i]!);
  }
  const groups = new Map<number, { members: Set<number>; ties: Ring['ties'] }>();
  for (const ident of chaining.sort((a, b) => a - b)) {
    const parties = users.get(ident)!;
    const root = uf.find(parties[0]!);
    let grp = groups.get(root);
    if (!grp) groups.set(root, (grp = { members: new Set(), ties: [] }));
    grp.ties.push({ identifier: ident, parties: [...parties].sort((a, b) => a - b) });
    for (const p of parties) grp.members.add(p);
  }
  // Rings in the order of their lowest member (members sorted first: a chain in a country's data
  // can hold millions of parties, too many to spread into Math.min's arguments).
  const candidates = [...groups.values()]
    .filter((grp) => grp.members.size >= 2 && grp.ties.length >= 2)
    .map((grp) => ({ members: [...grp.members].sort((a, b) => a - b), ties: grp.ties }))
    .sort((a, b) => a.members[0]! - b.members[0]!);
  const rings: Ring[] = [];
  const ringOf = new Int32Array(g.n).fill(-1);
  for (const c of candidates) {
    const ring: Ring = { id: rings.length, members: c.members, identifiers: c.ties.map((t) => t.identifier), ties: c.ties };
    for (const m of ring.members) ringOf[m] = ring.id;
    rings.push(ring);
  }
  return { rings, ringOf };
}

/**
 * Keeps every ring whole in one community: Louvain may cut a chain of single shared identifiers
 * between communities, and an investigator needs the whole ring as one candidate. The members and
 * the identifiers that chain them move to the community holding most of the members (the lowest
 * id on a tie). Rings of more than `maxMembers` parties (long chains through shared addresses in
 * large data) are no one candidate and are left as Louvain cut them. Returns how many nodes moved.
 */
export function keepRingsWhole(community: Int32Array, rings: readonly Ring[], maxMembers: number): number {
  let moved = 0;
  for (const ring of rings) {
    if (ring.members.length > maxMembers) continue;
    const counts = new Map<number, number>();
    for (const m of ring.members) {
      const c = community[m]!;
      if (c >= 0) counts.set(c, (counts.get(c) ?? 0) + 1);
    }
    const target = [...counts].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0]?.[0];
    if (target === undefined) continue;
    for (const node of [...ring.members, ...ring.identifiers]) {
      if (community[node]! >= 0 && community[node] !== target) {
        community[node] = target;
        moved++;
      }
    }
  }
  return moved;
}

/**
 * Short directed cycles between domestic traders (A ships to B, B to C, C to A): `edges` are
 * trader → trader (the consignee is itself a registered trader). Returns, per node, one cycle it
 * lies on (as node indices), for cycles of length 2 to maxLength.
 */
export function findTradeCycles(n: number, edges: Array<[number, number]>, maxLength = 4): Map<number, number[]> {
  const out = new Map<number, number[]>();
  const adj = new Map<number, number[]>();
  for (const [a, b] of edges) {
    if (a === b) continue;
    let l = adj.get(a);
    if (!l) adj.set(a, (l = []));
    if (!l.includes(b)) l.push(b);
  }
  for (const l of adj.values()) l.sort((x, y) => x - y);
  const starts = [...adj.keys()].sort((x, y) => x - y);
  for (const start of starts) {
    const path = [start];
    const onPath = new Set(path);
    const dfs = (v: number): number[] | undefined => {
      for (const u of adj.get(v) ?? []) {
        if (u === start && path.length >= 2) return [...path];
        if (onPath.has(u) || path.length >= maxLength) continue;
        path.push(u);
        onPath.add(u);
        const found = dfs(u);
        path.pop();
        onPath.delete(u);
        if (found) return found;
      }
      return undefined;
    };
    const cycle = dfs(start);
    if (cycle) for (const v of cycle) if (!out.has(v)) out.set(v, cycle);
  }
  void n;
  return out;
}
