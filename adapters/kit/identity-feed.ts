/**
 * One identity as every agency's change feed carries it (identity-changes.ts): the zod schema adapters parse it with,
 * the item a simulator serves from the agency's population slice, and the identity record the adapter makes of it.
 */
import { z } from 'zod';
import type { PopulationSlice } from '../population/slice.js';
import { asSeenBy, type SyntheticPerson } from '../population/types.js';
import type { IdentityRecord } from './contract.js';
import { canonicalIdentifiers } from './feeds.js';

/** The limits every agency contract states (openapi.yaml): keys per batch call, items per identity change page, events per page. */
export const CONTRACT_LIMITS = { batchKeys: 100, identityPage: 500, eventPage: 500 } as const;

/** One identity in the change feed: the agency's key, the name and date of birth it records, the identifiers it holds. */
export const IdentityItem = z.object({
  reference: z.string().min(1).max(128),
  givenName: z.string().max(200),
  familyName: z.string().max(200),
  dateOfBirth: z.iso.date(),
  pnc: z.string().nullable(),
  cro: z.string().nullable(),
  nomsNumber: z.string().nullable(),
  crn: z.string().nullable(),
});
export type IdentityItem = z.infer<typeof IdentityItem>;

/** The identity record the gateway indexes, identifiers made canonical (one failing its check is dropped). */
export function identityRecordOf(agency: string, item: IdentityItem): IdentityRecord {
  const { reference, givenName, familyName, dateOfBirth, ...held } = item;
  return { agency, key: reference, identifiers: canonicalIdentifiers(held), givenName, familyName, dateOfBirth };
}

/** What a simulator serves for one person its agency knows: as the agency recorded them, not tidied. */
export function identityItemOf<Facts>(agency: string, slice: PopulationSlice<Facts>, person: SyntheticPerson, facts: Facts): IdentityItem {
  const seen = asSeenBy(person, agency);
  const held = slice.identifiersOf(person, facts);
  return {
    reference: slice.keyOf(person, facts),
    givenName: seen.givenName,
    familyName: seen.familyName,
    dateOfBirth: person.dateOfBirth,
    pnc: held.pnc ?? null,
    cro: held.cro ?? null,
    nomsNumber: held.nomsNumber ?? null,
    crn: held.crn ?? null,
  };
}
