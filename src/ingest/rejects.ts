/** The rejects file: every row that was not loaded, with where it was, why, and its text. */
import { createWriteStream, type WriteStream } from 'node:fs';
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
    this.stringifier.write([r.file, r.line, r.declarationId, r.field, r.reason, r.raw]);
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
