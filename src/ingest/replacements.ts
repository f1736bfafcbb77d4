/**
 * What a load does when it replaces declarations loaded before. A re-declared item takes its new
 * parties, and the identifiers its old version tied to its old parties (a phone, an account, a
 * director) are kept only where another declaration still ties them: otherwise a trader whose
 * only declaration was re-declared under another trader would keep a phone it never declared
 * again, and look like a ring with the new one. Two versions of one item within the same load
 * are conflicting duplicates: the last is kept, and each is reported with its line.
 */
import { DECLARATION_FIELDS } from '../domain/fields';
import type { Declaration } from '../domain/declaration';
import type { BatchResult, LinkFact } from '../domain/graph-facts';
import { BatchBuilder, type DeclarationResolver } from '../domain/resolve';
import type { GraphStore } from '../store/graph-store';
import type { Logger } from '../util/logger';

export interface DuplicateInLoad {
  key: string;
  file: string;
  line: number;
  /** Where the version it replaced was read, earlier in the same load. */
  previousFile?: string;
  previousLine?: number;
}

export interface ReplacementSummary {
  /** Declarations replaced by a different version (from this load or an earlier one). */
  replaced: number;
  /** Items given twice with different content in this load (the first 100 listed). */
  conflicting: number;
  duplicates: DuplicateInLoad[];
  /** Links and identifiers no declaration asserts any more, removed. */
  linksRemoved: number;
  entitiesRemoved: number;
}

const MAX_LISTED = 100;

/** Logs the first conflicting duplicates of a load, each with its line and the line it replaced. */
export function warnDuplicates(summary: ReplacementSummary, logger: Logger | undefined): void {
  for (const d of summary.duplicates.slice(0, 5)) {
    logger?.warn(`${d.file}:${d.line}: declaration ${d.key} was given before in this load${d.previousLine ? ` (line ${d.previousLine})` : ''} with other content; the last one is kept`);
  }
}

/** The declaration's contract fields, in order: two versions with the same are one declaration. */
function content(d: Declaration): string {
  return JSON.stringify([...DECLARATION_FIELDS.map((f) => d[f as keyof Declaration] ?? null), d.attrs ?? null]);
}

const linkKey = (l: LinkFact) => `${l.from.kind}\u0000${l.from.key}\u0000${l.type}\u0000${l.to.kind}\u0000${l.to.key}`;

export class Replacements {
  private readonly changed: Array<{ previous: Declaration; current: Declaration }> = [];
  readonly summary: ReplacementSummary = { replaced: 0, conflicting: 0, duplicates: [], linksRemoved: 0, entitiesRemoved: 0 };

  constructor(private readonly resolver: DeclarationResolver) {}

  /** Takes what a written batch replaced; gives the replacements that changed something, and the items sent again unchanged. */
  note(result: BatchResult): { changed: BatchResult['replaced']; unchanged: BatchResult['replaced'] } {
    const changed: BatchResult['replaced'] = [];
    const unchanged: BatchResult['replaced'] = [];
    for (const r of result.replaced) {
      if (content(r.previous) === content(r.current)) { // the same item loaded again: nothing changed
        unchanged.push(r);
        continue;
      }
      changed.push(r);
      this.summary.replaced++;
      this.changed.push({ previous: r.previous, current: r.current });
      if (!r.sameLoad) continue;
      this.summary.conflicting++;
      if (this.summary.duplicates.length < MAX_LISTED) {
        this.summary.duplicates.push({
          key: r.key, file: r.source?.file ?? '', line: r.source?.line ?? 0,
          ...(r.previousSource ? { previousFile: r.previousSource.file, previousLine: r.previousSource.line } : {}),
        });
      }
    }
    return { changed, unchanged };
  }

  /** The links a declaration asserts (its parties' identifiers, its trader's directors). */
  private linksOf(d: Declaration): LinkFact[] {
    const b = new BatchBuilder();
    this.resolver.resolve(d, b);
    return b.take().links;
  }

  /**
   * Removes the links that replaced versions asserted and that no stored declaration asserts now.
   * Each one is checked against every declaration of the party that held it.
   */
  async pruneStaleLinks(store: Pick<GraphStore, 'findEntity' | 'entityDeclarations' | 'removeLinks'>): Promise<void> {
    const stale = new Map<string, LinkFact>();
    for (const { previous, current } of this.changed) {
      const now = new Set(this.linksOf(current).map(linkKey));
      for (const l of this.linksOf(previous)) if (!now.has(linkKey(l))) stale.set(linkKey(l), l);
    }
    this.changed.length = 0;
    if (stale.size === 0) return;
    // By the party that holds each link: the trader a director directs, else the link's source.
    const byOwner = new Map<string, { owner: LinkFact['from']; links: LinkFact[] }>();
    for (const l of stale.values()) {
      const owner = l.type === 'DIRECTS' ? l.to : l.from;
      const k = `${owner.kind}\u0000${owner.key}`;
      const entry = byOwner.get(k) ?? { owner, links: [] };
      entry.links.push(l);
      byOwner.set(k, entry);
    }
    const remove: LinkFact[] = [];
    for (const { owner, links } of byOwner.values()) {
      const entity = await store.findEntity(owner);
      const asserted = new Set<string>();
      if (entity) {
        for (let after: string | undefined; ;) {
          const page = await store.entityDeclarations(entity.id, { limit: 500, after });
          for (const d of page) for (const l of this.linksOf(d)) asserted.add(linkKey(l));
          if (page.length < 500) break;
          after = page[page.length - 1]!.id;
        }
      }
      for (const l of links) if (!asserted.has(linkKey(l))) remove.push(l);
    }
    if (remove.length === 0) return;
    const r = await store.removeLinks(remove);
    this.summary.linksRemoved += r.links;
    this.summary.entitiesRemoved += r.entities;
  }
}
