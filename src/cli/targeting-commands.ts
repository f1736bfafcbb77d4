/** select and simulate: inspection targeting on the command line. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Config } from '../config';
import { DeclarationScorer } from '../analysis/scoring/declaration-scorer';
import { makeValidator } from '../domain/declaration';
import { planIngest } from '../ingest/ingest';
import { loadMapping } from '../ingest/mapping';
import { readDeclarations } from '../ingest/read-declarations';
import type { GraphStore } from '../store/graph-store';
import { SqliteGraphStore } from '../store/sqlite/sqlite-store';
import { generateSynthetic } from '../synth/generate';
import { selectChannels, slots, type Selection } from '../targeting/select';
import { labelsFromOutcomes, readAll, readLabels, simulate, type MonthResult } from '../targeting/simulate';
import { table } from './format';

export async function selectCommand(
  store: GraphStore, file: string, opts: { capacity: number; documentary: number; exploration: number; seed: number; mapping?: string }, config: Config,
): Promise<{ run: string; selections: Selection[]; slots: ReturnType<typeof slots>; rejected: number }> {
  const scorer = await DeclarationScorer.load(store, { phoneRegion: config.phoneRegion });
  const plan = await planIngest([file], opts.mapping ? loadMapping(opts.mapping) : undefined);
  const scored = [];
  let rejected = 0;
  for await (const batch of readDeclarations(plan, makeValidator({ defaultCurrency: config.defaultCurrency }))) {
    for (const { result } of batch) {
      if (!result.ok) { rejected++; continue; }
      const s = scorer.score(result.value);
      scored.push({ key: `${s.declarationId}/${s.itemNo}`, risk: s.risk, reasons: s.reasons });
    }
  }
  const selections = selectChannels(scored, opts);
  return { run: scorer.run.id, selections, slots: slots(scored.length, opts), rejected };
}

export function printSelection(r: Awaited<ReturnType<typeof selectCommand>>): string {
  const count = (c: string) => r.selections.filter((s) => s.channel === c).length;
  const red = r.selections.filter((s) => s.channel === 'red').sort((a, b) => b.risk - a.risk);
  return [
    `${r.selections.length} declarations against run ${r.run}: ${count('red')} red (physical; ${r.slots.exploration} of them exploration), ` +
      `${count('orange')} orange (documentary), ${count('green')} green; ${r.rejected} rejected. Slots are floor(n × share).`,
    '',
    table(['declaration', 'channel', 'risk', 'why'], red.slice(0, 40).map((s) => [
      s.key, s.channel, s.risk.toFixed(3), s.why === 'exploration' ? 'exploration (random, outside the top-risk set)' : s.reasons.slice(0, 3).map((x) => x.name).join(', '),
    ])),
  ].join('\n');
}

export interface SimulateCommandOptions {
  data?: string[];
  labels?: string;
  mapping?: string;
  months: number;
  capacity: number;
  exploration: number;
  seed: number;
  traders: number;
  /** Months of synthetic history before the simulated ones. */
  history: number;
  quiet?: boolean;
}

export async function simulateCommand(opts: SimulateCommandOptions, config: Config): Promise<MonthResult[]> {
  const work = mkdtempSync(join(tmpdir(), 'cg-simulate-'));
  try {
    let files = opts.data ?? [];
    let labels = opts.labels;
    if (files.length === 0) {
      // Synthetic data with some months of history before the simulated ones.
      const synth = await generateSynthetic(join(work, 'synth'), { traders: opts.traders, seed: opts.seed, months: opts.months + opts.history });
      files = [synth.declarationsFile];
      labels = synth.labelsFile;
    }
    const all = await readAll(files, opts.mapping ? loadMapping(opts.mapping) : undefined, config.defaultCurrency);
    const truth = labels ? await readLabels(labels) : labelsFromOutcomes(all);
    const store = new SqliteGraphStore(join(work, 'simulation.db'));
    await store.migrate();
    try {
      return await simulate(store, all, truth, {
        capacity: opts.capacity, exploration: opts.exploration, seed: opts.seed, months: opts.months,
        phoneRegion: config.phoneRegion, defaultCurrency: config.defaultCurrency,
        onMonth: (m) => { if (!opts.quiet) process.stderr.write(`simulate: ${m.month} model ${m.model.precision.toFixed(3)} random ${m.random.precision.toFixed(3)} rules ${m.rules.precision.toFixed(3)}\n`); },
      });
    } finally {
      await store.close();
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

export function printSimulation(months: MonthResult[]): string {
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  const rows = months.map((m) => [
    m.month, m.declarations, m.frauds, m.slots, m.model.precision.toFixed(3), pct(m.model.revenue),
    `${m.model.explorationFrauds}/${m.model.explorationPicks}`, m.random.precision.toFixed(3), pct(m.random.revenue),
    m.rules.precision.toFixed(3), pct(m.rules.revenue),
  ]);
  const last = months.slice(-3);
  const mean = (f: (m: MonthResult) => number) => last.reduce((a, m) => a + f(m), 0) / Math.max(1, last.length);
  const [pm, pr, pu] = [mean((m) => m.model.precision), mean((m) => m.random.precision), mean((m) => m.rules.precision)];
  return [
    table(['month', 'decl.', 'frauds', 'slots', 'model prec.', 'model revenue', 'exploration frauds', 'random prec.', 'random revenue', 'rules prec.', 'rules revenue'], rows),
    '',
    `last quarter: model precision ${pm.toFixed(3)} = ${(pm / Math.max(1e-9, pr)).toFixed(1)}× random (${pr.toFixed(3)}), rules ${pu.toFixed(3)}`,
  ].join('\n');
}
