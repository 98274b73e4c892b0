/**
 * `reject` enforcement end to end: an operation that asks for anything the ISP withholds is refused whole
 * (403, data null, one WITHHELD error naming the items, a `refused` record in the ledger); an operation that
 * asks only for what the ISP allows is answered as usual.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SyntheticPerson } from '../adapters/population/types.js';
import { type Caller, defaultPolicy, startTestSystem, type TestSystem } from './harness.js';
import { factsOf, IspOracle, linksWhole } from './isp-oracle.js';

const oracle = new IspOracle();
let system: TestSystem;
let subject: SyntheticPerson;

beforeAll(async () => {
  system = await startTestSystem({ policy: defaultPolicy(), enforcement: 'reject' });
  const found = system.population.people.find(
    (p) => linksWhole(p) && factsOf(p).inActiveCohort && p.police !== null && p.probation !== null && p.drugs !== null && p.identifiers.crn !== null,
  );
  if (!found) throw new Error('the population has no cohort member with the records this suite reads');
  subject = found;
});
afterAll(async () => {
  await system?.close();
});

let calls = 0;
const officer = (): Caller => ({ role: 'police-offender-manager', agency: 'police', sub: `reject-${++calls}`, purpose: 'iom-case-management' });
const recordsOf = async (caller: Caller) => (await system.ledger.query({ userId: caller.sub })).entries.map((entry) => entry.record);

describe('reject mode', () => {
  it('refuses a whole operation that asks for one withheld field: 403, no data, WITHHELD, ledger outcome refused', async () => {
    const asking = { role: 'police-offender-manager', purpose: 'iom-case-management', emergency: false };
    expect(oracle.decide(asking, 'probation.mappa', factsOf(subject), new Date()).allowed).toBe(false);
    expect(oracle.decide(asking, 'police.arrests', factsOf(subject), new Date()).allowed).toBe(true);
    const caller = officer();
    const { status, body } = await system.query(
      'query($v: String) { person(crn: $v) { name { givenName } police { arrests { reference } } probation { mappa { category } } } }',
      { v: subject.identifiers.crn },
      caller,
    );
    expect(status).toBe(403);
    expect(body.data).toBeNull();
    expect(body.errors).toHaveLength(1);
    expect(body.errors?.[0]?.extensions).toMatchObject({ code: 'WITHHELD', dataItems: ['probation.mappa'] });

    const [record, ...more] = await recordsOf(caller);
    expect(more).toEqual([]);
    expect(record).toMatchObject({ outcome: 'refused', requestId: body.extensions?.requestId });
    expect(record?.subjects.flatMap((s) => s.disclosed)).toEqual([]);
    expect(record?.subjects.flatMap((s) => s.withheld)).toEqual([
      expect.objectContaining({ dataItem: 'probation.mappa', path: 'person.probation.mappa', reason: 'no-clause' }),
    ]);
  });

  it('refuses an operation that asks for a section nothing of which is shared', async () => {
    const caller: Caller = { role: 'housing-officer', agency: 'housing', sub: `reject-${++calls}`, purpose: 'safeguarding', justification: 'Case 77' };
    const { status, body } = await system.query(
      'query($v: String) { person(crn: $v) { name { givenName } drugs { keyworker { name } } } }',
      { v: subject.identifiers.crn },
      caller,
    );
    expect(status).toBe(403);
    expect(body.data).toBeNull();
    expect(body.errors?.map((e) => e.extensions?.code)).toEqual(['WITHHELD']);
    expect(body.errors?.[0]?.extensions?.dataItems).toEqual(['drugs.*']);
    expect((await recordsOf(caller)).map((r) => r.outcome)).toEqual(['refused']);
  });

  it('answers an operation that asks only for allowed fields as usual, and records the disclosure', async () => {
    const caller = officer();
    const { status, body } = await system.query(
      'query($v: String) { person(crn: $v) { name { givenName } police { arrests { reference } } probation { sentence { type } } } }',
      { v: subject.identifiers.crn },
      caller,
    );
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    expect(body.data?.person).toMatchObject({ name: { givenName: expect.any(String) }, police: { arrests: expect.any(Array) } });
    const [record] = await recordsOf(caller);
    expect(record?.outcome).toBe('disclosed');
    expect(record?.subjects.flatMap((s) => s.disclosed.map((d) => d.path)).sort()).toEqual(
      ['person.name', 'person.police.arrests', ...(subject.probation?.sentence ? ['person.probation.sentence'] : [])].sort(),
    );
  });
});
