import { afterEach, beforeEach, expect, it } from 'vitest';
import { canonicalJson, chainHash, GENESIS_HASH } from './chain.js';
import { LedgerRecordError, LedgerUnavailableError } from './errors.js';
import { sampleRecord } from './fixtures.js';
import { type Ledger, openLedger } from './ledger.js';
import { parseRecord } from './record.js';
import { describeOnBackends, type TestDatabase, useDatabase } from './test-backends.js';

const count = async (db: TestDatabase, table: string) => Number((await db.admin.query(`SELECT count(*) AS n FROM ${table}`))[0]?.n);

describeOnBackends('appending', (backend) => {
  const database = useDatabase(backend);
  let ledger: Ledger;
  beforeEach(async () => {
    ledger = await openLedger(database().ledgerOptions());
  });
  afterEach(async () => {
    await ledger.close();
  });

  it('stores the record, chained to its predecessor, and reads it back', async () => {
    const before = await ledger.query({}, { order: 'newest-first', limit: 1 });
    const prevHash = before.entries[0]?.hash ?? GENESIS_HASH;
    const input = sampleRecord(1, { justification: 'case conference, ref CC-001' });
    const appended = await ledger.append(input);

    const stored = (await database().admin.query('SELECT prev_hash, hash, canonical FROM ledger_records WHERE sequence = $1', [appended.sequence]))[0];
    const canonical = canonicalJson(parseRecord(input));
    expect(stored).toEqual({ prev_hash: prevHash, hash: appended.hash, canonical });
    expect(appended.hash).toBe(chainHash(appended.sequence, prevHash, canonical));

    const { entries } = await ledger.query({ userId: 'u-po-0042' }, { order: 'newest-first', limit: 1 });
    expect(entries[0]).toEqual({ sequence: appended.sequence, hash: appended.hash, prevHash, record: parseRecord(input) });
  });

  it('stores identifiers and time in canonical form', async () => {
    const record = sampleRecord(2, { occurredAt: '2025-03-04T11:15:00+01:00' });
    const subject = record.subjects[0];
    if (!subject) throw new Error('fixture has a subject');
    subject.identifiers = { pnc: '19/2Q', crn: 'x123456' };
    const { sequence } = await ledger.append(record);
    const { entries } = await ledger.query({ identifier: { kind: 'pnc', value: '2019/0000002Q' } });
    expect(entries.map((entry) => entry.sequence)).toContain(sequence);
    const stored = entries.find((entry) => entry.sequence === sequence)?.record;
    expect(stored?.occurredAt).toBe('2025-03-04T10:15:00.000Z');
    expect(stored?.subjects[0]?.identifiers).toEqual({ pnc: '2019/0000002Q', crn: 'X123456' });
  });

  it('rejects a bad record with a clear error and writes nothing', async () => {
    const before = await count(database(), 'ledger_records');
    const bad = { ...sampleRecord(3), outcome: 'leaked', principal: { userId: '' } };
    const error = await ledger.append(bad as never).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(LedgerRecordError);
    expect((error as Error).message).toMatch(/outcome/);
    expect((error as Error).message).toMatch(/principal/);
    const badPnc = sampleRecord(4, { subjects: [{ ...sampleRecord(4).subjects[0]!, identifiers: { pnc: '2019/0000001A' } }] });
    await expect(ledger.append(badPnc)).rejects.toThrow(/PNC ID "2019\/0000001A": the check letter does not match/);
    await expect(ledger.append(sampleRecord(5, { emergency: true }))).rejects.toThrow(/emergency access must carry its justification/);
    await expect(ledger.append(sampleRecord(6, { outcome: 'refused' }))).rejects.toThrow(/outcome "disclosed"/);
    await expect(ledger.append(sampleRecord(7, { purpose: 'bad\u0000text' }))).rejects.toThrow(LedgerRecordError);
    expect(await count(database(), 'ledger_records')).toBe(before);
  });

  it('batches concurrent appends into shared commits and keeps one gapless chain', async () => {
    const before = await count(database(), 'ledger_records');
    const appended = await Promise.all(Array.from({ length: 300 }, (_, i) => ledger.append(sampleRecord(100 + i))));
    const sequences = appended.map((entry) => entry.sequence).sort((a, b) => a - b);
    expect(sequences).toEqual(Array.from({ length: 300 }, (_, i) => before + 1 + i));
    expect(await count(database(), 'ledger_records')).toBe(before + 300);
    expect(await ledger.verify()).toMatchObject({ ok: true, checked: before + 300 });
  });

  it('stores each record of a batch with its own text, whatever control characters, quotes and backslashes it holds', async () => {
    // The batch's texts travel to the database as one parameter, split on a control character (writer.ts).
    const purposes = ['unit\u001fseparator', 'quote " and \\ backslash', 'line\nbreak\u001e\u001d', 'plain'];
    const inputs = purposes.map((purpose, i) => sampleRecord(500 + i, { purpose }));
    const appended = await Promise.all(inputs.map((input) => ledger.append(input)));
    for (const [i, { sequence }] of appended.entries()) {
      const [stored] = await database().admin.query('SELECT canonical, purpose FROM ledger_records WHERE sequence = $1', [sequence]);
      expect(stored).toEqual({ canonical: canonicalJson(parseRecord(inputs[i])), purpose: purposes[i] });
    }
    expect(await ledger.verify()).toMatchObject({ ok: true });
  });
});

describeOnBackends('appending under a steady stream', (backend) => {
  const database = useDatabase(backend);

  it('leaves the event loop free for timers and I/O', async () => {
    const ledger = await openLedger(database().ledgerOptions());
    let streaming = true;
    let ticksWhileStreaming = 0;
    const ticker = setInterval(() => {
      if (streaming) ticksWhileStreaming++;
    }, 1);
    // 32 appenders, 50 appends each, back to back: a writer that never yields would hold the loop throughout.
    await Promise.all(
      Array.from({ length: 32 }, async (_, worker) => {
        for (let i = 0; i < 50; i++) await ledger.append(sampleRecord(worker * 50 + i));
      }),
    );
    streaming = false;
    clearInterval(ticker);
    expect(ticksWhileStreaming).toBeGreaterThan(0);
    await ledger.close();
  });
});

describeOnBackends('verifying while others append', (backend) => {
  const database = useDatabase(backend);

  it('sees one consistent snapshot, never a half-written head', { timeout: 60_000 }, async () => {
    const writer = await openLedger(database().ledgerOptions());
    const reader = await openLedger(database().ledgerOptions());
    // More records than one verify page, so a walk without a snapshot would meet rows committed after it began.
    await Promise.all(Array.from({ length: 4_500 }, (_, n) => writer.append(sampleRecord(n))));
    let verifying = true;
    const stream = Promise.all(
      Array.from({ length: 8 }, async () => {
        while (verifying) await writer.append(sampleRecord(1));
      }),
    );
    const reports = [];
    for (let round = 0; round < 3; round++) reports.push(await reader.verify());
    verifying = false;
    await stream;
    for (const report of reports) expect(report).toMatchObject({ ok: true });
    await Promise.all([writer.close(), reader.close()]);
  });
});

describeOnBackends('two gateway processes on one database', (backend) => {
  const database = useDatabase(backend);

  it('leave one valid chain when appending concurrently', async () => {
    // Same dataDir: both sign checkpoints with the one kept key, as two processes sharing a volume would.
    const first = await openLedger(database().ledgerOptions());
    const second = await openLedger(database().ledgerOptions());
    const writes = Array.from({ length: 400 }, (_, i) => (i % 2 === 0 ? first : second).append(sampleRecord(i)));
    const appended = await Promise.all(writes);
    await Promise.all([first.close(), second.close()]);

    expect(new Set(appended.map((entry) => entry.sequence)).size).toBe(400);
    expect(Math.max(...appended.map((entry) => entry.sequence))).toBe(400);
    const checker = await openLedger(database().ledgerOptions());
    expect(await checker.verify()).toMatchObject({ ok: true, checked: 400, checkpoints: expect.any(Number) });
    expect((await checker.verify()).checkpoints).toBeGreaterThanOrEqual(1);
    await checker.close();
  });
});

describeOnBackends('append-only at database level', (backend) => {
  const database = useDatabase(backend);

  beforeEach(async () => {
    const ledger = await openLedger(database().ledgerOptions());
    await ledger.append(sampleRecord(1));
    await ledger.close();
  });

  for (const table of ['ledger_records', 'ledger_subjects', 'ledger_checkpoints']) {
    it(`refuses UPDATE, DELETE and TRUNCATE on ${table}`, async () => {
      const { admin } = database();
      const rows = await count(database(), table);
      expect(rows).toBeGreaterThan(0);
      await expect(admin.query(`UPDATE ${table} SET sequence = sequence`)).rejects.toThrow(/append-only: UPDATE/);
      await expect(admin.query(`DELETE FROM ${table}`)).rejects.toThrow(/append-only: DELETE/);
      await expect(admin.query(`TRUNCATE ${table} CASCADE`)).rejects.toThrow(/append-only: TRUNCATE/);
      expect(await count(database(), table)).toBe(rows);
    });
  }

  it('refuses to remove the chain head', async () => {
    await expect(database().admin.query('DELETE FROM ledger_head')).rejects.toThrow(/append-only: DELETE/);
  });
});

describeOnBackends('write failures', (backend) => {
  let database: TestDatabase;
  beforeEach(async () => {
    database = await backend.createDatabase();
  });
  afterEach(async () => {
    await database.drop();
  });

  it('rejects every append in the failed batch with LedgerUnavailableError and commits none of it', async () => {
    const ledger = await openLedger(database.ledgerOptions());
    await ledger.append(sampleRecord(1));
    // Rows for the records table still go in; the subjects insert fails, so the transaction must roll back.
    await database.admin.exec('ALTER TABLE ledger_subjects RENAME TO ledger_subjects_gone');
    const results = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => ledger.append(sampleRecord(10 + i))));
    for (const result of results) {
      expect(result.status).toBe('rejected');
      if (result.status === 'rejected') {
        expect(result.reason).toBeInstanceOf(LedgerUnavailableError);
        expect(result.reason.code).toBe('LEDGER_UNAVAILABLE');
        // The database's message is kept for the logs, not put in front of the caller.
        expect(result.reason.cause).toBeInstanceOf(Error);
        expect(result.reason.message).not.toMatch(/ledger_subjects/);
      }
    }
    expect(await count(database, 'ledger_records')).toBe(1);
    await database.admin.exec('ALTER TABLE ledger_subjects_gone RENAME TO ledger_subjects');
    // The writer recovers once the database does.
    expect((await ledger.append(sampleRecord(99))).sequence).toBe(2);
    await ledger.close();
  });

  it('rejects with LedgerUnavailableError when the database goes away', async () => {
    const ledger = await openLedger(database.ledgerOptions());
    await ledger.append(sampleRecord(1));
    await database.kill();
    const results = await Promise.allSettled([1, 2, 3].map((n) => ledger.append(sampleRecord(n))));
    expect(results.map((result) => result.status === 'rejected' && result.reason instanceof LedgerUnavailableError)).toEqual([true, true, true]);
    // Reads fail the same way, so the audit API can answer LEDGER_UNAVAILABLE too.
    await expect(ledger.query()).rejects.toBeInstanceOf(LedgerUnavailableError);
    await expect(ledger.verify()).rejects.toBeInstanceOf(LedgerUnavailableError);
    await expect(ledger.subjectAccess('gw-000001')).rejects.toBeInstanceOf(LedgerUnavailableError);
    // A malformed argument is still the caller's fault, not the database's.
    await expect(ledger.query({ kind: 'gossip' } as never)).rejects.not.toBeInstanceOf(LedgerUnavailableError);
    await ledger.close().catch(() => undefined);
  });

  it('rejects appends once closed', async () => {
    const ledger = await openLedger(database.ledgerOptions());
    await ledger.close();
    await expect(ledger.append(sampleRecord(1))).rejects.toBeInstanceOf(LedgerUnavailableError);
  });
});
