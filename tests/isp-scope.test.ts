/**
 * Scope and listing without side channels: deciding that someone is out of scope asks no agency (so neither
 * timing nor upstream traffic tells), and listing the cohort needs the ISP to share cohort membership.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultPolicy, startTestSystem, type TestSystem } from './harness.js';

let system: TestSystem;
beforeAll(async () => {
  system = await startTestSystem({ policy: defaultPolicy() });
});
afterAll(async () => {
  await system?.close();
});

const HOUSING = { role: 'housing-officer', agency: 'housing', purpose: 'iom-case-management' };

describe('scope', () => {
  it('decides that a person is out of scope without asking any agency', async () => {
    const outside = system.population.people.find((p) => p.cohort === null && p.probation !== null && p.identifiers.pnc !== null);
    system.resetUpstreamCalls();
    const { body } = await system.query('query($v: String) { person(pnc: $v) { id name { familyName } } }', { v: outside?.identifiers.pnc }, HOUSING);
    expect(body.data?.person).toBeNull();
    expect(body.errors).toBeUndefined();
    expect(Object.values(system.upstreamCalls()).flatMap((counts) => Object.keys(counts))).toEqual([]);
  });
});

describe('listing the cohort', () => {
  it('is refused to a purpose under which the ISP does not share cohort membership', async () => {
    const { body } = await system.query('{ cohort(strand: FIXED, serviceLevel: HIGH, first: 5) { totalCount edges { cursor } } }', undefined, {
      role: 'police-offender-manager',
      agency: 'police',
      purpose: 'risk-management',
    });
    expect(body.data ?? null).toBeNull();
    expect(body.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
  });

  it('records cohort membership for every person listed, even when only cursors are asked for', async () => {
    const { body } = await system.query('{ cohort(first: 3) { edges { cursor } } }', undefined, HOUSING);
    const cursors = (body.data?.cohort as { edges: { cursor: string }[] }).edges.map((e) => e.cursor);
    expect(cursors).toHaveLength(3);
    const [latest] = (await system.ledger.query({}, { order: 'newest-first', limit: 1 })).entries;
    expect(latest?.record.requestId).toBe(body.extensions?.requestId);
    expect(latest?.record.subjects.map((s) => [s.gatewayId, s.disclosed.map((d) => `${d.path} ${d.dataItem}`)])).toEqual(
      cursors.map((id, i) => [id, [`cohort.edges.${i} iom.membership`]]),
    );
  });
});
