/**
 * The prison adapter: the NOMIS identity change feed as partnership identities, and prisoner records mapped onto
 * the unified schema's `PrisonRecord` (schema.graphql). Property names here are the SDL's field names.
 */
import type { AdapterOptions, AgencyAdapter, AgencyEvent } from '../kit/contract.js';
import { createPrisonClient, type MovementEvent, type Prisoner } from './client.js';

export interface StaffContact {
  name: string;
  team: string | null;
  phone: string | null;
  email: string | null;
}

export interface PrisonReleaseDates {
  conditionalReleaseDate: string | null;
  licenceExpiryDate: string | null;
  sentenceExpiryDate: string | null;
  actualReleaseDate: string | null;
}

/** The `PrisonRecord` section of the unified schema. */
export interface PrisonRecord {
  inCustody: boolean;
  establishment: { code: string; name: string } | null;
  receptionDate: string | null;
  releaseDates: PrisonReleaseDates;
  licenceConditions: { code: string; description: string }[];
  offenderManager: StaffContact | null;
}

export function toPrisonRecord(prisoner: Prisoner): PrisonRecord {
  const dates = prisoner.sentenceDates;
  const pom = prisoner.prisonOffenderManager;
  return {
    inCustody: prisoner.inOutStatus === 'IN',
    establishment: prisoner.establishment && { code: prisoner.establishment.agencyId, name: prisoner.establishment.description },
    receptionDate: prisoner.receptionDate,
    releaseDates: {
      conditionalReleaseDate: dates.conditionalReleaseDate,
      licenceExpiryDate: dates.licenceExpiryDate,
      sentenceExpiryDate: dates.sentenceExpiryDate,
      actualReleaseDate: dates.actualReleaseDate,
    },
    licenceConditions: prisoner.licenceConditions.map((c) => ({ code: c.conditionCode, description: c.conditionText })),
    offenderManager: pom && { name: pom.staffName, team: pom.team, phone: pom.telephone, email: pom.email },
  };
}

/** A release from the movement feed, as the partnership's event; admissions are not alerted on (null). */
export function toAgencyEvent(event: MovementEvent): AgencyEvent | null {
  if (event.movementType !== 'REL') return null;
  const from = event.establishment ? ` from ${event.establishment.description}` : '';
  return {
    id: event.eventId,
    agency: 'prison',
    key: event.offenderNo,
    type: 'release',
    occurredAt: event.recordedAt,
    summary: `Released${from} on ${event.movementDate}: ${event.movementReason}`,
    details: {
      date: event.movementDate,
      establishmentCode: event.establishment?.agencyId ?? null,
      establishment: event.establishment?.description ?? null,
      reason: event.movementReason,
    },
  };
}

export function createPrisonAdapter(options: AdapterOptions): AgencyAdapter<PrisonRecord> {
  const client = createPrisonClient(options);
  return {
    identityChanges: (after) => client.identityChanges(after),
    async records(keys) {
      const records = new Map<string, PrisonRecord>();
      if (keys.length === 0) return records;
      for (const prisoner of await client.prisoners(keys)) records.set(prisoner.offenderNo, toPrisonRecord(prisoner));
      return records;
    },
    async events(after) {
      const page = await client.events(after);
      return { events: page.events.flatMap((event) => toAgencyEvent(event) ?? []), cursor: page.cursor };
    },
  };
}
