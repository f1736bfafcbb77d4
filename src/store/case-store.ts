/** Investigation cases: kept whole (items, notes, history) and changed only from the version read. */
import type { CaseStatus, InvestigationCase } from '../domain/cases';

export interface CaseStore {
  /** Stores a new case; the store gives its id (ids sort by creation). */
  createCase(c: Omit<InvestigationCase, 'id'>): Promise<InvestigationCase>;
  getCase(id: string): Promise<InvestigationCase | null>;
  /** Newest first, before the given id, optionally of one status. */
  listCases(opts: { status?: CaseStatus; limit: number; before?: string }): Promise<InvestigationCase[]>;
  /** How many cases there are (of one status, or all). */
  countCases(opts: { status?: CaseStatus }): Promise<number>;
  /**
   * Saves a changed case when the stored one is still at `expectedVersion` (its version becomes
   * expectedVersion + 1); false when someone changed it meanwhile.
   */
  saveCase(c: InvestigationCase, expectedVersion: number): Promise<boolean>;
}

/** A case as both adapters keep it: its id and version beside, the rest as one JSON document. */
export function caseDocument({ id: _id, version: _v, ...rest }: Omit<InvestigationCase, 'id'> & { id?: string }): string {
  return JSON.stringify(rest);
}

export function caseFromDocument(id: string, version: number, doc: string): InvestigationCase {
  return { ...(JSON.parse(doc) as Omit<InvestigationCase, 'id' | 'version'>), id, version };
}
