/** The housing agency module: the council's housing-options system behind the partnership schema. */
import { readFileSync } from 'node:fs';
import type { AgencyModule } from '../kit/contract.js';
import type { HousingFacts } from '../population/types.js';
import { createHousingAdapter, type HousingRecord } from './adapter.js';
import { createHousingSimulator, housingPopulation } from './simulator.js';

export type { HousingRecord } from './adapter.js';

const housing: AgencyModule<HousingRecord, HousingFacts> = {
  agency: 'housing',
  title: "Housing (the council's housing-options service)",
  typeDefs: readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8'),
  dataItems: {
    'housing.accommodationStatus': 'How the person is housed now (settled, temporary, supported, rough sleeping, no fixed abode) and since when',
    'housing.address': 'The current address',
    'housing.supportReferrals': 'Referrals to housing-related support services and their outcome',
    'housing.staffSafetyFlags': 'Alerts for the safety of staff who meet or visit the person',
    'housing.housingOfficer': 'The housing officer responsible for the case and how to contact them',
  },
  createAdapter: createHousingAdapter,
  population: housingPopulation,
  createSimulator: createHousingSimulator,
};

export default housing;
