/**
 * A stand-in for the Youth Offending Service system: serves openapi.yaml from the synthetic population (population.ts). Its
 * event feed opens and closes cases, so neither kind runs out.
 */
import { fileURLToPath } from 'node:url';
import type { SimulatorApp } from '../kit/contract.js';
import { type EventSource, pickPerson } from '../kit/event-log.js';
import { CONTRACT_LIMITS, identityItemOf, sliceOfPeople } from '../kit/identity-feed.js';
import { createSimulatorApp } from '../kit/simulator.js';
import { identityAndBatchRoutes } from '../kit/simulator-routes.js';
import type { Population } from '../population/types.js';
import type { components } from './api.js';
import { BatchRequest } from './client.js';
import { type YouthFacts, youthPopulation } from './population.js';

type Schemas = components['schemas'];

function toCase(facts: YouthFacts): Schemas['Case'] {
  const { caseWorker } = facts;
  return {
    reference: facts.reference,
    status: facts.status === 'open' ? 'OPEN' : 'CLOSED',
    openedOn: facts.openedOn,
    caseWorker: { name: caseWorker.name, team: caseWorker.team, telephone: caseWorker.phone, email: caseWorker.email },
  };
}

/** Cases opened and closed, each applied to the case served. */
function caseEvents(population: Population, cases: Map<string, Schemas['Case']>, cohort: ReadonlySet<string>): EventSource<Schemas['CaseEvent']> {
  const everyone = [...cases.values()];
  return {
    seed: population.seed,
    referenceDate: population.referenceDate,
    next(random, { id, at, date }) {
      const found = pickPerson(random, everyone, (c) => cohort.has(c.reference));
      if (!found) return null;
      const opened = found.status === 'CLOSED';
      found.status = opened ? 'OPEN' : 'CLOSED';
      if (opened) found.openedOn = date;
      return { eventId: id, reference: found.reference, eventType: opened ? 'CASE_OPENED' : 'CASE_CLOSED', recordedAt: at.toISOString() };
    },
  };
}

export function createYouthSimulator(population: Population): SimulatorApp {
  const known = sliceOfPeople(population.people, population, youthPopulation);
  const identities = known.map(({ person, facts }) => identityItemOf('youth', youthPopulation, person, facts));
  const cases = new Map(known.map(({ facts }) => [facts.reference, toCase(facts)]));
  const cohort = new Set(known.flatMap(({ person, facts }) => (person.cohort === null ? [] : [facts.reference])));

  return createSimulatorApp({
    agency: 'youth',
    openapiPath: fileURLToPath(new URL('./openapi.yaml', import.meta.url)),
    events: caseEvents(population, cases, cohort),
    routes: identityAndBatchRoutes(
      { path: '/identities', items: identities, cursor: { kind: 'offset' }, maxLimit: CONTRACT_LIMITS.identityPage, refusal: 'bad identity query' },
      {
        path: '/cases/batch',
        request: BatchRequest,
        records: cases,
        refusal: `the body must be {"keys": [1 to ${CONTRACT_LIMITS.batchKeys} case references]}`,
      },
    ),
  });
}
