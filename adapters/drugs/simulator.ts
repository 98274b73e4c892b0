/**
 * A stand-in for the community drug and alcohol service's case-record system: serves openapi.yaml from the
 * synthetic population, each service user with the name and identifiers the service records (wrinkles included).
 * Its event feed records drug tests on arrest, most of them positive.
 */
import { fileURLToPath } from 'node:url';
import type { SimulatorApp } from '../kit/contract.js';
import type { EventSource } from '../kit/event-log.js';
import { populationIdentities } from '../kit/identity-changes.js';
import { createSimulatorApp } from '../kit/simulator.js';
import { batchRoute } from '../kit/simulator-routes.js';
import { type StreamedRecords, streamedRecords } from '../kit/streamed-records.js';
import { builtInSlice, type PopulationSlice } from '../population/slice.js';
import type { DrugsFacts, Population } from '../population/types.js';
import type { components } from './api.js';
import { BatchRequest } from './client.js';

type Schemas = components['schemas'];

const SUBSTANCE: Record<DrugsFacts['testsOnArrest'][number]['substances'][number], Schemas['Substance']> = {
  opiates: 'OPIATES',
  cocaine: 'COCAINE',
  crack: 'CRACK',
  cannabis: 'CANNABIS',
  alcohol: 'ALCOHOL',
  benzodiazepines: 'BENZODIAZEPINES',
};

const INTERVENTION: Record<NonNullable<DrugsFacts['treatment']['modality']>, NonNullable<Schemas['TreatmentEpisode']['interventionType']>> = {
  'opioid-substitution': 'PHARMACOLOGICAL',
  psychosocial: 'PSYCHOSOCIAL',
  detox: 'INPATIENT_DETOX',
  residential: 'RESIDENTIAL_REHAB',
};

const CONSENT_SCOPE: Record<NonNullable<DrugsFacts['consent']['scope']>, NonNullable<Schemas['ConsentToShare']['consentScope']>> = {
  'iom-partners': 'IOM_PARTNERSHIP',
  'probation-only': 'PROBATION_ONLY',
};

function toServiceUser(facts: DrugsFacts): Schemas['ServiceUser'] {
  const { requiredAssessment, treatment, consent } = facts;
  return {
    serviceUserRef: facts.reference,
    testsOnArrest: facts.testsOnArrest.map((t) => ({
      testDate: t.testedOn,
      result: t.result === 'positive' ? 'POSITIVE' : 'NEGATIVE',
      substancesDetected: t.substances.map((s) => SUBSTANCE[s]),
    })),
    requiredAssessment: { required: requiredAssessment.required, attended: requiredAssessment.attended, appointmentDate: requiredAssessment.date },
    treatmentEpisode: {
      inTreatment: treatment.engaged,
      episodeStartDate: treatment.since,
      interventionType: treatment.modality && INTERVENTION[treatment.modality],
      keyworker: treatment.keyworker && { ...treatment.keyworker },
    },
    topReviews: facts.outcomeReviews.map((r) => ({
      topDate: r.date,
      opiateDays: r.opiateDays,
      crackDays: r.crackDays,
      alcoholDays: r.alcoholDays,
      injectedLast28Days: r.injecting,
    })),
    consent: { consentGiven: consent.recorded, consentDate: consent.recordedOn, consentScope: consent.scope && CONSENT_SCOPE[consent.scope] },
  };
}

/** Substances a test on arrest finds: opiates and crack (the tests' purpose) most often. */
const TESTED: readonly (readonly [Schemas['Substance'], number])[] = [
  ['OPIATES', 4],
  ['CRACK', 3],
  ['COCAINE', 2],
];

/** Tests on arrest, each added to the service user's record served. */
function drugsEvents(population: Population, serviceUsers: StreamedRecords<Schemas['ServiceUser']>): EventSource<Schemas['ServiceUserEvent']> {
  return {
    seed: population.seed,
    referenceDate: population.referenceDate,
    next(random, { id, at, date }) {
      const user = serviceUsers.pick(random);
      if (!user) return null;
      // A person tends to test positive for what they tested positive for before.
      const before = [...new Set(user.testsOnArrest.flatMap((t) => t.substancesDetected))];
      const positive = random.chance(0.75);
      const substances = !positive ? [] : before.length > 0 && random.chance(0.7) ? before : [random.weighted(TESTED)];
      const test: Schemas['TestOnArrest'] = { testDate: date, result: positive ? 'POSITIVE' : 'NEGATIVE', substancesDetected: substances };
      user.testsOnArrest.push(test);
      return { eventId: id, serviceUserRef: user.serviceUserRef, eventType: 'TEST_ON_ARREST', recordedAt: at.toISOString(), test };
    },
  };
}

/** Whom the agency holds and under which key: its part of the population. */
export const drugsPopulation: PopulationSlice<DrugsFacts> = builtInSlice(
  'drugs',
  (person) => person.drugs,
  (_person, facts) => facts.reference,
);

export function createDrugsSimulator(population: Population): SimulatorApp {
  const serviceUsers = streamedRecords(
    population,
    (person) => {
      const facts = person.drugs;
      return facts === null ? null : { key: facts.reference, record: () => toServiceUser(facts) };
    },
    (serviceUserRef) => population.indexOf('drugsReference', serviceUserRef),
  );
  return createSimulatorApp({
    identities: populationIdentities('drugs', drugsPopulation, population),
    agency: 'drugs',
    openapiPath: fileURLToPath(new URL('./openapi.yaml', import.meta.url)),
    events: drugsEvents(population, serviceUsers),
    routes: batchRoute({
      path: '/service-users/batch',
      request: BatchRequest,
      recordOf: serviceUsers.byKey,
      refusal: 'the body must be {"keys": [1 to 100 service references]}',
    }),
  });
}
