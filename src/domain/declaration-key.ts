/** A declaration item's key, `declaration_id/item_no`: how stores, outcomes, scores and reasons name one item. */

export function declarationKey(declarationId: string, itemNo: number): string {
  return `${declarationId}/${itemNo}`;
}

/** `declaration_id/item_no` → its parts; the id itself may contain '/', and a key without an item is item 1. */
export function splitDeclarationKey(key: string): [declarationId: string, itemNo: number] {
  const at = key.lastIndexOf('/');
  if (at === -1) return [key, 1];
  return [key.slice(0, at), Number(key.slice(at + 1))];
}
