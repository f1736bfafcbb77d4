/**
 * Watchlist import (DESIGN §3): `kind, key, reason, source, severity, listed_at`. Keys are
 * normalized the way ingest normalizes, so a listed phone matches however it was declared.
 */
import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import { parseIsoDate } from '../domain/declaration';
import { keyFor, parseKind, type KeyOptions } from '../domain/entities';
import { stripControls } from '../domain/normalize';
import type { GraphStore } from '../store/graph-store';
import type { WatchlistEntry } from '../store/graph-writer';
import { readNamedRows } from './records';
import type { RejectsWriter } from './rejects';
import { FatalInputError } from '../util/errors';
import { sniffFile } from './sniff';

export const WATCHLIST_COLUMNS = ['kind', 'key', 'reason', 'source', 'severity', 'listed_at'] as const;

const SEVERITY_WORDS: Record<string, number> = { low: 0.3, medium: 0.6, high: 0.9, critical: 1 };

/** Severity as a number in [0, 1]; words low/medium/high/critical are accepted. Default: high. */
export function parseSeverity(text: string | undefined): number | undefined {
  const t = (text ?? '').trim().toLowerCase();
  if (t === '') return SEVERITY_WORDS.high;
  if (t in SEVERITY_WORDS) return SEVERITY_WORDS[t];
  const n = Number(t);
  return Number.isFinite(n) && n >= 0 && n <= 1 ? n : undefined;
}

export async function checkWatchlist(file: string): Promise<void> {
  const sniff = await sniffFile(file);
  if (sniff.format !== 'csv' || !sniff.header) throw new FatalInputError(file, 'a watchlist must be a CSV file');
  const header = sniff.header.map((h) => h.toLowerCase());
  const missing = ['kind', 'key'].filter((c) => !header.includes(c));
  if (missing.length) throw new FatalInputError(file, `missing required watchlist column(s): ${missing.join(', ')}`);
}

export interface WatchlistSummary {
  read: number;
  accepted: number;
  rejected: number;
}

export async function importWatchlist(
  store: GraphStore, file: string, rejects: RejectsWriter, opts: KeyOptions & { today?: string },
): Promise<WatchlistSummary> {
  const summary: WatchlistSummary = { read: 0, accepted: 0, rejected: 0 };
  const name = basename(file);
  const today = opts.today ?? new Date().toISOString().slice(0, 10);
  const entries: WatchlistEntry[] = [];
  for await (const batch of readNamedRows(createReadStream(file))) {
    for (const { rec, row, error } of batch) {
      summary.read++;
      const fail = (field: string, reason: string) => {
        summary.rejected++;
        rejects.add({ file: name, line: rec.line, declarationId: '', field, reason, raw: rec.raw });
      };
      if (!row) { fail('', error ?? 'unreadable record'); continue; }
      const kind = parseKind(row.kind ?? '');
      if (!kind || kind === 'Declaration') { fail('kind', `unknown kind: ${row.kind ?? ''}`); continue; }
      const key = keyFor(kind, row.key ?? '', opts);
      if (!key) { fail('key', 'key is empty after normalization'); continue; }
      const severity = parseSeverity(row.severity);
      if (severity === undefined) { fail('severity', 'severity must be a number in [0, 1] or low/medium/high/critical'); continue; }
      let listedAt: string;
      try {
        listedAt = parseIsoDate(row.listed_at || today, 'listed_at');
      } catch (err) {
        fail('listed_at', (err as Error).message);
        continue;
      }
      entries.push({ kind, key, reason: stripControls(row.reason || 'listed'), source: stripControls(row.source || name), severity, listedAt });
      summary.accepted++;
    }
  }
  if (entries.length) await store.upsertWatchlist(entries);
  return summary;
}
