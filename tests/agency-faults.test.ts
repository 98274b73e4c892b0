/**
 * An agency that cannot be read is named as such, never dressed as a policy decision: for every agency in the
 * registry, down, slow, hung and malformed, its section comes back null with AGENCY_UNAVAILABLE naming it, and the
 * ledger records the section as not disclosed because that agency was unavailable. Where the ISP's condition turns
 * on a fact an agency gives (consent, MAPPA), the items that depend on it wait on that agency, not on the ISP. An
 * agency down at start-up is reported as unknown, and is linked within seconds of recovering.
 */
import { getNamedType, isObjectType } from 'graphql';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AGENCY_FACTS, AgencyModule, Faults } from '../adapters/kit/contract.js';
import { WRINKLES } from '../adapters/population/generate.js';
import type { SyntheticPerson } from '../adapters/population/types.js';
import { agencies } from '../adapters/registry.js';
import type { DisclosureRecord } from '../gateway/ledger/index.js';
import type { LoadedPolicy } from '../gateway/policy/index.js';
import { buildGatewaySchema } from '../gateway/schema.js';
import { type Caller, defaultPolicy, type GraphQLResponse, startTestSystem, type TestSystem } from './harness.js';

/** Generous: other suites share the machine, and only the faulted agency may time out. */
const TIMEOUT_MS = 2_000;
const FAULTS: Readonly<Record<string, Partial<Faults>>> = {
  down: { mode: 'down' },
  slow: { latencyMs: TIMEOUT_MS + 1_000 },
  hung: { latencyMs: 30_000 },
  malformed: { mode: 'malformed' },
};
const CONDITION_OF_FACT: Readonly<Record<(typeof AGENCY_FACTS)[number], string>> = { consentRecorded: 'consent-recorded', mappaCase: 'mappa-case' };

type ErrorEntry = NonNullable<GraphQLResponse['body']['errors']>[number];

const pncOf = (person: SyntheticPerson) => person.identifiers.pnc as string;
const errorsOf = (response: GraphQLResponse): ErrorEntry[] => response.body.errors ?? [];
const requestIdOf = (response: GraphQLResponse) => response.body.extensions?.requestId as string;

async function recordOf(system: TestSystem, requestId: string): Promise<DisclosureRecord> {
  const page = await system.ledger.query({}, { limit: 200, order: 'newest-first' });
  const found = page.entries.find((entry) => entry.record.requestId === requestId);
  if (!found) throw new Error(`no ledger record for ${requestId}`);
  return found.record;
}

const withheldIn = (record: DisclosureRecord) => record.subjects.flatMap((subject) => subject.withheld);

const knows = (system: TestSystem, module: AgencyModule, person: SyntheticPerson) => module.population.factsFor(person, system.population) !== null;

/** The README's example where the agency knows them, else the first cohort member with a PNC ID it knows. */
function subjectOf(system: TestSystem, module: AgencyModule): SyntheticPerson {
  const readme = system.population.people[WRINKLES.readmeExample] as SyntheticPerson;
  const candidates = [readme, ...system.population.people.filter((p) => p.cohort !== null && p.identifiers.pnc !== null)];
  const found = candidates.find((person) => knows(system, module, person));
  if (!found) throw new Error(`nobody in the cohort is known to ${module.agency}`);
  return found;
}

describe('each agency down, slow, hung or malformed', () => {
  let system: TestSystem;
  const sections = agencies.map((module) => `${module.agency} { __typename }`).join(' ');

  beforeAll(async () => {
    system = await startTestSystem({ timeoutMs: TIMEOUT_MS });
  }, 120_000);
  afterAll(async () => {
    await system?.close();
  });

  for (const module of agencies) {
    for (const [fault, faults] of Object.entries(FAULTS)) {
      it(`${module.agency} ${fault}: its section is AGENCY_UNAVAILABLE naming it, and the ledger says the agency was unavailable`, async () => {
        system.clearFaults();
        system.setFaults(module.agency, faults);
        try {
          const subject = subjectOf(system, module);
          const response = await system.query(`{ person(pnc: "${pncOf(subject)}") { id ${sections} } }`);
          expect(response.status).toBe(200);
          const person = response.body.data?.person as Record<string, unknown>;
          expect(person[module.agency]).toBeNull();
          for (const other of agencies.filter((m) => m !== module)) expect(person[other.agency] !== null, other.agency).toBe(knows(system, other, subject));
          expect(errorsOf(response)).toEqual([
            expect.objectContaining({
              path: ['person', module.agency],
              extensions: expect.objectContaining({ code: 'AGENCY_UNAVAILABLE', agency: module.agency }),
            }),
          ]);
          expect(withheldIn(await recordOf(system, requestIdOf(response)))).toEqual([
            { dataItem: `${module.agency}.*`, path: `person.${module.agency}`, reason: `agency-unavailable:${module.agency}` },
          ]);
        } finally {
          system.clearFaults();
        }
      });
    }
  }
});

/** A role, purpose and section field whose ISP decision turns on one agency-given fact. */
interface Dependent {
  caller: Caller;
  dataItem: string;
  section: string;
  selection: string;
}

/** From the ISP and the schema alone: somewhere the fact decides, on a field directly in an agency section. */
function dependentOn(policy: LoadedPolicy, system: TestSystem, fact: (typeof AGENCY_FACTS)[number]): Dependent | undefined {
  const compiled = system.gateway.policy;
  const { classification } = buildGatewaySchema(agencies);
  const person = system.gateway.schema.getType('Person');
  if (!isObjectType(person)) throw new Error('no Person');
  const now = new Date();
  const everything = { inActiveCohort: true, consentRecorded: true, mappaCase: true };
  for (const role of policy.roles) {
    for (const purpose of compiled.purposesFor(role.name)) {
      if (purpose.code === 'emergency') continue;
      const all = compiled.explain(role.name, purpose.code, everything, now).items;
      const without = compiled.explain(role.name, purpose.code, { ...everything, [fact]: false }, now).items;
      for (const [i, item] of all.entries()) {
        const lost = without[i];
        if (!item.allowed || lost?.allowed !== false || lost.reason !== `condition-not-met:${CONDITION_OF_FACT[fact]}`) continue;
        for (const module of agencies) {
          const sectionType = getNamedType(person.getFields()[module.agency]?.type);
          if (!isObjectType(sectionType)) continue;
          const field = Object.values(sectionType.getFields()).find((f) => classification.items.get(`${sectionType.name}.${f.name}`) === item.dataItem);
          if (!field) continue;
          const selection = isObjectType(getNamedType(field.type)) ? `${field.name} { __typename }` : field.name;
          return {
            caller: { role: role.name, agency: role.agency, purpose: purpose.code, justification: 'Case reference TEST-0001, agency fault suite' },
            dataItem: item.dataItem,
            section: module.agency,
            selection,
          };
        }
      }
    }
  }
  return undefined;
}

/** Asks for the dependent item about the person with this PNC. */
const asking = (system: TestSystem, dependent: Dependent) => (pnc: string) =>
  system.query(`{ person(pnc: "${pnc}") { id ${dependent.section} { ${dependent.selection} } } }`, undefined, dependent.caller);

/** Someone the item is shared about while every agency answers. */
async function sharedAbout(system: TestSystem, dependent: Dependent): Promise<SyntheticPerson> {
  const query = asking(system, dependent);
  for (const candidate of system.population.people.filter((p) => p.cohort !== null && p.identifiers.pnc).slice(0, 150)) {
    const response = await query(pncOf(candidate));
    const section = (response.body.data?.person as Record<string, unknown> | null)?.[dependent.section];
    if (section && errorsOf(response).length === 0) return candidate;
  }
  throw new Error('nobody the item is shared about');
}

describe('a fact the ISP needs, from an agency that cannot be read', () => {
  let system: TestSystem;
  let policy: LoadedPolicy;
  const sources = agencies.filter(
    (module): module is AgencyModule & { subjectFactNames: readonly (typeof AGENCY_FACTS)[number][] } => module.subjectFactNames !== undefined,
  );

  beforeAll(async () => {
    policy = defaultPolicy();
    system = await startTestSystem({ timeoutMs: TIMEOUT_MS, policy });
  }, 120_000);
  afterAll(async () => {
    await system?.close();
  });

  it('has agencies that give facts, and ISP items that turn on each', () => {
    expect(sources.length).toBeGreaterThan(0);
    for (const module of sources)
      for (const fact of module.subjectFactNames) expect(dependentOn(policy, system, fact), `${module.agency} ${fact}`).toBeDefined();
  });

  for (const module of agencies) {
    for (const fact of module.subjectFactNames ?? []) {
      it(`${module.agency} down, slow, hung or malformed: items turning on ${fact} are AGENCY_UNAVAILABLE naming it, recorded so, never WITHHELD`, {
        timeout: 60_000,
      }, async () => {
        const dependent = dependentOn(policy, system, fact) as Dependent;
        const query = asking(system, dependent);
        const subject = await sharedAbout(system, dependent);

        for (const faults of Object.values(FAULTS)) {
          system.setFaults(module.agency, faults);
          try {
            const response = await query(pncOf(subject as SyntheticPerson));
            const errors = errorsOf(response);
            expect(errors.filter((e) => e.extensions?.code === 'WITHHELD')).toEqual([]);
            const named = errors.filter((e) => e.extensions?.code === 'AGENCY_UNAVAILABLE' && e.extensions.agency === module.agency);
            expect(named.length, JSON.stringify(errors)).toBeGreaterThan(0);
            const reasons = withheldIn(await recordOf(system, requestIdOf(response))).map((w) => w.reason);
            expect(reasons).toContain(`agency-unavailable:${module.agency}`);
            expect(reasons.filter((reason) => reason.startsWith('condition-not-met'))).toEqual([]);
          } finally {
            system.clearFaults();
          }
        }

        // "What may I see, and why?" says the same.
        system.setFaults(module.agency, { mode: 'down' });
        try {
          const explained = await system.query(
            `{ accessExplanation(pnc: "${pncOf(subject)}") { items { dataItem allowed reason } } }`,
            undefined,
            dependent.caller,
          );
          const items = (explained.body.data?.accessExplanation as { items: { dataItem: string; reason: string | null }[] }).items;
          expect(items.find((item) => item.dataItem === dependent.dataItem)?.reason).toBe(`agency-unavailable:${module.agency}`);
        } finally {
          system.clearFaults();
        }
      });
    }
  }
});

describe('an agency down when the gateway starts', () => {
  const absent = agencies[agencies.length - 1] as AgencyModule;
  let system: TestSystem;

  beforeAll(async () => {
    system = await startTestSystem({ timeoutMs: TIMEOUT_MS, startFaults: { [absent.agency]: { mode: 'down' } }, identityRefreshMs: 300_000 });
  }, 120_000);
  afterAll(async () => {
    await system?.close();
  });

  it('is not ready, says its sections are not known rather than empty, and is linked within seconds of recovering', { timeout: 60_000 }, async () => {
    const subject = subjectOf(system, absent);
    const ask = () => system.query(`{ person(pnc: "${pncOf(subject)}") { id ${absent.agency} { __typename } } }`);

    const ready = await request(system.app).get('/ready');
    expect(ready.status).toBe(503);
    expect((ready.body as { problems: string[] }).problems).toEqual([expect.stringMatching(new RegExp(`^${absent.agency}: identity feed never loaded`))]);

    const before = await ask();
    expect((before.body.data?.person as Record<string, unknown>)[absent.agency]).toBeNull();
    expect(errorsOf(before)).toEqual([
      expect.objectContaining({
        path: ['person', absent.agency],
        extensions: expect.objectContaining({ code: 'AGENCY_UNAVAILABLE', agency: absent.agency, reason: 'not-linked' }),
      }),
    ]);

    // Someone the index cannot find: "no one" could be a guess while an agency's holdings are unknown, so it says so.
    const nobody = await system.query('{ person(id: "GW-000000000000") { id } }');
    expect(errorsOf(nobody)).toEqual([
      expect.objectContaining({
        path: ['person'],
        extensions: expect.objectContaining({ code: 'AGENCY_UNAVAILABLE', agencies: [absent.agency], reason: 'not-linked' }),
      }),
    ]);

    system.clearFaults();
    const recovering = Date.now();
    while ((await request(system.app).get('/ready')).status !== 200) {
      expect(Date.now() - recovering, 'ready again within seconds').toBeLessThan(10_000);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const after = await ask();
    expect(errorsOf(after)).toEqual([]);
    expect((after.body.data?.person as Record<string, unknown>)[absent.agency]).not.toBeNull();
    const stillNobody = await system.query('{ person(id: "GW-000000000000") { id } }');
    expect(errorsOf(stillNobody)).toEqual([]);
    expect(stillNobody.body.data?.person).toBeNull();
  });
});

describe('reject mode, when an agency giving a fact cannot be read', () => {
  let system: TestSystem;
  let policy: LoadedPolicy;

  beforeAll(async () => {
    policy = defaultPolicy();
    system = await startTestSystem({ timeoutMs: TIMEOUT_MS, policy, enforcement: 'reject' });
  }, 120_000);
  afterAll(async () => {
    await system?.close();
  });

  for (const module of agencies) {
    const [fact] = module.subjectFactNames ?? [];
    if (fact === undefined) continue;
    it(`${module.agency} down: not refused as if the ISP withheld, but AGENCY_UNAVAILABLE naming it`, { timeout: 60_000 }, async () => {
      const dependent = dependentOn(policy, system, fact) as Dependent;
      const subject = await sharedAbout(system, dependent);
      system.setFaults(module.agency, { mode: 'down' });
      try {
        const response = await asking(system, dependent)(pncOf(subject));
        expect(response.status).toBe(200);
        expect(errorsOf(response).map((e) => [e.extensions?.code, e.extensions?.agency])).toContainEqual(['AGENCY_UNAVAILABLE', module.agency]);
        expect(errorsOf(response).filter((e) => e.extensions?.code === 'WITHHELD')).toEqual([]);
      } finally {
        system.clearFaults();
      }
    });
  }
});
