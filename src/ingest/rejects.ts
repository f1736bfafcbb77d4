/** The rejects file: every row that was not loaded, with where it was, why, and its text. */
import { accessSync, constants, createWriteStream, existsSync, statSync, type WriteStream } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { UsageError } from '../util/errors';
import { stringify, type Stringifier } from 'csv-stringify';

export interface Reject {
  file: string;
  line: number;
  declarationId: string;
  field: string;
  reason: string;
  raw: string;
}

export const REJECT_COLUMNS = ['file', 'line', 'declaration_id', 'field', 'reason', 'raw'];
/** A rejected record's text is kept up to this many characters: enough to find and mend it. */
export const MAX_REJECT_RAW = 4096;

function keptText(raw: string): string {
  return raw.length <= MAX_REJECT_RAW ? raw : `${raw.slice(0, MAX_REJECT_RAW)}… (${raw.length} characters)`;
}

/**
 * Throws a UsageError naming the path when a rejects file could not be written there: checked
 * before the first row is read, so a load never stops half-way for want of somewhere to put its rejects.
 */
export function checkWritable(path: string, what = 'the rejects file'): void {
  const dir = dirname(resolve(path));
  const fail = (why: string) => new UsageError(`cannot write ${what} ${path}: ${why}`);
  if (!existsSync(dir)) throw fail(`the folder ${dir} does not exist`);
  if (!statSync(dir).isDirectory()) throw fail(`${dir} is not a folder`);
  if (existsSync(path) && statSync(path).isDirectory()) throw fail('it is a folder');
  try {
    accessSync(existsSync(path) ? path : dir, constants.W_OK);
  } catch {
    throw fail('permission denied');
  }
}

/** Opens the file on the first reject, so a clean ingest leaves no empty rejects file behind. */
export class RejectsWriter {
  private stringifier?: Stringifier;
  private out?: WriteStream;
  count = 0;

  constructor(readonly path: string) {}

  add(r: Reject): void {
    if (!this.stringifier) {
      this.out = createWriteStream(this.path);
      this.stringifier = stringify({ header: true, columns: REJECT_COLUMNS });
      this.stringifier.pipe(this.out);
    }
    this.count++;
    this.stringifier.write([r.file, r.line, r.declarationId.slice(0, 200), r.field, r.reason, keptText(r.raw)]);
  }

  async close(): Promise<void> {
    if (!this.stringifier || !this.out) return;
    const out = this.out;
    const done = new Promise<void>((resolve, reject) => {
      out.on('finish', resolve);
      out.on('error', reject);
    });
    this.stringifier.end();
    await done;
  }
}
