/**
 * Streaming record readers for CSV (RFC 4180) and NDJSON.
 *
 * The CSV reader is our own because of recovery: csv-parse's skip_records_with_error cannot
 * resynchronise after an unterminated quote (it silently swallows the rows that follow), while
 * ingest must account for every line. Here a record that cannot be parsed is rejected as the one
 * physical line it starts on, and reading resumes on the next line, so nothing is lost unseen.
 */
import { MAX_FIELD_BYTES } from '../domain/fields';

/**
 * A record longer than this is rejected: an unterminated quote that would swallow the file, or a
 * line no declaration needs (a declaration row is a few hundred bytes, a field at most 64 KiB).
 * Reading skips the rest of such a line without holding it in memory.
 */
export const MAX_RECORD_CHARS = 1024 * 1024;
/** Text of an over-long record kept for its rejects line. */
const KEPT_OF_LONG_RECORD = 200;

function overLong(line: number, start: string): RawRecord {
  return { line, raw: `${start.slice(0, KEPT_OF_LONG_RECORD)}…`, error: `record over ${MAX_RECORD_CHARS / 1024 / 1024} MiB (the rest of the line is skipped)` };
}

/**
 * Drops text up to and including the next line end; returns what follows it, or undefined when
 * the line goes on past this text.
 */
function afterLineEnd(text: string): string | undefined {
  const nl = text.indexOf('\n');
  return nl === -1 ? undefined : text.slice(nl + 1);
}

export interface RawRecord {
  /** 1-based line on which the record starts. */
  line: number;
  /** The record's text as read (for the rejects file). */
  raw: string;
  fields?: string[];
  /** Set when the record could not be parsed; fields is then absent. */
  error?: string;
}

type Parsed =
  | { kind: 'record'; fields: string[]; end: number; /** set on the fast path: the line without its EOL */ line?: string }
  | { kind: 'more' }
  | { kind: 'error'; reason: string };

/** Parses one record at `p`; quoted fields may span lines. */
function parseRecord(s: string, p: number, eof: boolean): Parsed {
  const nl = s.indexOf('\n', p);
  if (nl === -1 && !eof) return { kind: 'more' };
  const lineEnd = nl === -1 ? s.length : nl;
  // Fast path: a line without quotes is split as it is.
  const lineText = s.slice(p, lineEnd);
  if (lineText.indexOf('"') === -1) {
    const text = lineText.charCodeAt(lineText.length - 1) === 13 ? lineText.slice(0, -1) : lineText;
    return { kind: 'record', fields: text.split(','), end: nl === -1 ? s.length : nl + 1, line: text };
  }
  const fields: string[] = [];
  let i = p;
  // End of the physical line the next field starts on (a quoted field may run past it).
  let eol = lineEnd;
  for (;;) {
    if (s.charCodeAt(i) === 34 /* " */) {
      let value = '';
      let j = i + 1;
      for (;;) {
        const k = s.indexOf('"', j);
        if (k === -1 || (k + 1 >= s.length && !eof)) {
          if (eof) return { kind: 'error', reason: 'unterminated quoted field' };
          if (s.length - p > MAX_RECORD_CHARS) return { kind: 'error', reason: 'unterminated quoted field (record over 1 MiB)' };
          return { kind: 'more' };
        }
        if (s.charCodeAt(k + 1) === 34) {
          value += s.slice(j, k + 1);
          j = k + 2;
          continue;
        }
        value += s.slice(j, k);
        i = k + 1;
        break;
      }
      fields.push(value);
      const c = s.charCodeAt(i);
      if (c === 44 /* , */) { i++; continue; }
      if (c === 10) return { kind: 'record', fields, end: i + 1 };
      if (c === 13 && s.charCodeAt(i + 1) === 10) return { kind: 'record', fields, end: i + 2 };
      if (i >= s.length) return { kind: 'record', fields, end: i };
      if (c === 13 && i + 1 >= s.length && !eof) return { kind: 'more' };
      return { kind: 'error', reason: 'text after a closing quote' };
    }
    // Unquoted field: runs to the next comma or line end; a stray quote inside is kept as text.
    if (eol < i) {
      const n = s.indexOf('\n', i);
      eol = n === -1 ? s.length : n;
    }
    let k = s.indexOf(',', i);
    if (k === -1 || k > eol) k = eol;
    if (k >= s.length && !eof) return { kind: 'more' };
    let value = s.slice(i, k);
    if (value.endsWith('\r') && s.charCodeAt(k) !== 44) value = value.slice(0, -1);
    fields.push(value);
    if (k >= s.length) return { kind: 'record', fields, end: k };
    if (s.charCodeAt(k) === 10) return { kind: 'record', fields, end: k + 1 };
    i = k + 1;
  }
}

function countNewlines(s: string, from: number, to: number): number {
  let n = 0;
  for (let i = s.indexOf('\n', from); i !== -1 && i < to; i = s.indexOf('\n', i + 1)) n++;
  return n;
}

function isBlank(s: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c !== 32 && c !== 9 && c !== 13 && c !== 10) return false;
  }
  return true;
}

/** Decodes a byte stream as UTF-8; invalid bytes become U+FFFD, which validation then rejects. */
async function* decode(chunks: AsyncIterable<Buffer | string>): AsyncIterable<string> {
  const decoder = new TextDecoder('utf-8', { fatal: false });
  for await (const chunk of chunks) {
    yield typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
  }
  const tail = decoder.decode();
  if (tail) yield tail;
}

/** CSV records in batches (one batch per chunk read); blank lines are skipped. */
export async function* readCsvRecords(chunks: AsyncIterable<Buffer | string>): AsyncIterable<RawRecord[]> {
  let buf = '';
  let line = 1;
  const texts = decode(chunks)[Symbol.asyncIterator]();
  let eof = false;
  /** In the middle of an over-long line: its text is dropped until the line ends. */
  let skipping = false;
  while (!eof || buf.length > 0) {
    if (!eof) {
      const next = await texts.next();
      if (next.done) eof = true;
      else if (skipping) {
        const rest = afterLineEnd(next.value);
        if (rest === undefined) continue;
        skipping = false;
        line += 1;
        buf = rest;
      } else buf += next.value;
    }
    const out: RawRecord[] = [];
    let p = 0;
    while (p < buf.length) {
      const r = parseRecord(buf, p, eof);
      if (r.kind === 'more') break;
      if (r.kind === 'record') {
        if (r.line !== undefined) {
          // Fast path: one physical line.
          if (!(r.fields.length === 1 && isBlank(r.line, 0, r.line.length))) out.push({ line, raw: r.line, fields: r.fields });
          line += 1;
        } else {
          if (!(r.fields.length === 1 && isBlank(buf, p, r.end))) {
            out.push({ line, raw: trimEol(buf.slice(p, r.end)), fields: r.fields });
          }
          line += countNewlines(buf, p, r.end);
        }
        p = r.end;
      } else {
        const nl = buf.indexOf('\n', p);
        const end = nl === -1 ? buf.length : nl + 1;
        out.push({ line, raw: trimEol(buf.slice(p, end)), error: r.reason });
        line += 1;
        p = end;
      }
    }
    buf = buf.slice(p);
    if (!eof && buf.length > MAX_RECORD_CHARS && buf.indexOf('\n') === -1) {
      // One line longer than any record: rejected by its start, the rest never buffered.
      out.push(overLong(line, buf));
      skipping = true;
      buf = '';
    }
    if (out.length) yield out;
  }
}

/** NDJSON lines in batches; each non-blank line is one record (parsed later, so errors carry the line). */
export async function* readLines(chunks: AsyncIterable<Buffer | string>): AsyncIterable<RawRecord[]> {
  let buf = '';
  let line = 1;
  let skipping = false;
  for await (const text of decode(chunks)) {
    if (skipping) {
      const rest = afterLineEnd(text);
      if (rest === undefined) continue;
      skipping = false;
      line += 1;
      buf = rest;
    } else buf += text;
    const out: RawRecord[] = [];
    let p = 0;
    for (let nl = buf.indexOf('\n', p); nl !== -1; nl = buf.indexOf('\n', p)) {
      if (!isBlank(buf, p, nl)) out.push({ line, raw: trimEol(buf.slice(p, nl)) });
      line++;
      p = nl + 1;
    }
    buf = buf.slice(p);
    if (buf.length > MAX_RECORD_CHARS) {
      out.push(overLong(line, buf));
      skipping = true;
      buf = '';
    }
    if (out.length) yield out;
  }
  if (!skipping && !isBlank(buf, 0, buf.length)) yield [{ line, raw: trimEol(buf) }];
}

function trimEol(s: string): string {
  let end = s.length;
  if (s.charCodeAt(end - 1) === 10) end--;
  if (s.charCodeAt(end - 1) === 13) end--;
  return end === s.length ? s : s.slice(0, end);
}

export { MAX_FIELD_BYTES };

export interface NamedRow {
  rec: RawRecord;
  /** Values by lower-cased, trimmed header name; absent when the record is broken. */
  row?: Record<string, string>;
  /** Why the record could not be read. */
  error?: string;
}

/**
 * Records of a CSV file as objects keyed by its header (lower-cased), for the small side files:
 * watchlists, outcomes, labels. A record with the wrong field count comes with an error.
 */
export async function* readNamedRows(chunks: AsyncIterable<Buffer | string>): AsyncIterable<NamedRow[]> {
  let header: string[] | undefined;
  for await (const batch of readCsvRecords(chunks)) {
    const out: NamedRow[] = [];
    for (const rec of batch) {
      if (!header) {
        header = (rec.fields ?? []).map((h) => h.trim().toLowerCase());
        continue;
      }
      if (!rec.fields || rec.fields.length !== header.length) {
        out.push({ rec, error: rec.error ?? `expected ${header.length} fields, got ${rec.fields?.length ?? 0}` });
        continue;
      }
      const row: Record<string, string> = {};
      header.forEach((h, i) => { row[h] = (rec.fields?.[i] ?? '').trim(); });
      out.push({ rec, row });
    }
    if (out.length) yield out;
  }
}
