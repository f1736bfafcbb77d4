/** The declaration file contract (DESIGN §3): field names, which are required, and their enums. */

export const DECLARATION_FIELDS = [
  'declaration_id', 'item_no', 'lodged_at', 'office', 'regime',
  'trader_id', 'trader_name', 'trader_address', 'trader_phone', 'trader_email', 'trader_bank_account', 'trader_directors',
  'consignee_id', 'consignee_name', 'consignee_address', 'consignee_country',
  'supplier_id', 'supplier_name', 'supplier_address', 'supplier_country',
  'broker_id', 'broker_name', 'carrier_id', 'carrier_name',
  'transport_mode', 'vessel', 'container_ids',
  'origin_country', 'loading_port', 'transit_ports', 'discharge_port', 'destination_country',
  'hs_code', 'goods_description', 'goods_origin_country',
  'quantity', 'unit', 'gross_weight_kg', 'declared_value', 'currency',
  'outcome', 'fraud_type', 'recovered_amount',
  'aeo',
] as const;

export type DeclarationField = (typeof DECLARATION_FIELDS)[number];

export const REQUIRED_FIELDS: readonly DeclarationField[] = [
  'declaration_id', 'lodged_at', 'trader_id', 'origin_country', 'hs_code', 'declared_value',
];

export const REGIMES = ['IM', 'EX', 'TR'] as const;
export const TRANSPORT_MODES = ['sea', 'air', 'road', 'rail', 'post'] as const;
export const OUTCOMES = ['unknown', 'clear', 'discrepancy', 'seizure'] as const;
export const FRAUD_TYPES = ['undervaluation', 'misclassification', 'origin', 'smuggling', 'counterfeit', 'other'] as const;

export type Regime = (typeof REGIMES)[number];
export type TransportMode = (typeof TRANSPORT_MODES)[number];
export type Outcome = (typeof OUTCOMES)[number];
export type FraudType = (typeof FRAUD_TYPES)[number];

/** The largest amount (declared value, duties recovered) taken as real: a quadrillion in any currency. */
export const MAX_AMOUNT = 1e15;
/** The largest quantity or weight taken as real. */
export const MAX_QUANTITY = 1e12;
/** Item numbers run from 1 to this. */
export const MAX_ITEM_NO = 999_999;
/** Dates before this are not customs declarations of this system's time (0000-01-01 is a typing default). */
export const EARLIEST_DATE = '1980-01-01';

/** The latest date taken as real: a year after today (declarations and listings are not lodged further ahead). */
export function latestDate(now = Date.now()): string {
  return new Date(now + 366 * 86_400_000).toISOString().slice(0, 10);
}

/** Longest value a single field may hold; longer values reject the row. */
export const MAX_FIELD_BYTES = 64 * 1024;

/**
 * Longest key or name kept as written, in characters. Stores index keys, names and declaration ids,
 * and Neo4j's index entries hold about 8 KB (a character is up to 4 bytes): a longer value would
 * fail its whole batch there. Declaration ids and trader ids over it reject the row; a longer
 * entity key (an address, a name) is cut and ends with a hash of the whole, a longer name is cut.
 */
export const MAX_KEY_CHARS = 1000;

const FIELD_SET: ReadonlySet<string> = new Set(DECLARATION_FIELDS);
export function isDeclarationField(name: string): name is DeclarationField {
  return FIELD_SET.has(name);
}

/** A control that found something: what the model learns as fraud, and what a bad history counts. */
export function isBadOutcome(outcome: string | undefined): boolean {
  return outcome === 'seizure' || outcome === 'discrepancy';
}

/**
 * Fraud customs can show for: a seizure, or a discrepancy that recovered duties or fines. A
 * discrepancy that recovered nothing is a label the model learns from, but not proof: a targeting
 * habit shows up there first, so the bias audit does not count it as fraud.
 */
export function isConfirmedFraud(outcome: string | undefined, recovered: number | undefined): boolean {
  return outcome === 'seizure' || (outcome === 'discrepancy' && (recovered ?? 0) > 0);
}
