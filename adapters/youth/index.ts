/** The youth offending service (YOT): its case-management system behind the partnership schema. */
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
    'youth.caseWorker': 'The YOT case worker the case is allocated to and how to contact them',
    'youth.orders': 'Youth court orders (referral order, youth rehabilitation order, detention and training order): dates, age, offence, status',
    'youth.assetPlus': 'The latest AssetPlus assessment: risk of serious harm and likelihood of reoffending',
    'youth.safeguardingConcerns': 'Safeguarding concerns recorded while the person was a child (exploitation, care, missing episodes, abuse at home)',
    'youth.wellbeingConcerns': 'Health and wellbeing concerns recorded while the person was a child (mental health, substance misuse, self-harm...)',
    'youth.transition': 'The transition to adult probation at 18: status, date and the probation CRN',
  },
  createAdapter: createYouthAdapter,
  population: youthPopulation,
  createSimulator: createYouthSimulator,
};

export default youth;
