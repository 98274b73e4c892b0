/**
 * The police adapter: the nominal API's identity change feed as partnership identities, and its nominal records
 * mapped onto the unified schema's `PoliceRecord` (schema.graphql). Property names here are the SDL's field names.
 */
import type { AdapterOptions, AgencyAdapter, AgencyEvent } from '../kit/contract.js';
import { createPoliceClient, type Nominal, type NominalEvent } from './client.js';

export interface StaffContact {
  name: string;
  team: string | null;
  phone: string | null;
  email: string | null;
}

export type PoliceOffenceCategory =
  | 'BURGLARY'
  | 'ROBBERY'
  | 'THEFT_FROM_PERSON'
  | 'VEHICLE_THEFT'
  | 'SHOPLIFTING'
  | 'VIOLENCE'
  | 'DRUGS'
  | 'CRIMINAL_DAMAGE'
  | 'DOMESTIC_ABUSE'
  | 'PUBLIC_ORDER'
  | 'WEAPONS';

export interface Arrest {
  reference: string;
  arrestedOn: string;
  offence: string;
  offenceCategory: PoliceOffenceCategory;
  outcome: 'CHARGED' | 'RELEASED_UNDER_INVESTIGATION' | 'NO_FURTHER_ACTION' | 'CAUTIONED';
}

export interface Charge {
  reference: string;
  arrestReference: string;
  chargedOn: string;
  offence: string;
  offenceCategory: PoliceOffenceCategory;
  status: 'AWAITING_TRIAL' | 'CONVICTED' | 'ACQUITTED' | 'DISCONTINUED';
}

export interface CourtOutcome {
  reference: string;
  chargeReference: string;
  decidedOn: string;
  court: string;
  offence: string;
  offenceCategory: PoliceOffenceCategory;
  verdict: 'GUILTY' | 'NOT_GUILTY';
  disposal: string;
}

export type WarningMarkerType = 'VIOLENCE' | 'WEAPONS' | 'DRUGS' | 'MENTAL_HEALTH' | 'SELF_HARM' | 'ESCAPER' | 'CONTAGION';

export interface WantedMissingStatus {
  wanted: boolean;
  wantedSince: string | null;
  wantedFor: string | null;
  missing: boolean;
  missingSince: string | null;
}

/** The `PoliceRecord` section of the unified schema. */
export interface PoliceRecord {
  arrests: Arrest[];
  charges: Charge[];
  courtOutcomes: CourtOutcome[];
  warningMarkers: { type: WarningMarkerType; addedOn: string }[];
  wantedMissing: WantedMissingStatus;
  prolificPriorityOffender: boolean;
  offenderManager: StaffContact | null;
}

const ARREST_OUTCOMES: Record<Nominal['arrests'][number]['arrestOutcome'], Arrest['outcome']> = {
  CHARGED: 'CHARGED',
  RUI: 'RELEASED_UNDER_INVESTIGATION',
  NFA: 'NO_FURTHER_ACTION',
  CAUTIONED: 'CAUTIONED',
};

const WARNING_SIGNALS: Record<Nominal['warningSignals'][number]['code'], WarningMarkerType> = {
  VI: 'VIOLENCE',
  WE: 'WEAPONS',
  DR: 'DRUGS',
  MH: 'MENTAL_HEALTH',
  SH: 'SELF_HARM',
  ES: 'ESCAPER',
  CO: 'CONTAGION',
};

const OFFENCE_CATEGORIES: Record<Nominal['arrests'][number]['offenceCategory'], PoliceOffenceCategory> = {
  burglary: 'BURGLARY',
  robbery: 'ROBBERY',
  'theft-from-person': 'THEFT_FROM_PERSON',
  'vehicle-theft': 'VEHICLE_THEFT',
  shoplifting: 'SHOPLIFTING',
  violence: 'VIOLENCE',
  drugs: 'DRUGS',
  'criminal-damage': 'CRIMINAL_DAMAGE',
  'domestic-abuse': 'DOMESTIC_ABUSE',
  'public-order': 'PUBLIC_ORDER',
  weapons: 'WEAPONS',
};

/** Most recent first, as the SDL promises; ties keep the upstream order. */
function newestFirst<T>(items: T[], date: (item: T) => string): T[] {
  return [...items].sort((a, b) => date(b).localeCompare(date(a)));
}

export function toPoliceRecord(nominal: Nominal): PoliceRecord {
  return {
    arrests: newestFirst(nominal.arrests, (a) => a.arrestDate).map((a) => ({
      reference: a.arrestSummonsNumber,
      arrestedOn: a.arrestDate,
      offence: a.offenceDescription,
      offenceCategory: OFFENCE_CATEGORIES[a.offenceCategory],
      outcome: ARREST_OUTCOMES[a.arrestOutcome],
    })),
    charges: newestFirst(nominal.charges, (c) => c.chargeDate).map((c) => ({
      reference: c.chargeId,
      arrestReference: c.arrestSummonsNumber,
      chargedOn: c.chargeDate,
      offence: c.offenceDescription,
      offenceCategory: OFFENCE_CATEGORIES[c.offenceCategory],
      status: c.chargeStatus,
    })),
    courtOutcomes: newestFirst(nominal.courtDisposals, (d) => d.hearingDate).map((d) => ({
      reference: d.disposalId,
      chargeReference: d.chargeId,
      decidedOn: d.hearingDate,
      court: d.courtName,
      offence: d.offenceDescription,
      offenceCategory: OFFENCE_CATEGORIES[d.offenceCategory],
      verdict: d.adjudication,
      disposal: d.disposalText,
    })),
    warningMarkers: nominal.warningSignals.map((w) => ({ type: WARNING_SIGNALS[w.code], addedOn: w.dateAdded })),
    wantedMissing: {
      wanted: nominal.wantedReport !== null,
      wantedSince: nominal.wantedReport?.circulatedOn ?? null,
      wantedFor: nominal.wantedReport?.offenceDescription ?? null,
      missing: nominal.missingReport !== null,
      missingSince: nominal.missingReport?.reportedOn ?? null,
    },
    prolificPriorityOffender: nominal.ppoFlag,
    offenderManager: nominal.offenderManager && {
      name: nominal.offenderManager.name,
      team: nominal.offenderManager.unit,
      phone: nominal.offenderManager.telephone,
      email: nominal.offenderManager.email,
    },
  };
}

/** An arrest, a charge or a court outcome from the force's feed, as the partnership's event; null if it carries none. */
export function toAgencyEvent(event: NominalEvent): AgencyEvent | null {
  const base = { id: event.eventId, agency: 'police', key: event.pncId, occurredAt: event.recordedAt };
  const { arrest, charge, courtDisposal: disposal } = event;
  if (event.eventType === 'ARREST' && arrest) {
    return {
      ...base,
      type: 'arrest',
      summary: `Arrested on ${arrest.arrestDate}: ${arrest.offenceDescription}`,
      details: {
        reference: arrest.arrestSummonsNumber,
        date: arrest.arrestDate,
        offence: arrest.offenceDescription,
        offenceCategory: OFFENCE_CATEGORIES[arrest.offenceCategory],
        outcome: ARREST_OUTCOMES[arrest.arrestOutcome],
      },
    };
  }
  if (event.eventType === 'CHARGE' && charge) {
    return {
      ...base,
      type: 'charge',
      summary: `Charged on ${charge.chargeDate}: ${charge.offenceDescription}`,
      details: {
        reference: charge.chargeId,
        arrestReference: charge.arrestSummonsNumber,
        date: charge.chargeDate,
        offence: charge.offenceDescription,
        offenceCategory: OFFENCE_CATEGORIES[charge.offenceCategory],
        status: charge.chargeStatus,
      },
    };
  }
  if (event.eventType === 'COURT_DISPOSAL' && disposal) {
    const verdict = disposal.adjudication === 'GUILTY' ? `guilty: ${disposal.disposalText}` : 'not guilty';
    return {
      ...base,
      type: 'court-outcome',
      summary: `${disposal.courtName}, ${disposal.hearingDate}: ${disposal.offenceDescription}, ${verdict}`,
      details: {
        reference: disposal.disposalId,
        chargeReference: disposal.chargeId,
        date: disposal.hearingDate,
        court: disposal.courtName,
        offence: disposal.offenceDescription,
        offenceCategory: OFFENCE_CATEGORIES[disposal.offenceCategory],
        verdict: disposal.adjudication,
        disposal: disposal.disposalText,
      },
    };
  }
  return null;
}

export function createPoliceAdapter(options: AdapterOptions): AgencyAdapter<PoliceRecord> {
  const client = createPoliceClient(options);
  return {
    identityChanges: (after) => client.identityChanges(after),
    async records(keys) {
      const records = new Map<string, PoliceRecord>();
      if (keys.length === 0) return records;
      for (const nominal of await client.nominals(keys)) records.set(nominal.pncId, toPoliceRecord(nominal));
      return records;
    },
    async events(after) {
      const page = await client.events(after);
      return { events: page.events.flatMap((event) => toAgencyEvent(event) ?? []), cursor: page.cursor };
    },
  };
}
