/**
 * The probation adapter: the nDelius identity change feed for the gateway's identity index, and case summaries
 * mapped onto the unified schema's `ProbationRecord` (schema.graphql).
 */
import type { AdapterOptions, AgencyAdapter, AgencyEvent } from '../kit/contract.js';
import { inBatches } from '../kit/feeds.js';
import type { components } from './api.js';
import { AGENCY, type CaseEvent, type CaseSummary, createProbationClient, MAX_BATCH_KEYS } from './client.js';

type Schemas = components['schemas'];

// The section as the GraphQL schema shapes it: property names are the SDL field names, enum values the SDL's.
export type ProbationSentenceType = 'COMMUNITY_ORDER' | 'SUSPENDED_SENTENCE_ORDER' | 'LICENCE' | 'POST_SENTENCE_SUPERVISION';
export type ProbationOffenceCategory =
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
export type ProbationRequirementType =
  | 'DRUG_REHABILITATION'
  | 'ALCOHOL_TREATMENT'
  | 'UNPAID_WORK'
  | 'CURFEW'
  | 'ACCREDITED_PROGRAMME'
  | 'REHABILITATION_ACTIVITY'
  | 'MENTAL_HEALTH_TREATMENT';
export type ProbationComplianceStatus = 'COMPLIANT' | 'FAILURE_TO_COMPLY' | 'IN_BREACH';
export type RiskOfSeriousHarmLevel = 'LOW' | 'MEDIUM' | 'HIGH' | 'VERY_HIGH';
export type OgrsBand = 'LOW' | 'MEDIUM' | 'HIGH' | 'VERY_HIGH';
export type CriminogenicNeedArea =
  | 'ACCOMMODATION'
  | 'EDUCATION_TRAINING_EMPLOYMENT'
  | 'FINANCE'
  | 'RELATIONSHIPS'
  | 'LIFESTYLE'
  | 'DRUG_MISUSE'
  | 'ALCOHOL_MISUSE'
  | 'THINKING_BEHAVIOUR'
  | 'ATTITUDES'
  | 'EMOTIONAL_WELLBEING';
export type ProbationRegistrationType = 'IOM' | 'PPO' | 'MAPPA' | 'DOMESTIC_ABUSE_PERPETRATOR' | 'CHILD_CONCERNS';

export interface StaffContact {
  name: string;
  team: string | null;
  phone: string | null;
  email: string | null;
}

export interface ProbationRecord {
  sentence: {
    type: ProbationSentenceType;
    description: string;
    startDate: string;
    endDate: string;
    indexOffence: { description: string; category: ProbationOffenceCategory };
  } | null;
  requirements: { type: ProbationRequirementType; startDate: string; status: 'ACTIVE' | 'COMPLETED' | 'TERMINATED' }[];
  compliance: { status: ProbationComplianceStatus; breachCount: number; lastBreachDate: string | null };
  responsibleOfficer: StaffContact;
  riskOfSeriousHarm: RiskOfSeriousHarmLevel;
  ogrs: { score: number; band: OgrsBand; assessedOn: string };
  criminogenicNeeds: { area: CriminogenicNeedArea; severity: 'SOME' | 'SIGNIFICANT' }[];
  mappa: { category: number; level: number } | null;
  registrations: { type: ProbationRegistrationType; startDate: string; note: string | null }[];
}

/** OGRS bands: 0-49 low, 50-74 medium, 75-89 high, 90+ very high. */
export function ogrsBand(score: number): OgrsBand {
  if (score >= 90) return 'VERY_HIGH';
  if (score >= 75) return 'HIGH';
  if (score >= 50) return 'MEDIUM';
  return 'LOW';
}

// Keyed by the contract's codes, so a code added to openapi.yaml without a mapping fails the type check.
const SENTENCE_TYPES: Record<Schemas['DisposalType']['code'], ProbationSentenceType> = {
  CO: 'COMMUNITY_ORDER',
  SSO: 'SUSPENDED_SENTENCE_ORDER',
  LIC: 'LICENCE',
  PSS: 'POST_SENTENCE_SUPERVISION',
};

const OFFENCE_CATEGORIES: Record<Schemas['MainOffence']['offenceGroup'], ProbationOffenceCategory> = {
  BURGLARY: 'BURGLARY',
  ROBBERY: 'ROBBERY',
  THEFT_FROM_THE_PERSON: 'THEFT_FROM_PERSON',
  VEHICLE_OFFENCES: 'VEHICLE_THEFT',
  SHOPLIFTING: 'SHOPLIFTING',
  VIOLENCE_AGAINST_THE_PERSON: 'VIOLENCE',
  DRUG_OFFENCES: 'DRUGS',
  CRIMINAL_DAMAGE: 'CRIMINAL_DAMAGE',
  DOMESTIC_ABUSE: 'DOMESTIC_ABUSE',
  PUBLIC_ORDER_OFFENCES: 'PUBLIC_ORDER',
  POSSESSION_OF_WEAPONS: 'WEAPONS',
};

const REQUIREMENT_TYPES: Record<Schemas['RequirementType']['code'], ProbationRequirementType> = {
  DRR: 'DRUG_REHABILITATION',
  ATR: 'ALCOHOL_TREATMENT',
  UPW: 'UNPAID_WORK',
  CUR: 'CURFEW',
  AP: 'ACCREDITED_PROGRAMME',
  RAR: 'REHABILITATION_ACTIVITY',
  MHTR: 'MENTAL_HEALTH_TREATMENT',
};

const NEED_AREAS: Record<Schemas['CriminogenicNeed']['section'], CriminogenicNeedArea> = {
  ACCOMMODATION: 'ACCOMMODATION',
  EDUCATION_TRAINING_AND_EMPLOYABILITY: 'EDUCATION_TRAINING_EMPLOYMENT',
  FINANCIAL_MANAGEMENT_AND_INCOME: 'FINANCE',
  RELATIONSHIPS: 'RELATIONSHIPS',
  LIFESTYLE_AND_ASSOCIATES: 'LIFESTYLE',
  DRUG_MISUSE: 'DRUG_MISUSE',
  ALCOHOL_MISUSE: 'ALCOHOL_MISUSE',
  THINKING_AND_BEHAVIOUR: 'THINKING_BEHAVIOUR',
  ATTITUDES: 'ATTITUDES',
  EMOTIONAL_WELL_BEING: 'EMOTIONAL_WELLBEING',
};

const NEED_SEVERITIES: Record<Schemas['CriminogenicNeed']['severity'], 'SOME' | 'SIGNIFICANT'> = { STANDARD: 'SOME', SEVERE: 'SIGNIFICANT' };

const REGISTRATION_TYPES: Record<Schemas['RegistrationType']['code'], ProbationRegistrationType> = {
  IIOM: 'IOM',
  PPO: 'PPO',
  MAPP: 'MAPPA',
  ADVP: 'DOMESTIC_ABUSE_PERPETRATOR',
  RCCO: 'CHILD_CONCERNS',
};

export function toProbationRecord(summary: CaseSummary): ProbationRecord {
  const event = summary.activeEvent;
  const { staff, team } = summary.offenderManager;
  return {
    sentence: event && {
      type: SENTENCE_TYPES[event.sentence.disposalType.code],
      description: event.sentence.description,
      startDate: event.sentence.startDate,
      endDate: event.sentence.expectedEndDate,
      indexOffence: {
        description: event.mainOffence.description,
        category: OFFENCE_CATEGORIES[event.mainOffence.offenceGroup],
      },
    },
    requirements: summary.requirements.map((requirement) => ({
      type: REQUIREMENT_TYPES[requirement.requirementType.code],
      startDate: requirement.startDate,
      status: requirement.status,
    })),
    compliance: {
      status: summary.compliance.currentStatus,
      breachCount: summary.compliance.breachCount,
      lastBreachDate: summary.compliance.lastBreachDate,
    },
    responsibleOfficer: {
      name: [staff.forenames, staff.surname].filter(Boolean).join(' '),
      team: team.description,
      phone: staff.telephoneNumber,
      email: staff.email,
    },
    riskOfSeriousHarm: summary.oasys.rosh.overallRiskLevel,
    ogrs: {
      score: summary.oasys.ogrs.ogrs3TwoYear,
      band: ogrsBand(summary.oasys.ogrs.ogrs3TwoYear),
      assessedOn: summary.oasys.ogrs.calculatedDate,
    },
    criminogenicNeeds: summary.oasys.criminogenicNeeds.map((need) => ({
      area: NEED_AREAS[need.section],
      severity: NEED_SEVERITIES[need.severity],
    })),
    mappa: summary.mappa && { category: summary.mappa.category, level: summary.mappa.level },
    registrations: summary.registrations.map((registration) => ({
      type: REGISTRATION_TYPES[registration.type.code],
      startDate: registration.startDate,
      note: registration.notes,
    })),
  };
}

/** A breach action from the nDelius feed, as the partnership's event. */
export function toAgencyEvent(event: CaseEvent): AgencyEvent {
  const { breach } = event;
  return {
    id: event.eventId,
    agency: AGENCY,
    key: event.crn,
    type: 'breach',
    occurredAt: event.recordedAt,
    summary: `Breach action started on ${breach.breachDate} (breach ${breach.breachCount}): ${breach.reason}`,
    details: { date: breach.breachDate, breachCount: breach.breachCount, reason: breach.reason },
  };
}

export function createProbationAdapter(options: AdapterOptions): AgencyAdapter<ProbationRecord> {
  const client = createProbationClient(options);
  return {
    identityChanges: (after) => client.identityChanges(after),

    async records(keys) {
      const asked = new Set(keys);
      const records = new Map<string, ProbationRecord>();
      for (const found of await inBatches(keys, MAX_BATCH_KEYS, (batch) => client.caseSummaries(batch))) {
        if (asked.has(found.crn)) records.set(found.crn, toProbationRecord(found));
      }
      return records;
    },

    async events(after) {
      const page = await client.events(after);
      return { events: page.events.map(toAgencyEvent), cursor: page.cursor };
    },
  };
}
