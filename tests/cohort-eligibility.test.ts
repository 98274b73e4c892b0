/**
 * Cohort candidates end to end: the partnership's eligibility rules over everyone probation knows, through
 * the real adapters and the ISP. The oracle for the fixed strand is the population's own definition
 * (meetsFixedCriteria), not the rules file; the flex shoplifting rule is checked against arrests counted here.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { KEYS_PER_CALL } from '../adapters/kit/feeds.js';
import { meetsFixedCriteria } from '../adapters/population/cohort.js';
import { defaultPopulation, populationOf } from '../adapters/population/generate.js';
import type { Population, SyntheticPerson } from '../adapters/population/types.js';
import { type Caller, COORDINATOR, defaultPolicy, openPolicy, startTestSystem, type TestSystem } from './harness.js';

// The population describes 2026-11-01; decisions (and arrest windows) are made as of that day.
const clock = () => new Date('2026-11-01T12:00:00Z');
const YEAR_BEFORE = '2025-11-01';

const CANDIDATES = /* GraphQL */ `
  query Candidates($strand: CohortStrand, $first: Int, $after: String) {
    cohortCandidates(strand: $strand, first: $first, after: $after) {
      totalCount
      edges { cursor node { person { id name { givenName familyName } } strand rule { id description } reasons } }
      pageInfo { endCursor hasNextPage }
    }
  }
`;

interface CandidateNode {
  person: { id: string; name: { givenName: string; familyName: string } | null } | null;
  strand: string;
  rule: { id: string; description: string };
  reasons: string[];
}

interface CandidatePage {
  totalCount: number;
  edges: { cursor: string; node: CandidateNode }[];
  pageInfo: { endCursor: string | null; hasNextPage: boolean };
}

const errorsOf = (body: { errors?: { message: string; extensions?: Record<string, unknown> }[] }) =>
  (body.errors ?? []).map((error) => ({ code: error.extensions?.code, message: error.message }));

/** Gateway ids for people, by CRN, in one request. */
async function gatewayIds(system: TestSystem, people: readonly SyntheticPerson[]): Promise<Map<SyntheticPerson, string>> {
  if (people.length === 0) return new Map();
  const fields = people.map((person, i) => `p${i}: person(crn: ${JSON.stringify(person.identifiers.crn)}) { id }`).join('\n');
  const { body } = await system.query(`query { ${fields} }`);
  expect(body.errors).toBeUndefined();
  return new Map(people.map((person, i) => [person, (body.data?.[`p${i}`] as { id: string }).id]));
}

async function candidatePage(system: TestSystem, variables: Record<string, unknown>, caller: Caller = COORDINATOR): Promise<CandidatePage> {
  const { body } = await system.query(CANDIDATES, variables, caller);
  expect(body.errors).toBeUndefined();
  return body.data?.cohortCandidates as CandidatePage;
}

/** Every page of candidates, checking that the pages join up. */
async function everyCandidate(system: TestSystem, variables: Record<string, unknown> = {}, first = 100): Promise<CandidateNode[]> {
  const nodes: CandidateNode[] = [];
  let after: string | null = null;
  let total = -1;
  for (;;) {
    const page = await candidatePage(system, { ...variables, first, after });
    total = page.totalCount;
    for (const edge of page.edges) {
      expect(edge.cursor).toBe(edge.node.person?.id);
      nodes.push(edge.node);
    }
    if (!page.pageInfo.hasNextPage) break;
    expect(page.edges).toHaveLength(first);
    after = page.pageInfo.endCursor;
  }
  expect(nodes).toHaveLength(total);
  return nodes;
}

const idsOf = (nodes: readonly CandidateNode[]) => nodes.map((node) => node.person?.id ?? 'missing person');

/** Shoplifters outside the cohort with three or more arrests in the year to the population's date. */
/**
 * The default population, with one shoplifter outside the cohort arrested three more times this year: the case the
 * escalating-shoplifting rule is written for, there whatever the population's dice gave.
 */
function withEscalatingShoplifter(): Population {
  const base = defaultPopulation();
  const people = [...base.people];
  const at = people.findIndex((p) => p.cohort === null && p.probation?.sentence?.indexOffenceCategory === 'shoplifting' && p.police);
  const person = people[at] as SyntheticPerson;
  const police = person.police as NonNullable<SyntheticPerson['police']>;
  const arrests = ['2026-02-03', '2026-05-12', '2026-08-21'].map((date, n) => ({
    id: `ARR-ESCALATING-${n}`,
    date,
    offence: 'Theft from a shop',
    category: 'shoplifting' as const,
    outcome: 'released-under-investigation' as const,
  }));
  people[at] = { ...person, police: { ...police, arrests: [...police.arrests, ...arrests] } };
  return populationOf(base, people);
}

function escalatingShoplifters(system: TestSystem): SyntheticPerson[] {
  return system.population.people.filter(
    (p) =>
      p.cohort === null &&
      p.probation?.sentence?.indexOffenceCategory === 'shoplifting' &&
      (p.police?.arrests.filter((a) => a.date > YEAR_BEFORE && a.date <= '2026-11-01').length ?? 0) >= 3,
  );
}

describe('cohort candidates under the partnership’s ISP', () => {
  let system: TestSystem;

  beforeAll(async () => {
    system = await startTestSystem({ policy: defaultPolicy(), timeoutMs: 2000, clock, population: withEscalatingShoplifter() });
  });
  afterAll(async () => {
    await system?.close();
  });
  afterEach(() => {
    system.clearFaults();
  });

  const activeIds = async () => new Set((await system.register.everyMembership()).filter((m) => m.membership.active).map((m) => m.membership.gatewayId));

  it('proposes everyone meeting the fixed criteria who is not selected, each with its rule and reasons', async () => {
    const eligible = system.population.people.filter((p) => meetsFixedCriteria(p) && p.cohort === null);
    expect(eligible.length).toBeGreaterThan(20);
    const ids = await gatewayIds(system, eligible);

    const fixed = await everyCandidate(system, { strand: 'FIXED' });
    expect(idsOf(fixed).sort()).toEqual([...ids.values()].sort());
    for (const person of eligible) {
      const node = fixed.find((candidate) => candidate.person?.id === ids.get(person));
      const sentence = person.probation?.sentence;
      expect(node?.strand).toBe('FIXED');
      expect(node?.rule.id).toMatch(/^FIXED-/);
      // Screening (clause C-02) shows the coordinator who the candidate is.
      expect(node?.person?.name).not.toBeNull();
      expect(node?.reasons).toContain(`On ${sentence?.type === 'licence' ? 'licence' : 'a community order'}`);
      expect(node?.reasons.some((reason) => reason.startsWith(`OGRS ${person.probation?.ogrsScore} (`))).toBe(true);
      expect(node?.reasons).toContain(`Index offence ${sentence?.indexOffenceCategory.replaceAll('-', ' ')}: ${sentence?.indexOffence}`);
    }
  });

  it('never proposes an active member, and every candidate carries a rule of its strand', async () => {
    const all = await everyCandidate(system);
    const active = await activeIds();
    expect(all.length).toBeGreaterThan(30);
    for (const node of all) {
      expect(active.has(node.person?.id ?? '')).toBe(false);
      expect(node.rule.id.startsWith(`${node.strand}-`)).toBe(true);
      expect(node.rule.description.length).toBeGreaterThan(10);
      expect(node.reasons.length).toBeGreaterThan(0);
    }
  });

  it('filters by strand and pages in gateway id order', async () => {
    const all = idsOf(await everyCandidate(system));
    const fixed = await candidatePage(system, { strand: 'FIXED', first: 1 });
    const flex = await candidatePage(system, { strand: 'FLEX', first: 1 });
    const free = await candidatePage(system, { strand: 'FREE' });
    expect(flex.totalCount).toBeGreaterThan(0);
    expect(fixed.totalCount + flex.totalCount).toBe(all.length);
    expect(free).toEqual({ totalCount: 0, edges: [], pageInfo: { endCursor: null, hasNextPage: false } });
    expect(all).toEqual([...all].sort());
    expect(idsOf(await everyCandidate(system, {}, 25))).toEqual(all);
  });

  it('applies no rule to facts the ISP withholds: arrests of non-members are not shared with the coordinator', async () => {
    const shoplifters = escalatingShoplifters(system);
    expect(shoplifters.length).toBeGreaterThan(0);
    const ids = await gatewayIds(system, shoplifters);
    const flex = await everyCandidate(system, { strand: 'FLEX' });
    expect(flex.map((node) => node.rule.id)).not.toContain('FLEX-SHOPLIFTING-ESCALATING');
    for (const node of flex) expect(node.reasons.join(' ')).not.toMatch(/arrests/);
    for (const id of ids.values()) expect(flex.find((node) => node.person?.id === id)?.rule.id).not.toBe('FLEX-SHOPLIFTING-ESCALATING');
  });

  it('records every candidate returned, and each reason as a disclosure of its data item', async () => {
    const { body } = await system.query(CANDIDATES, { strand: 'FIXED', first: 5 });
    const page = body.data?.cohortCandidates as CandidatePage;
    const requestId = body.extensions?.requestId;
    const [latest] = (await system.ledger.query({ kind: 'disclosure' }, { order: 'newest-first', limit: 1 })).entries;
    expect(latest?.record.requestId).toBe(requestId);
    const subjects = latest?.record.subjects ?? [];
    expect(subjects.map((s) => s.gatewayId).sort()).toEqual(page.edges.map((e) => e.cursor).sort());
    page.edges.forEach((edge, n) => {
      const disclosed = subjects.find((s) => s.gatewayId === edge.cursor)?.disclosed ?? [];
      const reasons = disclosed.filter((d) => d.path.startsWith(`cohortCandidates.edges.${n}.node.reasons.`));
      expect(reasons).toHaveLength(edge.node.reasons.length);
      expect(reasons).toContainEqual({ dataItem: 'probation.ogrs', path: expect.stringMatching(/reasons\.\d$/), clauseId: 'C-02' });
      expect(reasons).toContainEqual({ dataItem: 'probation.sentence', path: expect.stringMatching(/reasons\.\d$/), clauseId: 'C-02' });
    });
  });

  it('records the people listed, and the facts the rule rests on, even when no reasons are asked for', async () => {
    const { body } = await system.query('query { cohortCandidates(first: 3) { edges { cursor node { rule { id } } } } }');
    const cursors = (body.data?.cohortCandidates as { edges: { cursor: string }[] }).edges.map((e) => e.cursor);
    expect(cursors).toHaveLength(3);
    const [latest] = (await system.ledger.query({}, { order: 'newest-first', limit: 1 })).entries;
    expect(latest?.record).toMatchObject({ kind: 'disclosure', outcome: 'disclosed', requestId: body.extensions?.requestId });
    expect(latest?.record.subjects.map((s) => s.gatewayId).sort()).toEqual([...cursors].sort());
    // Being listed, and the rule's id, say which facts held: each listed person's record names them at the edge and the rule.
    for (const subject of latest?.record.subjects ?? []) {
      const edge = `cohortCandidates.edges.${cursors.indexOf(subject.gatewayId)}`;
      expect(subject.disclosed.length, subject.gatewayId).toBeGreaterThan(0);
      expect(new Set(subject.disclosed.map((d) => d.path)), subject.gatewayId).toEqual(new Set([edge, `${edge}.node.rule`]));
    }
  });

  it('reads every probation case in a handful of batches, and police only where it matters', async () => {
    system.resetUpstreamCalls();
    await candidatePage(system, { first: 50 });
    const calls = system.upstreamCalls();
    const total = (agency: string) => Object.values(calls[agency] ?? {}).reduce((sum, n) => sum + n, 0);
    const known = system.population.people.filter((p) => p.probation).length;
    const open = known - (await activeIds()).size;
    // Batches of KEYS_PER_CALL keys over everyone probation knows outside the cohort, never one call per person.
    expect(total('probation')).toBeGreaterThanOrEqual(Math.ceil(open / KEYS_PER_CALL));
    expect(total('probation')).toBeLessThanOrEqual(Math.ceil(known / KEYS_PER_CALL));
    expect(total('police')).toBeGreaterThan(0);
    expect(total('police')).toBeLessThanOrEqual(Math.ceil(known / KEYS_PER_CALL));
    expect(total('prison')).toBe(0);
    expect(total('housing')).toBe(0);
  });

  it('proposes a de-selected member who still meets the fixed criteria', async () => {
    const former = system.population.people.find((p) => p.cohort?.strand === 'fixed' && meetsFixedCriteria(p));
    if (!former) throw new Error('no fixed member meeting the criteria');
    const id = (await gatewayIds(system, [former])).get(former);
    expect(idsOf(await everyCandidate(system))).not.toContain(id);
    const { body } = await system.query('mutation($input: DeselectFromCohortInput!) { deselectFromCohort(input: $input) { id } }', {
      input: { personId: id, deselectedOn: '2026-10-31', reason: 'Moved out of the area.', exitPlan: 'Transferred to the receiving probation region.' },
    });
    expect(body.errors).toBeUndefined();
    const fixed = await everyCandidate(system, { strand: 'FIXED' });
    expect(fixed.find((node) => node.person?.id === id)?.rule.id).toMatch(/^FIXED-/);
  });

  it.each<[string, Caller, RegExp]>([
    [
      'a probation practitioner',
      { role: 'probation-practitioner', agency: 'probation', purpose: 'iom-case-management' },
      /probation-practitioner may not screen candidates/,
    ],
    ['a housing officer', { role: 'housing-officer', agency: 'housing', purpose: 'iom-case-management' }, /housing-officer may not screen candidates/],
    ['an IG officer', { role: 'ig-officer', agency: 'iom', purpose: 'audit' }, /ig-officer may not screen candidates/],
    [
      'the coordinator for safeguarding',
      { ...COORDINATOR, purpose: 'safeguarding', justification: 'A child at the address.' },
      /screened for the purpose iom-case-management/,
    ],
  ])('is forbidden to %s', async (_who, caller, message) => {
    system.resetUpstreamCalls();
    const { body } = await system.query(CANDIDATES, {}, caller);
    expect(body.data ?? null).toBeNull();
    expect(errorsOf(body)).toEqual([{ code: 'FORBIDDEN', message: expect.stringMatching(message) }]);
    expect(system.upstreamCalls().probation).toEqual({});
  });

  it('refuses a page size outside 1 to 100', async () => {
    const { body } = await system.query(CANDIDATES, { first: 0 });
    expect(errorsOf(body)).toEqual([{ code: 'BAD_USER_INPUT', message: 'The argument first of cohortCandidates must be between 1 and 100.' }]);
  });

  it('proposes nobody rather than a partial list when probation cannot answer', async () => {
    system.setFaults('probation', { mode: 'down' });
    const { body } = await system.query(CANDIDATES, {});
    expect(body.data ?? null).toBeNull();
    expect(errorsOf(body)).toEqual([{ code: 'AGENCY_UNAVAILABLE', message: expect.stringMatching(/^Cohort candidates need probation records/) }]);
  });
});

describe('cohort candidates where the ISP shares arrests with the coordinator', () => {
  let system: TestSystem;

  beforeAll(async () => {
    // The test ISP shares every data item with the coordinator, arrests of non-members included.
    const open = openPolicy();
    system = await startTestSystem({
      policy: { ...open, roles: open.roles.map((role) => ({ ...role, managesCohort: true })) },
      timeoutMs: 2000,
      clock,
      population: withEscalatingShoplifter(),
    });
  });
  afterAll(async () => {
    await system?.close();
  });

  it('proposes shoplifters with three or more arrests in the last year under the flex rule, saying so', async () => {
    const shoplifters = escalatingShoplifters(system);
    expect(shoplifters.length).toBeGreaterThan(0);
    const ids = await gatewayIds(system, shoplifters);
    const flex = await everyCandidate(system, { strand: 'FLEX' });
    const proposed = flex.filter((node) => node.rule.id === 'FLEX-SHOPLIFTING-ESCALATING');
    expect(idsOf(proposed).sort()).toEqual([...ids.values()].sort());
    for (const node of proposed) {
      expect(node.reasons).toContainEqual(expect.stringMatching(/^[3-9]\d* arrests in the 12 months to 2026-11-01$/));
    }
  });
});
