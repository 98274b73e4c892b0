/**
 * Person.pathways end to end, under the partnership's own ISP: what each role sees of a cohort member's needs
 * and interventions, held against an oracle that reads the ISP YAML itself and the population's facts (not the
 * agencies); drug-treatment entries only with consent; sources that may not be shown are not even fetched; the
 * ledger names each entry's source item and clause; a failing agency fails the list, not the person.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { SyntheticPerson } from '../adapters/population/types.js';
import { agencies } from '../adapters/registry.js';
import { PATHWAY_SOURCES } from '../gateway/pathways/sources.js';
import { type Caller, defaultPolicy, startTestSystem, type TestSystem } from './harness.js';
import { factsOf, IspOracle } from './isp-oracle.js';

const PATHWAYS = /* GraphQL */ `
  query Pathways($crn: String) {
    person(crn: $crn) {
      id
      pathways { pathway kind agency dataItem description status since }
    }
  }
`;

const Entry = z.strictObject({
  pathway: z.enum([
    'ACCOMMODATION',
    'EDUCATION_TRAINING_EMPLOYMENT',
    'HEALTH',
    'DRUGS_ALCOHOL',
    'FINANCE_BENEFIT_DEBT',
    'CHILDREN_FAMILIES',
    'ATTITUDES_THINKING_BEHAVIOUR',
  ]),
  kind: z.enum(['NEED', 'INTERVENTION']),
  agency: z.string(),
  dataItem: z.string(),
  description: z.string().min(3),
  status: z.string().nullable(),
  since: z.iso.date().nullable(),
});
type Entry = z.infer<typeof Entry>;

const caller = (role: string, agency: string): Caller => ({ role, agency, sub: `${role}-pathways`, purpose: 'iom-case-management' });
const COORDINATOR = caller('iom-coordinator', 'iom');
const HOUSING = caller('housing-officer', 'housing');
const DRUG_WORKER = caller('drug-worker', 'drugs');
const PROBATION = caller('probation-practitioner', 'probation');
const POLICE = caller('police-offender-manager', 'police');
const PRISON = caller('prison-offender-manager', 'prison');

/**
 * Which source items the population's own facts give at least one entry for: the sources the gateway reads,
 * restated from the facts (not from the agencies' answers).
 */
const SOURCES_IN_POPULATION: Record<string, (p: SyntheticPerson) => boolean> = {
  'probation.criminogenicNeeds': (p) => (p.probation?.criminogenicNeeds.length ?? 0) > 0,
  'probation.requirements': (p) => p.probation?.requirements.some((r) => r.type !== 'unpaid-work' && r.type !== 'curfew') ?? false,
  'probation.registrations': (p) => p.probation?.registrations.some((r) => r.type === 'child-concerns' || r.type === 'domestic-abuse-perpetrator') ?? false,
  'housing.accommodationStatus': (p) => p.housing !== null && p.housing.accommodationStatus !== 'settled',
  'housing.supportReferrals': (p) => (p.housing?.supportReferrals.length ?? 0) > 0,
  'drugs.treatmentEngagement': (p) => p.drugs?.treatment.engaged ?? false,
  'drugs.testOnArrest': (p) => p.drugs?.testsOnArrest.some((t) => t.result === 'positive') ?? false,
  'prison.licenceConditions': (p) => p.prison?.licenceConditions.some((c) => /^(DRG-|RES-|STD-4)/.test(c.code)) ?? false,
  'police.warningMarkers': (p) => p.police?.warningMarkers.some((m) => m.type === 'mental-health' || m.type === 'self-harm') ?? false,
};

let system: TestSystem;
const oracle = new IspOracle();

const pathwaysOf = async (person: SyntheticPerson, who: Caller) => {
  const response = await system.query(PATHWAYS, { crn: person.identifiers.crn }, who);
  const found = response.body.data?.person as { id: string; pathways: unknown } | null | undefined;
  return { response, id: found?.id, pathways: found?.pathways === null || found?.pathways === undefined ? null : z.array(Entry).parse(found.pathways) };
};

/** The source items the oracle lets `who` receive about `person` and for which the population holds something. */
const expectedItems = (person: SyntheticPerson, who: Caller) =>
  Object.entries(SOURCES_IN_POPULATION)
    .filter(
      ([item, holds]) =>
        holds(person) && oracle.decide({ role: who.role, purpose: 'iom-case-management', emergency: false }, item, factsOf(person), new Date()).allowed,
    )
    .map(([item]) => item)
    .sort();

const itemsIn = (entries: readonly Entry[]) => [...new Set(entries.map((e) => e.dataItem))].sort();

const cohort = () => system.population.people.filter((p) => p.cohort !== null && p.identifiers.crn !== null);
const withConsent = (p: SyntheticPerson) => p.drugs?.consent.recorded === true && p.drugs.consent.scope === 'iom-partners';
/** A cohort member whose record speaks to many pathways, with consent to share drug treatment. */
const rich = () => {
  const found = cohort().find(
    (p) =>
      withConsent(p) &&
      p.drugs?.treatment.engaged === true &&
      ['probation.criminogenicNeeds', 'housing.accommodationStatus', 'housing.supportReferrals', 'prison.licenceConditions'].every((item) =>
        SOURCES_IN_POPULATION[item]?.(p),
      ),
  );
  if (!found) throw new Error('the population has no cohort member in treatment with consent and every record this suite reads');
  return found;
};
/** A cohort member in drug treatment who has not consented to share it. */
const noConsent = () => {
  const found = cohort().find((p) => p.drugs?.treatment.engaged === true && !withConsent(p) && p.housing !== null);
  if (!found) throw new Error('the population has no cohort member in treatment without consent');
  return found;
};

beforeAll(async () => {
  // Generous upstream timeouts: a slow machine must not turn into an AGENCY_UNAVAILABLE the suite did not inject.
  system = await startTestSystem({ policy: defaultPolicy(), timeoutMs: 5000 });
});
afterAll(async () => {
  await system?.close();
});
afterEach(() => {
  system.clearFaults();
});

describe('pathways by role', () => {
  it('gives each role exactly the entries whose source item the ISP shares with it', async () => {
    for (const person of [rich(), noConsent()]) {
      const seen = new Map<string, string[]>();
      for (const who of [COORDINATOR, PROBATION, POLICE, PRISON, HOUSING, DRUG_WORKER]) {
        const { response, pathways } = await pathwaysOf(person, who);
        const where = `${who.role} about #${person.index}`;
        expect(response.status, where).toBe(200);
        expect(response.body.errors, where).toBeUndefined();
        expect(pathways, where).not.toBeNull();
        expect(itemsIn(pathways ?? []), where).toEqual(expectedItems(person, who));
        for (const entry of pathways ?? []) expect(entry.dataItem.startsWith(`${entry.agency}.`), where).toBe(true);
        seen.set(who.role, itemsIn(pathways ?? []));
      }
      // The roles really differ: the ISP, not the data, decides what each sees.
      expect(new Set([...seen.values()].map((items) => items.join())).size).toBeGreaterThan(2);
    }
  });

  it('shows a housing officer drug treatment only where the person consented', async () => {
    const consenting = await pathwaysOf(rich(), HOUSING);
    expect(consenting.pathways?.filter((e) => e.agency === 'drugs')).toEqual([
      expect.objectContaining({ pathway: 'DRUGS_ALCOHOL', kind: 'INTERVENTION', dataItem: 'drugs.treatmentEngagement', since: rich().drugs?.treatment.since }),
    ]);
    const refusing = await pathwaysOf(noConsent(), HOUSING);
    expect(refusing.pathways).not.toBeNull();
    expect(refusing.pathways?.length).toBeGreaterThan(0);
    expect(refusing.pathways?.filter((e) => e.agency === 'drugs')).toEqual([]);
    // The drug worker sees the same person's treatment: the entry exists, the ISP keeps it from housing.
    const worker = await pathwaysOf(noConsent(), DRUG_WORKER);
    expect(worker.pathways?.some((e) => e.dataItem === 'drugs.treatmentEngagement')).toBe(true);
  });

  it('reads the entries from the agencies faithfully', async () => {
    const person = rich();
    const { pathways } = await pathwaysOf(person, COORDINATOR);
    const needs = pathways?.filter((e) => e.dataItem === 'probation.criminogenicNeeds') ?? [];
    expect(needs).toHaveLength(person.probation?.criminogenicNeeds.length ?? -1);
    expect(needs.map((e) => e.status).sort()).toEqual((person.probation?.criminogenicNeeds ?? []).map((n) => `${n.severity} need`).sort());
    const housing = person.housing;
    if (!housing) throw new Error('no housing record');
    expect(pathways?.find((e) => e.dataItem === 'housing.accommodationStatus')).toMatchObject({ pathway: 'ACCOMMODATION', since: housing.statusSince });
    expect(
      pathways
        ?.filter((e) => e.dataItem === 'housing.supportReferrals')
        .map((e) => e.description)
        .sort(),
    ).toEqual(housing.supportReferrals.map((r) => `Referred to ${r.service}`).sort());
    // Ordered by pathway: all accommodation entries come before any drugs and alcohol entry.
    const order = (pathways ?? []).map((e) => e.pathway);
    expect(order.lastIndexOf('ACCOMMODATION')).toBeLessThan(order.indexOf('DRUGS_ALCOHOL'));
  });

  it('withholds the pathways of someone outside the cohort, whom the coordinator may still screen', async () => {
    const outside = system.population.people.find((p) => p.cohort === null && p.probation !== null && p.identifiers.crn !== null);
    if (!outside) throw new Error('no one outside the cohort with a probation record');
    const { response, id, pathways } = await pathwaysOf(outside, COORDINATOR);
    expect(id).toEqual(expect.any(String));
    expect(pathways).toBeNull();
    expect(response.body.errors?.map((e) => e.extensions)).toEqual([
      expect.objectContaining({ code: 'WITHHELD', dataItem: 'iom.pathways', reason: 'condition-not-met:in-active-cohort', clause: 'C-16' }),
    ]);
  });
});

describe('pathways and the agencies', () => {
  it('does not ask an agency none of whose sources the caller may see', async () => {
    const prisonCalls = async (who: Caller) => {
      system.resetUpstreamCalls();
      const { pathways } = await pathwaysOf(rich(), who);
      expect(pathways?.length, who.role).toBeGreaterThan(0);
      return Object.values(system.upstreamCalls().prison ?? {}).reduce((sum, n) => sum + n, 0);
    };
    // Licence conditions are shared with the coordinator (C-10), not with the drug worker or the housing officer.
    expect(await prisonCalls(COORDINATOR)).toBeGreaterThan(0);
    expect(await prisonCalls(DRUG_WORKER)).toBe(0);
    expect(await prisonCalls(HOUSING)).toBe(0);
  });

  it('gathers a page of 50 cohort members in a handful of calls per agency', async () => {
    system.resetUpstreamCalls();
    const { status, body } = await system.query('{ cohort(first: 50) { edges { node { id pathways { dataItem } } } } }', {}, COORDINATOR);
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    const edges = (body.data?.cohort as { edges: { node: { pathways: unknown[] | null } }[] }).edges;
    expect(edges).toHaveLength(50);
    expect(edges.every((edge) => Array.isArray(edge.node.pathways))).toBe(true);
    // Every agency a pathway reads is asked a few times; the others not at all.
    const read = new Set(PATHWAY_SOURCES.map((source) => source.agency));
    expect(read.size).toBeGreaterThan(1);
    for (const { agency } of agencies) {
      const total = Object.values(system.upstreamCalls()[agency] ?? {}).reduce((sum, n) => sum + n, 0);
      if (!read.has(agency)) expect(total, agency).toBe(0);
      else {
        expect(total, agency).toBeGreaterThan(0);
        expect(total, agency).toBeLessThanOrEqual(4);
      }
    }
  });

  it('fails the list with AGENCY_UNAVAILABLE when a contributing agency is down, and only then', async () => {
    system.setFaults('housing', { mode: 'down' });
    const failed = await pathwaysOf(rich(), COORDINATOR);
    expect(failed.pathways).toBeNull();
    expect(failed.response.body.errors?.map((e) => [e.path?.join('.'), e.extensions?.code, e.extensions?.agency])).toEqual([
      ['person.pathways', 'AGENCY_UNAVAILABLE', 'housing'],
    ]);
    system.clearFaults();
    system.setFaults('prison', { mode: 'down' });
    expect((await pathwaysOf(rich(), COORDINATOR)).response.body.errors?.map((e) => e.extensions?.agency)).toEqual(['prison']);
    // A housing officer's pathways use no prison item, so the prison service being down changes nothing for them.
    const housing = await pathwaysOf(rich(), HOUSING);
    expect(housing.response.body.errors).toBeUndefined();
    expect(itemsIn(housing.pathways ?? [])).toEqual(expectedItems(rich(), HOUSING));
  });
});

describe('pathways in the ledger', () => {
  it('records the list and every entry under its own source item and clause', async () => {
    const { response, id, pathways } = await pathwaysOf(rich(), HOUSING);
    const requestId = z.object({ extensions: z.object({ requestId: z.string() }) }).parse(response.body).extensions.requestId;
    const { entries } = await system.ledger.query({ userId: HOUSING.sub }, { order: 'newest-first', limit: 20 });
    const record = entries.map((e) => e.record).find((r) => r.requestId === requestId);
    expect(record?.kind).toBe('disclosure');
    const subject = record?.subjects.find((s) => s.gatewayId === id);
    expect(subject?.disclosed).toContainEqual({ dataItem: 'iom.pathways', path: 'person.pathways', clauseId: 'C-16' });
    const perEntry = subject?.disclosed.filter((d) => d.path.startsWith('person.pathways.')) ?? [];
    expect(perEntry.map((d) => [d.path, d.dataItem])).toEqual((pathways ?? []).map((e, i) => [`person.pathways.${i}`, e.dataItem]));
    expect(perEntry.find((d) => d.dataItem === 'drugs.treatmentEngagement')?.clauseId).toBe('C-22');
    expect(perEntry.find((d) => d.dataItem === 'housing.accommodationStatus')?.clauseId).toBe('C-11');
  });
});
