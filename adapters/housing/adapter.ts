/**
 * The housing adapter: the council's identity change feed as partnership identity records, and its case
 * records mapped onto the unified schema's `HousingRecord` (schema.graphql).
 */
import type { AdapterOptions, AgencyAdapter, AgencyEvent } from '../kit/contract.js';
import { inBatches } from '../kit/feeds.js';
import { BATCH_LIMIT, type Client, type ClientEvent, createHousingApi } from './client.js';

export type AccommodationStatus = 'SETTLED' | 'TEMPORARY' | 'SUPPORTED' | 'ROUGH_SLEEPING' | 'NO_FIXED_ABODE';
export type SupportReferralStatus = 'OPEN' | 'ACCEPTED' | 'DECLINED' | 'CLOSED';
export type StaffSafetyFlagType = 'VIOLENCE_TO_STAFF' | 'THREATENING_BEHAVIOUR' | 'DOG_ON_PREMISES' | 'WEAPONS';

export interface StaffContact {
  name: string;
  team: string | null;
  phone: string | null;
  email: string | null;
}

/** The `HousingRecord` section: property names are the SDL field names. */
export interface HousingRecord {
  accommodationStatus: AccommodationStatus;
  accommodationStatusSince: string;
  address: { line1: string; town: string; postcode: string } | null;
  supportReferrals: { service: string; referredOn: string; status: SupportReferralStatus }[];
  staffSafetyFlags: { type: StaffSafetyFlagType; addedOn: string; note: string }[];
  housingOfficer: StaffContact;
}

const ACCOMMODATION_STATUS: Record<Client['accommodation']['statusCode'], AccommodationStatus> = {
  SETTLED: 'SETTLED',
  TEMP: 'TEMPORARY',
  SUPPORTED: 'SUPPORTED',
  ROUGH_SLEEPER: 'ROUGH_SLEEPING',
  NFA: 'NO_FIXED_ABODE',
};

const FLAG_TYPE: Record<Client['staffSafetyAlerts'][number]['alertCode'], StaffSafetyFlagType> = {
  VTS: 'VIOLENCE_TO_STAFF',
  THR: 'THREATENING_BEHAVIOUR',
  DOG: 'DOG_ON_PREMISES',
  WPN: 'WEAPONS',
};

/** ISO dates compare correctly as strings; most recent first. */
const newestFirst =
  <T>(date: (item: T) => string) =>
  (a: T, b: T) =>
    date(b).localeCompare(date(a));

export function toHousingRecord(client: Client): HousingRecord {
  const { accommodation, currentAddress, caseOfficer } = client;
  return {
    accommodationStatus: ACCOMMODATION_STATUS[accommodation.statusCode],
    accommodationStatusSince: accommodation.statusDate,
    address: currentAddress && { line1: currentAddress.addressLine1, town: currentAddress.town, postcode: currentAddress.postcode },
    supportReferrals: client.supportReferrals
      .map((r) => ({ service: r.provider, referredOn: r.referralDate, status: r.referralStatus }))
      .sort(newestFirst((r) => r.referredOn)),
    staffSafetyFlags: client.staffSafetyAlerts
      .map((a) => ({ type: FLAG_TYPE[a.alertCode], addedOn: a.dateAdded, note: a.comment }))
      .sort(newestFirst((f) => f.addedOn)),
    housingOfficer: { name: caseOfficer.officerName, team: caseOfficer.teamName, phone: caseOfficer.telephone, email: caseOfficer.email },
  };
}

const STATUS_WORDS: Record<AccommodationStatus, string> = {
  SETTLED: 'settled accommodation',
  TEMPORARY: 'temporary accommodation',
  SUPPORTED: 'supported accommodation',
  ROUGH_SLEEPING: 'rough sleeping',
  NO_FIXED_ABODE: 'no fixed abode',
};

/** A loss of accommodation from the council's feed, as the partnership's event; other changes are not alerted on (null). */
export function toAgencyEvent(event: ClientEvent): AgencyEvent | null {
  if (event.eventType !== 'ACCOMMODATION_LOST') return null;
  const was = ACCOMMODATION_STATUS[event.previous.statusCode];
  const now = ACCOMMODATION_STATUS[event.current.statusCode];
  return {
    id: event.eventId,
    agency: 'housing',
    key: event.housingRef,
    type: 'accommodation-lost',
    occurredAt: event.recordedAt,
    summary: `Accommodation lost on ${event.current.statusDate}: was in ${STATUS_WORDS[was]}, now ${STATUS_WORDS[now]}`,
    details: { date: event.current.statusDate, previousStatus: was, status: now },
  };
}

export function createHousingAdapter(options: AdapterOptions): AgencyAdapter<HousingRecord> {
  const api = createHousingApi(options);
  return {
    identityChanges: (after) => api.identityChanges(after),

    async records(keys) {
      const asked = new Set(keys);
      const records = new Map<string, HousingRecord>();
      for (const found of await inBatches(keys, BATCH_LIMIT, (batch) => api.clientsBatch(batch))) {
        if (asked.has(found.housingRef)) records.set(found.housingRef, toHousingRecord(found));
      }
      return records;
    },

    async events(after) {
      const page = await api.events(after);
      return { events: page.events.flatMap((event) => toAgencyEvent(event) ?? []), cursor: page.cursor };
    },
  };
}
