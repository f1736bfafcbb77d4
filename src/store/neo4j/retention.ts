/**
 * The retention purge of the Neo4j adapter (store/retention.ts says what it keeps and removes):
 * each step reads its declarations and parties, then writes them in one transaction whose
 * statements skip what a killed step already did, so the purge can always be run again.
 */
import neo4j from 'neo4j-driver';
import { IDENTIFIER_KINDS, PARTY_KINDS } from '../../domain/entities';
import { PARTY_ID_FIELDS, PSEUDONYM_PREFIX, type PurgeCounts, type RetentionStore } from '../retention';
import type { Neo4jSession, Row } from './session';

const LINK_TYPES = ['AT_ADDRESS', 'HAS_PHONE', 'HAS_EMAIL', 'HAS_ACCOUNT'];
const IDENTIFIER_AND_PERSON_KINDS = [...IDENTIFIER_KINDS, 'Person'];
const ID_FIELDS = Object.keys(PARTY_ID_FIELDS) as Array<keyof typeof PARTY_ID_FIELDS>;
/** Audit records deleted per transaction. */
const AUDIT_SLICE = 10_000;

export class Neo4jRetention implements RetentionStore {
  constructor(private readonly s: Neo4jSession) {}

  async purgePlan(cutoff: string): Promise<PurgeCounts> {
    const n = async (name: string, params: Row) => Number((await this.s.read(name, params))[0]?.n ?? 0);
    return {
      declarations: await n('purge-count-declarations', { cutoff }),
      parties: await n('purge-count-parties', { partyKinds: [...PARTY_KINDS], prefix: PSEUDONYM_PREFIX, cutoff }),
      identifiers: await n('purge-count-identifiers', { identifierKinds: IDENTIFIER_AND_PERSON_KINDS, linkTypes: LINK_TYPES, partyKinds: [...PARTY_KINDS], cutoff }),
    };
  }

  async purgeStep(cutoff: string, batch: number, pseudonym: (kind: string, key: string) => string): Promise<PurgeCounts> {
    const rows = await this.s.read('purge-next-declarations', { cutoff, limit: neo4j.int(batch), partyKinds: [...PARTY_KINDS], idFields: ID_FIELDS });
    if (rows.length === 0) return { declarations: 0, parties: 0, identifiers: 0 };
    const touched = [...new Set(rows.flatMap((r) => r.parties as string[]))];
    const past = await this.s.read('purge-parties-past', { ids: touched, prefix: PSEUDONYM_PREFIX, cutoff });
    const declarations = rows.map((r) => {
      const ids: Row = {};
      (r.partyIds as Array<string | null>).forEach((v, i) => { if (typeof v === 'string') ids[ID_FIELDS[i]!] = pseudonym(PARTY_ID_FIELDS[ID_FIELDS[i]!], v); });
      return { id: r.id, ids };
    });
    const [stripped, parties] = await this.s.write([
      ['purge-declarations', { rows: declarations }],
      ['purge-parties', {
        rows: past.map((p) => ({ id: p.id, pseudonym: pseudonym(String(p.kind), String(p.key)) })), prefix: PSEUDONYM_PREFIX,
        linkTypes: LINK_TYPES, identifierKinds: IDENTIFIER_AND_PERSON_KINDS,
      }],
    ]);
    return {
      declarations: Number(stripped?.[0]?.n ?? 0), parties: Number(parties?.[0]?.parties ?? 0), identifiers: Number(parties?.[0]?.identifiers ?? 0),
    };
  }

  async purgeAudit(cutoff: string): Promise<number> {
    let total = 0;
    for (;;) {
      const [rows] = await this.s.write([['purge-audit', { cutoff, limit: neo4j.int(AUDIT_SLICE) }]]);
      const n = Number(rows?.[0]?.n ?? 0);
      total += n;
      if (n < AUDIT_SLICE) return total;
    }
  }
}
