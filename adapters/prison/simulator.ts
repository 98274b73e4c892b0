/**
 * A stand-in for the NOMIS prisoner API (openapi.yaml), serving the people of the synthetic population
 * whom the prison service knows, under the name and identifiers NOMIS records for them. Its movement feed
 * releases people in custody and takes people back in (recall or remand), so there is always someone to release.
 */
import { fileURLToPath } from 'node:url';
import type { SimulatorApp } from '../kit/contract.js';
import type { EventSource } from '../kit/event-log.js';
import { populationIdentities } from '../kit/identity-changes.js';
import { createSimulatorApp } from '../kit/simulator.js';
import { batchRoute } from '../kit/simulator-routes.js';
import { type StreamedRecords, streamedRecords } from '../kit/streamed-records.js';
import { builtInSlice, type PopulationSlice } from '../population/slice.js';
import { asSeenBy, type Population, type PrisonFacts, type SyntheticPerson } from '../population/types.js';
import type { components } from './api.js';
import { BatchRequest } from './client.js';

type Schemas = components['schemas'];

/** NOMIS booking ids are large sequence numbers; the population has none, so derive a stable one. */
const FIRST_BOOKING_ID = 1_100_000;

function toPrisoner(offenderNo: string, bookingId: number, facts: PrisonFacts): Schemas['Prisoner'] {
  const pom = facts.prisonOffenderManager;
  return {
    offenderNo,
    bookingId,
    inOutStatus: facts.inCustody ? 'IN' : 'OUT',
    establishment: facts.establishment && { agencyId: facts.establishment.code, description: facts.establishment.name },
    receptionDate: facts.receptionDate,
    sentenceDates: {
      conditionalReleaseDate: facts.conditionalReleaseDate,
      licenceExpiryDate: facts.licenceExpiryDate,
      sentenceExpiryDate: facts.sentenceExpiryDate,
      actualReleaseDate: facts.actualReleaseDate,
    },
    licenceConditions: facts.licenceConditions.map((c) => ({ conditionCode: c.code, conditionText: c.description })),
    prisonOffenderManager: pom && { staffName: pom.name, team: pom.team, telephone: pom.phone, email: pom.email },
  };
}

/** Where someone is taken in when NOMIS holds no establishment for them. */
const LOCAL_PRISON: NonNullable<Schemas['Establishment']> = { agencyId: 'NBI', description: 'HMP Northby' };

/** Releases and admissions, each applied to the prisoner record served. */
function prisonEvents(population: Population, prisoners: StreamedRecords<Schemas['Prisoner']>): EventSource<Schemas['MovementEvent']> {
  return {
    seed: population.seed,
    referenceDate: population.referenceDate,
    next(random, { id, at, date }) {
      const prisoner = prisoners.pick(random);
      if (!prisoner) return null;
      const onLicence = prisoner.sentenceDates.licenceExpiryDate !== null && prisoner.sentenceDates.licenceExpiryDate > date;
      const event = { eventId: id, offenderNo: prisoner.offenderNo, recordedAt: at.toISOString(), movementDate: date };
      if (prisoner.inOutStatus === 'IN') {
        prisoner.inOutStatus = 'OUT';
        prisoner.sentenceDates.actualReleaseDate = date;
        // Responsibility passes to the community offender manager on release.
        prisoner.prisonOffenderManager = null;
        const movementReason = onLicence ? 'Released on licence' : random.pick(['Released on bail', 'Released at sentence expiry']);
        return { ...event, movementType: 'REL', establishment: prisoner.establishment, movementReason };
      }
      prisoner.inOutStatus = 'IN';
      prisoner.establishment ??= LOCAL_PRISON;
      prisoner.receptionDate = date;
      prisoner.sentenceDates.actualReleaseDate = null;
      const movementReason = onLicence ? 'Recalled to custody: licence revoked' : 'Remanded in custody';
      return { ...event, movementType: 'ADM', establishment: prisoner.establishment, movementReason };
    },
  };
}

/** Whom the agency holds and under which key: its part of the population. */
export const prisonPopulation: PopulationSlice<PrisonFacts> = builtInSlice(
  'prison',
  (person) => person.prison,
  (person) => asSeenBy(person, 'prison').nomsNumber,
);

export function createPrisonSimulator(population: Population): SimulatorApp {
  // The prison number is the prisoner's key: NOMIS cannot hold a record without one.
  const offenderNoOf = (person: SyntheticPerson) => (person.prison === null ? null : asSeenBy(person, 'prison').nomsNumber);
  const prisoners = streamedRecords(
    population,
    (person) => {
      const offenderNo = offenderNoOf(person);
      const facts = person.prison;
      return offenderNo === null || facts === null ? null : { key: offenderNo, record: () => toPrisoner(offenderNo, FIRST_BOOKING_ID + person.index, facts) };
    },
    (offenderNo) => population.indexOf('nomsNumber', offenderNo),
  );
  const routes = batchRoute({
    path: '/prisoners/batch',
    request: BatchRequest,
    recordOf: prisoners.byKey,
    refusal: 'the body must be {"keys": [prison numbers]} with 1 to 100 keys',
  });

  return createSimulatorApp({
    identities: populationIdentities('prison', prisonPopulation, population),
    agency: 'prison',
    openapiPath: fileURLToPath(new URL('./openapi.yaml', import.meta.url)),
    routes,
    events: prisonEvents(population, prisoners),
  });
}
