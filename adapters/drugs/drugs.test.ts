import { type GraphQLObjectType, graphql } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  describeIdentityChangeFeed,
  describeModuleSchema,
  describeSimulatorInput,
  schemaWith,
  selection,
  upperSnake,
  useSimulator,
} from '../kit/agency-test-kit.js';
import { AgencyUnavailableError } from '../kit/errors.js';
import { KEYS_PER_CALL } from '../kit/feeds.js';
import { type RunningSimulator, startSimulator } from '../kit/simulator.js';
import { createPopulation } from '../population/generate.js';
import type { SyntheticPerson } from '../population/types.js';
import type { DrugServiceRecord } from './adapter.js';
import { ServiceUserEvent } from './client.js';
import drugs from './index.js';

const population = createPopulation({ seed: 20260101, size: 2000 });
const served = population.people.filter((p): p is SyntheticPerson & { drugs: NonNullable<SyntheticPerson['drugs']> } => p.drugs !== null);

const newestFirst =
  <T>(date: (item: T) => string) =>
  (a: T, b: T) =>
    date(b).localeCompare(date(a));

const sim = useSimulator(() => drugs.createSimulator(population));
const adapter = (timeoutMs = 2_000) => drugs.createAdapter({ baseUrl: sim.url, timeoutMs });

describeIdentityChangeFeed('drug service identity change feed', drugs, sim, {
  agency: 'drugs',
  population,
  served: served,
  keyOf: (p) => p.drugs?.reference ?? '',
});

describe('drug service records', () => {
  it('fetches 150 service users in batches of KEYS_PER_CALL', async () => {
    const keys = served.slice(0, 150).map((p) => p.drugs.reference);
    const records = await adapter().records(keys);
    expect([...records.keys()].sort()).toEqual([...keys].sort());
    expect(sim.app.stats.counts()).toEqual({ 'POST /service-users/batch': Math.ceil(150 / KEYS_PER_CALL) });
  });

  it('leaves out references the service does not hold', async () => {
    const known = served[1]!.drugs.reference;
    const records = await adapter().records(['NOT-A-SERVICE-REF', known]);
    expect([...records.keys()]).toEqual([known]);
  });

  it('asks nothing upstream for no keys', async () => {
    expect((await adapter().records([])).size).toBe(0);
    expect(sim.app.stats.total()).toBe(0);
  });

  it('maps every service user field by field from the population facts', async () => {
    // The population must exercise what is being compared.
    expect(served.some((p) => p.drugs.testsOnArrest.length > 1 && p.drugs.testsOnArrest.some((t) => t.substances.length > 0))).toBe(true);
    expect(served.some((p) => p.drugs.outcomeReviews.length > 1)).toBe(true);
    expect(served.some((p) => p.drugs.treatment.keyworker === null) && served.some((p) => p.drugs.treatment.keyworker !== null)).toBe(true);
    expect(served.some((p) => p.drugs.consent.scope === null) && served.some((p) => p.drugs.consent.scope !== null)).toBe(true);

    const records = await adapter().records(served.map((p) => p.drugs.reference));
    expect(records.size).toBe(served.length);
    for (const { drugs: facts } of served) {
      const section = records.get(facts.reference) as DrugServiceRecord;
      expect(Object.keys(section).sort()).toEqual(
        ['consent', 'keyworker', 'requiredAssessment', 'testsOnArrest', 'treatmentEngagement', 'treatmentModality', 'treatmentOutcomes'].sort(),
      );
      expect(section.testsOnArrest).toEqual(
        facts.testsOnArrest
          .map((t) => ({ testedOn: t.testedOn, result: upperSnake(t.result), substances: t.substances.map(upperSnake) }))
          .sort(newestFirst((t) => t.testedOn)),
      );
      expect(section.requiredAssessment).toEqual({
        required: facts.requiredAssessment.required,
        attended: facts.requiredAssessment.attended,
        date: facts.requiredAssessment.date,
      });
      expect(section.treatmentEngagement).toEqual({ engaged: facts.treatment.engaged, since: facts.treatment.since });
      expect(section.treatmentModality).toBe(facts.treatment.modality && upperSnake(facts.treatment.modality));
      expect(section.treatmentOutcomes).toEqual(
        facts.outcomeReviews
          .map((r) => ({ reviewedOn: r.date, opiateDays: r.opiateDays, crackDays: r.crackDays, alcoholDays: r.alcoholDays, injecting: r.injecting }))
          .sort(newestFirst((r) => r.reviewedOn)),
      );
      expect(section.consent).toEqual({
        recorded: facts.consent.recorded,
        recordedOn: facts.consent.recordedOn,
        scope: facts.consent.scope && upperSnake(facts.consent.scope),
      });
      expect(section.keyworker).toEqual(facts.treatment.keyworker);
    }
  });

  it('gives every test, modality, review and consent a value the schema accepts', async () => {
    const records = await adapter().records(served.map((p) => p.drugs.reference));
    const schema = schemaWith(drugs);
    // One execution over every section: `people` carries a list of persons, each with its section.
    const query = `query { people(name: "any") { person { drugs ${selection(schema.getType('DrugServiceRecord') as GraphQLObjectType)} } } }`;
    const sections = [...records.values()];
    const result = await graphql({ schema, source: query, rootValue: { people: () => sections.map((drugs, i) => ({ person: { id: String(i), drugs } })) } });
    expect(result.errors).toBeUndefined();
    expect(JSON.parse(JSON.stringify(result.data))).toEqual({ people: sections.map((drugs) => ({ person: { drugs } })) });
  });
});

describe('drug service system faults', () => {
  it('down: the adapter says the agency answered with an error status', async () => {
    sim.app.faults.set({ mode: 'down' });
    await expect(adapter().records([served[0]!.drugs.reference])).rejects.toMatchObject({ agency: 'drugs', reason: 'error-status' });
    await expect(adapter().identityChanges(null)).rejects.toSatisfy((e) => e instanceof AgencyUnavailableError && e.reason === 'error-status');
  });

  it('malformed: the adapter reports a malformed payload', async () => {
    sim.app.faults.set({ mode: 'malformed' });
    await expect(adapter().records([served[0]!.drugs.reference])).rejects.toMatchObject({ reason: 'malformed-payload' });
    await expect(adapter().identityChanges(null)).rejects.toMatchObject({ reason: 'malformed-payload' });
  });

  it('slower than the timeout: the adapter gives up with a timeout', async () => {
    sim.app.faults.set({ latencyMs: 400 });
    const started = Date.now();
    await expect(adapter(100).records([served[0]!.drugs.reference])).rejects.toMatchObject({ reason: 'timeout' });
    expect(Date.now() - started).toBeLessThan(400);
  });
});

describeSimulatorInput('drug service simulator input', sim, { path: '/service-users/batch', keyLetter: 'D' });

describeModuleSchema(drugs, {
  type: 'DrugServiceRecord',
  dataItems: [
    'drugs.consent',
    'drugs.keyworker',
    'drugs.requiredAssessment',
    'drugs.testOnArrest',
    'drugs.treatmentDetail',
    'drugs.treatmentEngagement',
    'drugs.treatmentOutcomes',
  ],
});

describe('drug service event feed', () => {
  let feed: RunningSimulator;
  beforeAll(async () => {
    feed = await startSimulator(drugs.createSimulator(population));
  });
  afterAll(() => feed.close());

  it('reports positive tests on arrest, leaves negative ones out, and the service user record holds every test', async () => {
    const response = await fetch(`${feed.url}/__admin/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"count": 30}' });
    const made = z.object({ events: z.array(ServiceUserEvent) }).parse(await response.json()).events;
    const positives = made.filter((e) => e.test.result === 'POSITIVE');
    expect(positives.length).toBeGreaterThan(0);
    expect(positives.length).toBeLessThan(made.length);
    expect(positives.every((e) => e.test.substancesDetected.length > 0)).toBe(true);
    const feedAdapter = drugs.createAdapter({ baseUrl: feed.url, timeoutMs: 2_000 });
    const page = await feedAdapter.events?.(null);
    if (!page) throw new Error('the drugs adapter has no event feed');

    expect(page.events.map((e) => [e.id, e.key, e.type])).toEqual(positives.map((e) => [e.eventId, e.serviceUserRef, 'positive-drug-test']));
    expect(page.events[0]?.summary).toBe(
      `Tested positive on arrest on ${positives[0]?.test.testDate} for ${positives[0]?.test.substancesDetected.map((s) => s.toLowerCase()).join(', ')}`,
    );
    const records = await feedAdapter.records([...new Set(made.map((e) => e.serviceUserRef))]);
    for (const event of made) {
      const tests = records.get(event.serviceUserRef)?.testsOnArrest ?? [];
      expect(tests.filter((t) => t.testedOn === event.test.testDate && t.result === event.test.result).length).toBeGreaterThan(0);
    }
  });
});
