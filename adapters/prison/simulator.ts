/**
 * A stand-in for the NOMIS prisoner API (openapi.yaml), serving the people of the synthetic population
 * whom the prison service knows, under the name and identifiers NOMIS records for them.
 */
import { fileURLToPath } from 'node:url';
import type { Router } from 'express';
import { z } from 'zod';
import type { SimulatorApp } from '../kit/contract.js';
import { createSimulatorApp } from '../kit/simulator.js';
import { asSeenBy, type Population, type PrisonFacts } from '../population/types.js';
import type { components } from './api.js';
import { BatchRequest } from './client.js';

type Schemas = components['schemas'];

/** NOMIS booking ids are large sequence numbers; the population has none, so derive a stable one. */
const FIRST_BOOKING_ID = 1_100_000;

function toPrisoner(offenderNo: string, bookingId: number, facts: PrisonFacts): Schemas['Prisoner'] {
  const pom = facts.prisonOffenderManager;
  return {
    offenderNo,
    bookingId,
    inOutStatus: facts.inCustody ? 'IN' : 'OUT',
    establishment: facts.establishment && { agencyId: facts.establishment.code, description: facts.establishment.name },
    receptionDate: facts.receptionDate,
    sentenceDates: {
      conditionalReleaseDate: facts.conditionalReleaseDate,
      licenceExpiryDate: facts.licenceExpiryDate,
      sentenceExpiryDate: facts.sentenceExpiryDate,
      actualReleaseDate: facts.actualReleaseDate,
    },
    licenceConditions: facts.licenceConditions.map((c) => ({ conditionCode: c.code, conditionText: c.description })),
    prisonOffenderManager: pom && { staffName: pom.name, team: pom.team, telephone: pom.phone, email: pom.email },
  };
}

/** The cursor is the offset of the next page: opaque to callers, checked here. */
const IdentityQuery = z.object({
  cursor: z.string().regex(/^\d+$/, 'cursor must be a nextCursor this feed issued').optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

function problem(error: z.ZodError, what: string): Schemas['Problem'] {
  const first = error.issues[0];
  return { error: first ? `${what} (${first.path.join('.') || 'body'}: ${first.message})` : what };
}

export function createPrisonSimulator(population: Population): SimulatorApp {
  const identities: Schemas['PrisonerIdentity'][] = [];
  const prisoners = new Map<string, Schemas['Prisoner']>();
  for (const person of population.people) {
    if (person.prison === null) continue;
    const seen = asSeenBy(person, 'prison');
    // The prison number is the prisoner's key: NOMIS cannot hold a record without one.
    const offenderNo = seen.nomsNumber;
    if (offenderNo === null) continue;
    identities.push({
      offenderNo,
      pncNumber: seen.pnc,
      croNumber: seen.cro,
      firstName: seen.givenName,
      lastName: seen.familyName,
      dateOfBirth: seen.dateOfBirth,
    });
    prisoners.set(offenderNo, toPrisoner(offenderNo, FIRST_BOOKING_ID + person.index, person.prison));
  }

  const routes = (router: Router) => {
    router.get('/identities', (req, res) => {
      const query = IdentityQuery.safeParse(req.query);
      if (!query.success) {
        res.status(400).json(problem(query.error, 'cursor is optional; limit is a whole number from 1 to 500'));
        return;
      }
      const offset = Number(query.data.cursor ?? 0);
      if (offset > identities.length) {
        res.status(400).json({ error: 'cursor must be a nextCursor this feed issued' } satisfies Schemas['Problem']);
        return;
      }
      const end = offset + query.data.limit;
      const page: Schemas['PrisonerIdentityPage'] = {
        items: identities.slice(offset, end),
        nextCursor: end < identities.length ? String(end) : null,
      };
      res.json(page);
    });

    router.post('/prisoners/batch', (req, res) => {
      const body = BatchRequest.safeParse(req.body);
      if (!body.success) {
        res.status(400).json(problem(body.error, 'the body must be {"keys": [prison numbers]} with 1 to 100 keys'));
        return;
      }
      const records = [...new Set(body.data.keys)].flatMap((key) => prisoners.get(key) ?? []);
      res.json({ records } satisfies Schemas['PrisonerBatch']);
    });
  };

  return createSimulatorApp({
    agency: 'prison',
    openapiPath: fileURLToPath(new URL('./openapi.yaml', import.meta.url)),
    routes,
  });
}
