/**
 * A stand-in for the youth offending team's case-management system: serves openapi.yaml from the synthetic
 * population (population.ts). Its event feed records reviews of cohort members' concerns.
 */
import { fileURLToPath } from 'node:url';
import type { SimulatorApp } from '../kit/contract.js';
import type { EventSource } from '../kit/event-log.js';
import { populationIdentities } from '../kit/identity-changes.js';
import { CONTRACT_LIMITS } from '../kit/identity-feed.js';
import { createSimulatorApp } from '../kit/simulator.js';
import { batchRoute } from '../kit/simulator-routes.js';
import { indexInReference, type StreamedRecords, streamedRecords } from '../kit/streamed-records.js';
import type { Population } from '../population/types.js';
import type { components } from './api.js';
import { BatchRequest } from './client.js';
import { type YouthFacts, youthPopulation } from './population.js';

type Schemas = components['schemas'];

/** Population facts are kebab-case; the contract's codes are the same words in UPPER_SNAKE_CASE. */
const code = <T extends string>(value: T) =>
  value.toUpperCase().replace(/-/g, '_') as Uppercase<T> extends infer U ? (U extends string ? ReplaceDashes<U> : never) : never;
type ReplaceDashes<S extends string> = S extends `${infer A}-${infer B}` ? `${A}_${ReplaceDashes<B>}` : S;

export function toCase(facts: YouthFacts): Schemas['Case'] {
  const { caseWorker, assetPlus, transition } = facts;
  return {
    reference: facts.reference,
    caseWorker: { name: caseWorker.name, team: caseWorker.team, telephone: caseWorker.phone, email: caseWorker.email },
    orders: facts.orders.map((order) => ({
      orderType: code(order.type),
      startDate: order.startDate,
      endDate: order.endDate,
      ageAtStart: order.ageAtStart,
      offenceDescription: order.offence,
      status: code(order.status),
    })),
    assetPlus: assetPlus && {
      assessedOn: assetPlus.assessedOn,
      riskOfSeriousHarm: code(assetPlus.riskOfSeriousHarm),
      likelihoodOfReoffending: code(assetPlus.likelihoodOfReoffending),
    },
    safeguardingConcerns: facts.safeguardingConcerns.map((c) => ({ category: code(c.category), recordedOn: c.recordedOn, note: c.note })),
    wellbeingConcerns: facts.wellbeingConcerns.map((c) => ({ category: code(c.category), recordedOn: c.recordedOn, note: c.note })),
    transition: {
      eighteenthBirthday: transition.eighteenthBirthday,
      status: code(transition.status),
      probationCrn: transition.probationCrn,
      transferredOn: transition.transferredOn,
    },
  };
}

/** Reviews of a cohort member's concerns; the record served keeps its dates. */
function caseEvents(population: Population, cases: StreamedRecords<Schemas['Case']>): EventSource<Schemas['CaseEvent']> {
  return {
    seed: population.seed,
    referenceDate: population.referenceDate,
    next(random, { id, at }) {
      const found = cases.pick(random);
      if (!found) return null;
      const eventType = random.chance(0.5) ? 'WELLBEING_REVIEWED' : 'SAFEGUARDING_REVIEWED';
      return { eventId: id, reference: found.reference, eventType, recordedAt: at.toISOString() };
    },
  };
}

export function createYouthSimulator(population: Population): SimulatorApp {
  const cases = streamedRecords(
    population,
    (person) => {
      const facts = youthPopulation.factsFor(person, population);
      return facts === null ? null : { key: facts.reference, record: () => toCase(facts) };
    },
    indexInReference('YOT-'),
  );
  return createSimulatorApp({
    identities: populationIdentities('youth', youthPopulation, population),
    agency: 'youth',
    openapiPath: fileURLToPath(new URL('./openapi.yaml', import.meta.url)),
    events: caseEvents(population, cases),
    routes: batchRoute({
      path: '/cases/batch',
      request: BatchRequest,
      recordOf: cases.byKey,
      refusal: `the body must be {"keys": [1 to ${CONTRACT_LIMITS.batchKeys} case references]}`,
    }),
  });
}
