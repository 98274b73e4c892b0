import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildSchema, graphql, Kind, parse } from 'graphql';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { canonicalIdentifier, IDENTIFIER_KINDS, mintPnc } from '../../schema/identifiers.js';
import { coreTypeDefs } from '../../schema/index.js';
import { identitiesFromTheStart } from '../kit/agency-test-kit.js';
import { AgencyUnavailableError } from '../kit/errors.js';
import { KEYS_PER_CALL } from '../kit/feeds.js';
import { type RunningSimulator, startSimulator } from '../kit/simulator.js';
import { createPopulation, populationOf } from '../population/generate.js';
import { asSeenBy, type Population, type ProbationFacts, type SyntheticPerson } from '../population/types.js';
import { ogrsBand, type ProbationRecord } from './adapter.js';
import { CaseEvent } from './client.js';
import probation from './index.js';

const TIMEOUT_MS = 2_000;
const BATCH_ROUTE = 'POST /cases/batch';
const IDENTITY_ROUTE = 'GET /identity-changes';

const population = createPopulation();
const probationPeople = population.people.filter((p): p is SyntheticPerson & { probation: ProbationFacts } => p.probation !== null);
const crnOf = (person: SyntheticPerson): string => {
  const crn = asSeenBy(person, 'probation').crn ?? person.identifiers.crn;
  if (crn === null) throw new Error(`person ${person.index} is known to probation but has no CRN`);
  return crn;
};

/** What the section should hold for a person's facts: the SDL's enum values are the facts' values in upper snake case. */
const upper = (value: string) => value.toUpperCase().replace(/-/g, '_');
function expectedRecord(facts: ProbationFacts): ProbationRecord {
  const { sentence, responsibleOfficer: officer, ogrsScore } = facts;
  return {
    sentence: sentence && {
      type: upper(sentence.type) as NonNullable<ProbationRecord['sentence']>['type'],
      description: sentence.description,
      startDate: sentence.startDate,
      endDate: sentence.endDate,
      indexOffence: {
        description: sentence.indexOffence,
        category: upper(sentence.indexOffenceCategory) as NonNullable<ProbationRecord['sentence']>['indexOffence']['category'],
      },
    },
    requirements: facts.requirements.map((r) => ({
      type: upper(r.type) as ProbationRecord['requirements'][number]['type'],
      startDate: r.startDate,
      status: upper(r.status) as ProbationRecord['requirements'][number]['status'],
    })),
    compliance: {
      status: upper(facts.compliance.status) as ProbationRecord['compliance']['status'],
      breachCount: facts.compliance.breachCount,
      lastBreachDate: facts.compliance.lastBreachDate,
    },
    responsibleOfficer: { name: officer.name, team: officer.team, phone: officer.phone, email: officer.email },
    riskOfSeriousHarm: upper(facts.riskOfSeriousHarm) as ProbationRecord['riskOfSeriousHarm'],
    ogrs: {
      score: ogrsScore,
      band: ogrsScore >= 90 ? 'VERY_HIGH' : ogrsScore >= 75 ? 'HIGH' : ogrsScore >= 50 ? 'MEDIUM' : 'LOW',
      assessedOn: facts.ogrsAssessedOn,
    },
    criminogenicNeeds: facts.criminogenicNeeds.map((n) => ({
      area: upper(n.area) as ProbationRecord['criminogenicNeeds'][number]['area'],
      severity: upper(n.severity) as ProbationRecord['criminogenicNeeds'][number]['severity'],
    })),
    mappa: facts.mappa && { category: facts.mappa.category, level: facts.mappa.level },
    registrations: facts.registrations.map((r) => ({
      type: upper(r.type) as ProbationRecord['registrations'][number]['type'],
      startDate: r.startDate,
      note: r.note,
    })),
  };
}

async function withSimulator<T>(people: Population, run: (sim: RunningSimulator) => Promise<T>): Promise<T> {
  const sim = await startSimulator(probation.createSimulator(people));
  try {
    return await run(sim);
  } finally {
    await sim.close();
  }
}

describe('probation adapter against the nDelius simulator', () => {
  let sim: RunningSimulator;
  const adapter = () => probation.createAdapter({ baseUrl: sim.url, timeoutMs: TIMEOUT_MS });

  beforeAll(async () => {
    sim = await startSimulator(probation.createSimulator(population));
  });
  afterAll(() => sim.close());
  afterEach(() => {
    sim.app.faults.set({ mode: 'normal', latencyMs: 0 });
    sim.app.stats.reset();
  });

  it('reads the identity change feed from the start, page by page, with canonical identifiers and the names probation records', async () => {
    expect(probationPeople.length).toBeGreaterThan(500); // so the feed really pages
    const identities = await identitiesFromTheStart(adapter());

    expect(sim.app.stats.counts()[IDENTITY_ROUTE]).toBe(Math.ceil(probationPeople.length / 500));
    expect(identities).toHaveLength(probationPeople.length);
    const byKey = new Map(identities.map((identity) => [identity.key, identity]));
    expect(byKey.size).toBe(identities.length);
    for (const person of probationPeople) {
      const seen = asSeenBy(person, 'probation');
      const identity = byKey.get(crnOf(person));
      const expectedIdentifiers: Record<string, string> = {};
      for (const kind of IDENTIFIER_KINDS) {
        const value = kind === 'crn' ? crnOf(person) : seen[kind];
        if (value !== null) expectedIdentifiers[kind] = value;
      }
      expect(identity).toEqual({
        agency: 'probation',
        key: crnOf(person),
        identifiers: expectedIdentifiers,
        givenName: seen.givenName,
        familyName: seen.familyName,
        dateOfBirth: person.dateOfBirth,
      });
      for (const [kind, value] of Object.entries(identity?.identifiers ?? {})) {
        expect(canonicalIdentifier(kind as (typeof IDENTIFIER_KINDS)[number], value)).toEqual({ ok: true, value });
      }
    }
  });

  it('takes a change that carries the identity of another case as a malformed answer, not as either case', async () => {
    const identity = {
      reference: 'X000002',
      givenName: 'A',
      familyName: 'B',
      dateOfBirth: '1990-01-01',
      pnc: null,
      cro: null,
      nomsNumber: null,
      crn: 'X000002',
    };
    const mismatched = createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ items: [{ reference: 'X000001', identity }], cursor: 'c.1.1', more: false }));
    });
    await new Promise<void>((resolve) => mismatched.listen(0, '127.0.0.1', resolve));
    const { port } = mismatched.address() as AddressInfo;
    try {
      await expect(probation.createAdapter({ baseUrl: `http://127.0.0.1:${port}`, timeoutMs: TIMEOUT_MS }).identityChanges(null)).rejects.toMatchObject({
        agency: 'probation',
        reason: 'malformed-payload',
      });
    } finally {
      await new Promise((resolve) => mismatched.close(resolve));
    }
  });

  it('canonicalises a short-form PNC and drops an identifier that fails its check, never inventing one', async () => {
    const people = structuredClone(population.people);
    const altered = populationOf(population, people);
    const [first, second] = people.filter((p) => p.probation !== null && p.identifiers.pnc !== null && !p.missingAt.probation?.includes('pnc'));
    if (!first || !second) throw new Error('the population has too few probation cases with a PNC ID');
    const canonical = mintPnc(2019, 4321);
    first.identifiers.pnc = canonical.replace(/^20(\d\d)\/000/, '$1/'); // 19/4321X
    const wrongLetter = canonical.endsWith('A') ? 'B' : 'A';
    second.identifiers.pnc = canonical.slice(0, -1) + wrongLetter;

    const identities = await withSimulator(altered, (running) =>
      identitiesFromTheStart(probation.createAdapter({ baseUrl: running.url, timeoutMs: TIMEOUT_MS })),
    );
    const firstIdentity = identities.find((i) => i.key === crnOf(first));
    const secondIdentity = identities.find((i) => i.key === crnOf(second));
    expect(firstIdentity?.identifiers.pnc).toBe(canonical);
    expect(secondIdentity).toBeDefined();
    expect(secondIdentity?.identifiers).not.toHaveProperty('pnc');
    expect(secondIdentity?.identifiers.crn).toBe(crnOf(second));
  });

  it('fetches 150 cases in batches of KEYS_PER_CALL', async () => {
    const keys = probationPeople.slice(0, 150).map(crnOf);
    const records = await adapter().records(keys);

    expect(sim.app.stats.counts()[BATCH_ROUTE]).toBe(Math.ceil(150 / KEYS_PER_CALL));
    expect([...records.keys()].sort()).toEqual([...keys].sort());
  });

  it('sends the chunks of a large batch in parallel', async () => {
    sim.app.faults.set({ latencyMs: 400 });
    const keys = probationPeople.slice(0, 250).map(crnOf);
    const started = performance.now();
    const records = await adapter().records(keys);
    const elapsed = performance.now() - started;

    expect(records.size).toBe(250);
    expect(sim.app.stats.counts()[BATCH_ROUTE]).toBe(Math.ceil(250 / KEYS_PER_CALL));
    expect(elapsed).toBeLessThan(1_000); // one after another would take at least 400 ms a batch
  });

  it('leaves out keys probation does not know, and asks nothing for an empty batch', async () => {
    const known = probationPeople.slice(0, 3).map(crnOf);
    const unknown = ['Z999999', 'not-a-crn'];
    const notProbation = population.people.find((p) => p.probation === null && p.identifiers.crn !== null);
    const records = await adapter().records([...known, ...unknown, ...(notProbation?.identifiers.crn ? [notProbation.identifiers.crn] : [])]);

    expect([...records.keys()].sort()).toEqual([...known].sort());
    expect(await adapter().records([])).toEqual(new Map());
    expect(sim.app.stats.counts()[BATCH_ROUTE]).toBe(1);
  });

  it('maps one well-documented case field by field', async () => {
    const person =
      probationPeople.find(
        (p) =>
          p.probation.sentence !== null &&
          p.probation.mappa !== null &&
          p.probation.requirements.length > 0 &&
          p.probation.registrations.length > 0 &&
          p.probation.criminogenicNeeds.length > 0,
      ) ?? probationPeople.find((p) => p.probation.sentence !== null && p.probation.requirements.length > 0);
    if (!person?.probation.sentence) throw new Error('the population has no probation case with a sentence and requirements');
    const facts = person.probation;
    const sentence = facts.sentence as NonNullable<ProbationFacts['sentence']>;
    const record = (await adapter().records([crnOf(person)])).get(crnOf(person));
    if (!record) throw new Error('the case was not returned');

    expect(record.sentence?.type).toBe(upper(sentence.type));
    expect(record.sentence?.description).toBe(sentence.description);
    expect(record.sentence?.startDate).toBe(sentence.startDate);
    expect(record.sentence?.endDate).toBe(sentence.endDate);
    expect(record.sentence?.indexOffence).toEqual({ description: sentence.indexOffence, category: upper(sentence.indexOffenceCategory) });
    expect(record.requirements).toEqual(facts.requirements.map((r) => ({ type: upper(r.type), startDate: r.startDate, status: upper(r.status) })));
    expect(record.compliance).toEqual({
      status: upper(facts.compliance.status),
      breachCount: facts.compliance.breachCount,
      lastBreachDate: facts.compliance.lastBreachDate,
    });
    expect(record.responsibleOfficer).toEqual({
      name: facts.responsibleOfficer.name,
      team: facts.responsibleOfficer.team,
      phone: facts.responsibleOfficer.phone,
      email: facts.responsibleOfficer.email,
    });
    expect(record.riskOfSeriousHarm).toBe(upper(facts.riskOfSeriousHarm));
    expect(record.ogrs.score).toBe(facts.ogrsScore);
    expect(record.ogrs.band).toBe(ogrsBand(facts.ogrsScore));
    expect(record.ogrs.assessedOn).toBe(facts.ogrsAssessedOn);
    expect(record.criminogenicNeeds).toEqual(facts.criminogenicNeeds.map((n) => ({ area: upper(n.area), severity: upper(n.severity) })));
    expect(record.mappa).toEqual(facts.mappa);
    expect(record.registrations).toEqual(facts.registrations.map((r) => ({ type: upper(r.type), startDate: r.startDate, note: r.note })));
  });

  it('maps every case in the population (every code of every field it uses)', async () => {
    const records = await adapter().records(probationPeople.map(crnOf));

    expect(records.size).toBe(probationPeople.length);
    expect(sim.app.stats.counts()[BATCH_ROUTE]).toBe(Math.ceil(probationPeople.length / KEYS_PER_CALL));
    for (const person of probationPeople) expect(records.get(crnOf(person))).toEqual(expectedRecord(person.probation));
  });

  it('maps a case with nothing under supervision and no MAPPA to nulls', async () => {
    const people = structuredClone(population.people);
    const altered = populationOf(population, people);
    const person = people.find((p) => p.probation !== null);
    if (!person?.probation) throw new Error('no probation case');
    person.probation = { ...person.probation, sentence: null, mappa: null, requirements: [] };
    const record = await withSimulator(altered, async (running) =>
      (await probation.createAdapter({ baseUrl: running.url, timeoutMs: TIMEOUT_MS }).records([crnOf(person)])).get(crnOf(person)),
    );
    expect(record).toEqual(expectedRecord(person.probation));
    expect(record?.sentence).toBeNull();
    expect(record?.mappa).toBeNull();
  });

  it('reports a simulator that is down as unavailable (error status)', async () => {
    sim.app.faults.set({ mode: 'down' });
    await expect(adapter().records([crnOf(probationPeople[0] as SyntheticPerson)])).rejects.toMatchObject({
      name: 'AgencyUnavailableError',
      agency: 'probation',
      reason: 'error-status',
    });
    await expect(adapter().identityChanges(null)).rejects.toBeInstanceOf(AgencyUnavailableError);
  });

  it('reports a payload that breaks the contract as malformed', async () => {
    sim.app.faults.set({ mode: 'malformed' });
    await expect(adapter().records([crnOf(probationPeople[0] as SyntheticPerson)])).rejects.toMatchObject({
      agency: 'probation',
      reason: 'malformed-payload',
    });
    await expect(adapter().identityChanges(null)).rejects.toMatchObject({ reason: 'malformed-payload' });
  });

  it('gives up on an answer slower than the timeout', async () => {
    sim.app.faults.set({ latencyMs: 600 });
    const impatient = probation.createAdapter({ baseUrl: sim.url, timeoutMs: 150 });
    await expect(impatient.records([crnOf(probationPeople[0] as SyntheticPerson)])).rejects.toMatchObject({
      agency: 'probation',
      reason: 'timeout',
    });
  });

  describe('the simulator refuses bad requests with 400 and a reason', () => {
    const post = (body: string, contentType = 'application/json') =>
      fetch(`${sim.url}/cases/batch`, { method: 'POST', headers: { 'content-type': contentType }, body });

    it.each([
      ['no keys', '{}', /keys/],
      ['keys not a list', '{"keys": "X123456"}', /keys/],
      ['a key not a string', '{"keys": [123456]}', /keys\.0/],
      ['an empty list', '{"keys": []}', /keys/],
      ['more than 100 keys', JSON.stringify({ keys: Array.from({ length: 101 }, (_, i) => `X${String(i).padStart(6, '0')}`) }), /keys/],
      ['an unexpected property', '{"keys": ["X123456"], "crns": []}', /crns/],
      ['a body that is not JSON', '{"keys": [', /not valid JSON/],
    ])('%s', async (_what, body, message) => {
      const response = await post(body);
      expect(response.status).toBe(400);
      const answer = (await response.json()) as { error: string };
      expect(answer.error).toMatch(message);
    });

    it('a body that is not sent as JSON', async () => {
      const response = await post('keys=X123456', 'application/x-www-form-urlencoded');
      expect(response.status).toBe(400);
      expect(((await response.json()) as { error: string }).error).toMatch(/request body/);
    });

    it.each([
      ['a limit above 500', '?limit=501', /limit/],
      ['a limit that is not a number', '?limit=many', /limit/],
      ['a cursor the feed never gave', '?after=Z000000', /cursor/],
    ])('identity changes with %s', async (_what, query, message) => {
      const response = await fetch(`${sim.url}/identity-changes${query}`);
      expect(response.status).toBe(400);
      expect(((await response.json()) as { error: string }).error).toMatch(message);
    });
  });
});

describe('the probation section of the schema', () => {
  const document = parse(probation.typeDefs);
  const objectTypes = document.definitions.filter((d) => d.kind === Kind.OBJECT_TYPE_DEFINITION);
  const itemOf = (field: { directives?: readonly { name: { value: string }; arguments?: readonly { value: unknown }[] }[] }) => {
    const directive = field.directives?.find((d) => d.name.value === 'dataItem');
    const value = directive?.arguments?.[0]?.value as { kind: string; value: string } | undefined;
    return value?.value;
  };

  it('classifies every field of ProbationRecord with one of exactly the declared data items, and nothing nested', () => {
    const section = objectTypes.find((d) => d.name.value === 'ProbationRecord');
    const items = section?.fields?.map(itemOf) ?? [];
    expect(items.length).toBeGreaterThan(0);
    expect(items.every((item) => item?.startsWith('probation.'))).toBe(true);
    expect(new Set(items)).toEqual(new Set(Object.keys(probation.dataItems)));
    const nested = objectTypes.filter((d) => d.name.value !== 'ProbationRecord').flatMap((d) => d.fields ?? []);
    expect(nested.filter((field) => itemOf(field) !== undefined).map((f) => f.name.value)).toEqual([]);
  });

  it('serves the adapter’s records through GraphQL unchanged (field names and enum values match the SDL)', async () => {
    const sample = probationPeople.slice(0, 40);
    const withEverything = probationPeople.find((p) => p.probation.mappa !== null && p.probation.sentence !== null);
    if (withEverything) sample.push(withEverything);
    const fetched = await withSimulator(population, (running) =>
      probation.createAdapter({ baseUrl: running.url, timeoutMs: TIMEOUT_MS }).records(sample.map(crnOf)),
    );
    const records = sample.map((person) => fetched.get(crnOf(person)));
    expect(records.every((record) => record !== undefined)).toBe(true);
    const schema = buildSchema(`${coreTypeDefs}\n${probation.typeDefs}`);
    const rootValue = { person: (args: { id: string }) => ({ id: args.id, probation: records[Number(args.id)] }) };
    const selection = `probation {
      sentence { type description startDate endDate indexOffence { description category } }
      requirements { type startDate status }
      compliance { status breachCount lastBreachDate }
      responsibleOfficer { name team phone email }
      riskOfSeriousHarm
      ogrs { score band assessedOn }
      criminogenicNeeds { area severity }
      mappa { category level }
      registrations { type startDate note }
    }`;
    for (const [index, record] of records.entries()) {
      const result = await graphql({ schema, rootValue, source: `{ person(id: "${index}") { ${selection} } }` });
      expect(result.errors).toBeUndefined();
      expect(result.data).toEqual({ person: { probation: record } });
    }
  });
});

describe('OGRS bands', () => {
  it.each([
    [0, 'LOW'],
    [49, 'LOW'],
    [50, 'MEDIUM'],
    [74, 'MEDIUM'],
    [75, 'HIGH'],
    [89, 'HIGH'],
    [90, 'VERY_HIGH'],
    [99, 'VERY_HIGH'],
  ])('%i is %s', (score, band) => {
    expect(ogrsBand(score)).toBe(band);
  });
});

describe('probation event feed', () => {
  let feed: RunningSimulator;
  beforeAll(async () => {
    feed = await startSimulator(probation.createSimulator(population));
  });
  afterAll(() => feed.close());
  const feedAdapter = () => probation.createAdapter({ baseUrl: feed.url, timeoutMs: TIMEOUT_MS });

  it('reports breach action on cases under supervision, and the case shows it in its compliance', async () => {
    const response = await fetch(`${feed.url}/__admin/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"count": 20}' });
    const made = z.object({ events: z.array(CaseEvent) }).parse(await response.json()).events;
    const page = await feedAdapter().events?.(null);
    if (!page) throw new Error('the probation adapter has no event feed');

    expect(page.events.map((e) => [e.id, e.key, e.type])).toEqual(made.map((e) => [e.eventId, e.crn, 'breach']));
    const records = await feedAdapter().records([...new Set(made.map((e) => e.crn))]);
    for (const event of made) {
      const latest = made.filter((e) => e.crn === event.crn).at(-1);
      expect(records.get(event.crn)?.sentence).not.toBeNull();
      expect(records.get(event.crn)?.compliance).toEqual({
        status: 'IN_BREACH',
        breachCount: latest?.breach.breachCount,
        lastBreachDate: latest?.breach.breachDate,
      });
    }
    expect(page.events[0]?.summary).toBe(
      `Breach action started on ${made[0]?.breach.breachDate} (breach ${made[0]?.breach.breachCount}): ${made[0]?.breach.reason}`,
    );
    expect(await feedAdapter().events?.(page.cursor)).toEqual({ events: [], cursor: page.cursor });
  });
});
