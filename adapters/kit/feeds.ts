/**
 * Records fetched for many keys in batches sent together, and the identifiers an agency's records carry, made canonical.
 */
import { canonicalIdentifier, IDENTIFIER_KINDS, type IdentifierKind } from '../../schema/identifiers.js';

/**
 * The most keys sent in one batch call, whatever more the agency would take: a cohort page of 50 is one call per
 * agency, and one answer's parse (about a millisecond for 50 records) stalls no one for long.
 */
export const KEYS_PER_CALL = 50;

/** Asks for each distinct key once, `size` keys a request, all requests at once; no keys, no request. */

export async function inBatches<T>(keys: readonly string[], size: number, fetch: (batch: string[]) => Promise<T[]>): Promise<T[]> {
  const distinct = [...new Set(keys)];
  const batches: string[][] = [];
  // However many keys the agency's contract allows, answers are read and checked a few at a time: one batch's
  // JSON and zod parse runs without a break, and a large one would stall every other request meanwhile.
  const chunk = Math.min(size, KEYS_PER_CALL);
  for (let start = 0; start < distinct.length; start += chunk) batches.push(distinct.slice(start, start + chunk));
  return (await Promise.all(batches.map(fetch))).flat();
}

/**
 * The partnership identifiers an agency holds, canonical. One that fails validation is a data-quality fault at
 * the agency: it is dropped, never repaired, because linking on a guess would merge different people.
 */
export function canonicalIdentifiers(held: Partial<Record<IdentifierKind, string | null | undefined>>): Partial<Record<IdentifierKind, string>> {
  const identifiers: Partial<Record<IdentifierKind, string>> = {};
  for (const kind of IDENTIFIER_KINDS) {
    const value = held[kind];
    if (value === null || value === undefined) continue;
    const canonical = canonicalIdentifier(kind, value);
    if (canonical.ok) identifiers[kind] = canonical.value;
  }
  return identifiers;
}
