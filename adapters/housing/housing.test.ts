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
import type { HousingRecord } from './adapter.js';
import { ClientEvent } from './client.js';
import housing from './index.js';

const population = createPopulation({ seed: 20260101, size: 2000 });
const housed = population.people.filter((p): p is SyntheticPerson & { housing: NonNullable<SyntheticPerson['housing']> } => p.housing !== null);

const newestFirst =
  <T>(date: (item: T) => string) =>
  (a: T, b: T) =>
    date(b).localeCompare(date(a));

const sim = useSimulator(() => housing.createSimulator(population));
const adapter = (timeoutMs = 2_000) => housing.createAdapter({ baseUrl: sim.url, timeoutMs });

describeIdentityChangeFeed('housing identity change feed', housing, sim, {
  agency: 'housing',
  population,
  served: housed,
  keyOf: (p) => p.housing?.reference ?? '',
});

describe('housing records', () => {
  it('fetches 150 clients in batches of KEYS_PER_CALL', async () => {
    const keys = housed.slice(0, 150).map((p) => p.housing.reference);
    const records = await adapter().records(keys);
    expect([...records.keys()].sort()).toEqual([...keys].sort());
    expect(sim.app.stats.counts()).toEqual({ 'POST /clients/batch': Math.ceil(150 / KEYS_PER_CALL) });
  });

  it('leaves out references the council does not hold', async () => {
    const known = housed[1]!.housing.reference;
    const records = await adapter().records(['NOT-A-HOUSING-REF', known]);
    expect([...records.keys()]).toEqual([known]);
  });

  it('asks nothing upstream for no keys', async () => {
    expect((await adapter().records([])).size).toBe(0);
    expect(sim.app.stats.total()).toBe(0);
  });

  it('maps every client field by field from the population facts', async () => {
    // The population must exercise what is being compared.
    expect(housed.some((p) => p.housing.address === null) && housed.some((p) => p.housing.address !== null)).toBe(true);
    expect(housed.some((p) => p.housing.supportReferrals.length > 1)).toBe(true);
    expect(housed.some((p) => p.housing.staffSafetyFlags.length > 0)).toBe(true);

    const records = await adapter().records(housed.map((p) => p.housing.reference));
    expect(records.size).toBe(housed.length);
    for (const { housing: facts } of housed) {
      const section = records.get(facts.reference) as HousingRecord;
      expect(Object.keys(section).sort()).toEqual(
        ['accommodationStatus', 'accommodationStatusSince', 'address', 'housingOfficer', 'staffSafetyFlags', 'supportReferrals'].sort(),
      );
      expect(section.accommodationStatus).toBe(upperSnake(facts.accommodationStatus));
      expect(section.accommodationStatusSince).toBe(facts.statusSince);
      expect(section.address).toEqual(facts.address);
      expect(section.supportReferrals).toEqual(
        facts.supportReferrals
          .map((r) => ({ service: r.service, referredOn: r.referredOn, status: upperSnake(r.status) }))
          .sort(newestFirst((r) => r.referredOn)),
      );
      expect(section.staffSafetyFlags).toEqual(
        facts.staffSafetyFlags.map((f) => ({ type: upperSnake(f.type), addedOn: f.addedOn, note: f.note })).sort(newestFirst((f) => f.addedOn)),
      );
      expect(section.housingOfficer).toEqual(facts.housingOfficer);
    }
  });

  it('gives every status, referral and flag a value the schema accepts', async () => {
    const records = await adapter().records(housed.map((p) => p.housing.reference));
    const schema = schemaWith(housing);
    // One execution over every section: `people` carries a list of persons, each with its section.
    const query = `query { people(name: "any") { person { housing ${selection(schema.getType('HousingRecord') as GraphQLObjectType)} } } }`;
    const sections = [...records.values()];
    const result = await graphql({
      schema,
      source: query,
      rootValue: { people: () => sections.map((housing, i) => ({ person: { id: String(i), housing } })) },
    });
    expect(result.errors).toBeUndefined();
    expect(JSON.parse(JSON.stringify(result.data))).toEqual({ people: sections.map((housing) => ({ person: { housing } })) });
  });
});

describe('housing system faults', () => {
  it('down: the adapter says the agency answered with an error status', async () => {
    sim.app.faults.set({ mode: 'down' });
    await expect(adapter().records([housed[0]!.housing.reference])).rejects.toMatchObject({ agency: 'housing', reason: 'error-status' });
    await expect(adapter().identityChanges(null)).rejects.toSatisfy((e) => e instanceof AgencyUnavailableError && e.reason === 'error-status');
  });

  it('malformed: the adapter reports a malformed payload', async () => {
    sim.app.faults.set({ mode: 'malformed' });
    await expect(adapter().records([housed[0]!.housing.reference])).rejects.toMatchObject({ reason: 'malformed-payload' });
    await expect(adapter().identityChanges(null)).rejects.toMatchObject({ reason: 'malformed-payload' });
  });

  it('slower than the timeout: the adapter gives up with a timeout', async () => {
    sim.app.faults.set({ latencyMs: 400 });
    const started = Date.now();
    await expect(adapter(100).records([housed[0]!.housing.reference])).rejects.toMatchObject({ reason: 'timeout' });
    expect(Date.now() - started).toBeLessThan(400);
  });
});

describeSimulatorInput('housing simulator input', sim, { path: '/clients/batch', keyLetter: 'H' });

describeModuleSchema(housing, {
  type: 'HousingRecord',
  dataItems: ['housing.accommodationStatus', 'housing.address', 'housing.housingOfficer', 'housing.staffSafetyFlags', 'housing.supportReferrals'],
});

describe('housing event feed', () => {
  let feed: RunningSimulator;
  beforeAll(async () => {
    feed = await startSimulator(housing.createSimulator(population));
  });
  afterAll(() => feed.close());

  it('reports losses of accommodation, leaves accommodation found out, and the client record follows every change', async () => {
    const response = await fetch(`${feed.url}/__admin/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"count": 60}' });
    const made = z.object({ events: z.array(ClientEvent) }).parse(await response.json()).events;
    const losses = made.filter((e) => e.eventType === 'ACCOMMODATION_LOST');
    expect(losses.length).toBeGreaterThan(0);
    expect(losses.length).toBeLessThan(made.length);
    const feedAdapter = housing.createAdapter({ baseUrl: feed.url, timeoutMs: 2_000 });
    const page = await feedAdapter.events?.(null);
    if (!page) throw new Error('the housing adapter has no event feed');

    expect(page.events.map((e) => [e.id, e.key, e.type])).toEqual(losses.map((e) => [e.eventId, e.housingRef, 'accommodation-lost']));
    expect(page.cursor).toBe(made.at(-1)?.eventId);
    expect(page.events.every((e) => ['ROUGH_SLEEPING', 'NO_FIXED_ABODE'].includes(String(e.details.status)))).toBe(true);
    const records = await feedAdapter.records([...new Set(made.map((e) => e.housingRef))]);
    for (const housingRef of new Set(made.map((e) => e.housingRef))) {
      const last = made.filter((e) => e.housingRef === housingRef).at(-1);
      const record = records.get(housingRef);
      expect(record?.accommodationStatusSince).toBe(last?.current.statusDate);
      expect(record?.address === null).toBe(last?.eventType === 'ACCOMMODATION_LOST');
    }
  });
});
