import { readFileSync } from 'node:fs';
import { buildASTSchema, concatAST, graphql, isObjectType, Kind, parse, visit } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { canonicalCro, canonicalNomsNumber, canonicalPnc } from '../../schema/identifiers.js';
import { identitiesFromTheStart, useSimulator } from '../kit/agency-test-kit.js';
import { AgencyUnavailableError } from '../kit/errors.js';
import { KEYS_PER_CALL } from '../kit/feeds.js';
import { type RunningSimulator, startSimulator } from '../kit/simulator.js';
import { createPopulation, populationOf, WRINKLES } from '../population/generate.js';
import { asSeenBy, type PrisonFacts, type SyntheticPerson } from '../population/types.js';
import type { PrisonRecord } from './adapter.js';
import { MovementEvent } from './client.js';
import prison from './index.js';

// Large enough that the identity change feed runs to more than one page.
const population = createPopulation({ seed: 20261101, size: 3000 });
const known = population.people.filter((p) => p.prison !== null && asSeenBy(p, 'prison').nomsNumber !== null);
const numberOf = (person: SyntheticPerson): string => asSeenBy(person, 'prison').nomsNumber as string;
const factsOf = (person: SyntheticPerson): PrisonFacts => person.prison as PrisonFacts;

const sim = useSimulator(() => prison.createSimulator(population));

const adapter = () => prison.createAdapter({ baseUrl: sim.url, timeoutMs: 2_000 });

describe('prison identity change feed', () => {
  it('gives every prisoner once from the start, paged 500 at a time, with canonical identifiers and the NOMIS spelling', async () => {
    expect(known.length).toBeGreaterThan(500);
    const identities = await identitiesFromTheStart(adapter());

    expect(identities.map((i) => i.key).sort()).toEqual(known.map(numberOf).sort());
    expect(sim.app.stats.counts()['GET /identity-changes']).toBe(Math.ceil(known.length / 500));
    const byKey = new Map(identities.map((i) => [i.key, i]));
    for (const person of known) {
      const seen = asSeenBy(person, 'prison');
      const identifiers: Record<string, string> = { nomsNumber: numberOf(person) };
      if (seen.pnc !== null) identifiers.pnc = seen.pnc;
      if (seen.cro !== null) identifiers.cro = seen.cro;
      expect(byKey.get(numberOf(person))).toEqual({
        agency: 'prison',
        key: numberOf(person),
        identifiers,
        givenName: seen.givenName,
        familyName: seen.familyName,
        dateOfBirth: person.dateOfBirth,
      });
    }
    for (const { identifiers } of identities) {
      expect(canonicalNomsNumber(identifiers.nomsNumber ?? '')).toEqual({ ok: true, value: identifiers.nomsNumber });
      if (identifiers.pnc !== undefined) expect(canonicalPnc(identifiers.pnc)).toEqual({ ok: true, value: identifiers.pnc });
      if (identifiers.cro !== undefined) expect(canonicalCro(identifiers.cro)).toEqual({ ok: true, value: identifiers.cro });
    }
    // The prison's own mistake is served as the prison holds it, for the gateway to see the conflict.
    const misrecorded = population.people[WRINKLES.conflictingIdentifiers] as SyntheticPerson;
    const cro = byKey.get(numberOf(misrecorded))?.identifiers.cro;
    expect(cro).toBe(misrecorded.conflicting?.prison?.cro);
    expect(cro).not.toBe(misrecorded.identifiers.cro);
  });

  it('canonicalises a lower-case prison number and a short-form PNC ID, and drops a PNC ID whose check letter fails', async () => {
    const [first, second] = known.filter((p) => asSeenBy(p, 'prison').pnc !== null && p.conflicting === undefined) as [SyntheticPerson, SyntheticPerson];
    const pnc = asSeenBy(first, 'prison').pnc as string;
    const shortPnc = `${pnc.slice(2, 4)}/${Number(pnc.slice(5, 12))}${pnc.slice(12)}`;
    const lowerNumber = numberOf(first).toLowerCase();
    const otherPnc = asSeenBy(second, 'prison').pnc as string;
    const badPnc = otherPnc.slice(0, -1) + (otherPnc.endsWith('A') ? 'B' : 'A');
    const wrinkled = populationOf(population, [
      { ...first, identifiers: { ...first.identifiers, nomsNumber: lowerNumber, pnc: shortPnc }, missingAt: {} },
      { ...second, identifiers: { ...second.identifiers, pnc: badPnc }, missingAt: {} },
    ]);
    const local = await startSimulator(prison.createSimulator(wrinkled));
    try {
      const localAdapter = prison.createAdapter({ baseUrl: local.url, timeoutMs: 2_000 });
      const [a, b] = await identitiesFromTheStart(localAdapter);
      // The key stays as NOMIS holds it (records are fetched by it); the identifiers are canonical.
      expect(a?.key).toBe(lowerNumber);
      expect(a?.identifiers.nomsNumber).toBe(numberOf(first));
      expect(a?.identifiers.pnc).toBe(pnc);
      expect(b?.identifiers.pnc).toBeUndefined();
      expect(b?.identifiers.nomsNumber).toBe(numberOf(second));
      expect((await localAdapter.records([lowerNumber])).has(lowerNumber)).toBe(true);
    } finally {
      await local.close();
    }
  });
});

describe('prison records', () => {
  it('fetches 150 prisoners in batches of KEYS_PER_CALL', async () => {
    expect(known.length).toBeGreaterThanOrEqual(150);
    const keys = known.slice(0, 150).map(numberOf);
    const records = await adapter().records(keys);
    expect([...records.keys()].sort()).toEqual([...keys].sort());
    expect(sim.app.stats.counts()).toEqual({ 'POST /prisoners/batch': Math.ceil(150 / KEYS_PER_CALL) });
  });

  it('leaves out prison numbers NOMIS does not hold, and asks nothing for no keys', async () => {
    const held = new Set(known.map(numberOf));
    const unknown = ['Z9999ZZ', 'Z9998ZZ'].filter((k) => !held.has(k));
    expect(unknown).toHaveLength(2);
    const keys = [numberOf(known[0] as SyntheticPerson), ...unknown, 'not-a-number'];
    const records = await adapter().records(keys);
    expect([...records.keys()]).toEqual([keys[0]]);
    expect(await adapter().records([])).toEqual(new Map());
    expect(sim.app.stats.total()).toBe(1);
  });

  it('maps a prisoner in custody and one released on licence field by field from the population facts', async () => {
    const inside = known.find((p) => factsOf(p).inCustody && factsOf(p).establishment !== null);
    const released = known.find((p) => !factsOf(p).inCustody && factsOf(p).licenceConditions.length > 0);
    if (!inside || !released) throw new Error('the population has no prisoner in custody, or none released on licence');
    const records = await adapter().records([numberOf(inside), numberOf(released)]);

    for (const person of [inside, released]) {
      const facts = factsOf(person);
      const record = records.get(numberOf(person)) as PrisonRecord;
      expect(record.inCustody).toBe(facts.inCustody);
      expect(record.establishment).toEqual(facts.establishment && { code: facts.establishment.code, name: facts.establishment.name });
      expect(record.receptionDate).toBe(facts.receptionDate);
      expect(record.releaseDates).toEqual({
        conditionalReleaseDate: facts.conditionalReleaseDate,
        licenceExpiryDate: facts.licenceExpiryDate,
        sentenceExpiryDate: facts.sentenceExpiryDate,
        actualReleaseDate: facts.actualReleaseDate,
      });
      expect(record.licenceConditions).toEqual(facts.licenceConditions.map((c) => ({ code: c.code, description: c.description })));
      const pom = facts.prisonOffenderManager;
      expect(record.offenderManager).toEqual(pom && { name: pom.name, team: pom.team, phone: pom.phone, email: pom.email });
    }
    expect(records.get(numberOf(inside))?.inCustody).toBe(true);
    expect(records.get(numberOf(inside))?.offenderManager).not.toBeNull();
    expect(records.get(numberOf(released))?.inCustody).toBe(false);
    expect(records.get(numberOf(released))?.releaseDates.actualReleaseDate).not.toBeNull();
  });

  it('maps every prisoner NOMIS holds', async () => {
    const records = await adapter().records(known.map(numberOf));
    expect(records.size).toBe(known.length);
    for (const person of known) {
      const facts = factsOf(person);
      const pom = facts.prisonOffenderManager;
      expect(records.get(numberOf(person)), numberOf(person)).toEqual({
        inCustody: facts.inCustody,
        establishment: facts.establishment,
        receptionDate: facts.receptionDate,
        releaseDates: {
          conditionalReleaseDate: facts.conditionalReleaseDate,
          licenceExpiryDate: facts.licenceExpiryDate,
          sentenceExpiryDate: facts.sentenceExpiryDate,
          actualReleaseDate: facts.actualReleaseDate,
        },
        licenceConditions: facts.licenceConditions,
        offenderManager: pom && { name: pom.name, team: pom.team, phone: pom.phone, email: pom.email },
      });
    }
  });
});

describe('prison section schema', () => {
  const core = parse(readFileSync(new URL('../../schema/person.graphql', import.meta.url), 'utf8'));
  const section = parse(prison.typeDefs);

  it("classifies every PrisonRecord field with a prison data item, and names exactly the module's data items", () => {
    const used = new Set<string>();
    visit(section, {
      Directive(node) {
        const name = node.arguments?.find((a) => a.name.value === 'name')?.value;
        if (node.name.value === 'dataItem' && name?.kind === Kind.STRING) used.add(name.value);
      },
    });
    expect([...used].sort()).toEqual(Object.keys(prison.dataItems).sort());

    const type = buildASTSchema(concatAST([core, section])).getType('PrisonRecord');
    if (!isObjectType(type)) throw new Error('PrisonRecord is not an object type');
    for (const field of Object.values(type.getFields())) {
      expect(
        field.astNode?.directives?.find((d) => d.name.value === 'dataItem'),
        field.name,
      ).toBeDefined();
    }
  });

  it("serves a mapped record through GraphQL unchanged: property names are the SDL's", async () => {
    const schema = buildASTSchema(concatAST([core, section]));
    const type = schema.getType('PrisonRecord');
    if (!isObjectType(type)) throw new Error('PrisonRecord is not an object type');
    // Licence conditions come with release and the POM stays behind, so one of each covers every field.
    const inside = known.find((p) => factsOf(p).prisonOffenderManager !== null) as SyntheticPerson;
    const released = known.find((p) => factsOf(p).licenceConditions.length > 0) as SyntheticPerson;
    const records = await adapter().records([numberOf(inside), numberOf(released)]);
    for (const person of [inside, released]) {
      const record = records.get(numberOf(person)) as PrisonRecord;
      expect(Object.keys(record).sort()).toEqual(Object.keys(type.getFields()).sort());
      const result = await graphql({
        schema,
        source: `{ person(nomsNumber: "x") { prison {
          inCustody
          establishment { code name }
          receptionDate
          releaseDates { conditionalReleaseDate licenceExpiryDate sentenceExpiryDate actualReleaseDate }
          licenceConditions { code description }
          offenderManager { name team phone email }
        } } }`,
        rootValue: { person: () => ({ id: 'p1', prison: record }) },
      });
      expect(result.errors).toBeUndefined();
      expect(result.data).toEqual({ person: { prison: JSON.parse(JSON.stringify(record)) } });
    }
  });
});

describe('prison faults', () => {
  it('reports NOMIS down as error-status', async () => {
    sim.app.faults.set({ mode: 'down' });
    await expect(adapter().records([numberOf(known[0] as SyntheticPerson)])).rejects.toMatchObject({
      name: 'AgencyUnavailableError',
      agency: 'prison',
      reason: 'error-status',
    });
    await expect(adapter().identityChanges(null)).rejects.toBeInstanceOf(AgencyUnavailableError);
  });

  it('reports a payload that breaks the contract as malformed-payload', async () => {
    sim.app.faults.set({ mode: 'malformed' });
    await expect(adapter().records([numberOf(known[0] as SyntheticPerson)])).rejects.toMatchObject({ reason: 'malformed-payload' });
    await expect(adapter().identityChanges(null)).rejects.toMatchObject({ reason: 'malformed-payload' });
  });

  it('gives up after timeoutMs', async () => {
    sim.app.faults.set({ latencyMs: 1_000 });
    const slow = prison.createAdapter({ baseUrl: sim.url, timeoutMs: 100 });
    const started = Date.now();
    await expect(slow.records([numberOf(known[0] as SyntheticPerson)])).rejects.toMatchObject({ agency: 'prison', reason: 'timeout' });
    expect(Date.now() - started).toBeLessThan(900);
  });
});

describe('prison simulator contract', () => {
  const post = (body: string) => fetch(`${sim.url}/prisoners/batch`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });

  it('answers 400 with a reason to a bad batch body', async () => {
    const tooMany = JSON.stringify({ keys: Array.from({ length: 101 }, (_, i) => `A${String(i).padStart(4, '0')}AA`) });
    for (const body of ['{}', '{"keys": []}', '{"keys": "A1234BC"}', '{"keys": [7]}', tooMany, '{"keys": ']) {
      const response = await post(body);
      expect(response.status, body).toBe(400);
      const answer = (await response.json()) as { error?: unknown };
      expect(typeof answer.error, body).toBe('string');
    }
    const response = await post(tooMany);
    expect(((await response.json()) as { error: string }).error).toMatch(/100/);
  });

  it('serves its OpenAPI contract', async () => {
    const response = await fetch(`${sim.url}/openapi.yaml`);
    expect(await response.text()).toContain('/prisoners/batch');
  });
});

describe('prison event feed', () => {
  let feed: RunningSimulator;
  beforeAll(async () => {
    feed = await startSimulator(prison.createSimulator(population));
  });
  afterAll(() => feed.close());
  const feedAdapter = () => prison.createAdapter({ baseUrl: feed.url, timeoutMs: 2_000 });

  it('reports releases, leaves admissions out, and the prisoner record follows every movement', async () => {
    const response = await fetch(`${feed.url}/__admin/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"count": 60}' });
    const made = z.object({ events: z.array(MovementEvent) }).parse(await response.json()).events;
    const releases = made.filter((e) => e.movementType === 'REL');
    expect(releases.length).toBeGreaterThan(0);
    expect(releases.length).toBeLessThan(made.length);
    const page = await feedAdapter().events?.(null);
    if (!page) throw new Error('the prison adapter has no event feed');

    expect(page.events.map((e) => [e.id, e.key, e.type])).toEqual(releases.map((e) => [e.eventId, e.offenderNo, 'release']));
    // The cursor moves past the admissions too, so they are not read again.
    expect(page.cursor).toBe(made.at(-1)?.eventId);
    const records = await feedAdapter().records([...new Set(made.map((e) => e.offenderNo))]);
    for (const offenderNo of new Set(made.map((e) => e.offenderNo))) {
      const last = made.filter((e) => e.offenderNo === offenderNo).at(-1);
      const record = records.get(offenderNo);
      expect(record?.inCustody).toBe(last?.movementType === 'ADM');
      expect(record?.releaseDates.actualReleaseDate).toBe(last?.movementType === 'REL' ? last.movementDate : null);
    }
  });
});
