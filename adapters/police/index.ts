/** The police agency: PNC and force records, keyed by PNC ID. */
import { readFileSync } from 'node:fs';
import type { AgencyModule } from '../kit/contract.js';
import type { PoliceFacts } from '../population/types.js';
import { createPoliceAdapter, type PoliceRecord } from './adapter.js';
import { createPoliceSimulator, policePopulation } from './simulator.js';

const police: AgencyModule<PoliceRecord, PoliceFacts> = {
  agency: 'police',
  title: 'Police (PNC and force records)',
  typeDefs: readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8'),
  dataItems: {
    'police.arrests': 'Arrests: date, offence and what the arrest led to',
    'police.charges': 'Charges: date, offence, the arrest they followed and where they stand',
    'police.courtOutcomes': 'Court outcomes: court, date, offence, verdict and sentence or order',
    'police.warningMarkers': 'PNC warning markers (violence, weapons, drugs, mental health, self-harm, escaper, contagion)',
    'police.wantedMissing': 'Whether the person is wanted (since when, for what) or reported missing',
    'police.ppoStatus': 'Whether the force manages the person as a prolific and priority offender',
    'police.offenderManager': 'The police offender manager and how to reach them',
  },
  createAdapter: createPoliceAdapter,
  population: policePopulation,
  createSimulator: createPoliceSimulator,
};

export default police;
