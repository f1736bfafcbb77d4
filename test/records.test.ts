import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { stringify } from 'csv-stringify/sync';
import { readCsvRecords, readLines, type RawRecord } from '../src/ingest/records';

async function read(text: string | Buffer, chunk = 7, reader = readCsvRecords): Promise<RawRecord[]> {
  const buf = typeof text === 'string' ? Buffer.from(text) : text;
  async function* chunks() {
    for (let i = 0; i < buf.length; i += chunk) yield buf.subarray(i, i + chunk);
  }
  const out: RawRecord[] = [];
  for await (const b of reader(chunks())) out.push(...b);
  return out;
}

describe('CSV records', () => {
  it('splits plain lines, CRLF and a last line without newline', async () => {
    const r = await read('a,b,c\r\n1,2,3\r\n4,5,6');
    expect(r.map((x) => x.fields)).toEqual([['a', 'b', 'c'], ['1', '2', '3'], ['4', '5', '6']]);
    expect(r.map((x) => x.line)).toEqual([1, 2, 3]);
  });

  it('reads quoted fields with commas, escaped quotes and newlines, whatever the chunking', async () => {
    const text = 'a,b\n"x, y","say ""hi"""\n"multi\nline",2\nlast,"q"\n';
    for (const chunk of [1, 2, 3, 5, 100]) {
      const r = await read(text, chunk);
      expect(r.map((x) => x.fields)).toEqual([['a', 'b'], ['x, y', 'say "hi"'], ['multi\nline', '2'], ['last', 'q']]);
      expect(r.map((x) => x.line)).toEqual([1, 2, 3, 5]);
    }
  });

  it('reads back whatever an RFC 4180 writer wrote, in any chunking', async () => {
    const field = fc.string({ unit: fc.constantFrom('a', 'B', '1', ' ', ',', '"', '\n', '\r', 'é', ';'), maxLength: 12 });
    const records = fc.array(fc.array(field, { minLength: 2, maxLength: 6 }), { minLength: 1, maxLength: 8 });
    await fc.assert(fc.asyncProperty(records, fc.integer({ min: 1, max: 64 }), async (rows, chunk) => {
      const r = await read(stringify(rows, { quoted_match: /\r/ }), chunk);
      expect(r.map((x) => x.error)).toEqual(rows.map(() => undefined));
      expect(r.map((x) => x.fields)).toEqual(rows);
    }), { numRuns: 400 });
  });

  it('skips blank lines but keeps line numbers true', async () => {
    const r = await read('a,b\n\n1,2\n   \n3,4\n');
    expect(r.map((x) => [x.line, x.fields])).toEqual([[1, ['a', 'b']], [3, ['1', '2']], [5, ['3', '4']]]);
  });

  it('rejects an unterminated quote as one line and reads on from the next line', async () => {
    const r = await read('a,b\n"broken,1\n2,3\n4,5\n');
    // The stray quote runs to EOF: the record is rejected as the line it starts on, and every
    // following line is read again on its own.
    expect(r[1]).toMatchObject({ line: 2, error: 'unterminated quoted field', raw: '"broken,1' });
    expect(r.slice(2).map((x) => [x.line, x.fields])).toEqual([[3, ['2', '3']], [4, ['4', '5']]]);
  });

  it('rejects text after a closing quote and resynchronises', async () => {
    const r = await read('a,b\n"x"y,1\n2,3\n');
    expect(r[1]).toMatchObject({ line: 2, error: 'text after a closing quote' });
    expect(r[2]).toMatchObject({ line: 3, fields: ['2', '3'] });
  });

  it('decodes multi-byte characters split across chunks', async () => {
    const r = await read('name\nSociété Générale\n', 1);
    expect(r[1]?.fields).toEqual(['Société Générale']);
  });

  it('turns invalid UTF-8 into U+FFFD instead of failing', async () => {
    const r = await read(Buffer.concat([Buffer.from('a\n'), Buffer.from([0x61, 0xff, 0x62]), Buffer.from('\nok\n')]));
    expect(r[1]?.fields?.[0]).toContain('\uFFFD');
    expect(r[2]?.fields).toEqual(['ok']);
  });

  it('never throws on arbitrary bytes, and accounts for every line', async () => {
    await fc.assert(fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), fc.integer({ min: 1, max: 40 }), async (bytes, chunk) => {
      const records = await read(Buffer.from(bytes), chunk);
      for (const r of records) {
        expect(r.line).toBeGreaterThanOrEqual(1);
        expect(r.fields !== undefined || r.error !== undefined).toBe(true);
      }
      const lines = records.map((r) => r.line);
      expect([...lines].sort((a, b) => a - b)).toEqual(lines);
    }), { numRuns: 300 });
  });

  it('never throws on arbitrary CSV-like text', async () => {
    const csvish = fc.string({ unit: fc.constantFrom('a', ',', '"', '\n', '\r', ' ', 'é'), maxLength: 200 });
    await fc.assert(fc.asyncProperty(csvish, async (text) => {
      const records = await read(text, 3);
      expect(records.every((r) => r.fields !== undefined || r.error !== undefined)).toBe(true);
    }), { numRuns: 500 });
  });
});

describe('NDJSON lines', () => {
  it('yields each non-blank line with its number', async () => {
    const r = await read('{"a":1}\n\n{"a":2}\r\n{"a":3}', 4, readLines);
    expect(r.map((x) => [x.line, x.raw])).toEqual([[1, '{"a":1}'], [3, '{"a":2}'], [4, '{"a":3}']]);
  });
});
