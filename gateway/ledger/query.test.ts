import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleRecord, sampleSubject } from './fixtures.js';
import { type Ledger, openLedger } from './ledger.js';
import type { LedgerFilter } from './query.js';
import type { DisclosureRecordInput } from './record.js';
import { describeOnBackends, useDatabase } from './test-backends.js';

const officer = (userId: string, agency: string, role: string) => ({ userId, displayName: `${userId} (synthetic)`, agency, role });

/** A small ledger whose every record is distinguishable by requestId. */
const RECORDS: DisclosureRecordInput[] = [
  sampleRecord(1, { requestId: 'r1', occurredAt: '2025-03-03T09:00:00Z' }),
  sampleRecord(2, { requestId: 'r2', occurredAt: '2025-03-03T10:00:00Z', principal: officer('u-pc-7', 'police', 'iom-officer'), purpose: 'public-protection' }),
  sampleRecord(1, {
    requestId: 'r3',
    occurredAt: '2025-03-04T09:00:00Z',
    kind: 'consultation',
    outcome: 'nothing-disclosed',
    subjects: [sampleSubject(1, { disclosed: [] })],
  }),
  sampleRecord(3, { requestId: 'r4', occurredAt: '2025-03-05T09:00:00Z', outcome: 'refused', subjects: [sampleSubject(3, { disclosed: [], withheld: [] })] }),
  sampleRecord(4, {
    requestId: 'r5',
    occurredAt: '2025-03-06T09:00:00Z',
    principal: officer('u-hs-2', 'housing', 'housing-officer'),
    subjects: [sampleSubject(4, { disclosed: [{ dataItem: 'housing.address', path: 'person.housing.address', clauseId: 'isp-7.3' }] }), sampleSubject(1)],
  }),
  sampleRecord(0, {
    requestId: 'r6',
    occurredAt: '2025-03-07T09:00:00Z',
    kind: 'aggregate',
    subjects: [],
    principal: officer('u-ig-1', 'gateway', 'ig-officer'),
  }),
];

describeOnBackends('queries', (backend) => {
  const database = useDatabase(backend);
  let ledger: Ledger;
  beforeAll(async () => {
    ledger = await openLedger(database().ledgerOptions());
    for (const record of RECORDS) await ledger.append(record);
  });
  afterAll(async () => {
    await ledger.close();
  });

  const requestIds = async (filter: LedgerFilter) => (await ledger.query(filter)).entries.map((entry) => entry.record.requestId);

  it('filters by person, identifier, user, agency, role, purpose, clause, kind, outcome and time', async () => {
    const person1 = sampleSubject(1);
    expect(await requestIds({})).toEqual(['r1', 'r2', 'r3', 'r4', 'r5', 'r6']);
    expect(await requestIds({ gatewayId: person1.gatewayId })).toEqual(['r1', 'r3', 'r5']);
    expect(await requestIds({ identifier: { kind: 'crn', value: person1.identifiers.crn?.toLowerCase() ?? '' } })).toEqual(['r1', 'r3', 'r5']);
    expect(await requestIds({ identifier: { kind: 'nomsNumber', value: sampleSubject(4).identifiers.nomsNumber ?? '' } })).toEqual(['r5']);
    expect(await requestIds({ userId: 'u-pc-7' })).toEqual(['r2']);
    expect(await requestIds({ agency: 'housing' })).toEqual(['r5']);
    expect(await requestIds({ role: 'ig-officer' })).toEqual(['r6']);
    expect(await requestIds({ purpose: 'public-protection' })).toEqual(['r2']);
    expect(await requestIds({ clauseId: 'isp-7.3' })).toEqual(['r5']);
    expect(await requestIds({ clauseId: 'isp-4.2' })).toEqual(['r1', 'r2', 'r3', 'r5']);
    expect(await requestIds({ kind: 'consultation' })).toEqual(['r3']);
    expect(await requestIds({ outcome: 'refused' })).toEqual(['r4']);
    expect(await requestIds({ from: '2025-03-04T09:00:00Z', to: '2025-03-06T09:00:00Z' })).toEqual(['r3', 'r4']);
    expect(await requestIds({ gatewayId: person1.gatewayId, kind: 'disclosure', from: '2025-03-04T00:00:00+00:00' })).toEqual(['r5']);
  });

  it('refuses a malformed filter with the reason', async () => {
    await expect(ledger.query({ identifier: { kind: 'pnc', value: '2019/0000001A' } })).rejects.toThrow(/check letter/);
    await expect(ledger.query({ outcome: 'leaked' } as never)).rejects.toThrow();
    await expect(ledger.query({}, { after: 'not-a-cursor' })).rejects.toThrow(/cursor/);
  });

  it('pages by sequence in either order until the cursor runs out', async () => {
    const collect = async (order: 'oldest-first' | 'newest-first') => {
      const seen: string[] = [];
      let after: string | undefined;
      let pages = 0;
      do {
        const page = await ledger.query({}, { limit: 4, order, ...(after === undefined ? {} : { after }) });
        seen.push(...page.entries.map((entry) => entry.record.requestId));
        after = page.nextCursor ?? undefined;
        pages++;
      } while (after !== undefined);
      return { seen, pages };
    };
    expect(await collect('oldest-first')).toEqual({ seen: ['r1', 'r2', 'r3', 'r4', 'r5', 'r6'], pages: 2 });
    expect(await collect('newest-first')).toEqual({ seen: ['r6', 'r5', 'r4', 'r3', 'r2', 'r1'], pages: 2 });
    const exact = await ledger.query({}, { limit: 6 });
    expect(exact.nextCursor).toBeNull();
  });

  it('answers subject access with that person only', async () => {
    const person1 = sampleSubject(1);
    const report = await ledger.subjectAccess(person1.gatewayId);
    expect(report.entries.map((entry) => [entry.recipient.userId, entry.kind, entry.outcome])).toEqual([
      ['u-po-0042', 'disclosure', 'disclosed'],
      ['u-po-0042', 'consultation', 'nothing-disclosed'],
      ['u-hs-2', 'disclosure', 'disclosed'],
    ]);
    const shared = report.entries[2];
    // r5 also disclosed person 4's address: a subject access answer for person 1 must not show it.
    expect(shared?.disclosed).toEqual(person1.disclosed);
    expect(JSON.stringify(report)).not.toContain(sampleSubject(4).gatewayId);
    expect((await ledger.subjectAccess('gw-nobody')).entries).toEqual([]);
  });
});

describeOnBackends('alerts', (backend) => {
  const database = useDatabase(backend);
  let ledger: Ledger;
  beforeAll(async () => {
    ledger = await openLedger(database().ledgerOptions());
    const at = (occurredAt: string, n: number, extra: Partial<DisclosureRecordInput> = {}) =>
      ledger.append(sampleRecord(n, { occurredAt, requestId: `alert-${n}-${occurredAt}`, ...extra }));
    // Tuesday 1 July 2025 is in British Summer Time (UTC+1).
    await at('2025-07-01T09:00:00Z', 1); // 10:00 BST, nothing unusual
    await at('2025-07-01T06:59:00Z', 2); // 07:59 BST: early
    await at('2025-07-01T07:00:00Z', 3); // 08:00 BST: in hours
    await at('2025-07-01T16:59:00Z', 4); // 17:59 BST: in hours
    await at('2025-07-01T17:00:00Z', 5); // 18:00 BST: late
    await at('2025-07-05T11:00:00Z', 6); // Saturday
    await at('2025-07-01T10:00:00Z', 7, { emergency: true, justification: 'risk to life: missing person enquiry' });
    await at('2025-07-01T11:00:00Z', 8, { subjects: [sampleSubject(8, { inActiveCohort: false })] });
    // u-bulk reaches 4 people within 40 minutes, then 4 more people spread over 4 hours.
    const bulk = { userId: 'u-bulk', displayName: 'Bulk (synthetic)', agency: 'police', role: 'analyst' };
    for (const [minute, n] of [
      [0, 20],
      [10, 21],
      [25, 22],
      [40, 23],
      [40, 20],
    ] as const) {
      await at(`2025-07-02T${String(9 + Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}:00Z`, n, { principal: bulk });
    }
    for (const [hour, n] of [
      [9, 30],
      [10, 31],
      [11, 32],
      [12, 33],
    ] as const) {
      await at(`2025-07-03T${String(hour).padStart(2, '0')}:30:00Z`, n, { principal: bulk });
    }
  });
  afterAll(async () => {
    await ledger.close();
  });

  it('flags emergency access, people outside the cohort and out-of-hours use', async () => {
    const found = await ledger.alerts('2025-07-01T00:00:00Z', '2025-07-06T00:00:00Z', { unusualVolumeThreshold: 1_000 });
    const summary = found.map((alert) => [alert.kind, alert.from]);
    expect(summary).toEqual([
      ['out-of-hours', '2025-07-01T06:59:00.000Z'],
      ['emergency-access', '2025-07-01T10:00:00.000Z'],
      ['outside-cohort', '2025-07-01T11:00:00.000Z'],
      ['out-of-hours', '2025-07-05T11:00:00.000Z'],
    ]);
    expect(found.find((alert) => alert.kind === 'outside-cohort')?.gatewayIds).toEqual([sampleSubject(8).gatewayId]);
  });

  it('groups out-of-hours use per user per London day', async () => {
    const found = await ledger.alerts('2025-07-01T00:00:00Z', '2025-07-06T00:00:00Z', { unusualVolumeThreshold: 1_000 });
    const tuesday = found.find((alert) => alert.kind === 'out-of-hours' && alert.from.startsWith('2025-07-01'));
    expect(tuesday).toMatchObject({ userId: 'u-po-0042', agency: 'probation', from: '2025-07-01T06:59:00.000Z', to: '2025-07-01T17:00:00.000Z' });
    expect(tuesday?.sequences).toHaveLength(2);
    expect(tuesday?.detail).toContain('on 2025-07-01: 2 requests');
  });

  it("leaves out the gateway's own work, and does not count IG officers' audits as unusual volume", async () => {
    const seed = { userId: 'system:population-seed', displayName: 'Seed', agency: 'iom', role: 'system' };
    const ig = { userId: 'ig-sweep', displayName: 'IG (synthetic)', agency: 'iom', role: 'ig-officer' };
    for (let n = 40; n < 46; n++) {
      await ledger.append(
        sampleRecord(n, {
          occurredAt: `2025-07-06T02:0${n - 40}:00Z`,
          requestId: `seed-${n}`,
          principal: seed,
          subjects: [sampleSubject(n, { inActiveCohort: false })],
        }),
      );
      await ledger.append(
        sampleRecord(n, {
          occurredAt: `2025-07-07T09:0${n - 40}:00Z`,
          requestId: `ig-${n}`,
          principal: ig,
          purpose: 'audit',
          kind: 'audit',
          outcome: 'nothing-disclosed',
          subjects: [{ ...sampleSubject(n), disclosed: [], withheld: [] }],
        }),
      );
    }
    const found = await ledger.alerts('2025-07-06T00:00:00Z', '2025-07-08T00:00:00Z', { unusualVolumeThreshold: 2 });
    expect(found.filter((alert) => alert.userId === seed.userId)).toEqual([]);
    expect(found.filter((alert) => alert.userId === ig.userId && alert.kind === 'unusual-volume')).toEqual([]);
  });

  it('flags a user reaching more distinct people within an hour than the threshold, once per burst', async () => {
    const found = (await ledger.alerts('2025-07-02T00:00:00Z', '2025-07-04T00:00:00Z', { unusualVolumeThreshold: 3 })).filter(
      (alert) => alert.kind === 'unusual-volume',
    );
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({
      userId: 'u-bulk',
      from: '2025-07-02T09:00:00.000Z',
      to: '2025-07-02T09:40:00.000Z',
      gatewayIds: [20, 21, 22, 23].map((n) => sampleSubject(n).gatewayId),
    });
    expect(found[0]?.sequences).toHaveLength(5);
    expect(
      (await ledger.alerts('2025-07-02T00:00:00Z', '2025-07-04T00:00:00Z', { unusualVolumeThreshold: 4 })).filter((a) => a.kind === 'unusual-volume'),
    ).toEqual([]);
  });

  it('uses a threshold of 50 people by default', async () => {
    const bulk = { userId: 'u-sweep', displayName: 'Sweep (synthetic)', agency: 'police', role: 'analyst' };
    await Promise.all(
      Array.from({ length: 51 }, (_, i) =>
        ledger.append(sampleRecord(500 + i, { occurredAt: `2025-07-08T10:${String(i).padStart(2, '0')}:00Z`, principal: bulk })),
      ),
    );
    const found = await ledger.alerts('2025-07-08T00:00:00Z', '2025-07-09T00:00:00Z');
    expect(found.filter((alert) => alert.kind === 'unusual-volume').map((alert) => [alert.userId, alert.gatewayIds.length])).toEqual([['u-sweep', 51]]);
  });
});

describe('alert inputs', () => {
  it('are validated before any query', async () => {
    const { alerts } = await import('./query.js');
    const never = { query: () => Promise.reject(new Error('should not be asked')), exec: () => Promise.resolve() };
    await expect(alerts(never, 'yesterday', '2025-01-01T00:00:00Z')).rejects.toThrow();
    await expect(alerts(never, '2025-01-01T00:00:00Z', '2025-01-02T00:00:00Z', { unusualVolumeThreshold: 0 })).rejects.toThrow();
  });
});
