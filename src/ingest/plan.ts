/**
 * The plan of a load: every file checked before anything is written (readable, text, UTF-8, with
 * the columns the contract or the mapping needs), and how its columns map onto the contract.
 */
import { FatalInputError } from '../util/errors';
import { compileColumns, type CompiledColumns, type Mapping } from './mapping';
import { sniffFile, type InputFormat } from './sniff';

export interface PlannedFile {
  file: string;
  format: InputFormat;
  bytes: number;
  header?: string[];
  columns: CompiledColumns;
}

export interface IngestPlan {
  files: PlannedFile[];
  warnings: string[];
  mapping?: Mapping;
}

/**
 * Checks every file before anything is written: readable, text, UTF-8, with the columns the
 * contract (or the mapping) needs. Throws FatalInputError naming the first file that fails.
 */
export async function planIngest(files: readonly string[], mapping?: Mapping): Promise<IngestPlan> {
  if (files.length === 0) throw new FatalInputError('(no file)', 'give at least one declaration file');
  const planned: PlannedFile[] = [];
  const warnings: string[] = [];
  for (const file of files) {
    const sniff = await sniffFile(file);
    const columns = compileColumns(sniff.header, mapping);
    if (columns.missingSources.length) {
      throw new FatalInputError(file, `the mapping reads column(s) the file lacks: ${columns.missingSources.join(', ')}`);
    }
    if (sniff.format === 'csv' && columns.missingRequired.length) {
      throw new FatalInputError(file, `missing required column(s): ${columns.missingRequired.join(', ')}`);
    }
    if (columns.unused.length) {
      warnings.push(`${file}: ignoring ${columns.unused.length} unknown column(s): ${columns.unused.join(', ')}`);
    }
    planned.push({ ...sniff, columns });
  }
  return { files: planned, warnings, mapping };
}

