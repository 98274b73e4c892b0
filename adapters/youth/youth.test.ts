import { type GraphQLObjectType, graphql } from 'graphql';
import { describe, expect, it } from 'vitest';
import { schemaWith, selection, upperSnake, useSimulator } from '../kit/agency-test-kit.js';
import { addYears, toDay } from '../population/dates.js';
import { createPopulation } from '../population/generate.js';
import { servedBy } from '../population/slice.js';
import youth from './index.js';

const population = createPopulation({ seed: 20260101, size: 2000 });
const served = servedBy(population, youth.population);
const sim = useSimulator(() => youth.createSimulator(population));
const adapter = () => youth.createAdapter({ baseUrl: sim.url, timeoutMs: 2_000 });
const today = toDay(population.referenceDate);

const newestFirst =
  <T>(date: (item: T) => string) =>
  (a: T, b: T) =>
    date(b).localeCompare(date(a));

describe('the youth offending team’s population', () => {
  it('knows people charged as children, each order made when they were 10 to 17', () => {
    expect(served.length).toBeGreaterThan(100);
    for (const { person, facts } of served) {
      expect(facts.orders.length).toBeGreaterThan(0);
      for (const order of facts.orders) {
        expect(order.ageAtStart).toBeGreaterThanOrEqual(10);
        expect(order.ageAtStart).toBeLessThanOrEqual(17);
        expect(toDay(order.startDate)).toBeLessThan(addYears(toDay(person.dateOfBirth), 18));
      }
    }
    // Every order type is made, and someone of each type is known.
    expect(new Set(served.flatMap((s) => s.facts.orders.map((o) => o.type)))).toEqual(
      new Set(['referral-order', 'youth-rehabilitation-order', 'detention-and-training-order']),
    );
  });

  it('includes young adults now in the adult cohort, some transferred to probation at 18 under their CRN', () => {
    const youngAdultsInCohort = served.filter(({ person }) => person.cohort !== null && addYears(toDay(person.dateOfBirth), 25) > today);
    expect(youngAdultsInCohort.length).toBeGreaterThan(0);
    const transferred = served.filter((s) => s.facts.transition.status === 'transferred');
    expect(transferred.length).toBeGreaterThan(0);
    for (const { person, facts } of transferred) {
      expect(facts.transition.probationCrn).toBe(person.identifiers.crn);
      expect(facts.transition.transferredOn).toBe(facts.transition.eighteenthBirthday);
    }
  });
});

describe('youth records', () => {
  it('maps every case field by field from the population facts', async () => {
    expect(served.some((s) => s.facts.assetPlus === null) && served.some((s) => s.facts.wellbeingConcerns.length > 1)).toBe(true);
    const records = await adapter().records(served.map((s) => s.key));
    expect(records.size).toBe(served.length);
    for (const { key, facts } of served) {
      expect(records.get(key)).toEqual({
        caseWorker: facts.caseWorker,
        orders: facts.orders
          .map((o) => ({
            type: upperSnake(o.type),
            startDate: o.startDate,
            endDate: o.endDate,
            ageAtStart: o.ageAtStart,
            offence: o.offence,
            status: upperSnake(o.status),
          }))
          .sort(newestFirst((o) => o.startDate)),
        assetPlus: facts.assetPlus && {
          assessedOn: facts.assetPlus.assessedOn,
          riskOfSeriousHarm: upperSnake(facts.assetPlus.riskOfSeriousHarm),
          likelihoodOfReoffending: upperSnake(facts.assetPlus.likelihoodOfReoffending),
        },
        safeguardingConcerns: facts.safeguardingConcerns.map((c) => ({ ...c, category: upperSnake(c.category) })).sort(newestFirst((c) => c.recordedOn)),
        wellbeingConcerns: facts.wellbeingConcerns.map((c) => ({ ...c, category: upperSnake(c.category) })).sort(newestFirst((c) => c.recordedOn)),
        transition: { ...facts.transition, status: upperSnake(facts.transition.status) },
      });
    }
  });

  it('gives every order, assessment and transition a value the schema accepts', async () => {
    const sections = [...(await adapter().records(served.map((s) => s.key))).values()];
    const schema = schemaWith(youth);
    const query = `query { people(name: "any") { person { youth ${selection(schema.getType('YouthJusticeRecord') as GraphQLObjectType)} } } }`;
    const result = await graphql({
      schema,
      source: query,
      rootValue: { people: () => sections.map((section, i) => ({ person: { id: String(i), youth: section } })) },
    });
    expect(result.errors).toBeUndefined();
    expect(JSON.parse(JSON.stringify(result.data))).toEqual({ people: sections.map((section) => ({ person: { youth: section } })) });
  });
});
