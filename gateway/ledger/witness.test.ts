import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { canonicalJson, chainHash } from './chain.js';
import type { Checkpoint } from './checkpoint.js';
import { recordColumns, subjectColumns } from './columns.js';
import { sampleRecord } from './fixtures.js';
import { type Ledger, openLedger } from './ledger.js';
import { parseRecord } from './record.js';
import type { SqlClient } from './store.js';
import { describeOnBackends, type TestDatabase, tamper } from './test-backends.js';
import type { BlindSpotKind, VerifyReport } from './verify.js';
import { readWitnessFile, WITNESS_FILE } from './witness.js';

/** The classes a database superuser can hide from a verify that has only the database's checkpoints. */
const BLIND_WITHOUT_WITNESS: BlindSpotKind[] = ['tail-removal', 'tail-forgery', 'rehashed-rewrite'];

async function hashOf(tx: SqlClient, sequence: number): Promise<string> {
  return String((await tx.query('SELECT hash FROM ledger_records WHERE sequence = $1', [sequence]))[0]?.hash);
}

/** Appends a record as an attacker who knows the algorithm would: correctly chained, subject rows and all. */
async function forge(tx: SqlClient, sequence: number, prevHash: string): Promise<string> {
  const record = parseRecord(sampleRecord(900 + sequence, { purpose: 'forged', requestId: `forged-${sequence}` }));
  const canonical = canonicalJson(record);
  const hash = chainHash(sequence, prevHash, canonical);
  const c = recordColumns(record);
  await tx.query(
    `INSERT INTO ledger_records (sequence, prev_hash, hash, canonical, occurred_at, user_id, agency, role, purpose, kind, outcome, emergency, clause_ids)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
    [sequence, prevHash, hash, canonical, c.occurred_at, c.user_id, c.agency, c.role, c.purpose, c.kind, c.outcome, c.emergency, c.clause_ids],
  );
  for (const s of subjectColumns(record)) {
    await tx.query(
      `INSERT INTO ledger_subjects (sequence, position, gateway_id, pnc, cro, noms_number, crn, in_active_cohort)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [sequence, s.position, s.gateway_id, s.pnc, s.cro, s.noms_number, s.crn, s.in_active_cohort],
    );
  }
  return hash;
}

/** Removes records from `from` on, with their subject rows and the checkpoint rows that signed them. */
async function removeTail(tx: SqlClient, from: number): Promise<void> {
  await tx.query('DELETE FROM ledger_subjects WHERE sequence >= $1', [from]);
  await tx.query('DELETE FROM ledger_records WHERE sequence >= $1', [from]);
  await tx.query('DELETE FROM ledger_checkpoints WHERE sequence >= $1', [from]);
}

describeOnBackends('verify with a witness file', (backend) => {
  let database: TestDatabase;
  let witnessFile: string;
  beforeEach(async () => {
    database = await backend.createDatabase();
    const ledger = await openLedger(database.ledgerOptions({ checkpointEveryRecords: 0 }));
    // Checkpoints at records 5, 10 and 15, each in the database and in the witness file.
    for (let n = 1; n <= 15; n++) {
      await ledger.append(sampleRecord(n));
      if (n % 5 === 0) await ledger.checkpoint();
    }
    await ledger.close();
    witnessFile = join(database.ledgerOptions().dataDir ?? '', WITNESS_FILE);
  });
  afterEach(async () => {
    await database.drop();
  });

  const verify = async (witness?: readonly Checkpoint[]): Promise<VerifyReport> => {
    const ledger = await openLedger(database.ledgerOptions());
    try {
      return await ledger.verify(witness === undefined ? {} : { witness });
    } finally {
      await ledger.close();
    }
  };
  const blindSpots = (report: VerifyReport) => report.undetectable.map((spot) => spot.kind);

  it('is kept beside the database: one line per checkpoint, the same checkpoints as the database', async () => {
    const witness = await readWitnessFile(witnessFile);
    expect(witness.map((entry) => entry.sequence)).toEqual([5, 10, 15]);
    const rows = await database.admin.query('SELECT jws FROM ledger_checkpoints ORDER BY id');
    expect(witness.map((entry) => entry.jws)).toEqual(rows.map((row) => row.jws));
  });

  it('finds an intact chain intact, with nothing left undetectable', async () => {
    const report = await verify(await readWitnessFile(witnessFile));
    expect(report).toEqual({
      ok: true,
      checked: 15,
      from: 1,
      checkpoints: 3,
      witness: { entries: 3, agreeing: 3, through: 15 },
      undetectable: [],
    });
    expect(blindSpots(await verify())).toEqual(BLIND_WITHOUT_WITNESS);
  });

  it('catches a removed tail whose checkpoint rows were removed with it', async () => {
    await tamper(database.admin, async (tx) => {
      await removeTail(tx, 12);
      await tx.query('UPDATE ledger_head SET sequence = 11, hash = $1', [await hashOf(tx, 11)]);
    });
    const without = await verify();
    expect(without).toMatchObject({ ok: true, checked: 11 });
    expect(blindSpots(without)).toContain('tail-removal');

    const report = await verify(await readWitnessFile(witnessFile));
    expect(report).toMatchObject({ ok: false, firstBad: { sequence: 12, problem: 'removed', range: { from: 12, to: 15 } } });
    expect(report.firstBad?.detail).toMatch(/witness line 3 signed record 15/);
  });

  it('catches a forged tail with the head moved, and names the range the forgery lies in', async () => {
    await tamper(database.admin, async (tx) => {
      await removeTail(tx, 14);
      let hash = await hashOf(tx, 13);
      for (const sequence of [14, 15, 16]) hash = await forge(tx, sequence, hash);
      await tx.query('UPDATE ledger_head SET sequence = 16, hash = $1', [hash]);
    });
    const without = await verify();
    expect(without).toMatchObject({ ok: true, checked: 16 });
    expect(blindSpots(without)).toContain('tail-forgery');

    const report = await verify(await readWitnessFile(witnessFile));
    // Records 11 to 13 are genuine, but only checkpoints at 10 and 15 can speak for them.
    expect(report).toMatchObject({ ok: false, checked: 10, firstBad: { sequence: 11, problem: 'altered', range: { from: 11, to: 15 } } });
    expect(report.firstBad?.detail).toMatch(/rewritten and rehashed/);
  });

  it('catches a rewrite spanning a checkpoint, rehashed, with the checkpoint rows removed', async () => {
    await tamper(database.admin, async (tx) => {
      let prevHash = await hashOf(tx, 6);
      for (let sequence = 7; sequence <= 15; sequence++) {
        const [row] = await tx.query('SELECT canonical FROM ledger_records WHERE sequence = $1', [sequence]);
        const canonical = sequence === 7 ? String(row?.canonical).replace('"req-7"', '"req-X"') : String(row?.canonical);
        const hash = chainHash(sequence, prevHash, canonical);
        await tx.query('UPDATE ledger_records SET canonical = $1, prev_hash = $2, hash = $3 WHERE sequence = $4', [canonical, prevHash, hash, sequence]);
        prevHash = hash;
      }
      await tx.query('UPDATE ledger_head SET hash = $1', [prevHash]);
      await tx.exec('DELETE FROM ledger_checkpoints WHERE sequence >= 10');
    });
    const without = await verify();
    expect(without).toMatchObject({ ok: true, checked: 15, checkpoints: 1 });
    expect(blindSpots(without)).toContain('rehashed-rewrite');

    const report = await verify(await readWitnessFile(witnessFile));
    expect(report).toMatchObject({ ok: false, checked: 5, firstBad: { sequence: 6, problem: 'altered', range: { from: 6, to: 10 } } });
  });

  it('names a checkpoint row deleted from the database that the witness still holds', async () => {
    await tamper(database.admin, 'DELETE FROM ledger_checkpoints WHERE sequence = 10');
    expect((await verify()).ok).toBe(true);
    const report = await verify(await readWitnessFile(witnessFile));
    expect(report.firstBad).toMatchObject({ sequence: 10, problem: 'bad-checkpoint' });
    expect(report.firstBad?.detail).toMatch(/missing from the database/);
  });

  it('rejects a witness line whose signature does not verify', async () => {
    const witness = await readWitnessFile(witnessFile);
    const [header, payload, signature] = (witness[1] as Checkpoint).jws.split('.');
    const tampered = { ...(witness[1] as Checkpoint), jws: `${header}.${payload}.${signature?.slice(0, -4)}AAAA` };
    const report = await verify([witness[0] as Checkpoint, tampered, witness[2] as Checkpoint]);
    expect(report.firstBad).toMatchObject({ sequence: 10, problem: 'bad-checkpoint' });
    expect(report.firstBad?.detail).toMatch(/witness line 2.*does not verify/);
  });

  it('says which records are newer than the witness, and so not yet protected by it', async () => {
    const ledger: Ledger = await openLedger(database.ledgerOptions({ checkpointEveryRecords: 0 }));
    const witness = await readWitnessFile(witnessFile);
    await ledger.append(sampleRecord(16));
    await ledger.append(sampleRecord(17));
    const report = await ledger.verify({ witness });
    await ledger.close();
    expect(report).toMatchObject({ ok: true, checked: 17 });
    expect(report.undetectable).toEqual([expect.objectContaining({ kind: 'unwitnessed-tail', range: { from: 16, to: 17 } })]);
  });

  it('must be writable: a ledger whose witness file cannot be written does not open', async () => {
    await expect(openLedger(database.ledgerOptions({ witnessFile: join(witnessFile, 'no', 'such', 'dir.ndjson') }))).rejects.toThrow(
      /witness file .* cannot be written/,
    );
  });

  it('is read past a torn last line, and refuses a line that is not a checkpoint', async () => {
    const text = await readFile(witnessFile, 'utf8');
    await writeFile(witnessFile, `${text}{"sequence":16,"ha`);
    expect(await readWitnessFile(witnessFile)).toHaveLength(3);
    await writeFile(witnessFile, `${text}not a checkpoint\n`);
    await expect(readWitnessFile(witnessFile)).rejects.toThrow(/line 4 is not JSON/);
  });
});

describeOnBackends('checkpoints every N records', (backend) => {
  let database: TestDatabase;
  beforeEach(async () => {
    database = await backend.createDatabase();
  });
  afterEach(async () => {
    await database.drop();
  });

  it('are signed as the records accumulate, without a timer, and witnessed', async () => {
    const ledger = await openLedger(database.ledgerOptions({ checkpointEveryRecords: 10, checkpointIntervalMs: 0 }));
    for (let n = 1; n <= 35; n++) await ledger.append(sampleRecord(n));
    const signed = async () => (await database.admin.query('SELECT sequence FROM ledger_checkpoints ORDER BY id')).map((row) => Number(row.sequence));
    const deadline = Date.now() + 20_000;
    while ((await signed()).length < 3 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 25));
    const whileOpen = await signed();
    expect(whileOpen.length).toBeGreaterThanOrEqual(3);
    // None before ten new records since the one before it.
    whileOpen.forEach((sequence, index) => {
      expect(sequence - (whileOpen[index - 1] ?? 0)).toBeGreaterThanOrEqual(10);
    });
    await ledger.close();
    const witness = await readWitnessFile(join(database.ledgerOptions().dataDir ?? '', WITNESS_FILE));
    expect(witness.map((entry) => entry.sequence)).toEqual(await signed());
  });
});
