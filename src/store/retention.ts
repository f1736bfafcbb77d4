/**
 * Retention of personal data: declarations lodged before a cutoff keep their outcomes, amounts,
 * goods, countries and dates, and lose who they name. Their parties' identifiers (names,
 * addresses, phones, e-mails, bank accounts, directors) go; a party whose every declaration is
 * past the cutoff is kept as a pseudonym (its declarations keep their structure for statistics)
 * and loses its identifiers; an identifier or director no kept party still names is removed. The
 * purge runs in steps of one transaction each, so a killed purge leaves the store consistent and
 * is run again to finish. A purge runs alone: a declaration loaded meanwhile for a party the purge
 * has found past the cutoff does not save that party's identity.
 */
import { createHmac } from 'node:crypto';

export interface PurgeCounts {
  /** Declarations whose identities were removed. */
  declarations: number;
  /** Parties kept as pseudonyms (no declaration of theirs is newer than the cutoff). */
  parties: number;
  /** Identifiers and directors removed (no party that keeps its identity names them). */
  identifiers: number;
}

export const NO_PURGE: PurgeCounts = { declarations: 0, parties: 0, identifiers: 0 };

export function addCounts(a: PurgeCounts, b: PurgeCounts): PurgeCounts {
  return { declarations: a.declarations + b.declarations, parties: a.parties + b.parties, identifiers: a.identifiers + b.identifiers };
}

/** The declaration contract's fields that name someone: removed from purged declarations (ids become pseudonyms). */
export const PERSONAL_FIELDS = [
  'trader_name', 'trader_address', 'trader_phone', 'trader_email', 'trader_bank_account', 'trader_directors',
  'consignee_name', 'consignee_address', 'supplier_name', 'supplier_address', 'broker_name', 'carrier_name',
] as const;
/** Party ids in the declaration, by the party kind they name. */
export const PARTY_ID_FIELDS = { trader_id: 'Trader', consignee_id: 'Consignee', supplier_id: 'Supplier', broker_id: 'Broker', carrier_id: 'Carrier' } as const;

export const PSEUDONYM_PREFIX = 'purged:';

/**
 * Pseudonyms keyed by a secret (CUSTOMS_GRAPH_PSEUDONYM_KEY, or one drawn for the purge): the
 * same party gets the same pseudonym within a purge, and no one without the secret can test a
 * guessed id against it.
 */
export function pseudonymizer(secret: string): (kind: string, key: string) => string {
  // Parties recur in thousands of declarations: each pseudonym is computed once.
  const known = new Map<string, string>();
  return (kind, key) => {
    const k = `${kind}\u0000${key}`;
    let p = known.get(k);
    if (p === undefined) known.set(k, (p = `${PSEUDONYM_PREFIX}${createHmac('sha256', secret).update(k).digest('hex').slice(0, 24)}`));
    return p;
  };
}

export interface RetentionStore {
  /** What purging declarations lodged before `cutoff` (YYYY-MM-DD) would do: the counts the purge will give. */
  purgePlan(cutoff: string): Promise<PurgeCounts>;
  /** One step of the purge, one transaction: at most `batch` declarations. Zero declarations: the purge is done. */
  purgeStep(cutoff: string, batch: number, pseudonym: (kind: string, key: string) => string): Promise<PurgeCounts>;
  /** Audit records older than `cutoff` removed (the log is append-only otherwise); how many. */
  purgeAudit(cutoff: string): Promise<number>;
}
