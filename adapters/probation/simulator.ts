/**
 * A stand-in for nDelius and OASys: serves openapi.yaml from the synthetic population's probation facts,
 * with the names and identifiers as probation records them. Its event feed starts breach action on cases
 * under an order or licence.
 */
import { fileURLToPath } from 'node:url';
import type { SimulatorApp } from '../kit/contract.js';
import type { EventSource } from '../kit/event-log.js';
import { populationIdentities } from '../kit/identity-changes.js';
import { createSimulatorApp } from '../kit/simulator.js';
import { batchRoute } from '../kit/simulator-routes.js';
import { type StreamedRecords, streamedRecords } from '../kit/streamed-records.js';
import { builtInSlice, type PopulationSlice } from '../population/slice.js';
import {
  asSeenBy,
  type NeedArea,
  type OffenceCategory,
  type Population,
  type ProbationFacts,
  type RequirementType,
  type SentenceType,
  type StaffMember,
  type SyntheticPerson,
} from '../population/types.js';
import type { components } from './api.js';
import { AGENCY, CASES_BATCH_PATH, CaseBatchRequest } from './client.js';

type Schemas = components['schemas'];
type Registration = ProbationFacts['registrations'][number];

const DISPOSAL_TYPES: Record<SentenceType, Schemas['DisposalType']> = {
  'community-order': { code: 'CO', description: 'ORA Community Order' },
  'suspended-sentence-order': { code: 'SSO', description: 'ORA Suspended Sentence Order' },
  licence: { code: 'LIC', description: 'Licence' },
  'post-sentence-supervision': { code: 'PSS', description: 'Post Sentence Supervision' },
};

const OFFENCE_GROUPS: Record<OffenceCategory, Schemas['MainOffence']['offenceGroup']> = {
  burglary: 'BURGLARY',
  robbery: 'ROBBERY',
  'theft-from-person': 'THEFT_FROM_THE_PERSON',
  'vehicle-theft': 'VEHICLE_OFFENCES',
  shoplifting: 'SHOPLIFTING',
  violence: 'VIOLENCE_AGAINST_THE_PERSON',
  drugs: 'DRUG_OFFENCES',
  'criminal-damage': 'CRIMINAL_DAMAGE',
  'domestic-abuse': 'DOMESTIC_ABUSE',
  'public-order': 'PUBLIC_ORDER_OFFENCES',
  weapons: 'POSSESSION_OF_WEAPONS',
};

const REQUIREMENT_TYPES: Record<RequirementType, Schemas['RequirementType']> = {
  'drug-rehabilitation': { code: 'DRR', description: 'Drug Rehabilitation' },
  'alcohol-treatment': { code: 'ATR', description: 'Alcohol Treatment' },
  'unpaid-work': { code: 'UPW', description: 'Unpaid Work' },
  curfew: { code: 'CUR', description: 'Curfew' },
  'accredited-programme': { code: 'AP', description: 'Accredited Programme' },
  'rehabilitation-activity': { code: 'RAR', description: 'Rehabilitation Activity Requirement' },
  'mental-health-treatment': { code: 'MHTR', description: 'Mental Health Treatment' },
};

const REQUIREMENT_STATUSES = { active: 'ACTIVE', completed: 'COMPLETED', terminated: 'TERMINATED' } as const;

const COMPLIANCE_STATUSES = { compliant: 'COMPLIANT', 'failure-to-comply': 'FAILURE_TO_COMPLY', 'in-breach': 'IN_BREACH' } as const;

const ROSH_LEVELS = { low: 'LOW', medium: 'MEDIUM', high: 'HIGH', 'very-high': 'VERY_HIGH' } as const;

const NEED_SECTIONS: Record<NeedArea, Schemas['CriminogenicNeed']['section']> = {
  accommodation: 'ACCOMMODATION',
  'education-training-employment': 'EDUCATION_TRAINING_AND_EMPLOYABILITY',
  finance: 'FINANCIAL_MANAGEMENT_AND_INCOME',
  relationships: 'RELATIONSHIPS',
  lifestyle: 'LIFESTYLE_AND_ASSOCIATES',
  'drug-misuse': 'DRUG_MISUSE',
  'alcohol-misuse': 'ALCOHOL_MISUSE',
  'thinking-behaviour': 'THINKING_AND_BEHAVIOUR',
  attitudes: 'ATTITUDES',
  'emotional-wellbeing': 'EMOTIONAL_WELL_BEING',
};

const NEED_SEVERITIES = { some: 'STANDARD', significant: 'SEVERE' } as const;

const REGISTRATION_TYPES: Record<Registration['type'], Schemas['RegistrationType']> = {
  iom: { code: 'IIOM', description: 'Integrated Offender Management' },
  ppo: { code: 'PPO', description: 'Prolific and Other Priority Offender' },
  mappa: { code: 'MAPP', description: 'MAPPA' },
  'domestic-abuse-perpetrator': { code: 'ADVP', description: 'Domestic Abuse Perpetrator' },
  'child-concerns': { code: 'RCCO', description: 'Child Concerns' },
};

/** nDelius keeps staff forenames and surname apart; the population keeps one name. */
function toStaff(member: StaffMember): Schemas['OffenderManager'] {
  const space = member.name.lastIndexOf(' ');
  return {
    staff: {
      forenames: space < 0 ? '' : member.name.slice(0, space),
      surname: member.name.slice(space + 1),
      email: member.email,
      telephoneNumber: member.phone,
    },
    team: { description: member.team },
  };
}

export function toCaseSummary(crn: string, facts: ProbationFacts): Schemas['CaseSummary'] {
  const { sentence } = facts;
  return {
    crn,
    activeEvent: sentence && {
      sentence: {
        disposalType: DISPOSAL_TYPES[sentence.type],
        description: sentence.description,
        startDate: sentence.startDate,
        expectedEndDate: sentence.endDate,
      },
      mainOffence: { description: sentence.indexOffence, offenceGroup: OFFENCE_GROUPS[sentence.indexOffenceCategory] },
    },
    requirements: facts.requirements.map((requirement) => ({
      requirementType: REQUIREMENT_TYPES[requirement.type],
      startDate: requirement.startDate,
      status: REQUIREMENT_STATUSES[requirement.status],
    })),
    compliance: {
      currentStatus: COMPLIANCE_STATUSES[facts.compliance.status],
      breachCount: facts.compliance.breachCount,
      lastBreachDate: facts.compliance.lastBreachDate,
    },
    offenderManager: toStaff(facts.responsibleOfficer),
    oasys: {
      rosh: { overallRiskLevel: ROSH_LEVELS[facts.riskOfSeriousHarm] },
      ogrs: { ogrs3TwoYear: facts.ogrsScore, calculatedDate: facts.ogrsAssessedOn },
      criminogenicNeeds: facts.criminogenicNeeds.map((need) => ({
        section: NEED_SECTIONS[need.area],
        severity: NEED_SEVERITIES[need.severity],
      })),
    },
    mappa: facts.mappa && { category: facts.mappa.category, level: facts.mappa.level },
    registrations: facts.registrations.map((registration) => ({
      type: REGISTRATION_TYPES[registration.type],
      startDate: registration.startDate,
      notes: registration.note,
    })),
  };
}

/** Reasons any case can be breached for, and those that need a requirement (by code) or a licence. */
const BREACH_REASONS: Readonly<Record<string, readonly string[]>> = {
  ANY: ['Failed to attend two appointments without an acceptable reason', 'Failed to keep in touch as instructed'],
  DRR: ['Failed to attend drug rehabilitation requirement appointments', 'Refused drug testing required by the order'],
  UPW: ['Failed to attend unpaid work sessions'],
  CUR: ['Curfew violations recorded by electronic monitoring'],
  LIC: ['Breached licence conditions: not residing at the approved address'],
};

/** Breach action on cases under an order or licence, each applied to the case summary served. */
function probationEvents(population: Population, summaries: StreamedRecords<Schemas['CaseSummary']>): EventSource<Schemas['CaseEvent']> {
  return {
    seed: population.seed,
    referenceDate: population.referenceDate,
    next(random, { id, at, date }) {
      const summary = summaries.pick(random, (s) => s.activeEvent !== null);
      if (!summary) return null;
      const active = summary.requirements.filter((r) => r.status === 'ACTIVE').map((r) => r.requirementType.code);
      const licence = summary.activeEvent?.sentence.disposalType.code === 'LIC' ? ['LIC'] : [];
      const reasons = ['ANY', ...active, ...licence].flatMap((code) => BREACH_REASONS[code] ?? []);
      const reason = random.pick(reasons);
      summary.compliance = { currentStatus: 'IN_BREACH', breachCount: summary.compliance.breachCount + 1, lastBreachDate: date };
      return {
        eventId: id,
        crn: summary.crn,
        eventType: 'BREACH_INITIATED',
        recordedAt: at.toISOString(),
        breach: { breachDate: date, breachCount: summary.compliance.breachCount, reason },
      };
    },
  };
}

/** Whom the agency holds and under which key: its part of the population. */
export const probationPopulation: PopulationSlice<ProbationFacts> = builtInSlice(
  'probation',
  (person) => person.probation,
  (person) => asSeenBy(person, 'probation').crn ?? person.identifiers.crn,
);

export function createProbationSimulator(population: Population): SimulatorApp {
  // The CRN is nDelius's own key, so a case always has one.
  const crnOf = (person: SyntheticPerson) => (person.probation ? (asSeenBy(person, AGENCY).crn ?? person.identifiers.crn) : null);
  const summaries = streamedRecords(
    population,
    (person) => {
      const crn = crnOf(person);
      const facts = person.probation;
      return crn === null || facts === null ? null : { key: crn, record: () => toCaseSummary(crn, facts) };
    },
    (crn) => population.indexOf('crn', crn),
  );
  return createSimulatorApp({
    identities: populationIdentities('probation', probationPopulation, population),
    agency: AGENCY,
    openapiPath: fileURLToPath(new URL('./openapi.yaml', import.meta.url)),
    events: probationEvents(population, summaries),
    routes: batchRoute({ path: CASES_BATCH_PATH, request: CaseBatchRequest, recordOf: summaries.byKey, refusal: 'request body' }),
  });
}
