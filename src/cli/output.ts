/** Plain-text tables and numbers for terminal summaries. */
import { resolve } from 'node:path';

/** Control characters shown, never acted on by the terminal (ESC as ␛, others as their code). */
export function printable(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\x00-\x1f\x7f-\x9f]/g, (c) => (c === '\x1b' ? '\u241b' : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`));
}

export function table(headers: string[], rows: Array<Array<string | number>>): string {
  const cells = rows.map((r) => r.map((c) => (typeof c === 'number' ? formatNumber(c) : printable(c))));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => String(r[i] ?? '').length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map((r) => line(r.map(String)))].join('\n');
}

export function formatNumber(n: number): string {
  if (Number.isInteger(n)) return n.toLocaleString('en-US');
  return n.toLocaleString('en-US', { maximumFractionDigits: 2 });
}

/** The first line of what a reading command prints: which store it read. */
export function storeLine(dbPath: string): string {
  return process.env.NEO4J_URI ? `store: Neo4j at ${process.env.NEO4J_URI}` : `store: ${resolve(dbPath)}`;
}

/** What a command prints: its result as JSON with --json, else the text a person reads. */
export function emit<T>(json: boolean | undefined, value: T, text: (value: T) => string): void {
  process.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : `${text(value)}\n`);
}
