/** The Youth Offending Service agency module: its case-management system behind the partnership schema. */
import { readFileSync } from 'node:fs';
import type { AgencyModule } from '../kit/contract.js';
import { createYouthAdapter, type YouthRecord } from './adapter.js';
import { type YouthFacts, youthPopulation } from './population.js';
import { createYouthSimulator } from './simulator.js';

export type { YouthRecord } from './adapter.js';

const youth: AgencyModule<YouthRecord, YouthFacts> = {
  agency: 'youth',
  title: 'Youth Offending Service',
  typeDefs: readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8'),
  dataItems: {
    'youth.caseStatus': 'Whether the service has an open case, and since when',
    'youth.caseWorker': 'The case worker the case is allocated to and how to contact them',
  },
  createAdapter: createYouthAdapter,
  population: youthPopulation,
  createSimulator: createYouthSimulator,
};

export default youth;
