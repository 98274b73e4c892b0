/**
 * The drugs adapter: the drug service's identity change feed as partnership identity records, and its case records
 * mapped onto the unified schema's `DrugServiceRecord` (schema.graphql).
 */
import type { AdapterOptions, AgencyAdapter, AgencyEvent } from '../kit/contract.js';
import { inBatches } from '../kit/feeds.js';
import { BATCH_LIMIT, createDrugServiceApi, type ServiceUser, type ServiceUserEvent } from './client.js';

export type DrugSubstance = ServiceUser['testsOnArrest'][number]['substancesDetected'][number];
export type TreatmentModality = 'OPIOID_SUBSTITUTION' | 'PSYCHOSOCIAL' | 'DETOX' | 'RESIDENTIAL';
export type ConsentScope = 'IOM_PARTNERS' | 'PROBATION_ONLY';

export interface StaffContact {
  name: string;
  team: string | null;
  phone: string | null;
  email: string | null;
}

/** The `DrugServiceRecord` section: property names are the SDL field names. */
export interface DrugServiceRecord {
  testsOnArrest: { testedOn: string; result: 'POSITIVE' | 'NEGATIVE'; substances: DrugSubstance[] }[];
  requiredAssessment: { required: boolean; attended: boolean | null; date: string | null };
  treatmentEngagement: { engaged: boolean; since: string | null };
  treatmentModality: TreatmentModality | null;
  treatmentOutcomes: { reviewedOn: string; opiateDays: number; crackDays: number; alcoholDays: number; injecting: boolean }[];
  consent: { recorded: boolean; recordedOn: string | null; scope: ConsentScope | null };
  keyworker: StaffContact | null;
}

const MODALITY: Record<NonNullable<ServiceUser['treatmentEpisode']['interventionType']>, TreatmentModality> = {
  PHARMACOLOGICAL: 'OPIOID_SUBSTITUTION',
  PSYCHOSOCIAL: 'PSYCHOSOCIAL',
  INPATIENT_DETOX: 'DETOX',
  RESIDENTIAL_REHAB: 'RESIDENTIAL',
};

const CONSENT_SCOPE: Record<NonNullable<ServiceUser['consent']['consentScope']>, ConsentScope> = {
  IOM_PARTNERSHIP: 'IOM_PARTNERS',
  PROBATION_ONLY: 'PROBATION_ONLY',
};

/** ISO dates compare correctly as strings; most recent first. */
const newestFirst =
  <T>(date: (item: T) => string) =>
  (a: T, b: T) =>
    date(b).localeCompare(date(a));

export function toDrugServiceRecord(user: ServiceUser): DrugServiceRecord {
  const { requiredAssessment, treatmentEpisode: episode, consent } = user;
  return {
    testsOnArrest: user.testsOnArrest
      .map((t) => ({ testedOn: t.testDate, result: t.result, substances: [...t.substancesDetected] }))
      .sort(newestFirst((t) => t.testedOn)),
    requiredAssessment: { required: requiredAssessment.required, attended: requiredAssessment.attended, date: requiredAssessment.appointmentDate },
    treatmentEngagement: { engaged: episode.inTreatment, since: episode.episodeStartDate },
    treatmentModality: episode.interventionType && MODALITY[episode.interventionType],
    treatmentOutcomes: user.topReviews
      .map((r) => ({ reviewedOn: r.topDate, opiateDays: r.opiateDays, crackDays: r.crackDays, alcoholDays: r.alcoholDays, injecting: r.injectedLast28Days }))
      .sort(newestFirst((r) => r.reviewedOn)),
    consent: { recorded: consent.consentGiven, recordedOn: consent.consentDate, scope: consent.consentScope && CONSENT_SCOPE[consent.consentScope] },
    keyworker: episode.keyworker && {
      name: episode.keyworker.name,
      team: episode.keyworker.team,
      phone: episode.keyworker.phone,
      email: episode.keyworker.email,
    },
  };
}

/** A positive test on arrest from the service's feed, as the partnership's event; negative tests are not alerted on (null). */
export function toAgencyEvent(event: ServiceUserEvent): AgencyEvent | null {
  const { test } = event;
  if (test.result !== 'POSITIVE') return null;
  const substances = test.substancesDetected.map((s) => s.toLowerCase()).join(', ');
  return {
    id: event.eventId,
    agency: 'drugs',
    key: event.serviceUserRef,
    type: 'positive-drug-test',
    occurredAt: event.recordedAt,
    summary: `Tested positive on arrest on ${test.testDate}${substances ? ` for ${substances}` : ''}`,
    details: { date: test.testDate, substances },
  };
}

export function createDrugsAdapter(options: AdapterOptions): AgencyAdapter<DrugServiceRecord> {
  const api = createDrugServiceApi(options);
  return {
    identityChanges: (after) => api.identityChanges(after),

    async records(keys) {
      const asked = new Set(keys);
      const records = new Map<string, DrugServiceRecord>();
      for (const found of await inBatches(keys, BATCH_LIMIT, (batch) => api.serviceUsersBatch(batch))) {
        if (asked.has(found.serviceUserRef)) records.set(found.serviceUserRef, toDrugServiceRecord(found));
      }
      return records;
    },

    async events(after) {
      const page = await api.events(after);
      return { events: page.events.flatMap((event) => toAgencyEvent(event) ?? []), cursor: page.cursor };
    },
  };
}
