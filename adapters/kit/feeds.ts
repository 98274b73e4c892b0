/**
 * The two shapes of call every agency API has: a paged identity feed, read to its end, and records fetched
 * for many keys in batches sent together; and the identifiers such a feed carries, made canonical.
 */
import { canonicalIdentifier, IDENTIFIER_KINDS, type IdentifierKind } from '../../schema/identifiers.js';
import { AgencyUnavailableError } from './errors.js';

/** Reads every page of a feed. A cursor that comes round again is a broken answer, not a reason to page for ever. */
export async function readWholeFeed<T>(agency: string, page: (cursor: string | undefined) => Promise<{ items: T[]; nextCursor: string | null }>): Promise<T[]> {
  const items: T[] = [];
  const seen = new Set<string>();
  let cursor: string | undefined;
  do {
    const answer = await page(cursor);
    items.push(...answer.items);
    cursor = answer.nextCursor ?? undefined;
    if (cursor !== undefined) {
      if (seen.has(cursor)) throw new AgencyUnavailableError(agency, 'malformed-payload', `the identity feed repeated cursor ${cursor}`);
      seen.add(cursor);
    }
  } while (cursor !== undefined);
  return items;
}

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
