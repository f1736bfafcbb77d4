/**
 * Scoring declarations against the current analysis run, for every caller: the command line
 * (`score`, `select`), the API (`scoreDeclaration(s)`, `selectDeclarations`) and the simulation.
 * The scorer is loaded once per run and reloaded when another run becomes current; files are read
 * and validated exactly as ingest reads them.
 */
import { DeclarationScorer, type DeclarationScore } from '../analysis/scoring/declaration-scorer';
import { auc, precisionAtShare } from '../analysis/scoring/logistic';
import { makeValidator, type Declaration } from '../domain/declaration';
import { declarationKey } from '../domain/declaration-key';
import { isBadOutcome } from '../domain/fields';
import type { Mapping } from '../ingest/mapping';
import { planIngest } from '../ingest/plan';
import { readDeclarations } from '../ingest/read-declarations';
import type { AnalysisSource } from '../store/analysis-source';
import type { RunStore } from '../store/run-store';
import { selectDeclarationChannels, slots, type ScoredItem, type SelectOptions, type Selection } from './select';

export interface ScoringSettings {
  phoneRegion: string;
  defaultCurrency: string;
}

/** The valid declarations of files, read and validated as ingest would; rejected rows are counted. */
export async function readValidDeclarations(
  files: string[], mapping: Mapping | undefined, defaultCurrency: string,
): Promise<{ declarations: Declaration[]; rejected: number }> {
  const plan = await planIngest(files, mapping);
  const declarations: Declaration[] = [];
  let rejected = 0;
  for await (const batch of readDeclarations(plan, makeValidator({ defaultCurrency }))) {
    for (const { result } of batch) {
      if (result.ok) declarations.push(result.value);
      else rejected++;
    }
  }
  return { declarations, rejected };
}

export interface FileScores {
  run: string;
  scored: Array<DeclarationScore & { outcome: string }>;
  rejected: number;
}

export interface FileSelection {
  run: string;
  /** One per item, each with its declaration's channel. */
  selections: Selection[];
  /** Slots counted in declarations. */
  slots: ReturnType<typeof slots>;
  declarations: number;
  items: number;
  rejected: number;
}

export class ScoringService {
  private scorer?: Promise<DeclarationScorer>;
  private runId?: string;

  constructor(private readonly store: AnalysisSource & RunStore, private readonly settings: ScoringSettings) {}

  /** The scorer of the current run (NoCurrentRunError when there is none). */
  async current(): Promise<DeclarationScorer> {
    const runId = (await this.store.currentRunId()) ?? undefined;
    if (!this.scorer || runId !== this.runId) {
      this.runId = runId;
      this.scorer = DeclarationScorer.load(this.store, { phoneRegion: this.settings.phoneRegion });
      this.scorer.catch(() => { this.scorer = undefined; });
    }
    return this.scorer;
  }

  async score(declarations: readonly Declaration[]): Promise<DeclarationScore[]> {
    const scorer = await this.current();
    return declarations.map((d) => scorer.score(d));
  }

  /** Channels under a capacity, declaration by declaration (items of one declaration share it), each with why it was chosen. */
  async select(declarations: readonly Declaration[], opts: SelectOptions): Promise<Array<Selection & { score: DeclarationScore }>> {
    const scores = await this.score(declarations);
    const { selections } = selectDeclarationChannels(scores.map(toScored), opts);
    return selections.map((s, i) => ({ ...s, score: scores[i]! }));
  }

  async scoreFile(file: string, mapping?: Mapping): Promise<FileScores> {
    const scorer = await this.current();
    const { declarations, rejected } = await readValidDeclarations([file], mapping, this.settings.defaultCurrency);
    return { run: scorer.run.id, scored: declarations.map((d) => ({ ...scorer.score(d), outcome: d.outcome })), rejected };
  }

  async selectFile(file: string, mapping: Mapping | undefined, opts: SelectOptions): Promise<FileSelection> {
    const { run, scored, rejected } = await this.scoreFile(file, mapping);
    const { selections, declarations } = selectDeclarationChannels(scored.map(toScored), opts);
    return { run, selections, slots: slots(declarations, opts), declarations, items: scored.length, rejected };
  }
}

function toScored(s: DeclarationScore): ScoredItem {
  return { key: declarationKey(s.declarationId, s.itemNo), declaration: s.declarationId, risk: s.risk, reasons: s.reasons };
}

/** How well scores rank the outcomes recorded with them: AUC and precision at 5% and 10%. */
export function evaluateScores(scored: ReadonlyArray<{ risk: number; outcome: string }>): Record<string, number> {
  const labelled = scored.filter((s) => s.outcome !== 'unknown');
  const y = labelled.map((s) => (isBadOutcome(s.outcome) ? 1 : 0));
  const r = labelled.map((s) => s.risk);
  return {
    labelled: labelled.length, bad: y.reduce((a: number, b) => a + b, 0), auc: auc(r, y),
    precision_at_5pct: precisionAtShare(r, y, 0.05), precision_at_10pct: precisionAtShare(r, y, 0.1),
  };
}
