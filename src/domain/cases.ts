/**
 * An investigation case: what an investigator gathered (entities, rings, declarations, each with
 * a note), the notes on the case, its status, and every change to it, in order.
 */

export const CASE_STATUSES = ['open', 'referred', 'closed_confirmed', 'closed_unfounded'] as const;
export type CaseStatus = (typeof CASE_STATUSES)[number];

export const CASE_ITEM_KINDS = ['entity', 'ring', 'declaration'] as const;
export type CaseItemKind = (typeof CASE_ITEM_KINDS)[number];

export const CASE_ACTIONS = ['opened', 'added', 'annotated', 'status'] as const;
export type CaseAction = (typeof CASE_ACTIONS)[number];

export interface CaseItem {
  kind: CaseItemKind;
  /**
   * An entity or declaration id, or a ring as `run:community` (the run it was a community of);
   * cases of earlier versions hold a ring's community number alone, read as the current run's.
   */
  ref: string;
  note?: string;
  addedAt: string;
  addedBy: string;
}

export interface CaseNote {
  at: string;
  who: string;
  text: string;
}

export interface CaseEvent {
  at: string;
  who: string;
  action: CaseAction;
  detail: string;
}

export interface InvestigationCase {
  id: string;
  title: string;
  status: CaseStatus;
  createdAt: string;
  createdBy: string;
  updatedAt: string;
  /** Bumped by every change: a change made from an older version is refused (two people editing at once). */
  version: number;
  items: CaseItem[];
  notes: CaseNote[];
  history: CaseEvent[];
}

/** Limits of what a case holds: a case is a file of evidence, not a copy of the store. */
export const MAX_CASE_ITEMS = 500;
export const MAX_CASE_NOTES = 500;
export const MAX_NOTE_CHARS = 4000;
export const MAX_TITLE_CHARS = 200;
