/**
 * The disclosure invariant end to end, under the partnership's own ISP: for a mixed workload (roles,
 * purposes, aliases, fragments, searches, explanations, the cohort, agencies failing), the ledger record of
 * each response lists exactly what that response carries about whom, and what it withheld and why; a response
 * about nobody leaves no record. The expected side is read from the responses alone (tests/ledger-disclosures.ts).
 * Then the ledger's database is taken away under the running gateway: nothing more may be disclosed.
 */
import { parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Faults } from '../adapters/kit/contract.js';
import { WRINKLES } from '../adapters/population/generate.js';
import type { SyntheticPerson } from '../adapters/population/types.js';
import { agencies } from '../adapters/registry.js';
import { type DisclosureRecord, type Ledger, openLedger } from '../gateway/ledger/index.js';
import { BACKENDS, type TestDatabase } from '../gateway/ledger/test-backends.js';
import type { LoadedPolicy } from '../gateway/policy/index.js';
import { type Caller, COORDINATOR, defaultPolicy, type GraphQLResponse, startTestSystem, type TestSystem } from './harness.js';
import { readResponse } from './ledger-disclosures.js';

const SAFEGUARDING: Caller = { role: 'iom-coordinator', agency: 'iom', purpose: 'safeguarding', justification: 'SG-2026-0412 child at the address' };
const EMERGENCY: Caller = { role: 'iom-coordinator', agency: 'iom', purpose: 'emergency', justification: 'Threat to life reported 02:10, case 4471' };
const PROBATION: Caller = { role: 'probation-practitioner', agency: 'probation', purpose: 'iom-case-management' };
const POLICE: Caller = { role: 'police-offender-manager', agency: 'police', purpose: 'iom-case-management' };
const POLICE_MAPPA: Caller = { ...POLICE, purpose: 'risk-management' };
const HOUSING: Caller = { role: 'housing-officer', agency: 'housing', purpose: 'iom-case-management' };
const DRUG_WORKER: Caller = { role: 'drug-worker', agency: 'drugs', purpose: 'iom-case-management' };
const IG_OFFICER: Caller = { role: 'ig-officer', agency: 'iom', purpose: 'audit' };

const PROFILE = /* GraphQL */ `
  query Profile($pnc: String) {
    person(pnc: $pnc) {
      id
      name { givenName familyName }
      dateOfBirth
      identifiers { pnc cro nomsNumber crn localReferences { agency reference } }
      recordedNames { agency familyName }
      identifierConflicts { identifier }
      probableMatches { confidence person { id name { familyName } } }
      iom { strand serviceLevel leadProfessional { name } active }
      police { arrests { offence } charges { status } courtOutcomes { verdict } warningMarkers { type } wantedMissing { wanted } prolificPriorityOffender offenderManager { name } }
      probation { sentence { type } requirements { type } compliance { status } responsibleOfficer { email } riskOfSeriousHarm ogrs { band } criminogenicNeeds { area } mappa { level } registrations { type } }
      prison { inCustody establishment { code } receptionDate releaseDates { conditionalReleaseDate } licenceConditions { code } offenderManager { name } }
      housing { accommodationStatus accommodationStatusSince address { postcode } supportReferrals { status } staffSafetyFlags { type } housingOfficer { name } }
      drugs { testsOnArrest { result } requiredAssessment { required } treatmentEngagement { engaged } treatmentModality treatmentOutcomes { opiateDays } consent { recorded } keyworker { name } }
    }
  }
`;

/** Aliases everywhere, the person's id among them, and a data item asked for twice under two names. */
const ALIASED = /* GraphQL */ `
  query Aliased($a: String, $b: String) {
    first: person(pnc: $a) {
      key: id
      who: name { givenName }
      born: dateOfBirth
      cops: police { history: arrests { offence } marks: warningMarkers { type } ppo: prolificPriorityOffender }
      custody: prison { now: inCustody where: establishment { name } }
    }
    second: person(pnc: $b) {
      id
      n1: name { familyName }
      n2: name { givenName }
      housing { accommodationStatus address { postcode } }
    }
  }
`;

/** Named and inline fragments, one field reached both directly and through a fragment. */
const FRAGMENTS = /* GraphQL */ `
  query Fragments($crn: String) {
    person(crn: $crn) {
      ...Core
      name { familyName }
      probation { ...Supervision }
      ... on Person { drugs { treatmentEngagement { engaged } consent { recorded } } }
    }
  }
  fragment Core on Person { id name { givenName familyName } identifiers { crn } }
  fragment Supervision on ProbationRecord { sentence { type } ogrs { band } registrations { type } mappa { level } }
`;

/** No `id` anywhere: the paths must still match, the person unnamed in the response. */
const ANONYMOUS = 'query($p: String) { person(pnc: $p) { name { givenName } police { arrests { offence } } housing { staffSafetyFlags { type } } } }';
const SAME_PERSON_TWICE = 'query($p: String, $c: String) { a: person(pnc: $p) { id name { givenName } } b: person(crn: $c) { id dateOfBirth } }';
const SEARCH_IDS = 'query($n: String!) { people(name: $n) { confidence matchedOn person { id } } }';
const SEARCH_NAMES = 'query($n: String!, $d: Date) { people(name: $n, dateOfBirth: $d) { score person { id name { givenName } dateOfBirth } } }';
const PROBABLE = 'query($p: String) { person(pnc: $p) { id probableMatches { confidence person { id name { givenName } housing { accommodationStatus } } } } }';
const EXPLAIN = 'query($p: String) { accessExplanation(pnc: $p) { personId items { dataItem allowed clause reason } } }';
const COHORT = '{ cohort(first: 4) { totalCount edges { cursor node { id name { familyName } iom { strand } prison { inCustody } } } } }';
const ID_ONLY = 'query($p: String) { person(pnc: $p) { id } }';
/** Each agency's section asked for nothing but its type name: showing one still says the agency holds the person. */
const SECTIONS_ONLY = `query Sections($p: String) { person(pnc: $p) { id ${agencies.map((module) => `${module.agency} { __typename }`).join(' ')} } }`;
/** `people` is non-null and fails, so the whole data is null although `person` resolved: nothing in the response. */
const NULLED_BY_SIBLING = 'query Nulled($p: String) { person(pnc: $p) { id name { givenName } } people(name: "x") { score } }';
const SELECT = /* GraphQL */ `
  mutation Select($id: ID!) {
    selectForCohort(input: {
      personId: $id, strand: FLEX, serviceLevel: MEDIUM, reason: "Escalating burglary, case conference 14 Nov",
      leadProfessional: { name: "Sam Okafor", agency: "probation", email: "sam.okafor@probation.example" }
    }) { id name { familyName } iom { strand active } }
  }
`;

interface Case {
  label: string;
  query: string;
  variables?: Record<string, unknown>;
  caller?: Caller;
  /** A response about nobody: no record may exist. */
  aboutNobody?: true;
  /** The whole data was nulled by an error: any record may name people but must disclose nothing. */
  nulled?: true;
}

interface Answered extends Case {
  response: GraphQLResponse;
  requestId: string | undefined;
}

const extensionsSchema = z.object({ extensions: z.object({ requestId: z.string() }).optional() });
const identifiersSchema = z.object({
  pnc: z.string().nullish(),
  cro: z.string().nullish(),
  nomsNumber: z.string().nullish(),
  crn: z.string().nullish(),
});
const valueAt = (data: unknown, path: string): unknown =>
  path.split('.').reduce<unknown>((node, key) => (node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined), data);
const withheldErrorSchema = z.object({
  path: z.array(z.union([z.string(), z.number()])),
  extensions: z.union([
    z.object({ code: z.literal('WITHHELD'), dataItem: z.string(), reason: z.string(), clause: z.string().optional() }),
    // Kept out because an agency could not be read: recorded as that, never as the ISP's withholding.
    z
      .object({ code: z.literal('AGENCY_UNAVAILABLE'), dataItem: z.string(), agency: z.string() })
      .transform(({ dataItem, agency }) => ({ dataItem, reason: `agency-unavailable:${agency}`, clause: undefined })),
  ]),
});

let system: TestSystem;
let database: TestDatabase;
let ledger: Ledger;
let policy: LoadedPolicy;
const answered: Answered[] = [];
/** Records by request id; a mutation's request has its alteration beside its disclosure. */
const records = new Map<string, DisclosureRecord[]>();
let cohortMember: SyntheticPerson;
let cohortMemberId: string;

const person = (index: number): SyntheticPerson => {
  const found = system.population.people[index];
  if (!found) throw new Error(`no person ${index}`);
  return found;
};
const pnc = (p: SyntheticPerson): string => {
  if (p.identifiers.pnc === null) throw new Error(`person ${p.index} has no PNC`);
  return p.identifiers.pnc;
};
const fullName = (p: SyntheticPerson) => `${p.givenName} ${p.familyName}`;
/** The gateway id in the answer to the case with this label. */
const gatewayIdFrom = (label: string): string => {
  const id = (answered.find((c) => c.label === label)?.response.body.data?.person as { id?: unknown } | null | undefined)?.id;
  if (typeof id !== 'string') throw new Error(`no person id in the answer to "${label}"`);
  return id;
};

/** The agencies some phase made fail. */
const faulted = new Set<string>();

async function run(cases: readonly Case[], faults: Record<string, Partial<Faults>> = {}): Promise<void> {
  for (const [agency, fault] of Object.entries(faults)) {
    system.setFaults(agency, fault);
    faulted.add(agency);
  }
  try {
    // Concurrent within a phase, so records share group commits and must still sort to their requests.
    const responses = await Promise.all(cases.map((c) => system.query(c.query, c.variables, c.caller)));
    cases.forEach((c, i) => {
      const response = responses[i] as GraphQLResponse;
      answered.push({ ...c, response, requestId: extensionsSchema.parse(response.body).extensions?.requestId });
    });
  } finally {
    system.clearFaults();
  }
}

beforeAll(async () => {
  // A ledger of our own on a database we can take away later (the harness keeps the cohort register in its
  // own): PostgreSQL where it runs, being the quicker to create, else PGlite.
  const backend = BACKENDS.find((b) => b.name === 'postgres' && b.enabled) ?? BACKENDS.find((b) => b.name === 'pglite');
  if (!backend) throw new Error('no ledger backend');
  database = await backend.createDatabase();
  ledger = await openLedger(database.ledgerOptions());
  policy = defaultPolicy();
  // A generous agency timeout: on a busy machine a slow answer must not pass for a failure the workload did not plan.
  system = await startTestSystem({ policy, ledger, timeoutMs: 5_000 });

  const people = system.population.people;
  const cohort = people.filter((p) => p.cohort !== null && p.identifiers.pnc !== null && p.identifiers.crn !== null);
  // Known to all five agencies, so that every agency's failure shows.
  const known = cohort.filter((p) => p.police && p.probation && p.prison && p.housing && p.drugs);
  const [c1, c2, c3] = known as [SyntheticPerson, SyntheticPerson, SyntheticPerson];
  cohortMember = c1;
  const consenting = cohort.find((p) => p.drugs?.consent.recorded && p.drugs.consent.scope === 'iom-partners');
  const notConsenting = cohort.find((p) => p.drugs !== null && !(p.drugs.consent.recorded && p.drugs.consent.scope === 'iom-partners'));
  const mappaCohort = cohort.find((p) => p.probation?.mappa);
  const mappaOutside = people.find((p) => p.cohort === null && p.probation?.mappa && p.identifiers.pnc);
  const outside = people.filter((p) => p.cohort === null && p.police !== null && p.probation !== null && p.identifiers.pnc);
  const [outside1, outside2] = outside as [SyntheticPerson, SyntheticPerson];
  if (!consenting || !notConsenting || !mappaCohort || !mappaOutside || !outside2) throw new Error('the default population lacks a person the workload needs');
  const readme = person(WRINKLES.readmeExample);
  const [twinA] = WRINKLES.sameNameAndDateOfBirth.map(person) as [SyntheticPerson];

  const firstProfile = 'profile of a cohort member for iom-coordinator (iom-case-management)';
  await run([
    ...[COORDINATOR, SAFEGUARDING, EMERGENCY, PROBATION, POLICE, HOUSING, DRUG_WORKER].map((caller) => ({
      label: `profile of a cohort member for ${caller.role} (${caller.purpose})`,
      query: PROFILE,
      variables: { pnc: pnc(c1) },
      caller,
    })),
    { label: 'profile of someone outside the cohort (coordinator screens)', query: PROFILE, variables: { pnc: pnc(outside1) } },
    {
      label: 'someone outside the cohort is unknown to an active-cohort role',
      query: PROFILE,
      variables: { pnc: pnc(outside1) },
      caller: POLICE,
      aboutNobody: true,
    },
    { label: 'drug treatment shared with probation on consent', query: PROFILE, variables: { pnc: pnc(consenting) }, caller: PROBATION },
    { label: 'drug treatment withheld from probation without consent', query: PROFILE, variables: { pnc: pnc(notConsenting) }, caller: PROBATION },
    { label: 'drug treatment engagement shared with the coordinator on consent', query: PROFILE, variables: { pnc: pnc(consenting) } },
    { label: 'MAPPA risk management of a cohort member', query: PROFILE, variables: { pnc: pnc(mappaCohort) }, caller: POLICE_MAPPA },
    {
      label: 'a MAPPA case outside the cohort is out of an active-cohort role’s scope',
      query: PROFILE,
      variables: { pnc: pnc(mappaOutside) },
      caller: POLICE_MAPPA,
      aboutNobody: true,
    },
    { label: 'aliases', query: ALIASED, variables: { a: pnc(c2), b: pnc(outside1) } },
    { label: 'aliases for an active-cohort role', query: ALIASED, variables: { a: pnc(c2), b: pnc(c3) }, caller: HOUSING },
    { label: 'fragments', query: FRAGMENTS, variables: { crn: c3.identifiers.crn } },
    { label: 'fragments for probation', query: FRAGMENTS, variables: { crn: consenting.identifiers.crn }, caller: PROBATION },
    { label: 'no ids selected', query: ANONYMOUS, variables: { p: pnc(readme) }, caller: DRUG_WORKER },
    { label: 'one person reached twice', query: SAME_PERSON_TWICE, variables: { p: pnc(c1), c: c1.identifiers.crn } },
    { label: 'search naming candidates only', query: SEARCH_IDS, variables: { n: fullName(twinA) } },
    { label: 'search with names and dates of birth', query: SEARCH_NAMES, variables: { n: fullName(twinA), d: twinA.dateOfBirth } },
    { label: 'search by an active-cohort role', query: SEARCH_NAMES, variables: { n: fullName(c2) }, caller: POLICE },
    { label: 'search that finds nobody', query: SEARCH_IDS, variables: { n: 'Qxzvwy Nobodyish' }, aboutNobody: true },
    { label: 'probable matches', query: PROBABLE, variables: { p: pnc(person(WRINKLES.probableOnly)) } },
    { label: 'explanation', query: EXPLAIN, variables: { p: pnc(c2) }, caller: HOUSING },
    { label: 'explanation about someone out of scope', query: EXPLAIN, variables: { p: pnc(outside1) }, caller: DRUG_WORKER, aboutNobody: true },
    { label: 'the cohort list', query: COHORT, caller: PROBATION },
    { label: 'only the id', query: ID_ONLY, variables: { p: pnc(c3) }, caller: POLICE },
    { label: 'sections asked for their type names only', query: SECTIONS_ONLY, variables: { p: pnc(c1) } },
    { label: 'sections asked for their type names only, by probation', query: SECTIONS_ONLY, variables: { p: pnc(consenting) }, caller: PROBATION },
    { label: 'the id of someone to select', query: ID_ONLY, variables: { p: pnc(outside2) } },
    { label: 'unknown identifier', query: '{ person(crn: "Z999999") { id name { givenName } } }', aboutNobody: true },
    { label: 'bad identifier', query: '{ person(pnc: "not-a-pnc") { id } }', aboutNobody: true },
    { label: 'the IG officer asks for person data', query: ID_ONLY, variables: { p: pnc(c1) }, caller: IG_OFFICER, aboutNobody: true },
    { label: 'resolved but nulled by a failing sibling', query: NULLED_BY_SIBLING, variables: { p: pnc(c2) }, nulled: true },
  ]);
  // A change to the register answered with the person: an alteration record beside the disclosure record.
  await run([{ label: 'selecting someone for the cohort', query: SELECT, variables: { id: gatewayIdFrom('the id of someone to select') } }]);

  cohortMemberId = gatewayIdFrom(firstProfile);

  // Agencies failing one at a time.
  await run(
    [
      { label: 'prison down: profile', query: PROFILE, variables: { pnc: pnc(c1) } },
      { label: 'prison down: aliases', query: ALIASED, variables: { a: pnc(c2), b: pnc(c3) }, caller: PROBATION },
    ],
    { prison: { mode: 'down' } },
  );
  await run(
    [
      { label: 'housing malformed: profile', query: PROFILE, variables: { pnc: pnc(c2) }, caller: HOUSING },
      { label: 'housing malformed: search', query: SEARCH_NAMES, variables: { n: fullName(c2) }, caller: HOUSING },
    ],
    { housing: { mode: 'malformed' } },
  );
  await run(
    [
      { label: 'probation down: coordinator', query: PROFILE, variables: { pnc: pnc(c3) } },
      { label: 'probation down: police', query: PROFILE, variables: { pnc: pnc(c3) }, caller: POLICE },
    ],
    { probation: { mode: 'down' } },
  );
  await run(
    [
      { label: 'drugs down: the drug worker', query: FRAGMENTS, variables: { crn: c1.identifiers.crn }, caller: DRUG_WORKER },
      // The consent fact comes from the drug service too: unknown, so the section waits on the drug service, not on the ISP.
      { label: 'drugs down: probation', query: FRAGMENTS, variables: { crn: consenting.identifiers.crn }, caller: PROBATION },
    ],
    { drugs: { mode: 'down' } },
  );

  let after: string | undefined;
  do {
    const page = await ledger.query({}, { limit: 1_000, ...(after === undefined ? {} : { after }) });
    for (const { record } of page.entries) records.set(record.requestId, [...(records.get(record.requestId) ?? []), record]);
    after = page.nextCursor ?? undefined;
  } while (after !== undefined);
}, 120_000);

afterAll(async () => {
  await system?.close();
  // The database is gone by now: the final checkpoint cannot be written, and need not be.
  await ledger?.close().catch(() => undefined);
  await database?.drop();
});

const sorted = <T>(items: T[]) => items.map((item) => JSON.stringify(item)).sort();
const disclosureRecordOf = (c: Answered) => records.get(c.requestId ?? '')?.filter((r) => r.kind !== 'alteration');

/** What the response says the record must hold. */
function expectationOf(c: Answered) {
  const { body } = c.response;
  const reading = readResponse(system.gateway.schema, parse(c.query), body.data ?? null);
  const explained = (body.data?.accessExplanation as { personId?: string } | null | undefined)?.personId;
  if (explained !== undefined) reading.people.add(explained);
  const withheld = (body.errors ?? []).flatMap((error) => {
    const parsed = withheldErrorSchema.safeParse(error);
    if (!parsed.success) return [];
    const { path, extensions } = parsed.data;
    return [{ path: path.join('.'), dataItem: extensions.dataItem, reason: extensions.reason, ...(extensions.clause ? { clauseId: extensions.clause } : {}) }];
  });
  return { reading, withheld, aboutSomebody: reading.people.size > 0 || reading.disclosed.length > 0 || withheld.length > 0 };
}

describe('the ledger holds exactly what each response disclosed', () => {
  it('answered every request, each with its own request id', () => {
    expect(answered.length).toBeGreaterThan(40);
    const ids = answered.flatMap((c) => (c.requestId === undefined ? [] : [c.requestId]));
    expect(new Set(ids).size).toBe(ids.length);
    expect(answered.filter((c) => c.requestId === undefined).map((c) => c.label)).toEqual([]);
  });

  it('records each response about somebody: its disclosures by path and data item, its withholdings, its people', () => {
    for (const c of answered) {
      const { reading, withheld, aboutSomebody } = expectationOf(c);
      if (!aboutSomebody) continue;
      const found = disclosureRecordOf(c) ?? [];
      expect.soft(found.length, `${c.label}: records`).toBe(1);
      const [record] = found;
      if (!record) continue;
      const disclosed = record.subjects.flatMap((s) => s.disclosed.map((d) => ({ path: d.path, dataItem: d.dataItem })));
      expect.soft(sorted(disclosed), `${c.label}: disclosed`).toEqual(sorted(reading.disclosed.map(({ path, dataItem }) => ({ path, dataItem }))));
      for (const d of reading.disclosed.filter((d) => d.subject !== null)) {
        const subject = record.subjects.find((s) => s.gatewayId === d.subject);
        expect
          .soft(
            subject?.disclosed.map((x) => x.path),
            `${c.label}: ${d.path} about ${d.subject}`,
          )
          .toContain(d.path);
      }
      const recordedWithheld = record.subjects.flatMap((s) =>
        s.withheld.map(({ path, dataItem, reason, clauseId }) => ({ path, dataItem, reason, ...(clauseId ? { clauseId } : {}) })),
      );
      expect.soft(sorted(recordedWithheld), `${c.label}: withheld`).toEqual(sorted(withheld));
      for (const s of record.subjects) {
        for (const w of s.withheld) {
          const parent = reading.subjectAt.get(w.path.split('.').slice(0, -1).join('.'));
          if (parent) expect.soft(s.gatewayId, `${c.label}: withheld ${w.path}`).toBe(parent);
        }
      }
      const named = new Set(record.subjects.map((s) => s.gatewayId));
      expect.soft(named.size, `${c.label}: one entry per person`).toBe(record.subjects.length);
      // The identifiers recorded for each person are the ones the response showed.
      for (const d of reading.disclosed.filter((d) => d.dataItem === 'identity.identifiers' && d.subject !== null)) {
        const shown = identifiersSchema.safeParse(valueAt(c.response.body.data, d.path));
        const subject = record.subjects.find((s) => s.gatewayId === d.subject);
        if (!shown.success) continue;
        for (const [kind, value] of Object.entries(shown.data)) {
          if (typeof value === 'string') expect.soft(subject?.identifiers[kind as keyof typeof shown.data], `${c.label}: ${d.path}.${kind}`).toBe(value);
        }
      }
      if (reading.anonymous === 0) expect.soft(named, `${c.label}: people`).toEqual(reading.people);
      else
        expect
          .soft(
            [...reading.people].filter((id) => !named.has(id)),
            `${c.label}: people`,
          )
          .toEqual([]);

      const anyDisclosed = reading.disclosed.length > 0;
      expect.soft(record.kind, `${c.label}: kind`).toBe(anyDisclosed ? 'disclosure' : 'consultation');
      expect.soft(record.outcome, `${c.label}: outcome`).toBe(anyDisclosed ? 'disclosed' : 'nothing-disclosed');
      const caller = c.caller ?? COORDINATOR;
      expect.soft(record.principal.role, c.label).toBe(caller.role);
      expect.soft(record.purpose, c.label).toBe(caller.purpose);
      expect.soft(record.justification, c.label).toBe(caller.justification);
      expect.soft(record.emergency === true, `${c.label}: emergency`).toBe(caller.purpose === 'emergency');
    }
  });

  it('cites for every disclosure a clause that grants that data item to that role for that purpose', () => {
    const clauses = new Map(policy.clauses.map((clause) => [clause.id, clause]));
    // A section shown with nothing of it (`<agency>.*`) is shown under a clause that grants one of its items.
    const sectionItems = new Map(agencies.map((module) => [`${module.agency}.*`, Object.keys(module.dataItems)]));
    const all = [...records.values()].flat();
    for (const record of all) {
      for (const item of record.subjects.flatMap((s) => s.disclosed)) {
        const clause = clauses.get(item.clauseId);
        const where = `${record.requestId} ${item.path}`;
        const granting = sectionItems.get(item.dataItem) ?? [item.dataItem];
        expect
          .soft(
            granting.filter((dataItem) => clause?.dataItems.includes(dataItem)),
            `${where}: ${item.dataItem}`,
          )
          .not.toEqual([]);
        expect.soft(clause?.roles, where).toContain(record.principal.role);
        expect.soft(clause?.purposes, where).toContain(record.purpose);
      }
    }
  });

  it('writes no record for a response about nobody, and none beyond the requests made', () => {
    const nobody = answered.filter((c) => !expectationOf(c).aboutSomebody);
    expect(nobody.map((c) => c.label)).toEqual(expect.arrayContaining(answered.filter((c) => c.aboutNobody).map((c) => c.label)));
    for (const c of nobody) {
      const found = disclosureRecordOf(c) ?? [];
      if (c.nulled) {
        expect(
          found.flatMap((r) => r.subjects.flatMap((s) => s.disclosed)),
          c.label,
        ).toEqual([]);
        expect(
          found.every((r) => r.outcome === 'nothing-disclosed'),
          c.label,
        ).toBe(true);
      } else {
        // A look-up that found no one is on record (kind lookup, naming what was asked), and discloses nothing.
        expect
          .soft(
            found.map((r) => [r.kind, r.outcome, r.subjects.length]),
            c.label,
          )
          .toEqual(found.map(() => ['lookup', 'nothing-disclosed', 0]));
      }
    }
    const ours = new Set(answered.map((c) => c.requestId));
    expect([...records.keys()].filter((id) => !ours.has(id))).toEqual([]);
  });

  it('keeps a change to the register apart from what its answer disclosed', () => {
    const selected = answered.find((c) => c.query === SELECT);
    expect(selected?.response.body.errors).toBeUndefined();
    const kinds = records.get(selected?.requestId ?? '')?.map((r) => r.kind);
    expect(kinds?.sort()).toEqual(['alteration', 'disclosure']);
  });

  it('exercised what it claims to: disclosures, every kind of withholding, searches, the cohort, failures, break-glass', () => {
    const all = [...records.values()].flat();
    const disclosed = all.flatMap((r) => r.subjects.flatMap((s) => s.disclosed));
    const reasons = new Set(all.flatMap((r) => r.subjects.flatMap((s) => s.withheld.map((w) => w.reason))));
    expect(disclosed.length).toBeGreaterThan(100);
    expect([...reasons]).toEqual(
      expect.arrayContaining(['no-clause', 'condition-not-met:in-active-cohort', 'condition-not-met:consent-recorded', 'clause-expired']),
    );
    expect(new Set(disclosed.map((d) => d.path.split('.')[0]))).toEqual(
      new Set(['person', 'first', 'second', 'a', 'b', 'people', 'cohort', 'selectForCohort']),
    );
    expect(all.filter((r) => r.kind === 'consultation').length).toBeGreaterThanOrEqual(3);
    expect(all.some((r) => r.emergency)).toBe(true);
    const failed = answered.flatMap((c) => c.response.body.errors ?? []).filter((e) => e.extensions?.code === 'AGENCY_UNAVAILABLE');
    expect(faulted.size).toBeGreaterThanOrEqual(4);
    expect([...new Set(failed.map((e) => e.extensions?.agency))]).toEqual(expect.arrayContaining([...faulted]));
    expect(answered.find((c) => c.nulled)?.response.body.data).toBeNull();
  });
});

describe('when the ledger cannot write', () => {
  beforeAll(async () => {
    await database.kill();
  });

  it('refuses a disclosure: LEDGER_UNAVAILABLE, HTTP 503, and nothing about the person in the body', async () => {
    const { status, body } = await system.query(PROFILE, { pnc: pnc(cohortMember) });
    expect(status).toBe(503);
    expect(body.data).toBeNull();
    expect(body.errors?.map((e) => e.extensions?.code)).toEqual(['LEDGER_UNAVAILABLE']);
    const text = JSON.stringify(body);
    const { identifiers } = cohortMember;
    for (const value of [cohortMember.familyName, cohortMember.givenName, cohortMember.dateOfBirth, cohortMemberId, ...Object.values(identifiers)]) {
      if (value) expect(text).not.toContain(value);
    }
  });

  it('refuses a consultation too: a search naming candidates, an explanation', async () => {
    for (const [query, variables] of [
      [SEARCH_IDS, { n: fullName(cohortMember) }],
      [EXPLAIN, { p: pnc(cohortMember) }],
    ] as const) {
      const { status, body } = await system.query(query, variables);
      expect(status, query).toBe(503);
      expect(body.data, query).toBeNull();
      expect(JSON.stringify(body), query).not.toContain(cohortMemberId);
    }
  });

  it('answers a look-up that finds no one as it answers any other: the look-up itself must be on record', async () => {
    const { status, body } = await system.query('{ person(crn: "Z999999") { id } }');
    expect(status).toBe(503);
    expect(body.data ?? null).toBeNull();
    expect(body.errors?.[0]?.extensions?.code).toBe('LEDGER_UNAVAILABLE');
  });
});
