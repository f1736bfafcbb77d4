/**
 * Normalization of identities, so that the same company, phone or account written differently
 * resolves to one key (DESIGN §4). Every function is idempotent: f(f(x)) === f(x).
 */
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';

const ASCII = /^[\x00-\x7f]*$/;

/** ANSI escape sequences (colours, cursor moves), then any other C0/C1 control character. */
const ANSI_ESCAPE = /\x1b(?:\[[0-?]*[ -/]*[@-~]|[@-Z\\-_])/g;
const CONTROL = /[\x00-\x1f\x7f-\x9f]/;
const CONTROLS = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]/g;
const BREAKS = /[\t\n\r]+/g;

/**
 * Text as a person wrote it, without the control characters a terminal or a log would act on:
 * escape sequences are removed, tabs and line breaks become one space, other controls go.
 */
export function stripControls(text: string): string {
  if (!CONTROL.test(text)) return text;
  return text.replace(ANSI_ESCAPE, '').replace(CONTROLS, '').replace(BREAKS, ' ');
}

/** Lower-case, strip accents and punctuation, collapse white space. */
const ALNUM = /^[A-Za-z0-9]*$/;

export function fold(text: string): string {
  // Ids, codes and container numbers: letters and digits only, nothing to strip.
  if (ALNUM.test(text)) return text.toLowerCase();
  // Most names and addresses are plain ASCII: the same result without the Unicode passes.
  if (ASCII.test(text)) return text.toLowerCase().replace(/['`.]/g, '').replace(/[^a-z0-9]+/g, ' ').trim();
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/ß/g, 'ss')
    .replace(/[’'`´.]/g, '') // S.A.R.L. -> sarl, O'Neil -> oneil
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/**
 * How names are indexed and searched: folded (case, accents, punctuation), so that "Étoile",
 * "ÉTOILE" and "etoile" find the same companies. Stores keep it beside the name as written.
 */
export function searchName(name: string): string {
  return fold(name);
}

/** Legal-form and filler tokens dropped from company name keys. */
const LEGAL_FORMS = new Set([
  'sarl', 'sarlau', 'sarlu', 'sa', 'sas', 'sasu', 'snc', 'scs', 'sca', 'eurl', 'ste', 'societe', 'soc', 'ets', 'etablissements',
  'ltd', 'limited', 'llc', 'llp', 'inc', 'incorporated', 'corp', 'corporation', 'co', 'company', 'cie', 'plc',
  'gmbh', 'ag', 'kg', 'ug', 'bv', 'nv', 'srl', 'spa', 'sl', 'slu', 'oy', 'ab', 'as', 'aps', 'pte', 'pty', 'jsc', 'ooo',
  'et', 'and', 'the',
]);

/** Company name key: folded, legal forms removed ("Sté ATLAS Import S.A.R.L." -> "atlas import"). */
export function normalizeCompanyName(name: string): string {
  const tokens = fold(name.replace(/&/g, ' et ')).split(' ').filter((t) => t && !LEGAL_FORMS.has(t));
  return tokens.join(' ');
}

/** Person key: folded, tokens sorted so "BENALI Ahmed" and "Ahmed Benali" are one person. */
export function normalizePersonName(name: string): string {
  const drop = new Set(['m', 'mr', 'mme', 'mrs', 'ms', 'mlle', 'dr', 'sr', 'sra']);
  return fold(name).split(' ').filter((t) => t && !drop.has(t)).sort().join(' ');
}

const ADDRESS_WORDS: Record<string, string> = {
  bd: 'boulevard', bld: 'boulevard', blvd: 'boulevard', boul: 'boulevard', boulevard: 'boulevard',
  av: 'avenue', ave: 'avenue', avenue: 'avenue',
  rte: 'route', rd: 'road', st: 'street', str: 'street', imm: 'immeuble', res: 'residence', appt: 'appartement', apt: 'appartement',
  zi: 'zone industrielle', qi: 'quartier industriel', etg: 'etage',
};
/** Words that only mark a number ("N° 12", "No 12", "numéro 12"): dropped. */
const NUMBER_MARKERS = new Set(['n', 'no', 'num', 'numero', 'nr', 'nro']);

/**
 * Address key: folded, common abbreviations expanded, number markers dropped, tokens sorted, so
 * "Bd Zerktouni N° 12" and "12, boulevard Zerktouni" meet (the house number moves around freely
 * in declared addresses).
 */
export function normalizeAddress(address: string): string {
  const spaced = fold(address).replace(/(\d)([a-z])/g, '$1 $2').replace(/([a-z])(\d)/g, '$1 $2');
  const out: string[] = [];
  for (const token of spaced.split(' ')) {
    if (!token || NUMBER_MARKERS.has(token)) continue;
    out.push(ADDRESS_WORDS[token] ?? token);
  }
  return out.join(' ').split(' ').sort().join(' ');
}

/** A phone number as written, trimmed, with a leading international 00 read as +. */
function withInternationalPlus(phone: string): string {
  return phone.trim().replace(/^00/, '+');
}

/** Its digits, after a + when it starts with one. */
function plusAndDigits(cleaned: string): string {
  const digits = cleaned.replace(/\D/g, '');
  return cleaned.startsWith('+') ? `+${digits}` : digits;
}

/**
 * Phone key in E.164. Numbers that cannot be parsed for the region keep their digits (and a leading
 * '+' when one was written), so that two identical malformed numbers still meet.
 */
export function normalizePhone(phone: string, defaultRegion: string = 'MA'): string {
  const cleaned = withInternationalPlus(phone);
  if (!cleaned) return '';
  const parsed = parsePhoneNumberFromString(cleaned, defaultRegion as CountryCode);
  if (parsed && parsed.isPossible()) return parsed.number;
  return /\d/.test(cleaned) ? plusAndDigits(cleaned) : '';
}

/**
 * The number without its separators (spaces, dots, dashes; a leading 00 as +), when it has nothing
 * else: normalizePhone gives it the same key as the number as written, so the many ways one number
 * is written share one parse. Anything else (letters, brackets, extensions) comes back as written.
 */
export function phoneWithoutSeparators(phone: string): string {
  const cleaned = withInternationalPlus(phone);
  if (!/^\+?[\d .-]+$/.test(cleaned)) return phone;
  const key = plusAndDigits(cleaned);
  // Without a plus, digits that now start with 00 would read as an international prefix.
  return key.startsWith('00') ? phone : key;
}

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase().replace(/^mailto:/, '');
}

/** Bank account (IBAN, RIB) without spaces or separators, upper-case. */
export function normalizeAccount(account: string): string {
  return account.toUpperCase().replace(/[^A-Z0-9]/g, '');
}

/** Registration or tax ids, vessel and container ids: upper-case, no separators. */
const PLAIN_ID = /^[A-Z0-9]*$/;
export function normalizeId(id: string): string {
  if (PLAIN_ID.test(id)) return id;
  return id.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toUpperCase().replace(/[^A-Z0-9]/g, '');
}

/** ISO codes (country, currency, port): upper-case, trimmed. */
export function normalizeCode(code: string): string {
  return code.trim().toUpperCase();
}

/** Splits a `;` list field, trimming and dropping empties. */
export function splitList(value: string | undefined): string[] {
  if (!value) return [];
  return value.split(';').map((v) => v.trim()).filter(Boolean);
}
