/**
 * The identity feed as every scaffolded agency shares it (`npm run new-agency`): its part of the OpenAPI contract,
 * the zod schemas the client parses it with, the items a simulator serves from the population slice, and the
 * identity records the adapter makes of them. A change to the feed's contract is made here, once.
 */
import { z } from 'zod';
import type { PopulationSlice } from '../population/slice.js';
import { asSeenBy, type SyntheticPerson } from '../population/types.js';
import type { IdentityRecord } from './contract.js';
import { canonicalIdentifiers } from './feeds.js';

/** The limits every agency contract states (openapi.yaml): keys per batch call, items per identity page, events per page. */
export const CONTRACT_LIMITS = { batchKeys: 100, identityPage: 500, eventPage: 500 } as const;

/** One item of the identity feed: the agency's key, the name and date of birth it records, the identifiers it holds. */
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

export const IdentityPage = z.object({ items: z.array(IdentityItem), nextCursor: z.string().min(1).nullable() });

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

/** The identity feed's route, under `paths:` of openapi.yaml. */
export const IDENTITY_FEED_PATH_YAML = `  /identities:
    get:
      operationId: listIdentities
      summary: Page through the identifying details of everyone the system holds a record for.
      parameters:
        - name: cursor
          in: query
          required: false
          description: The nextCursor of the previous page; omit for the first page.
          schema:
            type: string
        - name: limit
          in: query
          required: false
          schema:
            type: integer
            minimum: 1
            maximum: ${CONTRACT_LIMITS.identityPage}
            default: 100
      responses:
        '200':
          description: One page of identities.
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/IdentityPage'
        '400':
          description: The cursor or limit is not valid.
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/Problem'
`;

/** The identity feed's schemas, under `components: schemas:` of openapi.yaml. */
export const IDENTITY_FEED_SCHEMAS_YAML = `    IdentityPage:
      type: object
      required: [items, nextCursor]
      properties:
        items:
          type: array
          items:
            $ref: '#/components/schemas/Identity'
        nextCursor:
          type: string
          nullable: true
          description: Pass as cursor for the next page; null on the last page.
    Identity:
      type: object
      required: [reference, givenName, familyName, dateOfBirth, pnc, cro, nomsNumber, crn]
      properties:
        reference:
          type: string
          minLength: 1
          description: The system's own key for the record.
        givenName:
          type: string
        familyName:
          type: string
        dateOfBirth:
          type: string
          format: date
        pnc:
          type: string
          nullable: true
          description: PNC ID, where the system holds one.
        cro:
          type: string
          nullable: true
          description: CRO number, where the system holds one.
        nomsNumber:
          type: string
          nullable: true
          description: Prison number, where the system holds one.
        crn:
          type: string
          nullable: true
          description: Probation case reference number, where the system holds one.
`;
