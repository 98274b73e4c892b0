import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agencyNames } from '../adapters/registry.js';
import { anchorOf, gatewayIdFor, type LinkedPerson } from '../gateway/identity/link.js';
import { amendIdentity, defaultPolicy, startTestSystem, type TestSystem } from './harness.js';

let system: TestSystem;

beforeAll(async () => {
  system = await startTestSystem({ timeoutMs: 2_000, policy: defaultPolicy() });
});

afterAll(async () => {
  await system?.close();
});

async function everyone(): Promise<Map<string, LinkedPerson>> {
  const people = new Map<string, LinkedPerson>();
  for (const agency of agencyNames) {
    let after: string | null = null;
    for (;;) {
      const page: LinkedPerson[] = await system.directory.current().peopleHeldBy(agency, after, 500);
      for (const person of page) people.set(person.id, person);
      if (page.length < 500) break;
      after = page.at(-1)?.id ?? null;
    }
  }
  return people;
}

describe('the identity index over the agencies’ change feeds', () => {
  it('gives each person at first start the id a whole-population link gives: the digest of their strongest identifier', async () => {
    const people = await everyone();
    expect(people.size).toBe(await system.directory.current().size());
    expect(people.size).toBeGreaterThan(1_000);
    const differing = [...people.values()].filter((person) => person.id !== gatewayIdFor(anchorOf(person.records)));
    expect(differing).toEqual([]);
  });

  it("picks up an agency's amended record by reading only the page after its cursor", async () => {
    const tenant = (await system.directory.current().peopleHeldBy('housing', null, 1))[0];
    const held = tenant?.records.find((record) => record.agency === 'housing');
    if (!tenant || !held) throw new Error('housing holds nobody');
    expect(await amendIdentity(system, 'housing', { ...held, givenName: 'Amended' })).toBe(201);
    system.resetUpstreamCalls();

    await system.directory.refresh();

    for (const [agency, calls] of Object.entries(system.upstreamCalls())) expect(calls, agency).toEqual({ 'GET /identity-changes': 1 });
    const after = await system.directory.current().byAgencyKey('housing', held.key);
    expect(after?.id).toBe(tenant.id);
    expect(after?.records.find((record) => record.agency === 'housing')?.givenName).toBe('Amended');
  });

  it('finds, in a subject access report on a merged person, what was disclosed under the id merged away', async () => {
    const index = system.directory.current();
    const [police, housing] = await Promise.all([index.peopleHeldBy('police', null, 500), index.peopleHeldBy('housing', null, 500)]);
    // Two people who share nothing yet: a police nominal, and a housing tenant no other agency knows.
    const nominal = police.find((person) => person.identifiers.pnc !== undefined && person.records.every((r) => r.agency === 'police'));
    const tenant = housing.find((person) => person.records.every((r) => r.agency === 'housing') && person.identifiers.pnc === undefined);
    const held = tenant?.records[0];
    if (!nominal || !tenant || !held) throw new Error('the population has no such pair');
    const report = async (id: string, officer = { role: 'ig-officer', agency: 'iom' }) => {
      const answer = await system.query(
        'query Report($id: ID) { subjectAccessReport(personId: $id) { personIds entries { personId sequence } } }',
        { id },
        { ...officer, sub: 'ig-officer-merge', purpose: 'audit' },
      );
      expect(answer.body.errors).toBeUndefined();
      return answer.body.data?.subjectAccessReport as { personIds: string[]; entries: { personId: string }[] };
    };
    const asked = await system.query('query Tenant($id: ID!) { person(id: $id) { dateOfBirth } }', { id: tenant.id });
    expect(asked.body.errors, JSON.stringify(asked.body.errors)).toBeUndefined();
    expect((await report(tenant.id)).entries.map((entry) => entry.personId)).toContain(tenant.id);

    // Housing learns the tenant's PNC ID: the two are one person from now on.
    expect(await amendIdentity(system, 'housing', { ...held, identifiers: { ...held.identifiers, pnc: nominal.identifiers.pnc } })).toBe(201);
    await system.directory.refresh();
    const merged = await system.directory.current().byId(tenant.id);
    expect(merged?.id).toBe((await system.directory.current().byId(nominal.id))?.id);
    // The earlier-created person keeps the id: the police nominal, linked first.
    const survivor = merged?.id ?? '';
    expect(survivor).toBe(nominal.id);
    const mergedAway = tenant.id;

    const { personIds, entries } = await report(survivor);
    expect(personIds).toEqual([survivor, mergedAway]);
    expect(entries.map((entry) => entry.personId)).toContain(tenant.id);
    // An agency's officer who holds neither learns nothing of the merge: the old id answers as an unknown one does.
    const prison = { role: 'prison-ig-officer', agency: 'prison' };
    expect((await report(mergedAway, prison)).personIds).toEqual((await report('GW-000000000000', prison)).personIds);
    expect((await report(mergedAway, prison)).personIds).toEqual([]);
  });
});
