import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  fold, normalizeAccount, normalizeAddress, normalizeCompanyName, normalizeEmail, normalizeId, normalizePersonName,
  normalizePhone, phoneWithoutSeparators, splitList,
} from '../src/domain/normalize';
import { keyFor, nameCountryKey, parseKind, routeKey } from '../src/domain/entities';

describe('fold', () => {
  it.each([
    ['Société Générale', 'societe generale'],
    ['  ÉTS.  BEN-ALI & Fils ', 'ets ben ali fils'],
    ["O'Neil", 'oneil'],
    ['Straße', 'strasse'],
  ])('%s → %s', (input, expected) => expect(fold(input)).toBe(expected));
});

describe('company names: the same company written three ways is one key', () => {
  it.each([
    ['Atlas Import SARL', 'atlas import'],
    ['STE ATLAS IMPORT S.A.R.L.', 'atlas import'],
    ['Société Atlas Import', 'atlas import'],
    ['Sté Atlas-Import SARLAU', 'atlas import'],
    ['atlas import sa', 'atlas import'],
    ['Shanghai Textile Co., Ltd.', 'shanghai textile'],
    ['Müller Maschinen GmbH', 'muller maschinen'],
    ['Global Trading LLC', 'global trading'],
  ])('%s → %s', (input, expected) => expect(normalizeCompanyName(input)).toBe(expected));
});

describe('addresses', () => {
  it.each([
    ['Bd Zerktouni N° 12, Casablanca', '12 boulevard casablanca zerktouni'],
    ['12, Boulevard Zerktouni - Casablanca', '12 boulevard casablanca zerktouni'],
    ['12 BD. ZERKTOUNI CASABLANCA', '12 boulevard casablanca zerktouni'],
    ['N°12 bd Zerktouni Casablanca', '12 boulevard casablanca zerktouni'],
    ['Av. Hassan II no 5, Rabat', '5 avenue hassan ii rabat'],
    ['5 Avenue Hassan II Rabat', '5 avenue hassan ii rabat'],
    ['Nº 7 Rue Ibn Sina', '7 ibn rue sina'],
  ])('%s → %s', (input, expected) => expect(normalizeAddress(input)).toBe(expected));
});

describe('phones to E.164 (default region MA)', () => {
  it.each([
    ['+212 661-234567', '+212661234567'],
    ['0661234567', '+212661234567'],
    ['00212661234567', '+212661234567'],
    ['06 61 23 45 67', '+212661234567'],
    ['+212661234567', '+212661234567'],
    ['+33 1 42 68 53 00', '+33142685300'],
    ['0522-000000', '+212522000000'],
  ])('%s → %s', (input, expected) => expect(normalizePhone(input)).toBe(expected));

  it('uses the configured region for national numbers', () => {
    expect(normalizePhone('01 42 68 53 00', 'FR')).toBe('+33142685300');
  });

  it('keeps the digits of numbers it cannot parse, so equal junk still meets', () => {
    expect(normalizePhone('12')).toBe('12');
    expect(normalizePhone('ext. 12')).toBe('12');
    expect(normalizePhone('   ')).toBe('');
  });
});

describe('e-mail, accounts, ids, people, lists', () => {
  it.each([
    ['  Contact@Atlas.MA ', 'contact@atlas.ma'],
    ['mailto:info@x.com', 'info@x.com'],
  ])('email %s → %s', (i, e) => expect(normalizeEmail(i)).toBe(e));
  it.each([
    ['011 780 0000123456789012 34', '011780000012345678901234'],
    ['MA64-0117-8000-0012', 'MA64011780000012'],
    ['fr76 3000 6000 0112 3456 7890 189', 'FR7630006000011234567890189'],
  ])('account %s → %s', (i, e) => expect(normalizeAccount(i)).toBe(e));
  it.each([
    ['00123 45678 90123', '001234567890123'],
    ['ice-001234', 'ICE001234'],
    ['ÉTS42', 'ETS42'],
  ])('id %s → %s', (i, e) => expect(normalizeId(i)).toBe(e));
  it.each([
    ['Ahmed Benali', 'ahmed benali'],
    ['BENALI Ahmed', 'ahmed benali'],
    ['M. Ahmed BENALI', 'ahmed benali'],
    ['Mme Fatima El-Amrani', 'amrani el fatima'],
    ['EL AMRANI Fatima', 'amrani el fatima'],
  ])('person %s → %s', (i, e) => expect(normalizePersonName(i)).toBe(e));
  it('splits ; lists', () => {
    expect(splitList(' a; b ;;c ')).toEqual(['a', 'b', 'c']);
    expect(splitList(undefined)).toEqual([]);
  });
});

describe('entity keys', () => {
  it('name-based keys are kept apart from ids and include the country', () => {
    expect(nameCountryKey('Shanghai Textile Co Ltd', 'cn')).toBe('name:shanghai textile|CN');
    expect(nameCountryKey('Atlas', undefined)).toBe('name:atlas');
    expect(nameCountryKey('SARL', 'MA')).toBe('');
  });
  it('routes keep the order of countries and ports', () => {
    expect(routeKey({ origin: 'cn', loading: 'CNSHA', transit: ['MYPKG', 'AEJEA'], discharge: 'MACAS', destination: 'MA' }))
      .toBe('CN>CNSHA>MYPKG;AEJEA>MACAS>MA');
    expect(routeKey({ origin: 'CN' })).toBe('CN>>>>');
  });
  it('watchlist kinds are parsed as users write them', () => {
    expect(parseKind('trader')).toBe('Trader');
    expect(parseKind('bank_account')).toBe('BankAccount');
    expect(parseKind('BankAccount')).toBe('BankAccount');
    expect(parseKind('Phone ')).toBe('Phone');
    expect(parseKind('director')).toBe('Person');
    expect(parseKind('spaceship')).toBeUndefined();
  });
  it('keyFor applies the ingest normalization for each kind', () => {
    const opts = { phoneRegion: 'MA' };
    expect(keyFor('Phone', '06 61 23 45 67', opts)).toBe('+212661234567');
    expect(keyFor('Trader', '00123 456', opts)).toBe('00123456');
    expect(keyFor('Supplier', 'name:Shanghai Textile Co. Ltd|cn', opts)).toBe('name:shanghai textile|CN');
    expect(keyFor('Supplier', 'sup-1', opts)).toBe('SUP1');
    expect(keyFor('Person', 'BENALI Ahmed', opts)).toBe('ahmed benali');
  });
});

describe('normalization properties', () => {
  const fns: Array<[string, (s: string) => string]> = [
    ['fold', fold], ['company', normalizeCompanyName], ['address', normalizeAddress], ['person', normalizePersonName],
    ['phone', (s) => normalizePhone(s)], ['email', normalizeEmail], ['account', normalizeAccount], ['id', normalizeId],
  ];
  it.each(fns)('%s is idempotent and never throws', (_name, fn) => {
    fc.assert(fc.property(fc.string({ unit: 'grapheme', maxLength: 60 }), (s) => {
      const once = fn(s);
      expect(fn(once)).toBe(once);
    }), { numRuns: 500 });
  });
  it('phone normalization is idempotent on phone-like strings', () => {
    const phoneLike = fc.stringMatching(/^(\+212|0|00212)?[ -]?[5-7]\d{2}[ -]?\d{2}[ -]?\d{2}[ -]?\d{2}$/);
    fc.assert(fc.property(phoneLike, (s) => {
      const once = normalizePhone(s);
      expect(normalizePhone(once)).toBe(once);
    }), { numRuns: 300 });
  });
  it('the ASCII fold gives what the Unicode fold gives', () => {
    // The reference: the general path, which an ASCII string would otherwise take.
    const unicodeFold = (t: string) => t.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/ß/g, 'ss')
      .replace(/[’'`´.]/g, '').replace(/[^\p{L}\p{N}]+/gu, ' ').trim();
    const ascii = fc.string({ unit: fc.integer({ min: 0, max: 127 }).map((c) => String.fromCharCode(c)), maxLength: 60 });
    fc.assert(fc.property(ascii, (s) => {
      expect(fold(s)).toBe(unicodeFold(s));
    }), { numRuns: 2000 });
    expect(fold('N°12, Bd. d\'Anfa')).toBe(unicodeFold('N°12, Bd. d\'Anfa'));
  });
  it('a phone number without its separators keeps its key', () => {
    const chars = fc.constantFrom('0', '0', '1', '2', '5', '6', '7', '9', ' ', '-', '.', '+', '(', ')', 'x');
    const written = fc.oneof(
      fc.string({ unit: chars, maxLength: 20 }),
      fc.stringMatching(/^ ?(\+ ?212|0|00 ?212|\+33|0033)?[ .-]?[5-7]\d{2}[ .-]?\d{2}[ .-]?\d{2}[ .-]?\d{2} ?$/),
    );
    fc.assert(fc.property(written, fc.constantFrom('MA', 'FR'), (s, region) => {
      expect(normalizePhone(phoneWithoutSeparators(s), region)).toBe(normalizePhone(s, region));
    }), { numRuns: 3000 });
    expect(phoneWithoutSeparators('+212 661-234567')).toBe('+212661234567');
    expect(phoneWithoutSeparators('00212.661.23.45.67')).toBe('+212661234567');
    expect(phoneWithoutSeparators('0 0212 661')).toBe('0 0212 661');
    expect(phoneWithoutSeparators('+212 (0)661 234567')).toBe('+212 (0)661 234567');
  });
});
