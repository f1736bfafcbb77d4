/**
 * The layers of src/ (.dependency-cruiser.cjs): no import from a lower layer to a higher one, none
 * between rooms of one layer, no cycle. Checked on the real tree, and on a small tree that breaks
 * each rule, so that a rule that no longer catches anything fails here too.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, tempDir } from './helpers';

const DEPCRUISE = join(ROOT, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');
const CONFIG = join(ROOT, '.dependency-cruiser.cjs');

interface Violation { rule: { name: string }; from: string; to: string }

function cruise(cwd: string, paths: string[]): Violation[] {
  const r = spawnSync(process.execPath, [DEPCRUISE, ...paths, '--config', CONFIG, '--output-type', 'json'], { cwd, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (!r.stdout) throw new Error(`depcruise failed: ${r.stderr}`);
  return (JSON.parse(r.stdout) as { summary: { violations: Violation[] } }).summary.violations;
}

const tmp = tempDir('cg-layers-');
afterAll(() => tmp.cleanup());

describe('the layers of src/', () => {
  it('hold: no upward import, no import between rooms of one layer, no cycle', () => {
    const violations = cruise(ROOT, ['src', 'workers']);
    expect(violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`)).toEqual([]);
  }, 120_000);

  it('are enforced: a tree that breaks each rule is caught', () => {
    const file = (path: string, text: string) => {
      mkdirSync(join(tmp.dir, path, '..'), { recursive: true });
      writeFileSync(join(tmp.dir, path), text);
    };
    file('tsconfig.json', JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext' } }));
    file('src/store/graph-store.ts', 'export interface GraphStore { close(): void }\n');
    file('src/domain/upward.ts', "import type { GraphStore } from '../store/graph-store';\nexport type S = GraphStore;\n");
    file('src/analysis/run.ts', 'export const run = 1;\n');
    file('src/ingest/lazy.ts', "export const lazy = () => require('../analysis/run') as typeof import('../analysis/run');\n");
    file('src/analysis/graph/a.ts', "import { b } from './b';\nexport const a = () => b;\n");
    file('src/analysis/graph/b.ts', "import { a } from './a';\nexport const b = () => a;\n");
    file('src/analysis/graph/upward.ts', "import { run } from '../run';\nexport const r = run;\n");
    const found = cruise(tmp.dir, ['src']).map((v) => `${v.rule.name}: ${v.from} → ${v.to}`);
    expect(found).toEqual(expect.arrayContaining([
      'layer-domain: src/domain/upward.ts → src/store/graph-store.ts',
      'layer-ingest: src/ingest/lazy.ts → src/analysis/run.ts',
      'analysis-graph: src/analysis/graph/upward.ts → src/analysis/run.ts',
    ]));
    expect(found.some((f) => f.startsWith('no-circular: src/analysis/graph/a.ts'))).toBe(true);
  }, 120_000);
});
