/** The drugs agency module: the community drug and alcohol service and DIP behind the partnership schema. */
import { readFileSync } from 'node:fs';
import type { AgencyModule } from '../kit/contract.js';
import type { DrugsFacts } from '../population/types.js';
import { createDrugsAdapter, type DrugServiceRecord } from './adapter.js';
import { createDrugsSimulator, drugsPopulation } from './simulator.js';

export type { DrugServiceRecord } from './adapter.js';

const drugs: AgencyModule<DrugServiceRecord, DrugsFacts> = {
  agency: 'drugs',
  title: 'Drugs (community drug and alcohol service and the Drug Interventions Programme)',
  typeDefs: readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8'),
  dataItems: {
    'drugs.testOnArrest': 'Drug tests on arrest: date, result and substances found (health data)',
    'drugs.requiredAssessment': 'Whether a required assessment was imposed after a positive test, and whether it was attended (health data)',
    'drugs.treatmentEngagement': 'Whether the person is engaged in treatment and since when, nothing more (health data)',
    'drugs.treatmentDetail': 'The kind of treatment received, such as opioid substitution or residential rehabilitation (health data)',
    'drugs.treatmentOutcomes': 'Treatment Outcomes Profile reviews: days of opiate, crack and alcohol use and injecting (health data)',
    'drugs.consent': 'Whether consent to share is recorded, when, and with whom it may be shared',
    'drugs.keyworker': "The person's keyworker at the drug service and how to contact them",
  },
  createAdapter: createDrugsAdapter,
  population: drugsPopulation,
  createSimulator: createDrugsSimulator,
  // Consent limited to probation is not consent to share with the partnership: deny by default.
  subjectFactNames: ['consentRecorded'],
  subjectFacts: (record) => ({ consentRecorded: record.consent?.recorded === true && record.consent.scope === 'IOM_PARTNERS' }),
};

export default drugs;
