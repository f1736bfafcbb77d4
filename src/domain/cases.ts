/**
 * An investigation case: what an investigator gathered (entities, rings, declarations, each with
 * a note), the notes on the case, its status, and every change to it, in order.
 */

export const CASE_STATUSES = ['open', 'referred', 'closed_confirmed', 'closed_unfounded'] as const;
export type CaseStatus = (typeof CASE_STATUSES)[number];

export const CASE_ITEM_KINDS = ['entity', 'ring', 'declaration'] as const;
export type CaseItemKind = (typeof CASE_ITEM_KINDS)[number];

export interface CaseItem {
  kind: CaseItemKind;
  /** An entity or declaration id, or a ring's community number as text. */
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
  /** opened, added, annotated, status. */
  action: string;
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
