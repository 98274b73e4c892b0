import { readFileSync } from 'node:fs';
import { buildASTSchema, concatAST, graphql, isObjectType, Kind, parse, visit } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { canonicalCro, canonicalPnc, mintPnc } from '../../schema/identifiers.js';
import { identitiesFromTheStart, useSimulator } from '../kit/agency-test-kit.js';
import { AgencyUnavailableError } from '../kit/errors.js';
import { KEYS_PER_CALL } from '../kit/feeds.js';
import { type RunningSimulator, startSimulator } from '../kit/simulator.js';
import { createPopulation, populationOf } from '../population/generate.js';
import { asSeenBy, type PoliceFacts, type SyntheticPerson } from '../population/types.js';
import type { Charge, PoliceOffenceCategory, PoliceRecord, WarningMarkerType } from './adapter.js';
import { NominalEvent } from './client.js';
import police from './index.js';

// Large enough that the identity change feed runs to several pages.
const population = createPopulation({ seed: 20261101, size: 3000 });
const known = population.people.filter((p) => p.police !== null && asSeenBy(p, 'police').pnc !== null);
const pncOf = (person: SyntheticPerson): string => asSeenBy(person, 'police').pnc as string;

const sim = useSimulator(() => police.createSimulator(population));

const adapter = () => police.createAdapter({ baseUrl: sim.url, timeoutMs: 2_000 });

describe('police identity change feed', () => {
  it('gives every nominal once from the start, paged 500 at a time, with canonical identifiers and the police spelling', async () => {
    expect(known.length).toBeGreaterThan(1000);
    const identities = await identitiesFromTheStart(adapter());

    expect(identities.map((i) => i.key).sort()).toEqual(known.map(pncOf).sort());
    expect(sim.app.stats.counts()['GET /identity-changes']).toBe(Math.ceil(known.length / 500));
    const byKey = new Map(identities.map((i) => [i.key, i]));
    for (const person of known) {
      const seen = asSeenBy(person, 'police');
      const identity = byKey.get(pncOf(person));
      expect(identity).toEqual({
        agency: 'police',
        key: pncOf(person),
        identifiers: seen.cro === null ? { pnc: pncOf(person) } : { pnc: pncOf(person), cro: seen.cro },
        givenName: seen.givenName,
        familyName: seen.familyName,
        dateOfBirth: person.dateOfBirth,
      });
    }
    for (const identity of identities) {
      const { pnc, cro } = identity.identifiers;
      expect(pnc && canonicalPnc(pnc)).toEqual({ ok: true, value: pnc });
      if (cro !== undefined) expect(canonicalCro(cro)).toEqual({ ok: true, value: cro });
    }
  });

  it('canonicalises a short-form PNC ID and drops a CRO number whose check letter fails', async () => {
    const [first, second] = known.filter((p) => asSeenBy(p, 'police').cro !== null) as [SyntheticPerson, SyntheticPerson];
    const pnc = pncOf(first);
    const shortPnc = `${pnc.slice(2, 4)}/${Number(pnc.slice(5, 12))}${pnc.slice(12)}`;
    const cro = asSeenBy(second, 'police').cro as string;
    const badCro = cro.slice(0, -1) + (cro.endsWith('A') ? 'B' : 'A');
    const wrinkled = populationOf(population, [
      { ...first, identifiers: { ...first.identifiers, pnc: shortPnc } },
      { ...second, identifiers: { ...second.identifiers, cro: badCro } },
    ]);
    const local = await startSimulator(police.createSimulator(wrinkled));
    try {
      const localAdapter = police.createAdapter({ baseUrl: local.url, timeoutMs: 2_000 });
      const [a, b] = await identitiesFromTheStart(localAdapter);
      // The key stays as the force holds it (records are fetched by it); the identifier is canonical.
      expect(a?.key).toBe(shortPnc);
      expect(a?.identifiers.pnc).toBe(pnc);
      expect(b?.identifiers).toEqual({ pnc: pncOf(second) });
      expect((await localAdapter.records([shortPnc])).has(shortPnc)).toBe(true);
    } finally {
      await local.close();
    }
  });
});

describe('police records', () => {
  it('fetches 150 nominals in batches of KEYS_PER_CALL', async () => {
    const keys = known.slice(0, 150).map(pncOf);
    const records = await adapter().records(keys);
    expect([...records.keys()].sort()).toEqual([...keys].sort());
    expect(sim.app.stats.counts()).toEqual({ 'POST /nominals/batch': Math.ceil(150 / KEYS_PER_CALL) });
  });

  it('leaves out PNC IDs the force does not hold, and asks nothing for no keys', async () => {
    const held = new Set(known.map(pncOf));
    const unknown = [mintPnc(1987, 4242424), mintPnc(1988, 4242425)].filter((k) => !held.has(k));
    expect(unknown).toHaveLength(2);
    const keys = [pncOf(known[0] as SyntheticPerson), ...unknown, 'not-a-pnc'];
    const records = await adapter().records(keys);
    expect([...records.keys()]).toEqual([keys[0]]);
    expect(await adapter().records([])).toEqual(new Map());
    expect(sim.app.stats.total()).toBe(1);
  });

  it('maps one nominal field by field from the population facts', async () => {
    const richest = [...known].sort((a, b) => richness(b) - richness(a))[0] as SyntheticPerson;
    const facts = richest.police as PoliceFacts;
    expect(facts.arrests.length).toBeGreaterThan(1);
    const record = (await adapter().records([pncOf(richest)])).get(pncOf(richest)) as PoliceRecord;

    expect(record.arrests).toEqual(expected(facts).arrests);
    expect(record.charges).toEqual(expected(facts).charges);
    expect(record.courtOutcomes).toEqual(expected(facts).courtOutcomes);
    for (const list of [record.arrests.map((a) => a.arrestedOn), record.charges.map((c) => c.chargedOn), record.courtOutcomes.map((o) => o.decidedOn)]) {
      expect(list.length).toBeGreaterThan(0);
      expect(list).toEqual([...list].sort().reverse());
    }
    expect(record.warningMarkers).toEqual(facts.warningMarkers.map((w) => ({ type: upperSnake(w.type), addedOn: w.addedOn })));
    expect(record.wantedMissing).toEqual({
      wanted: facts.wanted !== null,
      wantedSince: facts.wanted?.since ?? null,
      wantedFor: facts.wanted?.offence ?? null,
      missing: facts.missing !== null,
      missingSince: facts.missing?.since ?? null,
    });
    expect(record.prolificPriorityOffender).toBe(facts.prolificPriorityOffender);
    const om = facts.offenderManager;
    expect(record.offenderManager).toEqual(om && { name: om.name, team: om.team, phone: om.phone, email: om.email });
  });

  it('maps every nominal the force holds, through every outcome, status, verdict, marker and category', async () => {
    // Every nominal at once is some 40 batch calls answered by a simulator in this process: a test of mapping, not of speed.
    const records = await police.createAdapter({ baseUrl: sim.url, timeoutMs: 10_000 }).records(known.map(pncOf));
    expect(records.size).toBe(known.length);
    for (const person of known) expect(records.get(pncOf(person)), pncOf(person)).toEqual(expected(person.police as PoliceFacts));

    const facts = known.map((p) => p.police as PoliceFacts);
    const arrests = facts.flatMap((f) => f.arrests);
    const charges = facts.flatMap((f) => f.charges);
    const courtOutcomes = facts.flatMap((f) => f.courtOutcomes);
    // The comparison above only proves the mappings the population exercises: make sure that is all of them.
    expect(new Set(arrests.map((a) => a.outcome)).size).toBe(4);
    expect(new Set(charges.map((c) => c.status)).size).toBe(4);
    expect(new Set(courtOutcomes.map((o) => o.verdict)).size).toBe(2);
    expect(new Set(facts.flatMap((f) => f.warningMarkers.map((w) => w.type))).size).toBe(7);
    expect(new Set(arrests.map((a) => a.category)).size).toBe(11);
  });

  it('maps wanted, missing and PPO status for people who have them', async () => {
    const wanted = known.find((p) => p.police?.wanted);
    const missing = known.find((p) => p.police?.missing);
    const ppo = known.find((p) => p.police?.prolificPriorityOffender);
    if (!wanted || !missing || !ppo) throw new Error('the population has nobody wanted, missing or PPO');
    const records = await adapter().records([wanted, missing, ppo].map(pncOf));
    expect(records.get(pncOf(wanted))?.wantedMissing).toMatchObject({
      wanted: true,
      wantedSince: wanted.police?.wanted?.since,
      wantedFor: wanted.police?.wanted?.offence,
    });
    expect(records.get(pncOf(missing))?.wantedMissing).toMatchObject({ missing: true, missingSince: missing.police?.missing?.since });
    expect(records.get(pncOf(ppo))?.prolificPriorityOffender).toBe(true);
  });
});

describe('police section schema', () => {
  const core = parse(readFileSync(new URL('../../schema/person.graphql', import.meta.url), 'utf8'));
  const section = parse(police.typeDefs);

  it("classifies every PoliceRecord field with a police data item, and names exactly the module's data items", () => {
    const used = new Set<string>();
    visit(section, {
      Directive(node) {
        const name = node.arguments?.find((a) => a.name.value === 'name')?.value;
        if (node.name.value === 'dataItem' && name?.kind === Kind.STRING) used.add(name.value);
      },
    });
    expect([...used].sort()).toEqual(Object.keys(police.dataItems).sort());

    const schema = buildASTSchema(concatAST([core, section]));
    const type = schema.getType('PoliceRecord');
    if (!isObjectType(type)) throw new Error('PoliceRecord is not an object type');
    for (const field of Object.values(type.getFields())) {
      const item = field.astNode?.directives?.find((d) => d.name.value === 'dataItem');
      expect(item, field.name).toBeDefined();
    }
  });

  it("serves a mapped record through GraphQL unchanged: property names and enum values are the SDL's", async () => {
    const schema = buildASTSchema(concatAST([core, section]));
    const type = schema.getType('PoliceRecord');
    if (!isObjectType(type)) throw new Error('PoliceRecord is not an object type');
    const person = [...known].sort((a, b) => richness(b) - richness(a))[0] as SyntheticPerson;
    const record = (await adapter().records([pncOf(person)])).get(pncOf(person)) as PoliceRecord;
    expect(Object.keys(record).sort()).toEqual(Object.keys(type.getFields()).sort());

    const result = await graphql({
      schema,
      source: `{ person(pnc: "x") { police {
        arrests { reference arrestedOn offence offenceCategory outcome }
        charges { reference arrestReference chargedOn offence offenceCategory status }
        courtOutcomes { reference chargeReference decidedOn court offence offenceCategory verdict disposal }
        warningMarkers { type addedOn }
        wantedMissing { wanted wantedSince wantedFor missing missingSince }
        prolificPriorityOffender
        offenderManager { name team phone email }
      } } }`,
      rootValue: { person: () => ({ id: 'p1', police: record }) },
    });
    expect(result.errors).toBeUndefined();
    expect(result.data).toEqual({ person: { police: JSON.parse(JSON.stringify(record)) } });
  });
});

describe('police faults', () => {
  it('reports the force system down as error-status', async () => {
    sim.app.faults.set({ mode: 'down' });
    await expect(adapter().records([pncOf(known[0] as SyntheticPerson)])).rejects.toMatchObject({
      name: 'AgencyUnavailableError',
      agency: 'police',
      reason: 'error-status',
    });
    await expect(adapter().identityChanges(null)).rejects.toBeInstanceOf(AgencyUnavailableError);
  });

  it('reports a payload that breaks the contract as malformed-payload', async () => {
    sim.app.faults.set({ mode: 'malformed' });
    await expect(adapter().records([pncOf(known[0] as SyntheticPerson)])).rejects.toMatchObject({ reason: 'malformed-payload' });
    await expect(adapter().identityChanges(null)).rejects.toMatchObject({ reason: 'malformed-payload' });
  });

  it('gives up after timeoutMs', async () => {
    sim.app.faults.set({ latencyMs: 1_000 });
    const slow = police.createAdapter({ baseUrl: sim.url, timeoutMs: 100 });
    const started = Date.now();
    await expect(slow.records([pncOf(known[0] as SyntheticPerson)])).rejects.toMatchObject({ agency: 'police', reason: 'timeout' });
    expect(Date.now() - started).toBeLessThan(900);
  });
});

describe('police simulator contract', () => {
  const post = (body: string) => fetch(`${sim.url}/nominals/batch`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });

  it('answers 400 with a reason to a bad batch body', async () => {
    const tooMany = JSON.stringify({ keys: Array.from({ length: 101 }, (_, i) => mintPnc(2001, i + 1)) });
    for (const body of ['{}', '{"keys": []}', '{"keys": "2019/0012345X"}', '{"keys": [7]}', tooMany, '{"keys": ']) {
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
    expect(await response.text()).toContain('/nominals/batch');
  });
});

const ARREST_OUTCOMES = {
  charged: 'CHARGED',
  'released-under-investigation': 'RELEASED_UNDER_INVESTIGATION',
  'no-further-action': 'NO_FURTHER_ACTION',
  cautioned: 'CAUTIONED',
} as const;

const upperSnake = (value: string) => value.toUpperCase().replaceAll('-', '_');

/** Newest first; ties in the facts' order. */
const newestFirst = <T extends { date: string }>(items: readonly T[]) => [...items].sort((a, b) => b.date.localeCompare(a.date));

/** The section a partner should see for these facts, written out from the SDL's descriptions. */
function expected(facts: PoliceFacts): PoliceRecord {
  const om = facts.offenderManager;
  return {
    arrests: newestFirst(facts.arrests).map((a) => ({
      reference: a.id,
      arrestedOn: a.date,
      offence: a.offence,
      offenceCategory: upperSnake(a.category) as PoliceOffenceCategory,
      outcome: ARREST_OUTCOMES[a.outcome],
    })),
    charges: newestFirst(facts.charges).map((c) => ({
      reference: c.id,
      arrestReference: c.arrestId,
      chargedOn: c.date,
      offence: c.offence,
      offenceCategory: upperSnake(c.category) as PoliceOffenceCategory,
      status: upperSnake(c.status) as Charge['status'],
    })),
    courtOutcomes: newestFirst(facts.courtOutcomes).map((o) => ({
      reference: o.id,
      chargeReference: o.chargeId,
      decidedOn: o.date,
      court: o.court,
      offence: o.offence,
      offenceCategory: upperSnake(o.category) as PoliceOffenceCategory,
      verdict: o.verdict === 'guilty' ? 'GUILTY' : 'NOT_GUILTY',
      disposal: o.disposal,
    })),
    warningMarkers: facts.warningMarkers.map((w) => ({ type: upperSnake(w.type) as WarningMarkerType, addedOn: w.addedOn })),
    wantedMissing: {
      wanted: facts.wanted !== null,
      wantedSince: facts.wanted?.since ?? null,
      wantedFor: facts.wanted?.offence ?? null,
      missing: facts.missing !== null,
      missingSince: facts.missing?.since ?? null,
    },
    prolificPriorityOffender: facts.prolificPriorityOffender,
    offenderManager: om && { name: om.name, team: om.team, phone: om.phone, email: om.email },
  };
}

function richness(person: SyntheticPerson): number {
  const f = person.police;
  if (!f) return 0;
  return f.arrests.length + f.charges.length + f.courtOutcomes.length + f.warningMarkers.length + (f.offenderManager ? 1 : 0);
}

describe('police event feed', () => {
  let feed: RunningSimulator;
  beforeAll(async () => {
    feed = await startSimulator(police.createSimulator(population));
  });
  afterAll(() => feed.close());
  const feedAdapter = () => police.createAdapter({ baseUrl: feed.url, timeoutMs: 2_000 });

  it('reports new arrests, charges and court outcomes, each also entered in the nominal record it happened to', async () => {
    const response = await fetch(`${feed.url}/__admin/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"count": 40}' });
    const made = z.object({ events: z.array(NominalEvent) }).parse(await response.json()).events;
    const page = await feedAdapter().events?.(null);
    if (!page) throw new Error('the police adapter has no event feed');

    expect(page.events.map((e) => [e.id, e.key])).toEqual(made.map((e) => [e.eventId, e.pncId]));
    expect(new Set(page.events.map((e) => e.type))).toEqual(new Set(['arrest', 'charge', 'court-outcome']));
    const records = await feedAdapter().records([...new Set(page.events.map((e) => e.key))]);
    for (const event of page.events) {
      const record = records.get(event.key);
      const { reference } = event.details;
      expect(event).toMatchObject({ agency: 'police', summary: expect.stringContaining(String(event.details.offence)) });
      if (event.type === 'arrest') expect(record?.arrests.map((a) => a.reference)).toContain(reference);
      if (event.type === 'charge') {
        const arrest = record?.arrests.find((a) => a.reference === event.details.arrestReference);
        expect(arrest?.outcome).toBe('CHARGED');
        expect(record?.charges.map((c) => c.reference)).toContain(reference);
      }
      if (event.type === 'court-outcome') expect(record?.courtOutcomes.map((o) => o.reference)).toContain(reference);
    }
    expect(await feedAdapter().events?.(page.cursor)).toEqual({ events: [], cursor: page.cursor });
  });

  it('treats a feed that breaks its contract as the agency being unavailable', async () => {
    feed.app.faults.set({ mode: 'malformed' });
    try {
      await expect(feedAdapter().events?.(null)).rejects.toMatchObject({ agency: 'police', reason: 'malformed-payload' });
    } finally {
      feed.app.faults.set({ mode: 'normal' });
    }
  });
});
