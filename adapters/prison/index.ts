/** The prison agency: NOMIS, keyed by prison number. */
import { readFileSync } from 'node:fs';
import type { AgencyModule } from '../kit/contract.js';
import type { PrisonFacts } from '../population/types.js';
import { createPrisonAdapter, type PrisonRecord } from './adapter.js';
import { createPrisonSimulator, prisonPopulation } from './simulator.js';

const prison: AgencyModule<PrisonRecord, PrisonFacts> = {
  agency: 'prison',
  title: 'Prison (NOMIS)',
  typeDefs: readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8'),
  dataItems: {
    'prison.custodyStatus': 'Whether the person is in custody, the establishment and the reception date',
    'prison.releaseDates': 'Key release dates: conditional release, licence expiry, sentence expiry, actual release',
    'prison.licenceConditions': 'The conditions of the licence the person is, or will be, released on',
    'prison.offenderManager': 'The prison offender manager (POM) and how to reach them',
  },
  createAdapter: createPrisonAdapter,
  population: prisonPopulation,
  createSimulator: createPrisonSimulator,
};

export default prison;
