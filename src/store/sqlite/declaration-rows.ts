/**
 * Writing one declaration's row, as both writers of the embedded store do it (ingest's batches and
 * a bulk import): appended when its key is new; when the key was written before, the new values
 * replace the row, which is no longer purged (it names its parties again), and its containers are
 * cleared, and the row as it was is given back.
 */
import type Database from 'better-sqlite3';
import type { Declaration } from '../../domain/declaration';
import { declarationKey } from '../../domain/declaration-key';
import type { ReplacedDeclaration } from '../../domain/graph-facts';
import { DECLARATION_COLUMNS, declarationFromRow } from './rows';

export class DeclarationRows {
  private readonly insert: Database.Statement;
  private readonly previous: Database.Statement;
  private readonly update: Database.Statement;
  private readonly clearContainers: Database.Statement;

  constructor(db: Database.Database) {
    const cols = DECLARATION_COLUMNS;
    this.insert = db.prepare(`INSERT OR IGNORE INTO declarations (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`);
    this.previous = db.prepare(`SELECT d.*, f.name AS source_name FROM declarations d LEFT JOIN source_files f ON f.id = d.source_file
      WHERE d.declaration_id = ? AND d.item_no = ?`);
    this.update = db.prepare(`UPDATE declarations SET ${cols.map((c) => `${c} = ?`).join(', ')}, purged = 0 WHERE id = ?`);
    this.clearContainers = db.prepare('DELETE FROM declaration_containers WHERE declaration = ?');
  }

  /** Writes a row's values (DECLARATION_COLUMNS order): its id, and the row it replaced (with its source file's name), if any. */
  write(values: unknown[]): { id: number; previous?: Record<string, unknown> } {
    const ins = this.insert.run(values);
    if (ins.changes === 1) return { id: Number(ins.lastInsertRowid) };
    const previous = this.previous.get(values[0], values[1]) as Record<string, unknown>;
    const id = previous.id as number;
    this.update.run(...values, id);
    this.clearContainers.run(id);
    return { id, previous };
  }
}

/** What a write replaced, as a load reports it: the row as it was and where it was read, the version that replaced it. */
export function replacedDeclaration(
  previous: Record<string, unknown>, current: Declaration, sameLoad: boolean, source?: { file: string; line: number },
): ReplacedDeclaration {
  return {
    key: declarationKey(previous.declaration_id as string, previous.item_no as number), previous: declarationFromRow(previous), current, sameLoad,
    ...(source ? { source } : {}),
    ...(previous.source_name ? { previousSource: { file: previous.source_name as string, line: previous.source_line as number } } : {}),
  };
}
