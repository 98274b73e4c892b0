/**
 * A section is asked of its agency beside the ISP's decisions, to save a round trip; but a section none of whose items
 * the caller's role and purpose could ever be given is not asked for at all: a refused caller costs the agency nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agencies } from '../adapters/registry.js';
import { compilePolicy, loadPolicy } from '../gateway/policy/index.js';
import { buildGatewaySchema } from '../gateway/schema.js';
import { startTestSystem, type TestSystem } from './harness.js';
import { ISP_FILE } from './isp-oracle.js';

const policy = loadPolicy(ISP_FILE);
const compiled = compilePolicy(policy, buildGatewaySchema(agencies).classification);
const everyCondition = { inActiveCohort: true, consentRecorded: true, mappaCase: true };

/** From the ISP: a role, a purpose and an agency whose section that pair can never receive, though it receives others. */
function refusedSection() {
  for (const role of policy.roles.filter((r) => !r.auditOnly)) {
    const plain = role.purposes.filter((code) => !policy.purposes.find((p) => p.code === code)?.requiresJustification);
    for (const purpose of plain) {
      const allowed = compiled
        .explain(role.name, purpose, everyCondition, new Date())
        .items.filter((item) => item.allowed)
        .map((item) => item.dataItem);
      if (allowed.length === 0) continue;
      // An agency that is the source of no ISP condition's facts, so that only its section could make it be asked.
      const never = agencies.find((module) => !module.subjectFacts && !allowed.some((item) => item.startsWith(`${module.agency}.`)));
      if (never) return { role, purpose, module: never };
    }
  }
  throw new Error('the ISP gives every role every agency for every purpose: nothing to test');
}

let system: TestSystem;
beforeAll(async () => {
  system = await startTestSystem({ policy });
});
afterAll(async () => {
  await system?.close();
});

describe('a section the caller could never be given', () => {
  it('is refused without asking its agency', async () => {
    const { role, purpose, module } = refusedSection();
    const subject = system.population.people.find(
      (person) => person.cohort !== null && person.identifiers.pnc !== null && module.population.factsFor(person, system.population) !== null,
    );
    if (!subject) throw new Error(`nobody in the cohort with a PNC is known to ${module.agency}`);
    system.resetUpstreamCalls();
    const { status, body } = await system.query(
      `query ($pnc: String) { person(pnc: $pnc) { id ${module.agency} { __typename } } }`,
      { pnc: subject.identifiers.pnc },
      {
        role: role.name,
        agency: role.agency,
        purpose,
      },
    );
    expect(status).toBe(200);
    expect(body.errors?.map((error) => error.extensions?.code)).toEqual(['WITHHELD']);
    const calls = system.upstreamCalls()[module.agency] ?? {};
    expect(Object.keys(calls).filter((route) => !route.includes('identit'))).toEqual([]);
  });
});
