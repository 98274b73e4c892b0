/**
 * Which gateway ids a person reference stands for. The identity index gives the person's id now; the
 * ledger also knows ids they were recorded under before (a gateway id follows the strongest identifier
 * held, which changes when an agency adds one), and a subject access request must find those records too.
 */
import type { IdentityIndex } from '../identity/index-of-people.js';
import type { LinkedPerson } from '../identity/link.js';
import type { Ledger } from '../ledger/index.js';
import type { PersonReference } from './filter.js';

/** The person the reference names in the index as it stands, if any. */
export function indexedPerson(reference: PersonReference, index: IdentityIndex): LinkedPerson | undefined {
  return reference.kind === 'personId' ? index.byId(reference.value) : index.byIdentifier(reference.kind, reference.value);
}

/** The id now first, then ids the ledger recorded with the same identifier, in order of first appearance. */
export async function gatewayIdsOf(reference: PersonReference, ledger: Ledger, index: IdentityIndex): Promise<string[]> {
  if (reference.kind === 'personId') return [reference.value];
  const { kind, value } = reference;
  const ids = new Set<string>();
  const current = indexedPerson(reference, index);
  if (current) ids.add(current.id);
  let after: string | undefined;
  do {
    const page = await ledger.query({ identifier: { kind, value } }, { limit: 1_000, after });
    for (const { record } of page.entries) {
      for (const subject of record.subjects) if (subject.identifiers[kind] === value) ids.add(subject.gatewayId);
    }
    after = page.nextCursor ?? undefined;
  } while (after !== undefined);
  return [...ids];
}
