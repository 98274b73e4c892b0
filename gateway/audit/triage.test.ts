import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Principal } from '../authentication/principal.js';
import { LedgerUnavailableError } from '../ledger/errors.js';
import { sampleRecord, sampleSubject } from '../ledger/fixtures.js';
import { type Ledger, openLedger } from '../ledger/ledger.js';
import { describeOnBackends, useDatabase } from '../ledger/test-backends.js';
import { AlertTriage } from './triage.js';

const night = { userId: 'ho-night-1', displayName: 'Night (synthetic)', agency: 'housing', role: 'housing-officer' };
const officer: Principal = { userId: 'ig-1', displayName: 'Ivy Grant', agency: 'iom', role: 'ig-officer', clientApplication: 'partnership-console' };
const policy = { id: 'northshire-iom-isp', version: '2.4' };
const SATURDAY = ['2025-03-08T00:00:00Z', '2025-03-09T00:00:00Z'] as const;

describeOnBackends('alert triage', (backend) => {
  const database = useDatabase(backend);
  let ledger: Ledger;
  let triage: AlertTriage;
  beforeAll(async () => {
    ledger = await openLedger(database().ledgerOptions());
    triage = await AlertTriage.open(database().admin, ledger);
    for (let n = 1; n <= 5; n++) {
      await ledger.append(sampleRecord(n, { requestId: `night-${n}`, occurredAt: `2025-03-08T23:3${n}:00Z`, principal: night, subjects: [sampleSubject(n)] }));
    }
  });
  afterAll(async () => {
    await ledger.close();
  });

  it('queues a night of out-of-hours use as one alert', async () => {
    const queue = await triage.queue(...SATURDAY, { kind: 'partnership' });
    expect(queue.map((q) => [q.alert.kind, q.alert.sequences.length, q.triage.length])).toEqual([['out-of-hours', 5, 0]]);
    expect(await triage.queue(...SATURDAY, { kind: 'own-agency', agency: 'police' })).toEqual([]);
  });

  it('records each decision in the ledger before the queue shows it', async () => {
    const [queued] = await triage.queue(...SATURDAY, { kind: 'partnership' });
    if (queued === undefined) throw new Error('no alert queued');
    const decided = await triage.decide({ principal: officer, policy, queued, decision: 'escalated', note: 'Asked the housing manager why' });
    const again = await triage.queue(...SATURDAY, { kind: 'partnership' });
    expect(again[0]?.triage).toEqual([decided]);
    const found = await ledger.query({ kind: 'alteration', userId: 'ig-1' });
    const record = found.entries.find((entry) => entry.sequence === decided.ledgerSequence)?.record;
    expect(record).toMatchObject({
      purpose: 'audit',
      outcome: 'altered',
      alteration: {
        register: 'alert-triage',
        action: 'escalated',
        details: { alert: queued.key, kind: 'out-of-hours', userId: 'ho-night-1', note: 'Asked the housing manager why' },
      },
    });
  });

  it('refuses a decision without a note, and makes none when the ledger cannot write', async () => {
    const [queued] = await triage.queue(...SATURDAY, { kind: 'partnership' });
    if (queued === undefined) throw new Error('no alert queued');
    await expect(triage.decide({ principal: officer, policy, queued, decision: 'dismissed', note: '  ' })).rejects.toThrow(/note/);
    const closed = await openLedger(database().ledgerOptions());
    await closed.close();
    const broken = await AlertTriage.open(database().admin, closed);
    await expect(broken.decide({ principal: officer, policy, queued, decision: 'dismissed', note: 'Expected' })).rejects.toBeInstanceOf(LedgerUnavailableError);
    expect((await triage.queue(...SATURDAY, { kind: 'partnership' }))[0]?.triage.map((t) => t.decision)).toEqual(['escalated']);
  });
});
