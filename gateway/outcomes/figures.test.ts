import { describe, expect, it } from 'vitest';
import type { CohortChange, Membership } from '../cohort/register.js';
import { partnershipDate } from '../partnership-date.js';
import { type MembershipPeriod, membershipPeriods, type Offending, outcomeFigures, overlaps, type StrandOutcome } from './figures.js';
import { daysBetween, quarterOf, quartersBetween, yearBefore } from './quarters.js';

describe('quarters', () => {
  it('are calendar quarters with their first and last days', () => {
    expect(quarterOf('2026-02-10')).toEqual({ label: '2026 Q1', start: '2026-01-01', end: '2026-03-31' });
    expect(quarterOf('2024-06-30')).toEqual({ label: '2024 Q2', start: '2024-04-01', end: '2024-06-30' });
    expect(quarterOf('2025-09-01')).toEqual({ label: '2025 Q3', start: '2025-07-01', end: '2025-09-30' });
    expect(quarterOf('2025-12-31')).toEqual({ label: '2025 Q4', start: '2025-10-01', end: '2025-12-31' });
    expect(quartersBetween('2025-11-15', '2026-04-01').map((q) => q.label)).toEqual(['2025 Q4', '2026 Q1', '2026 Q2']);
    expect(quartersBetween('2026-05-01', '2026-05-02').map((q) => q.label)).toEqual(['2026 Q2']);
  });

  it('count days inclusively and step back a year, 29 February to 28 February', () => {
    expect(daysBetween('2026-01-01', '2026-01-01')).toBe(1);
    expect(daysBetween('2024-02-28', '2024-03-01')).toBe(3);
    expect(daysBetween('2026-01-02', '2026-01-01')).toBe(0);
    expect(yearBefore('2026-03-15')).toBe('2025-03-15');
    expect(yearBefore('2024-02-29')).toBe('2023-02-28');
  });

  it('take today in England: just after midnight in a British summer is already tomorrow', () => {
    expect(partnershipDate(new Date('2026-06-30T23:30:00Z'))).toBe('2026-07-01');
    expect(partnershipDate(new Date('2026-12-31T23:30:00Z'))).toBe('2026-12-31');
  });
});

const membership = (gatewayId: string, overrides: Partial<Membership> = {}): Membership => ({
  gatewayId,
  strand: 'fixed',
  scheme: null,
  serviceLevel: 'high',
  leadProfessional: { name: 'Synthetic Officer', agency: 'probation' },
  selectedOn: '2026-01-15',
  selectionReason: 'Test selection',
  active: true,
  deselectedOn: null,
  deselectionReason: null,
  exitPlan: null,
  version: 1,
  ...overrides,
});

const change = (action: CohortChange['action'], details: Record<string, unknown>): CohortChange => ({
  at: '2026-01-01T00:00:00.000Z',
  action,
  details,
  actor: 'tester',
  requestId: 'r-1',
});

describe('membershipPeriods', () => {
  it('gives one spell per selection, closed by its de-selection, each on its own strand', () => {
    const history = [
      change('select', { strand: 'flex', selectedOn: '2025-02-01', serviceLevel: 'low' }),
      change('change-service-level', { serviceLevel: 'medium' }),
      change('deselect', { deselectedOn: '2025-08-31', reason: 'Progress', exitPlan: 'Handed to probation' }),
      change('select', { strand: 'fixed', selectedOn: '2026-01-10' }),
    ];
    expect(membershipPeriods([{ membership: membership('p1', { strand: 'fixed', selectedOn: '2026-01-10' }), history }])).toEqual([
      { gatewayId: 'p1', strand: 'flex', selectedOn: '2025-02-01', deselectedOn: '2025-08-31' },
      { gatewayId: 'p1', strand: 'fixed', selectedOn: '2026-01-10', deselectedOn: null },
    ]);
  });

  it('ends both spells of two members found to be one person: the replaced one at the merge, the kept one at its de-selection', () => {
    const history = [
      change('select', { strand: 'fixed', selectedOn: '2026-09-01' }),
      change('select', { strand: 'flex', selectedOn: '2026-08-01' }),
      {
        ...change('merge', { kept: 'p1', replaced: { gatewayId: 'p3', strand: 'fixed', selectedOn: '2026-09-01', active: true, deselectedOn: null } }),
        at: '2026-10-05T09:00:00.000Z',
      },
      change('deselect', { deselectedOn: '2026-11-01', reason: 'Progress', exitPlan: 'Handed to probation' }),
    ];
    const kept = membership('p3', { strand: 'flex', selectedOn: '2026-08-01', active: false, deselectedOn: '2026-11-01' });
    const periods = membershipPeriods([{ membership: kept, history }]);
    expect(periods).toEqual([
      { gatewayId: 'p3', strand: 'fixed', selectedOn: '2026-09-01', deselectedOn: '2026-10-05' },
      { gatewayId: 'p3', strand: 'flex', selectedOn: '2026-08-01', deselectedOn: '2026-11-01' },
    ]);
    expect(periods.filter((period) => overlaps(period, '2026-11-02', '2026-12-31'))).toEqual([]);
  });

  it('keeps the kept member’s spell open when the replaced member’s de-selection came before the merge', () => {
    const history = [
      change('select', { strand: 'fixed', selectedOn: '2026-08-01' }),
      change('select', { strand: 'flex', selectedOn: '2026-09-01' }),
      change('deselect', { deselectedOn: '2026-10-01', reason: 'Progress', exitPlan: 'Handed to probation' }),
      change('merge', { kept: 'p5', replaced: { gatewayId: 'p4', strand: 'fixed', selectedOn: '2026-08-01', active: false, deselectedOn: '2026-10-01' } }),
    ];
    expect(membershipPeriods([{ membership: membership('p4', { strand: 'flex', selectedOn: '2026-09-01' }), history }])).toEqual([
      { gatewayId: 'p4', strand: 'fixed', selectedOn: '2026-08-01', deselectedOn: '2026-10-01' },
      { gatewayId: 'p4', strand: 'flex', selectedOn: '2026-09-01', deselectedOn: null },
    ]);
  });

  it('falls back to the membership itself when the register holds no history for it', () => {
    const row = membership('p2', { active: false, deselectedOn: '2026-02-01' });
    expect(membershipPeriods([{ membership: row, history: [] }])).toEqual([
      { gatewayId: 'p2', strand: 'fixed', selectedOn: '2026-01-15', deselectedOn: '2026-02-01' },
    ]);
  });
});

const Q1 = quarterOf('2026-01-01');
const spell = (gatewayId: string, strand: MembershipPeriod['strand'], selectedOn: string, deselectedOn: string | null = null): MembershipPeriod => ({
  gatewayId,
  strand,
  selectedOn,
  deselectedOn,
});
const strandOf = (figures: ReturnType<typeof outcomeFigures>, strand: string, quarter = 0): StrandOutcome => {
  const found = figures[quarter]?.strands.find((s) => s.strand === strand);
  if (!found) throw new Error(`no ${strand} in quarter ${quarter}`);
  return found;
};

describe('outcomeFigures', () => {
  // Six fixed members selected on 15 January 2026, each arrested twice in the year before, once before that
  // year (not counted), on the day of selection (counts as after) and once more in February.
  const fixed = ['f1', 'f2', 'f3', 'f4', 'f5', 'f6'];
  const offending = new Map<string, Offending>(
    fixed.map((id) => [id, { arrests: ['2024-12-01', '2025-06-01', '2025-12-01', '2026-01-15', '2026-02-01'], charges: ['2025-06-02', '2026-02-02'] }]),
  );
  const periods = [
    ...fixed.map((id) => spell(id, 'fixed', '2026-01-15')),
    // Four flex members: every figure about them is suppressed, however many arrests.
    ...['x1', 'x2', 'x3', 'x4'].map((id) => spell(id, 'flex', '2025-10-01')),
  ];
  for (const id of ['x1', 'x2', 'x3', 'x4']) offending.set(id, { arrests: ['2025-11-01', '2025-11-02', '2026-01-03'], charges: [] });

  it('counts members, offences before and since selection, and rates per member-year', () => {
    const figures = outcomeFigures({ periods, offending, quarters: [Q1], asOf: '2026-06-01' });
    const memberYears = (6 * daysBetween('2026-01-15', '2026-03-31')) / 365.25;
    expect(strandOf(figures, 'fixed')).toEqual({
      strand: 'fixed',
      members: { value: 6, suppressed: false },
      deselections: { value: null, suppressed: true },
      arrests: {
        beforeSelection: { count: 12, perMemberYear: 2, suppressed: false },
        sinceSelection: { count: 12, perMemberYear: Math.round((12 / memberYears) * 100) / 100, suppressed: false },
      },
      charges: {
        beforeSelection: { count: 6, perMemberYear: 1, suppressed: false },
        sinceSelection: { count: 6, perMemberYear: Math.round((6 / memberYears) * 100) / 100, suppressed: false },
      },
    });
  });

  it('suppresses every figure about fewer than five members, and a strand with none', () => {
    const figures = outcomeFigures({ periods, offending, quarters: [Q1], asOf: '2026-06-01' });
    const suppressed = { count: null, perMemberYear: null, suppressed: true };
    for (const strand of ['flex', 'free']) {
      expect(strandOf(figures, strand)).toEqual({
        strand,
        members: { value: null, suppressed: true },
        deselections: { value: null, suppressed: true },
        arrests: { beforeSelection: suppressed, sinceSelection: suppressed },
        charges: { beforeSelection: suppressed, sinceSelection: suppressed },
      });
    }
  });

  it('suppresses a count under five, and its rate, even among many members', () => {
    const few = new Map(fixed.map((id, i) => [id, { arrests: i < 4 ? ['2026-02-01'] : [], charges: [] }]));
    const figures = outcomeFigures({ periods: fixed.map((id) => spell(id, 'fixed', '2026-01-15')), offending: few, quarters: [Q1], asOf: '2026-06-01' });
    expect(strandOf(figures, 'fixed').members).toEqual({ value: 6, suppressed: false });
    expect(strandOf(figures, 'fixed').arrests.sinceSelection).toEqual({ count: null, perMemberYear: null, suppressed: true });
  });

  it('counts members active at any time in the quarter, de-selections in it, and time in the cohort only', () => {
    const many = ['d1', 'd2', 'd3', 'd4', 'd5'];
    const leaving = many.map((id) => spell(id, 'free', '2025-06-01', '2026-02-14'));
    const arrests = new Map(many.map((id) => [id, { arrests: ['2026-02-14', '2026-02-15', '2026-03-01'], charges: [] }]));
    const [q1, q2] = outcomeFigures({ periods: leaving, offending: arrests, quarters: quartersBetween('2026-01-01', '2026-04-01'), asOf: '2026-06-01' });
    const free = q1?.strands.find((s) => s.strand === 'free');
    expect(free?.members).toEqual({ value: 5, suppressed: false });
    expect(free?.deselections).toEqual({ value: 5, suppressed: false });
    // Only the arrest on the day of de-selection falls in their time in the cohort.
    expect(free?.arrests.sinceSelection).toEqual({ count: 5, perMemberYear: Math.round((5 / ((5 * 45) / 365.25)) * 100) / 100, suppressed: false });
    expect(q2?.strands.find((s) => s.strand === 'free')?.members).toEqual({ value: null, suppressed: true });
  });

  it('counts a quarter under way up to today, and nobody selected after today', () => {
    const now = fixed.map((id) => spell(id, 'fixed', '2026-01-01'));
    const later = ['l1', 'l2', 'l3', 'l4', 'l5'].map((id) => spell(id, 'fixed', '2026-03-01'));
    const arrests = new Map(fixed.map((id) => [id, { arrests: ['2026-01-05', '2026-02-20'], charges: [] }]));
    const figures = outcomeFigures({ periods: [...now, ...later], offending: arrests, quarters: [Q1], asOf: '2026-01-31' });
    expect(strandOf(figures, 'fixed').members).toEqual({ value: 6, suppressed: false });
    expect(strandOf(figures, 'fixed').arrests.sinceSelection).toEqual({
      count: 6,
      perMemberYear: Math.round((6 / ((6 * 31) / 365.25)) * 100) / 100,
      suppressed: false,
    });
  });

  it('counts a person once per strand and quarter, and a day twice never, when a re-selection is back-dated', () => {
    const people = ['r1', 'r2', 'r3', 'r4', 'r5'];
    const twice = people.flatMap((id) => [spell(id, 'fixed', '2026-01-01', '2026-02-01'), spell(id, 'fixed', '2026-01-20')]);
    const arrests = new Map(people.map((id) => [id, { arrests: ['2025-12-31', '2026-01-25'], charges: [] }]));
    const figures = outcomeFigures({ periods: twice, offending: arrests, quarters: [Q1], asOf: '2026-06-01' });
    expect(strandOf(figures, 'fixed').members).toEqual({ value: 5, suppressed: false });
    expect(strandOf(figures, 'fixed').deselections).toEqual({ value: 5, suppressed: false });
    expect(strandOf(figures, 'fixed').arrests.beforeSelection).toMatchObject({ count: 5, perMemberYear: 1 });
    expect(strandOf(figures, 'fixed').arrests.sinceSelection).toEqual({
      count: 5,
      perMemberYear: Math.round((5 / ((5 * 90) / 365.25)) * 100) / 100,
      suppressed: false,
    });
  });
});
