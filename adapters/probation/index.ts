/** Probation: nDelius case management and OASys assessment, keyed by CRN. */
import { readFileSync } from 'node:fs';
import type { AgencyModule } from '../kit/contract.js';
import type { ProbationFacts } from '../population/types.js';
import { createProbationAdapter, type ProbationRecord } from './adapter.js';
import { AGENCY } from './client.js';
import { createProbationSimulator, probationPopulation } from './simulator.js';

export type { ProbationRecord } from './adapter.js';

const probation: AgencyModule<ProbationRecord, ProbationFacts> = {
  agency: AGENCY,
  title: 'Probation (nDelius case management and OASys assessment)',
  typeDefs: readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8'),
  dataItems: {
    'probation.sentence': 'The sentence or order under supervision: type, dates, index offence, licence',
    'probation.requirements': 'Requirements of the order or licence, e.g. a drug rehabilitation requirement',
    'probation.compliance': 'Compliance with the order or licence, and breach action',
    'probation.responsibleOfficer': 'The responsible officer holding the case, with contact details',
    'probation.riskOfSeriousHarm': 'OASys Risk of Serious Harm level',
    'probation.ogrs': 'OGRS two-year reoffending score, its band and when it was assessed',
    'probation.criminogenicNeeds': 'OASys criminogenic needs and their severity',
    'probation.mappa': 'MAPPA category and management level',
    'probation.registrations': 'nDelius registrations, including IOM cohort membership and strand',
  },
  createAdapter: createProbationAdapter,
  population: probationPopulation,
  createSimulator: createProbationSimulator,
  // MAPPA management is recorded in nDelius; cohort membership is the gateway's own register, not a fact from here.
  subjectFactNames: ['mappaCase'],
  subjectFacts: (record) => ({ mappaCase: record.mappa !== null && record.mappa !== undefined }),
};

export default probation;
