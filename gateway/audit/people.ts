/**
 * Which gateway ids a person reference stands for. The identity index gives the person's id now and the ids merged
 * into it (records written before a merge are under the old id); the ledger also knows ids recorded with the same
 * identifier before ids were kept for life. A subject access request must find all of those records. A split is not
 * followed: what was recorded under the id before it may concern either part, and stays with the id it was recorded under.
 */
import { IDENTIFIER_KINDS, type IdentifierKind } from '../../schema/identifiers.js';
import type { RecordedIdentifiers } from '../enforcement/index.js';
import type { IdentityIndex } from '../identity/index-of-people.js';
import type { LinkedPerson } from '../identity/link.js';
import type { Ledger, LedgerFilter } from '../ledger/index.js';
import type { PersonReference } from './filter.js';

/** The person the reference names in the index as it stands, if any. */
export function indexedPerson(reference: PersonReference, index: IdentityIndex): Promise<LinkedPerson | undefined> {
  return reference.kind === 'personId' ? index.byId(reference.value) : index.byIdentifier(reference.kind, reference.value);
}

/** The id now first, then ids the ledger recorded with the same identifier, in order of first appearance. */
export async function gatewayIdsOf(reference: PersonReference, ledger: Ledger, index: IdentityIndex): Promise<string[]> {
  if (reference.kind === 'personId') return index.idsOf(reference.value);
  const { kind, value } = reference;
  const ids = new Set<string>();
  const current = await indexedPerson(reference, index);
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

/** The identifier a reference names the person by, as a record names it. */
export function identifiersOf(reference: PersonReference): RecordedIdentifiers {
  return reference.kind === 'personId' ? {} : { [reference.kind]: reference.value };
}

/**
 * The ledger's criterion for every record about the person a reference names, however a record names them: the
 * reference itself, the person's gateway id now, and every identifier the index holds for them (conflicting
 * values included). Records written before identifiers were stored on every record are found by gateway id.
 */
export async function personCriterion(reference: PersonReference, index: IdentityIndex): Promise<Pick<LedgerFilter, 'person' | 'gatewayId' | 'identifier'>> {
  const person = await indexedPerson(reference, index);
  const gatewayIds = new Set<string>();
  const identifiers = new Map<string, { kind: IdentifierKind; value: string }>();
  const add = (kind: IdentifierKind, value: string) => identifiers.set(`${kind}:${value}`, { kind, value });
  if (reference.kind !== 'personId') add(reference.kind, reference.value);
  // An id the index does not know still names the records written under it.
  if (reference.kind === 'personId' && !person) gatewayIds.add(reference.value);
  if (person) {
    for (const id of await index.idsOf(person.id)) gatewayIds.add(id);
    for (const kind of IDENTIFIER_KINDS) {
      const value = person.identifiers[kind];
      if (value !== undefined) add(kind, value);
    }
    for (const conflict of person.conflicts) for (const { value } of conflict.values) add(conflict.identifier, value);
  }
  return { gatewayId: undefined, identifier: undefined, person: { gatewayIds: [...gatewayIds], identifiers: [...identifiers.values()] } };
}
