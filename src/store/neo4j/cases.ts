/** Investigation cases in Neo4j: a Case node each, the case whole as JSON, ids that sort by creation. */
import neo4j from 'neo4j-driver';
import type { CaseStatus, InvestigationCase } from '../../domain/cases';
import { caseDocument as docOf, caseFromDocument, type CaseStore } from '../case-store';
import type { Neo4jSession, Row } from './session';
import { TimeSortedIds } from './time-sorted-ids';

const caseFromRow = (r: Row) => caseFromDocument(String(r.id), Number(r.version), String(r.doc));

export class Neo4jCaseStore implements CaseStore {
  constructor(private readonly s: Neo4jSession) {}

  private readonly ids = new TimeSortedIds();

  async createCase(c: Omit<InvestigationCase, 'id'>): Promise<InvestigationCase> {
    const id = this.ids.next();
    await this.s.write([['create-case', {
      id, title: c.title, status: c.status, createdAt: c.createdAt, createdBy: c.createdBy, updatedAt: c.updatedAt, version: neo4j.int(c.version), doc: docOf(c),
    }]]);
    return { ...c, id };
  }

  async getCase(id: string): Promise<InvestigationCase | null> {
    const [r] = await this.s.read('get-case', { id });
    return r ? caseFromRow(r) : null;
  }

  async listCases(opts: { status?: CaseStatus; limit: number; before?: string }): Promise<InvestigationCase[]> {
    return (await this.s.read('list-cases', { before: opts.before ?? null, status: opts.status ?? null, limit: neo4j.int(opts.limit) })).map(caseFromRow);
  }

  async countCases(opts: { status?: CaseStatus }): Promise<number> {
    return Number((await this.s.read('count-cases', { status: opts.status ?? null }))[0]?.n ?? 0);
  }

  async saveCase(c: InvestigationCase, expectedVersion: number): Promise<boolean> {
    const [rows] = await this.s.write([['save-case', {
      id: c.id, expected: neo4j.int(expectedVersion), title: c.title, status: c.status, updatedAt: c.updatedAt, doc: docOf(c),
    }]]);
    return Number(rows?.[0]?.saved ?? 0) === 1;
  }
}
