/**
 * A stand-in for the council's housing-options system: serves openapi.yaml from the synthetic population,
 * each client with the name and identifiers the council records (wrinkles included). Its event feed has
 * housed clients lose their accommodation and homeless clients find some, so neither kind runs out.
 */
import { fileURLToPath } from 'node:url';
import type { SimulatorApp } from '../kit/contract.js';
import type { EventSource } from '../kit/event-log.js';
import { populationIdentities } from '../kit/identity-changes.js';
import { createSimulatorApp } from '../kit/simulator.js';
import { batchRoute } from '../kit/simulator-routes.js';
import { type StreamedRecords, streamedRecords } from '../kit/streamed-records.js';
import { inventAddress } from '../population/names.js';
import { builtInSlice, type PopulationSlice } from '../population/slice.js';
import type { HousingFacts, Population } from '../population/types.js';
import type { components } from './api.js';
import { BatchRequest } from './client.js';

type Schemas = components['schemas'];

const STATUS_CODE: Record<HousingFacts['accommodationStatus'], Schemas['Accommodation']['statusCode']> = {
  settled: 'SETTLED',
  temporary: 'TEMP',
  supported: 'SUPPORTED',
  'rough-sleeping': 'ROUGH_SLEEPER',
  'no-fixed-abode': 'NFA',
};

const REFERRAL_STATUS: Record<HousingFacts['supportReferrals'][number]['status'], Schemas['SupportReferral']['referralStatus']> = {
  open: 'OPEN',
  accepted: 'ACCEPTED',
  declined: 'DECLINED',
  closed: 'CLOSED',
};

const ALERT_CODE: Record<HousingFacts['staffSafetyFlags'][number]['type'], Schemas['StaffSafetyAlert']['alertCode']> = {
  'violence-to-staff': 'VTS',
  'threatening-behaviour': 'THR',
  'dog-on-premises': 'DOG',
  weapons: 'WPN',
};

function toClient(facts: HousingFacts): Schemas['Client'] {
  return {
    housingRef: facts.reference,
    accommodation: { statusCode: STATUS_CODE[facts.accommodationStatus], statusDate: facts.statusSince },
    currentAddress: facts.address && { addressLine1: facts.address.line1, town: facts.address.town, postcode: facts.address.postcode },
    supportReferrals: facts.supportReferrals.map((r) => ({ provider: r.service, referralDate: r.referredOn, referralStatus: REFERRAL_STATUS[r.status] })),
    staffSafetyAlerts: facts.staffSafetyFlags.map((f) => ({ alertCode: ALERT_CODE[f.type], dateAdded: f.addedOn, comment: f.note })),
    caseOfficer: {
      officerName: facts.housingOfficer.name,
      teamName: facts.housingOfficer.team,
      telephone: facts.housingOfficer.phone,
      email: facts.housingOfficer.email,
    },
  };
}

const HOUSED: readonly Schemas['Accommodation']['statusCode'][] = ['SETTLED', 'TEMP', 'SUPPORTED'];

/** Changes in accommodation, each applied to the client record served. */
function housingEvents(population: Population, clients: StreamedRecords<Schemas['Client']>): EventSource<Schemas['ClientEvent']> {
  return {
    seed: population.seed,
    referenceDate: population.referenceDate,
    next(random, { id, at, date }) {
      const client = clients.pick(random);
      if (!client) return null;
      const previous = client.accommodation;
      const lost = HOUSED.includes(previous.statusCode);
      const current: Schemas['Accommodation'] = {
        statusCode: lost ? random.pick(['ROUGH_SLEEPER', 'NFA'] as const) : random.pick(['TEMP', 'SUPPORTED'] as const),
        statusDate: date,
      };
      client.accommodation = current;
      if (lost) client.currentAddress = null;
      else {
        const address = inventAddress(random);
        client.currentAddress = { addressLine1: address.line1, town: address.town, postcode: address.postcode };
      }
      return {
        eventId: id,
        housingRef: client.housingRef,
        eventType: lost ? 'ACCOMMODATION_LOST' : 'ACCOMMODATION_SECURED',
        recordedAt: at.toISOString(),
        previous,
        current,
      };
    },
  };
}

/** Whom the agency holds and under which key: its part of the population. */
export const housingPopulation: PopulationSlice<HousingFacts> = builtInSlice(
  'housing',
  (person) => person.housing,
  (_person, facts) => facts.reference,
);

export function createHousingSimulator(population: Population): SimulatorApp {
  const clients = streamedRecords(
    population,
    (person) => {
      const facts = person.housing;
      return facts === null ? null : { key: facts.reference, record: () => toClient(facts) };
    },
    (housingRef) => population.indexOf('housingReference', housingRef),
  );
  return createSimulatorApp({
    identities: populationIdentities('housing', housingPopulation, population),
    agency: 'housing',
    openapiPath: fileURLToPath(new URL('./openapi.yaml', import.meta.url)),
    events: housingEvents(population, clients),
    routes: batchRoute({
      path: '/clients/batch',
      request: BatchRequest,
      recordOf: clients.byKey,
      refusal: 'the body must be {"keys": [1 to 100 housing references]}',
    }),
  });
}
