/**
 * The ISP over HTTP, role by role and purpose by purpose, against an oracle that reads the ISP YAML itself:
 * one query asking for every classified field of Person about a handful of chosen people, and the set of
 * values that come back non-null must be exactly what the oracle allows and the population holds; everything
 * else comes back as a WITHHELD error naming the data item and why. Then scope (an out-of-scope person is
 * indistinguishable from nobody) and accessExplanation (the same decisions, without values).
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WRINKLES } from '../adapters/population/generate.js';
import type { SyntheticPerson } from '../adapters/population/types.js';
import { mintPnc } from '../schema/identifiers.js';
import { type Caller, defaultPolicy, type GraphQLResponse, startTestSystem, type TestSystem } from './harness.js';
import {
  type Asking,
  agenciesKnowing,
  type ClassifiedField,
  everyClassifiedField,
  factsHeldBy,
  factsOf,
  holdsValue,
  IspOracle,
  linksWhole,
  lookupOf,
  type PersonCatalogue,
  personCatalogue,
  valueAt,
} from './isp-oracle.js';

const oracle = new IspOracle();
let system: TestSystem;
let catalogue: PersonCatalogue;
let profile: (kind: string) => string;
let subjects: { label: string; person: SyntheticPerson }[];

/** The person best fitting `predicate`: linked plainly and known to as many agencies as possible. */
function pick(label: string, predicate: (person: SyntheticPerson) => boolean): { label: string; person: SyntheticPerson } {
  const [person] = system.population.people
    .filter((p) => linksWhole(p) && predicate(p))
    .sort((a, b) => agenciesKnowing(b).length - agenciesKnowing(a).length || a.index - b.index);
  if (!person) throw new Error(`the population has no ${label}`);
  return { label: `${label} (#${person.index})`, person };
}

beforeAll(async () => {
  system = await startTestSystem({ policy: defaultPolicy() });
  catalogue = personCatalogue(system.gateway.schema);
  const selection = everyClassifiedField(catalogue, system.gateway.schema);
  profile = (kind) => `query Profile($v: String) { person(${kind}: $v) { ${selection} } }`;
  subjects = [
    pick('cohort member with consent recorded', (p) => factsOf(p).inActiveCohort && factsOf(p).consentRecorded && !factsOf(p).mappaCase),
    pick('MAPPA case in the cohort', (p) => factsOf(p).inActiveCohort && factsOf(p).mappaCase),
    pick('person outside the cohort, consent recorded', (p) => !factsOf(p).inActiveCohort && factsOf(p).consentRecorded),
    pick('MAPPA case outside the cohort', (p) => !factsOf(p).inActiveCohort && factsOf(p).mappaCase),
    pick(
      'cohort member who consented for probation only',
      (p) => factsOf(p).inActiveCohort && p.drugs?.consent.recorded === true && !factsOf(p).consentRecorded,
    ),
  ];
});
afterAll(async () => {
  await system?.close();
});

const callerFor = (role: string, purpose: string): Caller => ({
  role,
  agency: oracle.agencyOf(role),
  sub: `${role}-matrix`,
  purpose,
  ...(oracle.requiresJustification(purpose) ? { justification: `Case ref ${role}/${purpose}` } : {}),
});

const EXPLAIN = /* GraphQL */ `
  query Explain($v: String) {
    accessExplanation(pnc: $v) { ispId ispVersion role purpose personId items { dataItem description allowed clause reason lawfulBasis } }
  }
`;

interface ExplainedItem {
  dataItem: string;
  description: string;
  allowed: boolean;
  clause: string | null;
  reason: string | null;
  lawfulBasis: string | null;
}

const pathOf = (field: ClassifiedField) => (field.section ? [field.section, field.field] : [field.field]);
const withheld = (body: GraphQLResponse['body']) => (body.errors ?? []).filter((e) => e.extensions?.code === 'WITHHELD');

/**
 * What the oracle expects of one profile query: the fields the population describes that come back non-null,
 * the WITHHELD errors (path → data item), and the fields the population does not describe, checked loosely.
 */
function expectedProfile(asking: Asking, person: SyntheticPerson) {
  const facts = factsOf(person);
  const now = new Date();
  const allowed = (field: ClassifiedField) => oracle.decide(asking, field.dataItem, facts, now).allowed;
  const nonNull: string[] = [];
  const errors: Record<string, string> = {};
  const loose: ClassifiedField[] = [];
  const judge = (field: ClassifiedField) => {
    if (!allowed(field)) errors[['person', ...pathOf(field)].join('.')] = field.dataItem;
    else if (holdsValue(person, field) === undefined) loose.push(field);
    else if (holdsValue(person, field)) nonNull.push(pathOf(field).join('.'));
  };
  catalogue.identity.forEach(judge);
  for (const [section, fields] of catalogue.sections) {
    if (!fields.some(allowed)) errors[`person.${section}`] = `${section}.*`;
    // A section the agency has nothing for is null whatever it holds, so nothing in it is decided.
    else if (factsHeldBy(person, section) !== null) fields.forEach(judge);
  }
  return { nonNull: nonNull.sort(), errors, loose };
}

describe.each(oracle.roles)('the matrix for %s', (role) => {
  it('covers every purpose of the ISP: refused where not permitted, exactly the oracle’s data where permitted', async () => {
    for (const purpose of oracle.purposes) {
      const caller = callerFor(role, purpose);
      const asking: Asking = { role, purpose, emergency: oracle.isEmergency(purpose) };
      const where = `${role} / ${purpose}`;

      if (!oracle.permits(role, purpose)) {
        const { kind, value } = lookupOf(subjects[0]!.person);
        const { status, body } = await system.query(profile(kind), { v: value }, caller);
        expect(status, where).toBe(403);
        expect(body.data, where).toBeUndefined();
        expect(
          body.errors?.map((e) => e.extensions?.code),
          where,
        ).toEqual(['PURPOSE_NOT_PERMITTED']);
        continue;
      }

      if (oracle.noPersonData(role, purpose)) {
        for (const { person } of subjects) {
          const { kind, value } = lookupOf(person);
          const { body } = await system.query(profile(kind), { v: value }, caller);
          expect(body.data?.person ?? null, where).toBeNull();
          expect(
            body.errors?.map((e) => e.extensions?.code),
            where,
          ).toEqual(['FORBIDDEN']);
          const explained = await system.query(EXPLAIN, { v: person.identifiers.pnc }, caller);
          expect(explained.body.data?.accessExplanation ?? null, where).toBeNull();
          expect(
            explained.body.errors?.map((e) => e.extensions?.code),
            where,
          ).toEqual(['FORBIDDEN']);
        }
        continue;
      }

      for (const { label, person } of subjects) {
        const about = `${where} about the ${label}`;
        const facts = factsOf(person);
        const { kind, value } = lookupOf(person);
        const { status, body } = await system.query(profile(kind), { v: value }, caller);
        expect(status, about).toBe(200);
        const explained = await system.query(EXPLAIN, { v: person.identifiers.pnc }, caller);
        expect(explained.status, about).toBe(200);
        expect(explained.body.errors, about).toBeUndefined();

        if (!oracle.visible(asking, facts)) {
          expect(body, about).toMatchObject({ data: { person: null } });
          expect(body.errors, about).toBeUndefined();
          expect(explained.body.data?.accessExplanation, about).toBeNull();
          continue;
        }

        const returned = body.data?.person;
        expect(returned, about).toBeTruthy();
        const expected = expectedProfile(asking, person);
        const fields = [...catalogue.identity, ...[...catalogue.sections.values()].flat()];
        const isReturned = (field: ClassifiedField) => (valueAt(returned, pathOf(field)) ?? null) !== null;
        const nonNull = fields
          .filter((field) => isReturned(field) && !expected.loose.includes(field))
          .map((field) => pathOf(field).join('.'))
          .sort();
        expect(nonNull, `${about}: fields returned non-null`).toEqual(expected.nonNull);

        const errors = body.errors ?? [];
        expect(
          errors.filter((e) => e.extensions?.code !== 'WITHHELD'),
          about,
        ).toEqual([]);
        const byPath = Object.fromEntries(withheld(body).map((e) => [(e.path ?? []).join('.'), e.extensions?.dataItem]));
        expect(byPath, `${about}: WITHHELD errors`).toEqual(expected.errors);
        expect(errors, `${about}: one error per withheld place`).toHaveLength(Object.keys(expected.errors).length);

        const now = new Date();
        for (const error of withheld(body)) {
          const dataItem = String(error.extensions?.dataItem);
          expect(error.message, about).toMatch(/withheld|Nothing from/);
          if (dataItem.endsWith('.*')) {
            // The section's reason is one of its items' reasons.
            const items = catalogue.sections.get(dataItem.slice(0, -2)) ?? [];
            const reasons = items.flatMap((field) => {
              const decision = oracle.decide(asking, field.dataItem, facts, now);
              return decision.allowed ? [] : decision.refusals.map((refusal) => refusal.reason);
            });
            expect(reasons, `${about}: why ${dataItem} was withheld`).toContain(error.extensions?.reason);
            continue;
          }
          const decision = oracle.decide(asking, dataItem, facts, now);
          if (decision.allowed) throw new Error(`${about}: ${dataItem} was withheld though clause ${decision.clauses.join(', ')} allows it`);
          const given = { reason: error.extensions?.reason, ...(error.extensions?.clause ? { clause: error.extensions.clause } : {}) };
          expect(decision.refusals, `${about}: why ${dataItem} was withheld`).toContainEqual(given);
        }

        // The explanation gives the same decisions, for every data item of the schema.
        const explanation = explained.body.data?.accessExplanation as { personId: string; role: string; purpose: string; items: ExplainedItem[] };
        expect(explanation, about).toMatchObject({ role, purpose, personId: (returned as { id: string }).id });
        expect(explanation.items.map((item) => item.dataItem).sort(), about).toEqual([...catalogue.dataItems].sort());
        for (const item of explanation.items) {
          const decision = oracle.decide(asking, item.dataItem, facts, now);
          expect(item.allowed, `${about}: explained ${item.dataItem}`).toBe(decision.allowed);
          if (decision.allowed) {
            expect(decision.clauses, `${about}: explained ${item.dataItem}`).toContain(item.clause);
            expect(item.reason).toBeNull();
            expect(item.lawfulBasis).toMatch(/\S/);
          } else {
            expect(decision.refusals, `${about}: explained ${item.dataItem}`).toContainEqual({
              reason: item.reason,
              ...(item.clause ? { clause: item.clause } : {}),
            });
            expect(item.lawfulBasis).toBeNull();
          }
        }
        const explainedAllowed = new Set(explanation.items.filter((item) => item.allowed).map((item) => item.dataItem));
        for (const field of fields) {
          if (isReturned(field)) expect(explainedAllowed, about).toContain(field.dataItem);
        }
        for (const error of withheld(body)) {
          const dataItem = String(error.extensions?.dataItem);
          if (!dataItem.endsWith('.*')) expect(explainedAllowed.has(dataItem), `${about}: explained ${dataItem}`).toBe(false);
        }
      }
    }
  });
});

describe('the matrix’s subjects', () => {
  it('have the facts the ISP’s conditions test', () => {
    const facts = subjects.map(({ person }) => factsOf(person));
    expect(facts.some((f) => f.inActiveCohort && f.consentRecorded)).toBe(true);
    expect(facts.some((f) => f.mappaCase && f.inActiveCohort)).toBe(true);
    expect(facts.some((f) => !f.inActiveCohort)).toBe(true);
  });
});

describe('scope', () => {
  const outOfScope = () => subjects.find(({ person }) => !factsOf(person).inActiveCohort)!.person;

  /** A PNC with a valid check letter that nobody in the population holds. */
  const unheldPnc = () => {
    const held = new Set(system.population.people.map((p) => p.identifiers.pnc));
    for (let serial = 9_999_999; ; serial -= 1) {
      const pnc = mintPnc(2019, serial);
      if (!held.has(pnc)) return pnc;
    }
  };

  it('makes a person out of scope byte-for-byte indistinguishable from a person nobody holds, explanation included', async () => {
    const subject = outOfScope();
    const query = `query Profile($v: String) {
      person(pnc: $v) { ${everyClassifiedField(catalogue, system.gateway.schema)} }
      accessExplanation(pnc: $v) { personId items { dataItem allowed clause reason } }
    }`;
    const nobody = unheldPnc();
    let compared = 0;
    for (const role of oracle.roles.filter((r) => !oracle.auditOnly(r))) {
      for (const purpose of oracle.permittedPurposes(role)) {
        const asking: Asking = { role, purpose, emergency: oracle.isEmergency(purpose) };
        if (oracle.visible(asking, factsOf(subject))) continue;
        const caller = callerFor(role, purpose);
        const token = await system.token({ sub: caller.sub, role, agency: caller.agency });
        const ask = async (pnc: string) => {
          let call = request(system.app)
            .post('/graphql')
            .set('authorization', `Bearer ${token}`)
            .set('x-purpose', purpose)
            .set('x-request-id', `scope-probe-${role}-${purpose}`);
          if (caller.justification) call = call.set('x-justification', caller.justification);
          const response = await call.send({ query, variables: { v: pnc } });
          return { status: response.status, text: response.text };
        };
        const outside = await ask(subject.identifiers.pnc ?? '');
        const unknown = await ask(nobody);
        expect(outside, `${role} / ${purpose}`).toEqual(unknown);
        expect(JSON.parse(outside.text)).toMatchObject({ data: { person: null, accessExplanation: null } });
        compared += 1;
      }
    }
    expect(compared).toBeGreaterThanOrEqual(4);
  });

  it('leaves out-of-scope candidates out of a name search', async () => {
    const [inCohort, outside] = WRINKLES.sameNameAndDateOfBirth.map((index) => system.population.people[index]!);
    expect(factsOf(inCohort!).inActiveCohort && !factsOf(outside!).inActiveCohort).toBe(true);
    const idOf = async (person: SyntheticPerson) => {
      const { body } = await system.query('query($v: String) { person(pnc: $v) { id } }', { v: person.identifiers.pnc });
      return (body.data?.person as { id: string }).id;
    };
    const [inId, outId] = [await idOf(inCohort!), await idOf(outside!)];
    const search = /* GraphQL */ `
      query Search($name: String!, $dob: Date) { people(name: $name, dateOfBirth: $dob) { confidence person { id } } }
    `;
    const variables = { name: `${inCohort!.givenName} ${inCohort!.familyName}`, dob: inCohort!.dateOfBirth };
    const found = async (caller: Caller) => {
      const { body } = await system.query(search, variables, caller);
      expect(body.errors).toBeUndefined();
      return (body.data?.people as { person: { id: string } }[]).map((match) => match.person.id);
    };

    expect(await found(callerFor('iom-coordinator', 'iom-case-management'))).toEqual(expect.arrayContaining([inId, outId]));
    for (const role of oracle.roles.filter((r) => !oracle.auditOnly(r))) {
      for (const purpose of oracle.permittedPurposes(role).filter((p) => !oracle.noPersonData(role, p))) {
        const ids = await found(callerFor(role, purpose));
        const asking: Asking = { role, purpose, emergency: oracle.isEmergency(purpose) };
        // A match confirms the name and date of birth searched on: shown only where the ISP shares both.
        const shown = (person: SyntheticPerson) =>
          oracle.visible(asking, factsOf(person)) &&
          ['identity.name', 'identity.dateOfBirth'].every((item) => oracle.decide(asking, item, factsOf(person), new Date()).allowed);
        expect(ids.includes(outId), `${role} / ${purpose} sees the out-of-cohort twin`).toBe(shown(outside!));
        expect(ids.includes(inId), `${role} / ${purpose} sees the cohort twin`).toBe(shown(inCohort!));
      }
    }
  });

  it('counts only in-scope candidates toward `first`, so out-of-scope people cannot be inferred from a short page', async () => {
    const officer = callerFor('police-offender-manager', 'iom-case-management');
    const search = 'query Search($name: String!, $first: Int) { people(name: $name, first: $first) { person { id } } }';
    const ids = async (name: string, first: number, caller?: Caller) => {
      const { body } = await system.query(search, { name, first }, caller);
      expect(body.errors).toBeUndefined();
      return (body.data?.people as { person: { id: string } }[]).map((match) => match.person.id);
    };
    // A cohort member's name that someone outside the cohort, ranked higher, also answers to.
    let found: { name: string; inScope: string[] } | undefined;
    for (const member of system.population.people.filter((p) => factsOf(p).inActiveCohort).slice(0, 40)) {
      const name = `${member.givenName} ${member.familyName}`;
      const everyone = await ids(name, 100);
      const inScope = await ids(name, 100, officer);
      expect(
        everyone.filter((id) => inScope.includes(id)),
        name,
      ).toEqual(inScope);
      if (inScope.length > 0 && everyone.indexOf(inScope.at(-1)!) >= inScope.length) {
        found = { name, inScope };
        break;
      }
    }
    if (!found) throw new Error('no cohort member shares a name with a higher-ranked person outside the cohort');
    expect(await ids(found.name, found.inScope.length, officer), found.name).toEqual(found.inScope);
  });
});
