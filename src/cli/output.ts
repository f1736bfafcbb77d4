/** Plain-text tables and numbers for terminal summaries, and CSV for other systems. */
import Table from 'cli-table3';
import { stringify } from 'csv-stringify/sync';
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';

/** Control characters shown, never acted on by the terminal (ESC as ␛, others as their code). */
export function printable(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\x00-\x1f\x7f-\x9f]/g, (c) => (c === '\x1b' ? '\u241b' : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`));
}

/** Widest a table may print: it fits a 100-column terminal. */
export const TABLE_WIDTH = 100;
const NUMERIC = /^[-+]?[\d,]*\.?\d+%?$|^$/;
/** No borders: a line under the header, two spaces between columns (cli-table3 draws it). */
const PLAIN = {
  top: '', 'top-mid': '', 'top-left': '', 'top-right': '', bottom: '', 'bottom-mid': '', 'bottom-left': '', 'bottom-right': '',
  left: '', 'left-mid': '', mid: '', 'mid-mid': '', right: '', 'right-mid': '', middle: '  ',
};

/**
 * A table for the terminal: numbers right-aligned, text left-aligned, and, when the table is wider
 * than TABLE_WIDTH, its widest text columns wrapped at word boundaries to fit.
 */
export function table(headers: string[], rows: Array<Array<string | number>>): string {
  const cells = rows.map((r) => r.map((c) => (typeof c === 'number' ? formatNumber(c) : printable(c))));
  const numeric = headers.map((_, i) => cells.length > 0 && cells.every((r) => NUMERIC.test(String(r[i] ?? ''))));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => String(r[i] ?? '').length)));
  // Shrink the widest text column until the table fits (each keeps at least 12 characters).
  const total = () => widths.reduce((a, w) => a + w, 0) + 2 * (widths.length - 1);
  for (let guard = 0; total() > TABLE_WIDTH && guard < 1000; guard++) {
    let widest = -1;
    widths.forEach((w, i) => { if (!numeric[i] && w > 12 && (widest < 0 || w > widths[widest]!)) widest = i; });
    if (widest < 0) break;
    widths[widest] = Math.max(12, widths[widest]! - (total() - TABLE_WIDTH));
  }
  const t = new Table({
    head: headers, chars: PLAIN, style: { head: [], border: [], 'padding-left': 0, 'padding-right': 0, compact: true },
    colWidths: widths, colAligns: numeric.map((n) => (n ? 'right' : 'left')), wordWrap: true, wrapOnWordBoundary: true,
  });
  for (const r of cells) t.push(r.map(String));
  const lines = t.toString().split('\n').map((l) => l.trimEnd());
  // A rule under the header, as wide as each column.
  lines.splice(1, 0, widths.map((w) => '-'.repeat(w)).join('  '));
  return lines.join('\n');
}

export function formatNumber(n: number): string {
  if (Number.isInteger(n)) return n.toLocaleString('en-US');
  return n.toLocaleString('en-US', { maximumFractionDigits: 2 });
}

/**
 * A reason as a person reads it: the factor by which it multiplies the odds of fraud (its
 * contribution is in log-odds): "undervaluation ×4.2", "clean:supplier ×0.80 (lowers)".
 */
export function reasonText(r: { name: string; contribution: number }): string {
  const odds = Math.exp(r.contribution);
  return `${r.name} ×${odds.toFixed(odds < 10 ? (odds < 1 ? 2 : 1) : 0)}${r.contribution < 0 ? ' (lowers)' : ''}`;
}

/** What risks and reasons mean, said once under the tables that show them. */
export const RISK_LEGEND = 'risk: the probability (0 to 1) of fraud the model gives; ×N: a reason multiplies the odds of fraud by N (below 1: it lowers them)';

/** Text cut to at most `max` characters at a word boundary, with … when cut. */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max - 1);
  const space = cut.lastIndexOf(' ');
  return `${(space > max / 2 ? cut.slice(0, space) : cut).trimEnd()}…`;
}

/** The first line of what a reading command prints: which store it read. */
export function storeLine(dbPath: string): string {
  return `store: ${storeName(dbPath)}`;
}

/** The store a command reads: the Neo4j server when one is configured, else the embedded file's full path. */
export function storeName(dbPath: string): string {
  return process.env.NEO4J_URI ? `Neo4j at ${process.env.NEO4J_URI}` : resolve(dbPath);
}

/** Rows as a CSV file with a header (RFC 4180), for a system to read. */
export async function writeCsv(path: string, header: string[], rows: Array<Array<string | number>>): Promise<void> {
  await writeFile(path, stringify([header, ...rows]));
}

/** What a command prints: its result as JSON with --json, else the text a person reads. */
export function emit<T>(json: boolean | undefined, value: T, text: (value: T) => string): void {
  process.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : `${text(value)}\n`);
}
