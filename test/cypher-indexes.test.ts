/**
 * Static index coverage of the Neo4j adapter: every lookup of a large label (MATCH or MERGE with
 * a property map, or a WHERE on the node's properties) is served by an index or constraint on all
 * of the properties of that index (Neo4j uses a composite index only when every one of its
 * properties is filtered), every index the migrations leave is used by some statement, and no
 * statement reads a large label whole unless it is one of the streams that must.
 */
import { describe, expect, it } from 'vitest';
import { cypherDir, declaredSchema, LARGE_LABELS as LARGE, loadStatements, WHOLE_READS } from '../src/store/neo4j/statements';

const statements = loadStatements(cypherDir());

/** Each node pattern on a large label with the properties it filters: the map, and `v.p` in a WHERE on the same clause. */
function lookups(text: string): Array<{ label: string; props: string[]; clause: string }> {
  const out: Array<{ label: string; props: string[]; clause: string }> = [];
  const clauses = text.split(/\n(?=\s*(?:OPTIONAL )?MATCH|\s*MERGE|\s*WITH|\s*RETURN|\s*UNWIND|\s*CALL|\s*SET|\s*UNION)/);
  for (const clause of clauses) {
    if (!/^\s*(OPTIONAL )?(MATCH|MERGE)/.test(clause)) continue;
    for (const m of clause.matchAll(/\((\w+):(\w+)(?:\s*\{([^}]*)\})?\)/g)) {
      const [, v, label, map] = m;
      if (!LARGE.includes(label!)) continue;
      const props = (map ?? '').split(',').map((p) => p.split(':')[0]!.trim()).filter(Boolean);
      for (const w of clause.matchAll(new RegExp(`\\b${v}\\.(\\w+)\\s*(=|<|>|>=|<=|CONTAINS|IN|STARTS WITH|IS NOT NULL)`, 'g'))) props.push(w[1]!);
      out.push({ label: label!, props, clause: clause.trim() });
    }
  }
  return out;
}

describe('cypher/ indexes', () => {
  const all = declaredSchema(statements);

  it('serve every lookup of a large label on all of an index\'s properties', () => {
    const unserved: string[] = [];
    for (const [name, text] of statements) {
      if (name.startsWith('migrate-')) continue;
      for (const l of lookups(text)) {
        if (l.props.length === 0) {
          if (!WHOLE_READS.has(name) && !/count\(/.test(l.clause) && !/elementId\(/.test(text)) unserved.push(`${name}: reads every ${l.label} (${l.clause.split('\n')[0]})`);
          continue;
        }
        const served = all.some((i) => i.label === l.label && i.props.every((p) => l.props.includes(p)));
        if (!served) unserved.push(`${name}: ${l.label} on (${l.props.join(', ')})`);
      }
    }
    expect(unserved).toEqual([]);
  });

  it('never start from every node: an unlabelled node is one the statement found before, or one sought by element id', () => {
    const scans: string[] = [];
    for (const [name, text] of statements) {
      for (const m of text.matchAll(/(?:^|\n)\s*(?:OPTIONAL )?MATCH \((\w+)\)/g)) {
        const v = m[1]!;
        const before = text.slice(0, m.index);
        const bound = new RegExp(`\\(${v}[:)\\s{]|\\b${v}\\b\\s*(,|AS|=)|AS ${v}\\b|\\(${v}\\)`).test(before);
        if (!bound && !new RegExp(`elementId\\(${v}\\)\\s*=`).test(text)) scans.push(`${name}: MATCH (${v})`);
      }
    }
    expect(scans).toEqual([]);
  });

  it('leave no index on a large label that no statement uses', () => {
    const unused = all.filter((i) => LARGE.includes(i.label) && ![...statements].some(([name, text]) => !name.startsWith('migrate-')
      && lookups(text).some((l) => l.label === i.label && i.props.every((p) => l.props.includes(p)))));
    expect(unused.map((i) => i.name)).toEqual([]);
  });

  it('find what they are meant to find (a guard on the checker itself)', () => {
    expect(lookups('MATCH (s:Score {run_id: $r}) WHERE s.risk >= 0\nRETURN s')).toEqual([{ label: 'Score', props: ['run_id', 'risk'], clause: 'MATCH (s:Score {run_id: $r}) WHERE s.risk >= 0' }]);
    expect(all.find((i) => i.name === 'category_run_field_value')).toMatchObject({ label: 'CategoryRisk', props: ['run_id', 'field', 'value'] });
    expect(all.find((i) => i.name === 'entity_name')).toBeUndefined(); // dropped by a later migration
  });
});
