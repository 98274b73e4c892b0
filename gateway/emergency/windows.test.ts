import { expect, it } from 'vitest';
import type { Principal } from '../authentication/principal.js';
import { describeOnBackends, useDatabase } from '../ledger/test-backends.js';
import { EmergencyWindows } from './windows.js';

const rules = { maxMinutes: 60, maxWindowsPerDay: 3 };
const officer = (userId: string): Principal => ({ userId, displayName: userId, agency: 'police', role: 'police-offender-manager', clientApplication: 'tests' });
const at = (iso: string) => new Date(iso);

describeOnBackends('break-glass windows', (backend) => {
  const database = useDatabase(backend);

  it('opens one window per user and justification, which ends after maxMinutes', async () => {
    const windows = await EmergencyWindows.open(database().admin);
    const user = officer('pc-window-1');
    expect(await windows.declare(user, 'Incident 1', rules, at('2026-11-23T10:00:00Z'))).toMatchObject({ open: true, endsAt: at('2026-11-23T11:00:00Z') });
    expect(await windows.declare(user, 'Incident 1', rules, at('2026-11-23T10:59:00Z'))).toMatchObject({ open: true, startedAt: at('2026-11-23T10:00:00Z') });
    expect(await windows.declare(user, 'Incident 1', rules, at('2026-11-23T11:00:01Z'))).toEqual({
      open: false,
      reason: 'ended',
      endedAt: at('2026-11-23T11:00:00Z'),
    });
  });

  it('survives a restart and is shared by replicas: the same database, the same windows', async () => {
    const user = officer('pc-window-2');
    await (await EmergencyWindows.open(database().admin)).declare(user, 'Incident 7', rules, at('2026-11-23T10:00:00Z'));
    const afterRestart = await EmergencyWindows.open(database().admin);
    expect(await afterRestart.declare(user, 'Incident 7', rules, at('2026-11-23T11:30:00Z'))).toMatchObject({ open: false, reason: 'ended' });
  });

  it('allows at most maxWindowsPerDay in any 24 hours, even declared all at once', async () => {
    const windows = await EmergencyWindows.open(database().admin);
    const user = officer('pc-window-3');
    const now = at('2026-11-23T10:00:00Z');
    const decisions = await Promise.all(['A', 'B', 'C', 'D', 'E'].map((incident) => windows.declare(user, `Incident ${incident}`, rules, now)));
    expect(decisions.filter((d) => d.open)).toHaveLength(3);
    expect(decisions.filter((d) => !d.open)).toEqual([
      { open: false, reason: 'too-many', windowsToday: 3 },
      { open: false, reason: 'too-many', windowsToday: 3 },
    ]);
    expect(await windows.declare(user, 'Incident F', rules, at('2026-11-24T10:00:01Z'))).toMatchObject({ open: true });
    // Another user's allowance is their own.
    expect(await windows.declare(officer('pc-window-4'), 'Incident A', rules, now)).toMatchObject({ open: true });
  });
});
