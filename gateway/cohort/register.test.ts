import { describe, expect, it } from 'vitest';
import { describeOnBackends, useDatabase } from '../ledger/test-backends.js';
import { partnershipDate } from '../partnership-date.js';
import { CohortError, CohortRegister } from './register.js';

const lead = { name: 'Philip Moore', agency: 'probation' as const, team: 'North IOM', email: 'p.moore@probation.example', phone: '01632 960036' };
const by = (requestId: string) => ({ actor: 'coordinator-1', requestId, at: new Date() });
const selection = (gatewayId: string, extra: Record<string, unknown> = {}) => ({
  action: 'select',
  gatewayId,
  strand: 'fixed',
  serviceLevel: 'high',
  leadProfessional: lead,
  selectedOn: '2026-09-01',
  reason: 'Burglary index offence, OGRS high, on licence',
  ...extra,
});

const refusal = async (promise: Promise<unknown>) => {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CohortError);
  return (error as CohortError).message;
};

describeOnBackends('cohort register', (backend) => {
  const database = useDatabase(backend);

  it('records a selection, a change and a de-selection, with history in order', async () => {
    const register = await CohortRegister.open(database().admin);
    await register.apply(await register.plan(selection('GW-A')), by('r1'));
    await register.apply(
      await register.plan({ action: 'change-service-level', gatewayId: 'GW-A', serviceLevel: 'medium', reason: 'Stable for three months' }),
      by('r2'),
    );
    const left = await register.apply(
      await register.plan({
        action: 'deselect',
        gatewayId: 'GW-A',
        deselectedOn: '2026-10-01',
        reason: 'Order completed',
        exitPlan: 'Handover to the community hub',
      }),
      by('r3'),
    );
    expect(left).toMatchObject({ active: false, serviceLevel: 'medium', deselectedOn: '2026-10-01', exitPlan: 'Handover to the community hub', version: 3 });
    const history = (await register.history(['GW-A'])).get('GW-A') ?? [];
    expect(history.map((h) => [h.action, h.requestId])).toEqual([
      ['select', 'r1'],
      ['change-service-level', 'r2'],
      ['deselect', 'r3'],
    ]);
    expect((await register.list({}, { first: 10 })).members.map((m) => m.gatewayId)).not.toContain('GW-A');
  });

  it('lets exactly one of two concurrent first selections of a person through', async () => {
    const register = await CohortRegister.open(database().admin);
    const [first, second] = await Promise.all([register.plan(selection('GW-B')), register.plan(selection('GW-B', { serviceLevel: 'low' }))]);
    const outcomes = await Promise.allSettled([register.apply(first, by('r4')), register.apply(second, by('r5'))]);
    expect(outcomes.map((o) => o.status).sort()).toEqual(['fulfilled', 'rejected']);
    const rejected = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
    expect(rejected?.reason).toBeInstanceOf(CohortError);
    expect((await register.history(['GW-B'])).get('GW-B')).toHaveLength(1);
  });

  it('records a change before committing it: nothing changes if the record fails, and a change that fails is never recorded', async () => {
    const register = await CohortRegister.open(database().admin);
    await register.apply(await register.plan(selection('GW-E')), by('r7'));
    const recorded: string[] = [];
    const level = await register.plan({ action: 'change-service-level', gatewayId: 'GW-E', serviceLevel: 'low', reason: 'Stable for three months' });
    const refused = await register
      .apply(level, by('r8'), async () => {
        throw new Error('the ledger is down');
      })
      .then(
        () => null,
        (e: unknown) => e,
      );
    expect((refused as Error).message).toBe('the ledger is down');
    expect((await register.memberships(['GW-E'])).get('GW-E')).toMatchObject({ serviceLevel: 'high', version: 1 });

    const stale = await register.plan({ action: 'change-service-level', gatewayId: 'GW-E', serviceLevel: 'medium', reason: 'Panel decision' });
    await register.apply(level, by('r9'), async () => void recorded.push('r9'));
    expect(await refusal(register.apply(stale, by('r10'), async () => void recorded.push('r10')))).toMatch(/changed while/);
    expect(recorded).toEqual(['r9']);
    expect((await register.history(['GW-E'])).get('GW-E')?.map((h) => h.requestId)).toEqual(['r7', 'r9']);
  });

  it('refuses changes that make no sense, saying why, and changes nothing', async () => {
    const register = await CohortRegister.open(database().admin);
    await register.apply(await register.plan(selection('GW-C')), by('r6'));
    const tomorrow = partnershipDate(new Date(Date.now() + 2 * 86_400_000));
    expect(await refusal(register.plan(selection('GW-C')))).toMatch(/already an active cohort member/);
    expect(await refusal(register.plan(selection('GW-D', { selectedOn: tomorrow })))).toMatch(/in the future/);
    expect(await refusal(register.plan(selection('GW-D', { scheme: 'WISDOM' })))).toMatch(/only the free strand/);
    expect(await refusal(register.plan(selection('GW-D', { strand: 'free' })))).toMatch(/needs the local scheme/);
    expect(await refusal(register.plan(selection('GW-D', { reason: ' ' })))).toMatch(/reason/);
    expect(
      await refusal(register.plan({ action: 'deselect', gatewayId: 'GW-D', deselectedOn: '2026-10-01', reason: 'Moved away', exitPlan: 'None needed' })),
    ).toMatch(/not an active cohort member/);
    expect(
      await refusal(register.plan({ action: 'reassign-lead-professional', gatewayId: 'GW-C', leadProfessional: lead, reason: 'Caseload review' })),
    ).toMatch(/already leads/);
    expect(await refusal(register.plan({ action: 'change-service-level', gatewayId: 'GW-C', serviceLevel: 'high', reason: 'No change' }))).toMatch(
      /already high/,
    );
    expect((await register.history(['GW-C', 'GW-D'])).get('GW-C')).toHaveLength(1);
    expect((await register.memberships(['GW-D'])).size).toBe(0);
  });
});

describe('partnershipDate', () => {
  it('gives the UK calendar day, not the UTC one', () => {
    expect(partnershipDate(new Date('2026-07-01T23:30:00Z'))).toBe('2026-07-02');
    expect(partnershipDate(new Date('2026-12-01T23:30:00Z'))).toBe('2026-12-01');
  });
});
