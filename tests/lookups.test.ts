/**
 * Looking a person up by identifier and finding no one the caller may see. The caller cannot tell an unknown
 * person from one out of their scope, in body or in timing; the IG officer can see the look-up, so that fishing
 * for people is on record and alerted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Caller, defaultPolicy, startTestSystem, type TestSystem } from './harness.js';
import { factsOf, linksWhole } from './isp-oracle.js';

const OFFICER: Caller = { role: 'police-offender-manager', agency: 'police', sub: 'pc-lookups', purpose: 'iom-case-management' };
const IG: Caller = { role: 'ig-officer', agency: 'iom', sub: 'ig-lookups', purpose: 'audit' };
const PROFILE = 'query Profile($crn: String) { person(crn: $crn) { id name { familyName } } }';
const EXPLAIN = 'query Explain($crn: String) { accessExplanation(crn: $crn) { role items { dataItem allowed } } }';

let system: TestSystem;
let outOfScopeCrn: string;
/** A well-formed CRN nobody in the synthetic population has. */
let unknownCrn: string;

beforeAll(async () => {
  system = await startTestSystem({ policy: defaultPolicy() });
  const outside = system.population.people.find((p) => linksWhole(p) && !factsOf(p).inActiveCohort && p.identifiers.crn);
  if (!outside?.identifiers.crn) throw new Error('the population has no one outside the cohort with a CRN');
  outOfScopeCrn = outside.identifiers.crn;
  const taken = new Set(system.population.people.map((p) => p.identifiers.crn));
  unknownCrn = ['Z999999', 'Z999998', 'Z999997'].find((crn) => !taken.has(crn)) ?? '';
});
afterAll(async () => {
  await system?.close();
});

const withoutRequestId = (body: { extensions?: Record<string, unknown> }) => ({ ...body, extensions: { ...body.extensions, requestId: undefined } });

describe('a look-up that finds no one', () => {
  it('answers an unknown person and one out of scope alike, and records each as a LOOKUP naming what was asked', async () => {
    for (const query of [PROFILE, EXPLAIN]) {
      const unknown = await system.query(query, { crn: unknownCrn }, OFFICER);
      const outside = await system.query(query, { crn: outOfScopeCrn }, OFFICER);
      expect(unknown.status).toBe(outside.status);
      expect(withoutRequestId(unknown.body)).toEqual(withoutRequestId(outside.body));
      for (const [response, crn] of [
        [unknown, unknownCrn],
        [outside, outOfScopeCrn],
      ] as const) {
        const { entries } = await system.ledger.query({ userId: OFFICER.sub });
        const record = entries.find((e) => e.record.requestId === response.body.extensions?.requestId)?.record;
        expect(record).toMatchObject({
          kind: 'lookup',
          outcome: 'nothing-disclosed',
          subjects: [],
          lookups: [{ field: query === PROFILE ? 'person' : 'accessExplanation', argument: 'crn', value: crn }],
        });
      }
    }
  });

  it('takes as long for a person out of scope as for one who does not exist', async () => {
    const timed = async (crn: string) => {
      const started = performance.now();
      await system.query(PROFILE, { crn }, OFFICER);
      return performance.now() - started;
    };
    // Interleaved, so that whatever else the machine does falls on both alike; the first few warm up.
    const unknown: number[] = [];
    const outside: number[] = [];
    for (let i = 0; i < 130; i++) {
      const pair = i % 2 === 0 ? [await timed(unknownCrn), await timed(outOfScopeCrn)] : [await timed(outOfScopeCrn), await timed(unknownCrn)].reverse();
      if (i < 10) continue;
      unknown.push(pair[0] as number);
      outside.push(pair[1] as number);
    }
    // Mann-Whitney: the chance that a look-up out of scope takes longer than an unknown one. 0.5 when the two
    // distributions are the same; noise on a loaded machine moves it a little, a real difference of path a lot.
    let longer = 0;
    for (const a of outside) for (const b of unknown) longer += a > b ? 1 : a === b ? 0.5 : 0;
    const chance = longer / (outside.length * unknown.length);
    const median = (values: number[]) => [...values].sort((x, y) => x - y)[values.length >> 1] as number;
    expect(chance, `P(out of scope slower) = ${chance.toFixed(3)}; medians ${median(outside).toFixed(2)} / ${median(unknown).toFixed(2)} ms`).toBeGreaterThan(
      0.35,
    );
    expect(chance).toBeLessThan(0.65);
  });

  it('is alerted when one user makes more than ten within an hour', async () => {
    const fisher: Caller = { ...OFFICER, sub: 'pc-fishing' };
    const from = new Date(Date.now() - 1000).toISOString();
    for (let i = 0; i < 12; i++) await system.query(PROFILE, { crn: i % 2 === 0 ? unknownCrn : outOfScopeCrn }, fisher);
    const { body } = await system.query(
      'query($from: DateTime!, $to: DateTime!) { disclosureAlerts(from: $from, to: $to) { kind userId sequences detail } }',
      { from, to: new Date(Date.now() + 60_000).toISOString() },
      IG,
    );
    const alerts = (body.data?.disclosureAlerts as { kind: string; userId: string; sequences: number[] }[]).filter(
      (a) => a.kind === 'REPEATED_LOOKUPS' && a.userId === 'pc-fishing',
    );
    expect(alerts).toEqual([expect.objectContaining({ userId: 'pc-fishing', sequences: expect.any(Array) })]);
    expect(alerts[0]?.sequences).toHaveLength(12);
  });
});
