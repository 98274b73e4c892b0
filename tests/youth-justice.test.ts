/**
 * The youth offending service end to end, under the default ISP: what the YOT recorded about a child reaches the
 * adult services taking the case on at 18 and the YOT's own case worker, never the accommodation or treatment
 * services; every answer is in the ledger with the clause that allowed each item, or the reason it was withheld.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { servedBy } from '../adapters/population/slice.js';
import type { SyntheticPerson } from '../adapters/population/types.js';
import youth from '../adapters/youth/index.js';
import type { YouthFacts } from '../adapters/youth/population.js';
import type { DisclosureRecord } from '../gateway/ledger/index.js';
import { type Caller, defaultPolicy, type GraphQLResponse, startTestSystem, type TestSystem } from './harness.js';
import { factsOf, linksWhole } from './isp-oracle.js';

const YOUTH = `youth {
  caseWorker { name email }
  orders { type ageAtStart startDate }
  assetPlus { riskOfSeriousHarm likelihoodOfReoffending }
  safeguardingConcerns { category }
  wellbeingConcerns { category }
  transition { status probationCrn transferredOn }
}`;
const QUERY = `query($crn: String) { person(crn: $crn) { name { familyName } ${YOUTH} } }`;

let system: TestSystem;
let subject: SyntheticPerson;
let facts: YouthFacts;
let calls = 0;

const caller = (role: string, agency: string, purpose = 'iom-case-management'): Caller => ({
  role,
  agency,
  purpose,
  sub: `youth-${++calls}`,
  ...(purpose === 'safeguarding' ? { justification: 'Safeguarding referral 2026/118' } : {}),
});

async function recordOf(response: GraphQLResponse): Promise<DisclosureRecord> {
  const requestId = response.body.extensions?.requestId;
  const page = await system.ledger.query({}, { limit: 200, order: 'newest-first' });
  const found = page.entries.find((entry) => entry.record.requestId === requestId);
  if (!found) throw new Error(`no ledger record for ${String(requestId)}`);
  return found.record;
}

const youthDisclosed = (record: DisclosureRecord) =>
  record.subjects.flatMap((s) => s.disclosed.filter((d) => d.dataItem.startsWith('youth.')).map((d) => `${d.dataItem} ${d.clauseId}`));
const youthWithheld = (record: DisclosureRecord) =>
  record.subjects.flatMap((s) => s.withheld.filter((w) => w.dataItem.startsWith('youth.')).map((w) => `${w.dataItem} ${w.reason}`));

beforeAll(async () => {
  system = await startTestSystem({ policy: defaultPolicy() });
  // A young adult in the cohort whose youth order ran to 18 and was transferred to probation, with concerns of both kinds.
  const found = servedBy(system.population, youth.population).find(
    ({ person, facts }) =>
      linksWhole(person) &&
      factsOf(person).inActiveCohort &&
      facts.transition.status === 'transferred' &&
      facts.assetPlus !== null &&
      facts.safeguardingConcerns.length > 0 &&
      facts.wellbeingConcerns.length > 0,
  );
  if (!found) throw new Error('the population has no transferred cohort member with youth concerns of both kinds');
  subject = found.person;
  facts = found.facts;
}, 120_000);
afterAll(async () => {
  await system?.close();
});

describe('youth data through the ISP and the ledger', () => {
  it('probation, taking the case on at 18, receives the whole youth record, each item under its clause', async () => {
    const response = await system.query(QUERY, { crn: subject.identifiers.crn }, caller('probation-practitioner', 'probation'));
    expect(response.body.errors).toBeUndefined();
    const section = (response.body.data?.person as { youth: Record<string, unknown> }).youth;
    expect(section.transition).toEqual({ status: 'TRANSFERRED', probationCrn: subject.identifiers.crn, transferredOn: facts.transition.eighteenthBirthday });
    expect((section.orders as { ageAtStart: number }[]).map((o) => o.ageAtStart).sort()).toEqual(facts.orders.map((o) => o.ageAtStart).sort());
    expect(section.caseWorker).toEqual({ name: facts.caseWorker.name, email: facts.caseWorker.email });
    expect((section.wellbeingConcerns as unknown[]).length).toBe(facts.wellbeingConcerns.length);

    const record = await recordOf(response);
    expect(record.outcome).toBe('disclosed');
    expect(youthDisclosed(record).sort()).toEqual(
      [
        'youth.assetPlus C-80',
        'youth.caseWorker C-80',
        'youth.orders C-80',
        'youth.safeguardingConcerns C-80',
        'youth.transition C-80',
        'youth.wellbeingConcerns C-81',
      ].sort(),
    );
    expect(youthWithheld(record)).toEqual([]);
  });

  it('the police offender manager receives orders and AssetPlus, but no concern recorded about the child', async () => {
    const response = await system.query(QUERY, { crn: subject.identifiers.crn }, caller('police-offender-manager', 'police'));
    const section = (response.body.data?.person as { youth: Record<string, unknown> }).youth;
    expect(section.assetPlus).toEqual({
      riskOfSeriousHarm: facts.assetPlus?.riskOfSeriousHarm.toUpperCase().replace('-', '_'),
      likelihoodOfReoffending: facts.assetPlus?.likelihoodOfReoffending.toUpperCase(),
    });
    expect(section.safeguardingConcerns).toBeNull();
    expect(section.wellbeingConcerns).toBeNull();
    expect(response.body.errors?.map((e) => [e.extensions?.code, e.extensions?.dataItem]).sort()).toEqual([
      ['WITHHELD', 'youth.safeguardingConcerns'],
      ['WITHHELD', 'youth.wellbeingConcerns'],
    ]);
    const record = await recordOf(response);
    expect(youthDisclosed(record).sort()).toEqual(['youth.assetPlus C-82', 'youth.caseWorker C-82', 'youth.orders C-82', 'youth.transition C-82']);
    expect(youthWithheld(record).sort()).toEqual(['youth.safeguardingConcerns no-clause', 'youth.wellbeingConcerns no-clause']);
  });

  it.each([
    ['housing-officer', 'housing', 'iom-case-management'],
    ['housing-officer', 'housing', 'safeguarding'],
    ['drug-worker', 'drugs', 'iom-case-management'],
    ['drug-worker', 'drugs', 'safeguarding'],
  ])('a %s (%s) for %s receives no youth data at all, and the ledger says no clause shares it', async (role, agency, purpose) => {
    const response = await system.query(QUERY, { crn: subject.identifiers.crn }, caller(role, agency, purpose));
    const person = response.body.data?.person as { name: unknown; youth: unknown };
    expect(person.name).not.toBeNull();
    expect(person.youth).toBeNull();
    expect(response.body.errors).toEqual([
      expect.objectContaining({ path: ['person', 'youth'], extensions: expect.objectContaining({ code: 'WITHHELD', dataItem: 'youth.*' }) }),
    ]);
    const record = await recordOf(response);
    expect(youthDisclosed(record)).toEqual([]);
    expect(youthWithheld(record)).toEqual(['youth.* no-clause']);
  });

  it('the YOT case worker sees the record they handed over and who supervises the person now, and nothing of the police', async () => {
    const response = await system.query(
      `query($crn: String) { person(crn: $crn) { ${YOUTH} probation { responsibleOfficer { name } } police { arrests { offence } } } }`,
      { crn: subject.identifiers.crn },
      caller('yos-case-worker', 'youth'),
    );
    const person = response.body.data?.person as Record<string, unknown>;
    expect((person.youth as { transition: unknown }).transition).toMatchObject({ status: 'TRANSFERRED' });
    expect(person.probation).toEqual({ responsibleOfficer: { name: subject.probation?.responsibleOfficer.name } });
    expect(person.police).toBeNull();
    const record = await recordOf(response);
    expect(youthDisclosed(record).every((item) => item.endsWith(' C-85'))).toBe(true);
    expect(youthDisclosed(record)).toHaveLength(6);
    expect(record.subjects.flatMap((s) => s.withheld.map((w) => `${w.dataItem} ${w.reason}`))).toEqual(['police.* no-clause']);
  });

  it('refuses a token claiming the YOT role for another agency', async () => {
    const response = await system.query(QUERY, { crn: subject.identifiers.crn }, caller('yos-case-worker', 'housing'));
    expect(response.status).toBe(401);
    expect(response.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(response.body.errors?.[0]?.message).toMatch(/the ISP gives that role to youth only/);
  });

  it('the YOT down: its section is AGENCY_UNAVAILABLE naming it, recorded as not disclosed for that reason', async () => {
    system.setFaults('youth', { mode: 'down' });
    try {
      const response = await system.query(QUERY, { crn: subject.identifiers.crn }, caller('probation-practitioner', 'probation'));
      expect((response.body.data?.person as { youth: unknown }).youth).toBeNull();
      expect(response.body.errors).toEqual([
        expect.objectContaining({ path: ['person', 'youth'], extensions: expect.objectContaining({ code: 'AGENCY_UNAVAILABLE', agency: 'youth' }) }),
      ]);
      expect(youthWithheld(await recordOf(response))).toEqual(['youth.* agency-unavailable:youth']);
    } finally {
      system.clearFaults();
    }
  });
});
