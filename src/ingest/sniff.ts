/**
 * Checks made on a file before anything is written: a file that cannot be ingested at all (empty,
 * binary, not UTF-8, no header) stops the whole ingest with one clear message.
 */
import { open, stat } from 'node:fs/promises';
import { extname } from 'node:path';
import { FatalInputError } from '../util/errors';


export type InputFormat = 'csv' | 'ndjson';

export interface SniffResult {
  file: string;
  format: InputFormat;
  bytes: number;
  /** CSV: the header's column names. */
  header?: string[];
}

const HEAD_BYTES = 64 * 1024;

export async function sniffFile(file: string): Promise<SniffResult> {
  let size: number;
  try {
    const st = await stat(file);
    if (!st.isFile()) throw new FatalInputError(file, 'is not a file');
    size = st.size;
  } catch (err) {
    if (err instanceof FatalInputError) throw err;
    throw new FatalInputError(file, `cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  const fh = await open(file, 'r');
  const head = Buffer.alloc(Math.min(size, HEAD_BYTES));
  try {
    await fh.read(head, 0, head.length, 0);
  } finally {
    await fh.close();
  }
  if (head.length === 0 || head.toString('utf8').trim() === '') throw new FatalInputError(file, 'is empty');
  if (head.includes(0)) throw new FatalInputError(file, 'is a binary file, not CSV or NDJSON text');
  let text: string;
  try {
    // stream: true tolerates a character cut at the end of the sample.
    text = new TextDecoder('utf-8', { fatal: true }).decode(head, { stream: true });
  } catch {
    throw new FatalInputError(file, 'is not UTF-8 text (convert it, for example with iconv -t UTF-8)');
  }
  text = text.replace(/^\uFEFF/, '');
  const ext = extname(file).toLowerCase();
  const format: InputFormat =
    ext === '.ndjson' || ext === '.jsonl' || ext === '.json' || (ext !== '.csv' && text.trimStart().startsWith('{')) ? 'ndjson' : 'csv';
  if (format === 'ndjson') return { file, format, bytes: size };
  const firstLine = text.split(/\r?\n/).find((l) => l.trim() !== '') ?? '';
  const header = parseHeader(firstLine);
  if (header.length === 0 || header.every((h) => h === '')) throw new FatalInputError(file, 'has no header row');
  return { file, format, bytes: size, header };
}

/** Splits a header line (quoted names allowed). */
export function parseHeader(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') { cur += '"'; i++; }
      else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { out.push(cur.trim()); cur = ''; }
    else cur += c;
  }
  out.push(cur.trim());
  return out;
}
