/**
 * neo4j-check's reading of plans. The plans here are written by hand in the shape the driver gives
 * (result.summary.plan: operatorType, arguments, children), to test what the check makes of them;
 * they are not server output. Against a server the check runs in the Neo4j suite (NEO4J_URI).
 */
import { describe, expect, it } from 'vitest';
import { planProblems } from '../src/store/neo4j/check';
import { runCli } from './helpers';

const node = (operatorType: string, details = '', children: Parameters<typeof planProblems>[2][] = []) => ({ operatorType, arguments: { Details: details }, children });

describe('neo4j-check', () => {
  it('flags a scan of every node, and of a large label outside the streams that read it whole', () => {
    expect(planProblems('get-community', 'MATCH (c:Community) RETURN c', node('ProduceResults@neo4j', '', [node('AllNodesScan@neo4j', 'n')]))).toEqual(['scans every node']);
    expect(planProblems('top-entities', 'MATCH (s:Score) RETURN s', node('ProduceResults@neo4j', '', [node('NodeByLabelScan@neo4j', 's:Score')]))).toEqual(['scans every :Score (s:Score)']);
    expect(planProblems('entity-stats', 'MATCH (d:Declaration) RETURN d', node('ProduceResults@neo4j', '', [node('NodeByLabelScan@neo4j', 'd:Declaration')]))).toEqual([]);
    expect(planProblems('list-runs', 'MATCH (r:AnalysisRun) RETURN r', node('NodeByLabelScan@neo4j', 'r:AnalysisRun'))).toEqual([]);
  });

  it('flags an eager operator in a write, and a sort of a whole stream, but not a sort with a limit', () => {
    const write = 'UNWIND $rows AS row MERGE (e:Entity {kind: row.kind, key: row.key})';
    expect(planProblems('upsert-entities', write, node('EmptyResult@neo4j', '', [node('Eager@neo4j', '', [node('Merge@neo4j')])]))).toEqual(['eager operator in a write (every row held before writing)']);
    expect(planProblems('declaration-facts', 'MATCH (d:Declaration) RETURN d ORDER BY d.seq', node('ProduceResults@neo4j', '', [node('Sort@neo4j', 'd.seq ASC')]))).toEqual(['sorts the whole stream before its first row']);
    expect(planProblems('top-entities', 'MATCH (s:Score {run_id: $r}) RETURN s ORDER BY s.risk DESC LIMIT 10', node('ProduceResults@neo4j', '', [node('Top@neo4j', 's.risk DESC LIMIT 10', [node('NodeIndexSeek@neo4j', 's:Score(run_id, risk)')])]))).toEqual([]);
  });

  it('says what it needs when no server is configured, with exit code 1', () => {
    const r = runCli(['neo4j-check'], { env: { NEO4J_URI: '' } });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/set NEO4J_URI/);
  });
});
