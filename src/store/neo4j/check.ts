/**
 * `customs-graph neo4j-check`, for operators with a server: the server's version, the indexes and
 * constraints the migrations declare (present and online), and the plan of every statement
 * (EXPLAIN: planned, never run) read for what fails at scale: a scan of every node, a scan of a
 * large label outside the streams that read it whole, an eager operator in a write, a sort of a
 * whole stream before its first row.
 */
import neo4j from 'neo4j-driver';
import { checkServerVersion } from './server-version';
import type { Neo4jSession, PlanNode, Row } from './session';
import { declaredSchema, LARGE_LABELS, migrationNames, STATEMENT_PARAMS, WHOLE_READS } from './statements';

export interface CheckReport {
  version: string;
  /** Declared indexes and constraints the server lacks, or holds but not online. */
  schema: string[];
  /** Problems in the plans, by statement. */
  plans: Array<{ statement: string; problem: string }>;
  statementsPlanned: number;
}

/** Statements that write: an eager operator in one holds every row in memory before writing. */
const WRITES = /\b(MERGE|CREATE|SET|DELETE|REMOVE)\b/;

/** What in one statement's plan fails at a country's scale. */
export function planProblems(name: string, text: string, plan: PlanNode): string[] {
  const problems: string[] = [];
  const writes = WRITES.test(text);
  const whole = WHOLE_READS.has(name);
  const walk = (node: PlanNode) => {
    // Neo4j 5 names operators with a runtime suffix ("NodeByLabelScan@neo4j").
    const op = node.operatorType.replace(/@.*$/, '');
    const details = String(node.arguments?.Details ?? node.arguments?.details ?? '');
    if (op === 'AllNodesScan') problems.push('scans every node');
    if (op === 'NodeByLabelScan' && !whole) {
      const label = LARGE_LABELS.find((l) => new RegExp(`:${l}\\b`).test(details));
      if (label) problems.push(`scans every :${label} (${details})`);
    }
    if (op === 'Eager' && writes) problems.push('eager operator in a write (every row held before writing)');
    if (op === 'Sort' && whole) problems.push('sorts the whole stream before its first row');
    for (const c of node.children ?? []) walk(c);
  };
  walk(plan);
  return problems;
}

/** A value of the right type for each parameter a statement takes: EXPLAIN plans, it does not run. */
function dummyParams(name: string): Row {
  const out: Row = {};
  for (const p of STATEMENT_PARAMS[name] ?? []) {
    if (p === 'limit' || p === 'offset' || p === 'seed' || p === 'itemNo' || p === 'community') out[p] = neo4j.int(1);
    else if (p === 'rows' || p === 'ids' || p === 'keys' || p === 'entityIds' || p === 'kinds') out[p] = [];
    else out[p] = '';
  }
  return out;
}

export async function neo4jCheck(session: Neo4jSession): Promise<CheckReport> {
  const version = checkServerVersion(await session.read('server-version'));
  const present = new Map<string, string>();
  for (const r of await session.runSchema('check-indexes')) present.set(String(r.name), String(r.state));
  for (const r of await session.runSchema('check-constraints')) if (!present.has(String(r.name))) present.set(String(r.name), 'ONLINE');
  const schema: string[] = [];
  for (const d of declaredSchema(session.statements)) {
    const state = present.get(d.name);
    if (state === undefined) schema.push(`${d.kind} ${d.name} on :${d.label}(${d.props.join(', ')}) is missing: run any command that opens the store to apply the migrations`);
    else if (state !== 'ONLINE') schema.push(`${d.kind} ${d.name} is ${state}, not ONLINE`);
  }
  const migrations = new Set(migrationNames(session.statements));
  const plans: CheckReport['plans'] = [];
  let planned = 0;
  for (const [name, text] of session.statements) {
    if (migrations.has(name) || name.startsWith('check-') || name === 'server-version') continue;
    const plan = await session.explain(name, dummyParams(name));
    planned++;
    if (plan) for (const problem of planProblems(name, text, plan)) plans.push({ statement: name, problem });
  }
  return { version, schema, plans, statementsPlanned: planned };
}
