/** Entity-graph links in batches of columns (analysis-source.ts EntityLinkColumns), and as objects for the readers that want them. */
import { ENTITY_KINDS, REL_TYPES } from '../../domain/entities';
import type { EntityLink, EntityLinkColumns } from '../analysis-source';

/** Fills batches of `size` links; `full` says when one is ready to `take`. */
export class LinkColumnsBatch {
  private c: EntityLinkColumns;

  constructor(private readonly size: number) {
    this.c = LinkColumnsBatch.empty(size);
  }

  get full(): boolean {
    return this.c.length === this.size;
  }

  get length(): number {
    return this.c.length;
  }

  push(source: number, sourceKind: number, target: number, targetKind: number, type: number, count: number, value: number): void {
    const c = this.c;
    const i = c.length++;
    c.source[i] = source;
    c.sourceKind[i] = sourceKind;
    c.target[i] = target;
    c.targetKind[i] = targetKind;
    c.type[i] = type;
    c.count[i] = count;
    c.value[i] = value;
  }

  /** The links pushed since the last take, and a new batch begun. */
  take(): EntityLinkColumns {
    const c = this.c;
    this.c = LinkColumnsBatch.empty(this.size);
    const n = c.length;
    return {
      length: n, source: c.source.subarray(0, n), sourceKind: c.sourceKind.subarray(0, n), target: c.target.subarray(0, n),
      targetKind: c.targetKind.subarray(0, n), type: c.type.subarray(0, n), count: c.count.subarray(0, n), value: c.value.subarray(0, n),
    };
  }

  private static empty(size: number): EntityLinkColumns {
    return {
      length: 0, source: new Int32Array(size), sourceKind: new Uint8Array(size), target: new Int32Array(size), targetKind: new Uint8Array(size),
      type: new Uint8Array(size), count: new Float64Array(size), value: new Float64Array(size),
    };
  }
}

/** A batch's links as objects, their ids as strings. */
export function entityLinksOf(c: EntityLinkColumns): EntityLink[] {
  const out: EntityLink[] = new Array(c.length);
  for (let i = 0; i < c.length; i++) {
    out[i] = {
      source: String(c.source[i]), sourceKind: ENTITY_KINDS[c.sourceKind[i]!]!, target: String(c.target[i]), targetKind: ENTITY_KINDS[c.targetKind[i]!]!,
      type: REL_TYPES[c.type[i]!]!, count: c.count[i]!, value: c.value[i]!,
    };
  }
  return out;
}
