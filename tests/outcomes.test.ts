/**
 * The cohort outcomes report end to end, under the partnership's own ISP: figures per strand and quarter on a
 * register the suite controls (the seeded cohort, then de-selections and a back-dated selection through the
 * coordinator's mutations), held against figures computed here from the synthetic population's own facts, day
 * by day; small numbers suppressed everywhere; only the performance-monitoring purpose; one aggregate record
 * in the ledger naming no one.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { KEYS_PER_CALL } from '../adapters/kit/feeds.js';
import type { SyntheticPerson } from '../adapters/population/types.js';
import { type Caller, COORDINATOR, defaultPolicy, startTestSystem, type TestSystem } from './harness.js';

const NOW = new Date('2026-11-20T12:00:00Z');
const AS_OF = '2026-11-20';
const MONITORING: Caller = { role: 'iom-coordinator', agency: 'iom', sub: 'coordinator-outcomes', purpose: 'performance-monitoring' };

const REPORT = /* GraphQL */ `
  query Outcomes($from: Date!, $to: Date!) {
    cohortOutcomes(from: $from, to: $to) {
      from to asOf suppressionThreshold
      quarters {
        label start end
        strands {
          strand
          members { value suppressed }
          deselections { value suppressed }
          arrests { beforeSelection { count perMemberYear suppressed } sinceSelection { count perMemberYear suppressed } }
          charges { beforeSelection { count perMemberYear suppressed } sinceSelection { count perMemberYear suppressed } }
        }
      }
    }
  }
`;

const Count = z.strictObject({ value: z.number().int().nullable(), suppressed: z.boolean() });
const Rate = z.strictObject({ count: z.number().int().nullable(), perMemberYear: z.number().nullable(), suppressed: z.boolean() });
const Offending = z.strictObject({ beforeSelection: Rate, sinceSelection: Rate });
const Report = z.strictObject({
  from: z.string(),
  to: z.string(),
  asOf: z.string(),
  suppressionThreshold: z.number(),
  quarters: z.array(
    z.strictObject({
      label: z.string(),
      start: z.string(),
      end: z.string(),
      strands: z.array(
        z.strictObject({ strand: z.enum(['FIXED', 'FLEX', 'FREE']), members: Count, deselections: Count, arrests: Offending, charges: Offending }),
      ),
    }),
  ),
});
type Report = z.infer<typeof Report>;
type Cell = Report['quarters'][number]['strands'][number];

let system: TestSystem;

/** Each person's spell in the cohort as this suite has made it: population index → strand and dates. */
interface Spell {
  person: SyntheticPerson;
  strand: 'fixed' | 'flex' | 'free';
  selectedOn: string;
  deselectedOn: string | null;
}
const spells = new Map<number, Spell>();

const LEAD = { name: 'Sam Synthetic', agency: 'probation', team: 'Northshire North PDU' };
const DESELECTED_ON = '2026-08-15';
const SELECTED_ON = '2026-04-10';

async function gatewayIdOf(person: SyntheticPerson): Promise<string> {
  const { body } = await system.query('query($crn: String) { person(crn: $crn) { id } }', { crn: person.identifiers.crn });
  const id = (body.data?.person as { id?: string } | null)?.id;
  if (!id) throw new Error(`person ${person.index} is not linked`);
  return id;
}

async function deselect(spell: Spell): Promise<void> {
  const { body } = await system.query('mutation($input: DeselectFromCohortInput!) { deselectFromCohort(input: $input) { id } }', {
    input: {
      personId: await gatewayIdOf(spell.person),
      deselectedOn: DESELECTED_ON,
      reason: 'Stable and compliant for six months',
      exitPlan: 'Returned to standard probation supervision',
    },
  });
  expect(body.errors).toBeUndefined();
  spell.deselectedOn = DESELECTED_ON;
}

const requestIdOf = (body: unknown) => z.object({ extensions: z.object({ requestId: z.string() }) }).parse(body).extensions.requestId;

// --- The expected figures, from the population's facts, counting day by day ---

const DAY = 86_400_000;
function* days(from: string, to: string): Generator<string> {
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`); t += DAY) yield new Date(t).toISOString().slice(0, 10);
}
const yearEarlier = (date: string) => {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCFullYear(d.getUTCFullYear() - 1);
  return d.toISOString().slice(0, 10);
};
const inCohortOn = (spell: Spell, day: string) => spell.selectedOn <= day && (spell.deselectedOn === null || day <= spell.deselectedOn);
const round2 = (value: number) => Math.round(value * 100) / 100;

function expectedCell(quarter: { start: string; end: string }, strand: Spell['strand']): Cell {
  const last = quarter.end < AS_OF ? quarter.end : AS_OF;
  const quarterDays = [...days(quarter.start, last)];
  const members = [...spells.values()].filter((s) => s.strand === strand && quarterDays.some((day) => inCohortOn(s, day)));
  const arrestDates = (s: Spell) => s.person.police?.arrests.map((a) => a.date) ?? [];
  const chargeDates = (s: Spell) => s.person.police?.charges.map((c) => c.date) ?? [];
  const before = (dates: (s: Spell) => string[]) =>
    members.reduce((n, s) => n + dates(s).filter((d) => d >= yearEarlier(s.selectedOn) && d < s.selectedOn).length, 0);
  const memberDays = members.reduce((n, s) => n + quarterDays.filter((day) => inCohortOn(s, day)).length, 0);
  const since = (dates: (s: Spell) => string[]) => members.reduce((n, s) => n + dates(s).filter((d) => quarterDays.includes(d) && inCohortOn(s, d)).length, 0);
  const deselections = [...spells.values()].filter(
    (s) => s.strand === strand && s.deselectedOn !== null && s.deselectedOn >= quarter.start && s.deselectedOn <= last,
  ).length;

  const small = (n: number) => n < 5;
  const count = (n: number) => (small(n) ? { value: null, suppressed: true } : { value: n, suppressed: false });
  const rate = (n: number, years: number) =>
    small(n) || small(members.length)
      ? { count: null, perMemberYear: null, suppressed: true }
      : { count: n, perMemberYear: round2(n / years), suppressed: false };
  const offending = (dates: (s: Spell) => string[]) => ({
    beforeSelection: rate(before(dates), members.length),
    sinceSelection: rate(since(dates), memberDays / 365.25),
  });
  return {
    strand: strand.toUpperCase() as Cell['strand'],
    members: count(members.length),
    deselections: count(deselections),
    arrests: offending(arrestDates),
    charges: offending(chargeDates),
  };
}

const QUARTERS = [
  ['2025 Q1', '2025-01-01', '2025-03-31'],
  ['2025 Q2', '2025-04-01', '2025-06-30'],
  ['2025 Q3', '2025-07-01', '2025-09-30'],
  ['2025 Q4', '2025-10-01', '2025-12-31'],
  ['2026 Q1', '2026-01-01', '2026-03-31'],
  ['2026 Q2', '2026-04-01', '2026-06-30'],
  ['2026 Q3', '2026-07-01', '2026-09-30'],
  ['2026 Q4', '2026-10-01', '2026-12-31'],
] as const;

function expectedReport(): Report {
  return {
    from: '2025-01-01',
    to: '2026-12-31',
    asOf: AS_OF,
    suppressionThreshold: 5,
    quarters: QUARTERS.map(([label, start, end]) => ({
      label,
      start,
      end,
      strands: (['fixed', 'flex', 'free'] as const).map((strand) => expectedCell({ start, end }, strand)),
    })),
  };
}

async function report(from = '2025-02-14', to = '2026-12-01', caller: Caller = MONITORING) {
  const response = await system.query(REPORT, { from, to }, caller);
  const data = response.body.data?.cohortOutcomes;
  return { response, report: data === undefined || data === null ? null : Report.parse(data) };
}

beforeAll(async () => {
  system = await startTestSystem({ policy: defaultPolicy(), clock: () => NOW, timeoutMs: 5000 });
  for (const person of system.population.people) {
    if (person.cohort) spells.set(person.index, { person, strand: person.cohort.strand, selectedOn: person.cohort.selectedOn, deselectedOn: null });
  }
  // The register the suite controls: six fixed and three flex members de-selected in 2026 Q3, one person selected
  // on the free strand back in 2026 Q2.
  const before = (strand: Spell['strand']) =>
    [...spells.values()].filter((s) => s.strand === strand && s.selectedOn < '2026-06-01' && s.person.identifiers.crn);
  for (const spell of [...before('fixed').slice(0, 6), ...before('flex').slice(0, 3)]) await deselect(spell);
  const newcomer = system.population.people.find((p) => p.cohort === null && p.identifiers.crn && (p.police?.arrests.length ?? 0) > 3 && p.index > 6);
  if (!newcomer) throw new Error('no one outside the cohort with a police record');
  const { body } = await system.query('mutation($input: SelectForCohortInput!) { selectForCohort(input: $input) { id } }', {
    input: {
      personId: await gatewayIdOf(newcomer),
      strand: 'FREE',
      scheme: 'Serious violence',
      serviceLevel: 'HIGH',
      leadProfessional: LEAD,
      selectedOn: SELECTED_ON,
      reason: 'Serious violence panel referral',
    },
  });
  expect(body.errors).toBeUndefined();
  spells.set(newcomer.index, { person: newcomer, strand: 'free', selectedOn: SELECTED_ON, deselectedOn: null });
});
afterAll(async () => {
  await system?.close();
});
afterEach(() => {
  system.clearFaults();
});

describe('the figures', () => {
  it('match figures computed from the population and the changes made to the register', async () => {
    const { response, report: got } = await report();
    expect(response.status).toBe(200);
    expect(response.body.errors).toBeUndefined();
    expect(got).toEqual(expectedReport());
  });

  it('are not all suppressed: the big strands show counts, rates and the Q3 de-selections', async () => {
    const { report: got } = await report();
    const q3 = got?.quarters.find((q) => q.label === '2026 Q3');
    const fixed = q3?.strands.find((s) => s.strand === 'FIXED');
    expect(fixed?.members.value).toBeGreaterThanOrEqual(5);
    expect(fixed?.deselections).toEqual({ value: 6, suppressed: false });
    expect(fixed?.arrests.beforeSelection.perMemberYear).toBeGreaterThan(0);
    // Three flex de-selections are too few to show.
    expect(q3?.strands.find((s) => s.strand === 'FLEX')?.deselections).toEqual({ value: null, suppressed: true });
  });

  it('never show a count under 5, nor a rate about fewer than 5 members or offences', async () => {
    const { report: got } = await report();
    const cells = got?.quarters.flatMap((q) => q.strands) ?? [];
    expect(cells).toHaveLength(24);
    for (const cell of cells) {
      for (const count of [cell.members, cell.deselections]) {
        if (count.suppressed) expect(count.value).toBeNull();
        else expect(count.value).toBeGreaterThanOrEqual(5);
      }
      for (const rate of [cell.arrests.beforeSelection, cell.arrests.sinceSelection, cell.charges.beforeSelection, cell.charges.sinceSelection]) {
        if (rate.suppressed) expect([rate.count, rate.perMemberYear]).toEqual([null, null]);
        else {
          expect(rate.count).toBeGreaterThanOrEqual(5);
          expect(cell.members.suppressed).toBe(false);
        }
      }
    }
    // 2025 Q1 had two members in all: everything about it is suppressed.
    const first = got?.quarters[0];
    expect(first?.label).toBe('2025 Q1');
    expect(first?.strands.every((s) => s.members.suppressed && s.arrests.beforeSelection.suppressed && s.charges.sinceSelection.suppressed)).toBe(true);
    expect(cells.some((cell) => cell.members.suppressed)).toBe(true);
    expect(cells.some((cell) => !cell.arrests.sinceSelection.suppressed)).toBe(true);
  });

  it('carry no person-level value: no gateway id, identifier or name of any member', async () => {
    const { response } = await report();
    const text = JSON.stringify(response.body);
    for (const spell of [...spells.values()].slice(0, 60)) {
      for (const value of [spell.person.identifiers.pnc, spell.person.identifiers.crn, spell.person.familyName]) {
        if (value) expect(text).not.toContain(value);
      }
    }
    expect(text).not.toMatch(/"(id|gatewayId|pnc|crn)"/);
  });

  it('report whole quarters, none after today, whatever days the range starts and ends on', async () => {
    const { report: got } = await report('2026-05-20', '2027-06-30');
    expect(got?.quarters.map((q) => q.label)).toEqual(['2026 Q2', '2026 Q3', '2026 Q4']);
    expect(got).toMatchObject({ from: '2026-04-01', to: '2026-12-31', asOf: AS_OF });
    expect(got?.quarters).toEqual(expectedReport().quarters.slice(5));
  });

  it('costs a handful of police calls for the whole cohort', async () => {
    system.resetUpstreamCalls();
    await report();
    const police = Object.values(system.upstreamCalls().police ?? {}).reduce((sum, n) => sum + n, 0);
    expect(police).toBeGreaterThan(0);
    // One batched read for everyone the register has held, KEYS_PER_CALL keys a call: never a call per member.
    expect(police).toBeLessThanOrEqual(Math.ceil(spells.size / KEYS_PER_CALL) + 1);
  });
});

describe('who may ask, and how', () => {
  it('answers only for the purpose performance-monitoring', async () => {
    const { response, report: got } = await report(undefined, undefined, { ...COORDINATOR, sub: 'coordinator-case-work' });
    expect(got).toBeNull();
    expect(response.body.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
    expect(response.body.errors?.[0]?.message).toMatch(/performance-monitoring/);
    // Nothing was reported, so nothing about it is on the ledger.
    const { entries } = await system.ledger.query({ userId: 'coordinator-case-work' });
    expect(entries).toEqual([]);
  });

  it('refuses the purpose to roles the ISP does not give it', async () => {
    const { response } = await report(undefined, undefined, { role: 'probation-practitioner', agency: 'probation', purpose: 'performance-monitoring' });
    expect(response.status).toBe(403);
    expect(response.body.errors?.map((e) => e.extensions?.code)).toEqual(['PURPOSE_NOT_PERMITTED']);
  });

  it('refuses person look-ups under performance-monitoring: not even whether someone exists', async () => {
    const member = [...spells.values()].find((s) => s.deselectedOn === null && s.person.identifiers.crn);
    const { body } = await system.query(
      'query($crn: String) { person(crn: $crn) { id name { familyName } iom { strand } } }',
      { crn: member?.person.identifiers.crn },
      MONITORING,
    );
    expect(body.data?.person ?? null).toBeNull();
    expect(body.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
  });

  it('rejects a range that runs backwards, starts in the future or is too long', async () => {
    for (const [from, to, message] of [
      ['2026-06-01', '2026-01-01', /after to/],
      ['2026-12-01', '2026-12-31', /future/],
      ['2010-01-01', '2026-11-01', /at most 40 quarters/],
    ] as const) {
      const { response, report: got } = await report(from, to);
      expect(got, `${from}..${to}`).toBeNull();
      expect(
        response.body.errors?.map((e) => e.extensions?.code),
        `${from}..${to}`,
      ).toEqual(['BAD_USER_INPUT']);
      expect(response.body.errors?.[0]?.message).toMatch(message);
    }
  });
});

describe('the ledger', () => {
  it('records each report as one aggregate disclosure naming no one', async () => {
    const caller = { ...MONITORING, sub: 'coordinator-ledger' };
    const { response } = await report(undefined, undefined, caller);
    expect(response.body.errors).toBeUndefined();
    const { entries } = await system.ledger.query({ userId: caller.sub });
    expect(entries.map((e) => e.record)).toEqual([
      expect.objectContaining({
        kind: 'aggregate',
        outcome: 'disclosed',
        purpose: 'performance-monitoring',
        subjects: [],
        requestId: requestIdOf(response.body),
        principal: expect.objectContaining({ userId: caller.sub, role: 'iom-coordinator' }),
      }),
    ]);
  });
});

// Last: the police down for a whole-cohort report fail a dozen batch calls at once, which opens the police circuit
// breaker for its cool-down, and the reports of the tests after it would meet it open.
describe('a police outage', () => {
  it('fails whole with AGENCY_UNAVAILABLE when the police cannot answer, and records nothing', async () => {
    const caller = { ...MONITORING, sub: 'coordinator-police-down' };
    system.setFaults('police', { mode: 'down' });
    const { response, report: got } = await report(undefined, undefined, caller);
    expect(got).toBeNull();
    expect(response.body.errors?.map((e) => [e.extensions?.code, e.extensions?.agency])).toEqual([['AGENCY_UNAVAILABLE', 'police']]);
    expect((await system.ledger.query({ userId: caller.sub })).entries).toEqual([]);
  });
});
