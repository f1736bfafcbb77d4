/**
 * Declaration columns (analysis-source.ts): an empty batch to fill, and the columns of a stream of
 * whole declarations, for a store that reads declarations as objects anyway (Neo4j's rows arrive
 * as records).
 */
import { OUTCOMES, type Outcome } from '../domain/fields';
import type { DeclarationFacts } from '../domain/results';
import type { IdNumbers } from '../util/id-numbers';
import type { AnalysisSource, DeclarationColumns, DeclarationInput } from './analysis-source';

const OUTCOME_CODE = new Map<string, number>(OUTCOMES.map((o, i) => [o, i]));

/** The code of an outcome in DeclarationColumns.outcome. */
export const outcomeCode = (outcome: Outcome): number => OUTCOME_CODE.get(outcome) ?? 0;

/** A batch of `length` declarations with nothing filled in, or with the string columns the caller already has. */
export function emptyColumns(
  length: number, declarationId: (key: number) => string,
  strings: Pick<DeclarationColumns, 'lodgedAt' | 'hsCode' | 'currency' | 'goodsOriginElsewhere'> = {
    lodgedAt: new Array<string>(length), hsCode: new Array<string>(length), currency: new Array<string>(length),
    goodsOriginElsewhere: new Array<string | null>(length).fill(null),
  },
): DeclarationColumns {
  const parties = () => new Int32Array(length).fill(-1);
  return {
    ...strings, length, key: new Float64Array(length), declarationId,
    trader: parties(), consignee: parties(), supplier: parties(), broker: parties(), carrier: parties(),
    value: new Float64Array(length), quantity: new Float64Array(length).fill(NaN), weight: new Float64Array(length).fill(NaN),
    outcome: new Uint8Array(length), transit: new Array<string[]>(length).fill(NO_PORTS), controlled: [],
  };
}

const NO_PORTS: string[] = Object.freeze([]) as unknown as string[];

/** The columns of whole declarations, batch for batch; declaration keys number the ids in order. */
export async function* columnsFromFacts(batches: AsyncIterable<DeclarationFacts[]>, numbers: IdNumbers): AsyncIterable<DeclarationColumns> {
  const ids: string[] = [];
  const declarationId = (key: number) => ids[key]!;
  const party = (id: string | undefined) => (id === undefined ? -1 : numbers.of(id));
  for await (const facts of batches) {
    const c = emptyColumns(facts.length, declarationId);
    facts.forEach((d, i) => {
      c.key[i] = ids.push(d.id) - 1;
      c.lodgedAt[i] = d.lodgedAt;
      // In the order the scan has always numbered a declaration's parties.
      c.trader[i] = party(d.trader);
      c.consignee[i] = party(d.consignee);
      c.supplier[i] = party(d.supplier);
      c.broker[i] = party(d.broker);
      c.carrier[i] = party(d.carrier);
      c.value[i] = d.value;
      if (d.quantity !== undefined) c.quantity[i] = d.quantity;
      if (d.weight !== undefined) c.weight[i] = d.weight;
      c.hsCode[i] = d.hsCode;
      c.currency[i] = d.currency;
      c.outcome[i] = outcomeCode(d.outcome);
      if (d.goodsOrigin && d.goodsOrigin !== d.origin) {
        c.goodsOriginElsewhere[i] = d.goodsOrigin;
        c.transit[i] = d.transit;
      }
      if (d.outcome !== 'unknown') c.controlled.push(d);
    });
    yield c;
  }
}

/** A run's declarations read in full from a store that keeps no cache of them, and why. */
export function everyDeclaration(source: Pick<AnalysisSource, 'declarationsPerDay' | 'streamDeclarationColumns'>, reason: string): DeclarationInput {
  const reading = { mode: 'full' as const, reason, fromStore: 0, fromCache: 0 };
  return {
    reading,
    declarationsPerDay: () => source.declarationsPerDay(),
    async *streamDeclarationColumns(numbers, batchSize) {
      for await (const c of source.streamDeclarationColumns(numbers, batchSize)) {
        reading.fromStore += c.length;
        yield c;
      }
    },
    keep: async () => undefined,
    release: () => undefined,
  };
}
