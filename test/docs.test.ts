/**
 * The documentation a clone carries (docs/) covers what the code reads and says: every declaration
 * field, every signal, every setting read from the environment, every operation of the API; and the
 * README links to each page.
 */
import { buildSchema, isEnumType, isInputObjectType, isInterfaceType, isObjectType } from 'graphql';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SIGNALS } from '../src/analysis/signals/entity-signals';
import { schemaSdl } from '../src/api/server';
import { DECLARATION_FIELDS } from '../src/domain/fields';
import { ROOT } from './helpers';

const doc = (name: string) => readFileSync(join(ROOT, 'docs', name), 'utf8');

/** Every file under a folder, recursively. */
function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)]));
}

describe('docs/', () => {
  it('describe every declaration field, with the watchlist and outcomes files and the mapping language', () => {
    const text = doc('input-format.md');
    for (const f of DECLARATION_FIELDS) expect(text, f).toContain(`\`${f}\``);
    for (const word of ['--outcomes', '--watchlist', '"fields"', '"attrs"', '"passthrough"', '"const"', '"join"', '"map"', '"otherwise"', '"pad"']) expect(text, word).toContain(word);
  });

  it('describe every signal of the risk model', () => {
    const text = doc('risk-model.md');
    for (const s of SIGNALS) expect(text, s).toContain(`\`${s}\``);
  });

  it('name every setting the code reads from the environment', () => {
    const code = files(join(ROOT, 'src')).filter((f) => f.endsWith('.ts')).map((f) => readFileSync(f, 'utf8')).join('\n');
    const vars = new Set([...code.matchAll(/process\.env\.([A-Z_]+)|env\.([A-Z_]+)/g)].map((m) => m[1] ?? m[2]!));
    expect(vars.size).toBeGreaterThan(8);
    const text = doc('operations.md');
    for (const v of vars) expect(text, v).toContain(v);
  });

  it('show every query and mutation of the API', () => {
    const schema = buildSchema(schemaSdl());
    const text = doc('api.md');
    for (const root of [schema.getQueryType()!, schema.getMutationType()!]) {
      for (const f of Object.keys(root.getFields())) expect(text, f).toMatch(new RegExp(`\\b${f}\\(|\\b${f} \\{|\\b${f}\\b`));
    }
  });

  it('the schema describes every type, field, enum value and argument (what a client developer reads in the IDE)', () => {
    const schema = buildSchema(schemaSdl());
    const missing: string[] = [];
    for (const t of Object.values(schema.getTypeMap())) {
      if (t.name.startsWith('__') || ['String', 'Int', 'Float', 'Boolean', 'ID'].includes(t.name)) continue;
      if (!t.description) missing.push(`type ${t.name}`);
      if (isObjectType(t) || isInputObjectType(t) || isInterfaceType(t)) {
        for (const f of Object.values(t.getFields())) {
          if (!f.description) missing.push(`${t.name}.${f.name}`);
          for (const a of 'args' in f ? f.args : []) if (!a.description) missing.push(`${t.name}.${f.name}(${a.name})`);
        }
      }
      if (isEnumType(t)) for (const v of t.getValues()) if (!v.description) missing.push(`${t.name}.${v.name}`);
    }
    expect(missing).toEqual([]);
  });

  it('are linked from the README', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    for (const page of readdirSync(join(ROOT, 'docs'))) expect(readme, page).toContain(`docs/${page}`);
    expect(readme).not.toContain('../shared/DESIGN.md');
  });
});
