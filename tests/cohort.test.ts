/**
 * The cohort register end to end, over HTTP under the partnership's own ISP: the coordinator selects, moves
 * between service levels, reassigns the lead professional and de-selects, each change visible in Person.iom
 * and recorded in the ledger as an alteration; bad input changes nothing; the cohort connection pages and
 * filters cheaply; and de-selection takes a person out of the active-cohort roles' scope.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { SyntheticPerson } from '../adapters/population/types.js';
import { agencies, agencyNames } from '../adapters/registry.js';
import { type Caller, COORDINATOR, defaultPolicy, startTestSystem, type TestSystem } from './harness.js';

const HOUSING_OFFICER: Caller = { role: 'housing-officer', agency: 'housing', purpose: 'iom-case-management' };
const PRACTITIONER: Caller = { role: 'probation-practitioner', agency: 'probation', purpose: 'iom-case-management' };

const SELECT = /* GraphQL */ `
  mutation Select($input: SelectForCohortInput!) {
    selectForCohort(input: $input) { id iom { strand serviceLevel active } }
  }
`;
const CHANGE_LEVEL = /* GraphQL */ `
  mutation Level($input: ChangeServiceLevelInput!) {
    changeServiceLevel(input: $input) { id iom { serviceLevel } }
  }
`;
const REASSIGN = /* GraphQL */ `
  mutation Reassign($input: ReassignLeadProfessionalInput!) {
    reassignLeadProfessional(input: $input) { id iom { leadProfessional { name agency team email } } }
  }
`;
const DESELECT = /* GraphQL */ `
  mutation Deselect($input: DeselectFromCohortInput!) {
    deselectFromCohort(input: $input) { id iom { active } }
  }
`;
const IOM = /* GraphQL */ `
  query Iom($id: ID) {
    person(id: $id) {
      id
      iom {
        strand scheme serviceLevel selectedOn selectionReason active deselectedOn deselectionReason exitPlan
        leadProfessional { name agency team email phone }
        history { at action description reason by }
      }
    }
  }
`;

const LEAD = { name: 'Sam Synthetic', agency: 'probation', team: 'Northshire North PDU', email: 'sam.synthetic@probation.example' };

let system: TestSystem;

beforeAll(async () => {
  system = await startTestSystem({ policy: defaultPolicy(), timeoutMs: 2000, clock: () => new Date('2026-11-01T12:00:00Z') });
});
afterAll(async () => {
  await system?.close();
});

/** Runs `work`, expecting the cohort register to be read `expected` times: the scope checks and Person.iom share a read. */
async function registerReads<T>(work: () => Promise<T>, expected: number): Promise<T> {
  const query = vi.spyOn(system.database, 'query');
  try {
    const result = await work();
    const reads = query.mock.calls.filter(([sql]) => /FROM cohort_(memberships|history)/.test(sql));
    expect(reads.map(([sql]) => sql.slice(0, 60))).toHaveLength(expected);
    return result;
  } finally {
    query.mockRestore();
  }
}

async function gatewayIdOf(person: SyntheticPerson): Promise<string> {
  const crn = person.identifiers.crn;
  if (!crn) throw new Error(`person ${person.index} has no CRN`);
  const { body } = await system.query('query($crn: String) { person(crn: $crn) { id } }', { crn });
  const id = (body.data?.person as { id?: string } | null)?.id;
  if (!id) throw new Error(`person ${person.index} is not linked: ${JSON.stringify(body.errors)}`);
  return id;
}

/** People the population did not select, known to probation (with a sentence), police and housing. */
function outsiders(): SyntheticPerson[] {
  return system.population.people.filter((p) => p.cohort === null && p.probation?.sentence && p.police && p.housing && p.identifiers.crn);
}

function member(strand: 'fixed' | 'flex' | 'free'): SyntheticPerson {
  const found = system.population.people.find((p) => p.cohort?.strand === strand && p.identifiers.crn);
  if (!found) throw new Error(`no ${strand} member in the population`);
  return found;
}

const errorsOf = (body: { errors?: { message: string; extensions?: Record<string, unknown> }[] }) =>
  (body.errors ?? []).map((error) => ({ code: error.extensions?.code, message: error.message }));

/** The register and the ledger as they stand: every membership with its history, and the ledger's head. */
async function snapshot() {
  const memberships = await system.register.everyMembership();
  const head = await system.ledger.query({}, { order: 'newest-first', limit: 1 });
  return { memberships, head: head.entries[0]?.sequence ?? 0 };
}

async function alterationsOf(gatewayId: string) {
  const page = await system.ledger.query({ kind: 'alteration', gatewayId }, { limit: 100 });
  return page.entries.map((entry) => entry.record);
}

describe('a cohort member’s journey through the register', () => {
  let subject: SyntheticPerson;
  let id: string;

  beforeAll(async () => {
    const [first] = outsiders();
    if (!first) throw new Error('the population has no suitable outsider');
    subject = first;
    id = await gatewayIdOf(subject);
  });

  it('is out of the housing officer’s scope before selection', async () => {
    const { body } = await system.query(IOM, { id }, HOUSING_OFFICER);
    expect(body.errors).toBeUndefined();
    expect(body.data?.person).toBeNull();
  });

  it('selects the person for the flex strand, visible in Person.iom and recorded as an alteration', async () => {
    const { status, body } = await system.query(SELECT, {
      input: {
        personId: id,
        strand: 'FLEX',
        serviceLevel: 'MEDIUM',
        leadProfessional: LEAD,
        selectedOn: '2026-10-20',
        reason: 'Escalating acquisitive offending; panel agreed.',
      },
    });
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    expect(body.data?.selectForCohort).toEqual({ id, iom: { strand: 'FLEX', serviceLevel: 'MEDIUM', active: true } });

    const { body: read } = await system.query(IOM, { id });
    const iom = (read.data?.person as { iom: Record<string, unknown> & { history: Record<string, unknown>[] } }).iom;
    expect(iom).toMatchObject({
      strand: 'FLEX',
      scheme: null,
      serviceLevel: 'MEDIUM',
      selectedOn: '2026-10-20',
      selectionReason: 'Escalating acquisitive offending; panel agreed.',
      active: true,
      deselectedOn: null,
      leadProfessional: { ...LEAD, phone: null },
    });
    expect(iom.history).toEqual([
      expect.objectContaining({ action: 'SELECTED', reason: 'Escalating acquisitive offending; panel agreed.', by: 'iom-coordinator-1' }),
    ]);

    const records = await alterationsOf(id);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({
      kind: 'alteration',
      outcome: 'altered',
      purpose: 'iom-case-management',
      principal: { role: 'iom-coordinator', userId: 'iom-coordinator-1' },
      subjects: [{ gatewayId: id }],
      alteration: {
        register: 'iom-cohort',
        action: 'select',
        details: {
          strand: 'flex',
          serviceLevel: 'medium',
          selectedOn: '2026-10-20',
          reason: 'Escalating acquisitive offending; panel agreed.',
          leadProfessional: LEAD,
        },
      },
    });
  });

  it('brings the new member into the housing officer’s scope', async () => {
    const { body } = await system.query(IOM, { id }, HOUSING_OFFICER);
    expect(body.errors).toBeUndefined();
    expect((body.data?.person as { id: string }).id).toBe(id);
  });

  it('moves the member up the pyramid', async () => {
    const { body } = await system.query(CHANGE_LEVEL, { input: { personId: id, serviceLevel: 'HIGH', reason: 'Two arrests this week.' } });
    expect(body.errors).toBeUndefined();
    expect(body.data?.changeServiceLevel).toEqual({ id, iom: { serviceLevel: 'HIGH' } });
    const records = await alterationsOf(id);
    expect(records.map((r) => r.alteration?.action)).toEqual(['select', 'change-service-level']);
    expect(records[1]?.alteration?.details).toEqual({ serviceLevel: 'high', reason: 'Two arrests this week.' });
  });

  it('reassigns the lead professional', async () => {
    const police = { name: 'PC Robin Invented', agency: 'police', team: 'IOM team', email: 'robin.invented@police.example' };
    const { body } = await system.query(REASSIGN, { input: { personId: id, leadProfessional: police, reason: 'Probation practitioner on long-term leave.' } });
    expect(body.errors).toBeUndefined();
    expect(body.data?.reassignLeadProfessional).toEqual({ id, iom: { leadProfessional: police } });
    const records = await alterationsOf(id);
    expect(records.at(-1)?.alteration).toMatchObject({ action: 'reassign-lead-professional', details: { leadProfessional: police } });
  });

  it('de-selects with reason and exit plan, keeping the whole history', async () => {
    const { body } = await system.query(DESELECT, {
      input: {
        personId: id,
        deselectedOn: '2026-10-31',
        reason: 'No offending for six months.',
        exitPlan: 'Hand back to probation as usual; housing support continues.',
      },
    });
    expect(body.errors).toBeUndefined();
    expect(body.data?.deselectFromCohort).toEqual({ id, iom: { active: false } });

    const { body: read } = await system.query(IOM, { id });
    const iom = (read.data?.person as { iom: Record<string, unknown> & { history: { action: string; reason: string }[] } }).iom;
    expect(iom).toMatchObject({
      active: false,
      deselectedOn: '2026-10-31',
      deselectionReason: 'No offending for six months.',
      exitPlan: 'Hand back to probation as usual; housing support continues.',
      serviceLevel: 'HIGH',
    });
    expect(iom.history.map((h) => h.action)).toEqual(['SELECTED', 'SERVICE_LEVEL_CHANGED', 'LEAD_PROFESSIONAL_REASSIGNED', 'DESELECTED']);
    expect(iom.history.map((h) => h.reason)).toEqual([
      'Escalating acquisitive offending; panel agreed.',
      'Two arrests this week.',
      'Probation practitioner on long-term leave.',
      'No offending for six months.',
    ]);
    const records = await alterationsOf(id);
    expect(records.map((r) => r.alteration?.action)).toEqual(['select', 'change-service-level', 'reassign-lead-professional', 'deselect']);
    expect(records.at(-1)?.alteration?.details).toEqual({
      deselectedOn: '2026-10-31',
      reason: 'No offending for six months.',
      exitPlan: 'Hand back to probation as usual; housing support continues.',
    });
  });

  it('takes the de-selected person out of the housing officer’s scope', async () => {
    const { body } = await system.query(IOM, { id }, HOUSING_OFFICER);
    expect(body.errors).toBeUndefined();
    expect(body.data?.person).toBeNull();
    // The coordinator, whose scope is every linked person, still sees the past membership.
    const { body: coordinator } = await system.query(IOM, { id });
    expect((coordinator.data?.person as { iom: { active: boolean } }).iom.active).toBe(false);
  });

  it('drops the de-selected person from the cohort connection', async () => {
    const ids = await everyCohortId({});
    expect(ids).not.toContain(id);
  });
});

describe('rejected changes change nothing', () => {
  let outsiderId: string;
  let memberId: string;

  beforeAll(async () => {
    const outsider = outsiders()[1];
    if (!outsider) throw new Error('the population has too few outsiders');
    outsiderId = await gatewayIdOf(outsider);
    memberId = await gatewayIdOf(member('fixed'));
  });

  const select = (overrides: Record<string, unknown>) => ({
    input: { personId: outsiderId, strand: 'FIXED', serviceLevel: 'LOW', leadProfessional: LEAD, reason: 'Meets the fixed criteria.', ...overrides },
  });

  it.each<[string, string, () => Record<string, unknown>, Caller | undefined, { code: string; message: RegExp }]>([
    [
      'an unknown person',
      SELECT,
      () => select({ personId: 'GW-000000000000' }),
      undefined,
      { code: 'BAD_USER_INPUT', message: /No person with id GW-000000000000/ },
    ],
    [
      'de-selecting someone who is not a member',
      DESELECT,
      () => ({ input: { personId: outsiderId, reason: 'Not needed.', exitPlan: 'None needed.' } }),
      undefined,
      { code: 'BAD_USER_INPUT', message: /not an active cohort member/ },
    ],
    [
      'selecting an active member',
      SELECT,
      () => select({ personId: memberId }),
      undefined,
      { code: 'BAD_USER_INPUT', message: /already an active cohort member/ },
    ],
    ['an empty reason', SELECT, () => select({ reason: '   ' }), undefined, { code: 'BAD_USER_INPUT', message: /^reason: must say why/ }],
    [
      'a service-level change without a reason',
      CHANGE_LEVEL,
      () => ({ input: { personId: memberId, serviceLevel: 'LOW', reason: '' } }),
      undefined,
      { code: 'BAD_USER_INPUT', message: /^reason:/ },
    ],
    [
      'the free strand without its scheme',
      SELECT,
      () => select({ strand: 'FREE' }),
      undefined,
      { code: 'BAD_USER_INPUT', message: /free strand needs the local scheme/ },
    ],
    [
      'a lead professional from no party',
      SELECT,
      () => select({ leadProfessional: { ...LEAD, agency: 'charity' } }),
      undefined,
      { code: 'BAD_USER_INPUT', message: /^leadProfessional\.agency:/ },
    ],
    [
      'a role that does not manage the cohort',
      SELECT,
      () => select({}),
      PRACTITIONER,
      { code: 'FORBIDDEN', message: /probation-practitioner may not change the cohort register/ },
    ],
    [
      'the coordinator for another purpose',
      SELECT,
      () => select({}),
      { ...COORDINATOR, purpose: 'safeguarding', justification: 'Concern for a child at the address.' },
      { code: 'FORBIDDEN', message: /for the purpose iom-case-management/ },
    ],
  ])('refuses %s with a clear error', async (_case, mutation, variables, caller, expected) => {
    const before = await snapshot();
    const { body } = await system.query(mutation, variables(), caller);
    expect(Object.values(body.data ?? {})).toEqual([null]);
    const [error, ...more] = errorsOf(body);
    expect(more).toEqual([]);
    expect(error?.code).toBe(expected.code);
    expect(error?.message).toMatch(expected.message);
    expect(await snapshot()).toEqual(before);
  });

  it('refuses a selection with no reason at all before anything runs', async () => {
    const before = await snapshot();
    const { reason: _omitted, ...input } = select({}).input;
    const { body } = await system.query(SELECT, { input });
    expect(body.data ?? null).toBeNull();
    expect(body.errors?.[0]?.message).toMatch(/reason/);
    expect(await snapshot()).toEqual(before);
  });
});

const COHORT_PAGE = /* GraphQL */ `
  query Cohort($strand: CohortStrand, $serviceLevel: ServiceLevel, $lead: String, $first: Int, $after: String) {
    cohort(strand: $strand, serviceLevel: $serviceLevel, leadProfessional: $lead, first: $first, after: $after) {
      totalCount
      edges { cursor node { id iom { strand serviceLevel leadProfessional { name email } } } }
      pageInfo { endCursor hasNextPage }
    }
  }
`;

interface CohortPage {
  totalCount: number;
  edges: {
    cursor: string;
    node: { id: string; iom: { strand: string; serviceLevel: string; leadProfessional: { name: string; email: string | null } } } | null;
  }[];
  pageInfo: { endCursor: string | null; hasNextPage: boolean };
}

async function cohortPage(variables: Record<string, unknown>): Promise<CohortPage> {
  const { body } = await system.query(COHORT_PAGE, variables);
  expect(body.errors).toBeUndefined();
  return body.data?.cohort as CohortPage;
}

/** Every page of the cohort connection, checking that pages join up. */
async function everyCohortId(filter: Record<string, unknown>, first = 100): Promise<string[]> {
  const ids: string[] = [];
  let after: string | null = null;
  let total = -1;
  for (;;) {
    const page = await cohortPage({ ...filter, first, after });
    total = page.totalCount;
    expect(page.edges.length).toBeLessThanOrEqual(first);
    for (const edge of page.edges) {
      expect(edge.node?.id).toBe(edge.cursor);
      ids.push(edge.cursor);
    }
    if (!page.pageInfo.hasNextPage) break;
    expect(page.edges).toHaveLength(first);
    after = page.pageInfo.endCursor;
  }
  expect(ids).toHaveLength(total);
  return ids;
}

describe('the cohort connection', () => {
  const activeMembers = async () => (await system.register.everyMembership()).map((m) => m.membership).filter((m) => m.active);

  it('pages through every active member once, in gateway id order', async () => {
    const ids = await everyCohortId({}, 50);
    const expected = (await activeMembers()).map((m) => m.gatewayId).sort();
    expect(ids).toEqual(expected);
    expect(ids.length).toBeGreaterThan(250);
  });

  it('filters by strand, by service level and by lead professional', async () => {
    const members = await activeMembers();
    const flex = await everyCohortId({ strand: 'FLEX' });
    expect(flex).toEqual(
      members
        .filter((m) => m.strand === 'flex')
        .map((m) => m.gatewayId)
        .sort(),
    );

    const high = await everyCohortId({ strand: 'FIXED', serviceLevel: 'HIGH' });
    expect(high).toEqual(
      members
        .filter((m) => m.strand === 'fixed' && m.serviceLevel === 'high')
        .map((m) => m.gatewayId)
        .sort(),
    );
    expect(high.length).toBeGreaterThan(0);

    const lead = members[0]?.leadProfessional.name ?? '';
    const surname = lead.split(' ').at(-1)?.toUpperCase() ?? '';
    const led = await cohortPage({ lead: surname, first: 100 });
    const expected = members.filter(
      (m) => m.leadProfessional.name.toUpperCase().includes(surname) || m.leadProfessional.email?.toUpperCase().includes(surname),
    );
    expect(led.totalCount).toBe(expected.length);
    expect(led.edges.map((e) => e.cursor)).toEqual(
      expected
        .map((m) => m.gatewayId)
        .sort()
        .slice(0, 100),
    );
    for (const edge of led.edges) expect(`${edge.node?.iom.leadProfessional.name} ${edge.node?.iom.leadProfessional.email}`.toUpperCase()).toContain(surname);
  });

  it('refuses a page size outside 1 to 100', async () => {
    const { body } = await system.query(COHORT_PAGE, { first: 101 });
    expect(errorsOf(body)).toEqual([{ code: 'BAD_USER_INPUT', message: 'The argument first of cohort must be between 1 and 100.' }]);
  });

  it('costs one upstream call per agency and one read of the register for a page of 50 with every section', async () => {
    system.resetUpstreamCalls();
    const query = /* GraphQL */ `
      query {
        cohort(first: 50) {
          edges { node {
            id name { familyName } iom { serviceLevel }
            police { arrests { arrestedOn } warningMarkers { type } }
            probation { sentence { type } ogrs { band } }
            prison { inCustody }
            housing { accommodationStatus }
            drugs { treatmentEngagement { engaged } }
          } }
        }
      }
    `;
    const { body } = await registerReads(() => system.query(query), 1);
    expect((body.data?.cohort as { edges: unknown[] }).edges).toHaveLength(50);
    const calls = system.upstreamCalls();
    const asked = agencyNames.filter((agency) => query.includes(`${agency} {`));
    expect(asked.length).toBeGreaterThanOrEqual(5);
    for (const agency of asked) {
      const total = Object.values(calls[agency] ?? {}).reduce((sum, n) => sum + n, 0);
      expect(total, `${agency}: ${JSON.stringify(calls[agency])}`).toBe(1);
    }
  });

  it('asks only the sections a page selects, under @skip, @include and fragments, with the facts the ISP needs', async () => {
    system.resetUpstreamCalls();
    const query = /* GraphQL */ `
      query ($skip: Boolean!) {
        cohort(first: 50) { edges { node { id police @skip(if: $skip) { arrests { arrestedOn } } ... on Person { prison { inCustody } } ...Housing } } }
      }
      fragment Housing on Person { housing @include(if: false) { accommodationStatus } }
    `;
    const { body } = await system.query(query, { skip: true });
    const nodes = (body.data?.cohort as { edges: { node: Record<string, unknown> }[] }).edges.map((edge) => edge.node);
    expect(nodes).toHaveLength(50);
    // Of the agencies' sections, only the one neither skipped nor excluded is in the answer.
    const selected = (agency: string) => agency === 'prison';
    expect(nodes.every((node) => agencyNames.every((agency) => agency in node === selected(agency)))).toBe(true);
    const calls = system.upstreamCalls();
    const total = (agency: string) => Object.values(calls[agency] ?? {}).reduce((sum, n) => sum + n, 0);
    // The ISP's conditions read consent and MAPPA from the agencies that give them, whatever the page selects.
    const factSources = new Set(agencies.filter((module) => module.subjectFacts !== undefined).map((module) => module.agency));
    for (const agency of agencyNames) expect(total(agency), agency).toBe(selected(agency) || factSources.has(agency) ? 1 : 0);
  });

  it('asks no agency for a page of cursors, and records its people as active members from the register alone', async () => {
    system.resetUpstreamCalls();
    const { body } = await registerReads(() => system.query('query { cohort(first: 50) { edges { cursor } } }'), 1);
    const cursors = (body.data?.cohort as { edges: { cursor: string }[] }).edges.map((edge) => edge.cursor);
    expect(cursors).toHaveLength(50);
    const calls = Object.values(system.upstreamCalls()).flatMap((byPath) => Object.values(byPath));
    expect(calls.reduce((sum, n) => sum + n, 0)).toBe(0);
    const [entry] = (await system.ledger.query({}, { order: 'newest-first', limit: 1 })).entries;
    const subjects = entry?.record.subjects ?? [];
    expect(subjects.map((subject) => subject.gatewayId).sort()).toEqual([...cursors].sort());
    expect(subjects.every((subject) => subject.inActiveCohort === true)).toBe(true);
  });

  it('reads the register once for a person and their membership, and their history only when asked', async () => {
    const id = await gatewayIdOf(member('fixed'));
    const { body } = await registerReads(() => system.query('query($id: ID) { person(id: $id) { id iom { strand serviceLevel } } }', { id }), 1);
    expect(body.data?.person).toMatchObject({ id, iom: { strand: 'FIXED' } });
    const { body: full } = await registerReads(() => system.query(IOM, { id }), 2);
    expect((full.data?.person as { iom: { history: unknown[] } }).iom.history.length).toBeGreaterThan(0);
  });
});
