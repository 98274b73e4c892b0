import { CompactSign, exportJWK, generateKeyPair } from 'jose';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { canonicalJson, chainHash } from './chain.js';
import { recordColumns } from './columns.js';
import { sampleRecord } from './fixtures.js';
import { openLedger } from './ledger.js';
import { parseRecord } from './record.js';
import type { SqlClient } from './store.js';
import { describeOnBackends, type TestDatabase, tamper } from './test-backends.js';
import type { VerifyReport } from './verify.js';

/** Writes a row the way an attacker who knows the algorithm would: a correct hash for what it says. */
async function forgeRow(tx: SqlClient, sequence: number, prevHash: string, n: number): Promise<string> {
  const record = parseRecord(sampleRecord(n, { purpose: 'forged' }));
  const canonical = canonicalJson(record);
  const hash = chainHash(sequence, prevHash, canonical);
  const c = recordColumns(record);
  await tx.query(
    `INSERT INTO ledger_records (sequence, prev_hash, hash, canonical, occurred_at, user_id, agency, role, purpose, kind, outcome, emergency, clause_ids)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
    [sequence, prevHash, hash, canonical, c.occurred_at, c.user_id, c.agency, c.role, c.purpose, c.kind, c.outcome, c.emergency, c.clause_ids],
  );
  return hash;
}

async function hashOf(tx: SqlClient, sequence: number): Promise<string> {
  return String((await tx.query('SELECT hash FROM ledger_records WHERE sequence = $1', [sequence]))[0]?.hash);
}

/** Moves records [from, to] by `by` places, records and subject rows alike, without key clashes. */
async function renumber(tx: SqlClient, from: number, to: number, by: number): Promise<void> {
  for (const table of ['ledger_subjects', 'ledger_records']) {
    await tx.query(`UPDATE ${table} SET sequence = -sequence WHERE sequence BETWEEN $1 AND $2`, [from, to]);
    await tx.query(`UPDATE ${table} SET sequence = -sequence + $1 WHERE sequence < 0`, [by]);
  }
}

describeOnBackends('verify', (backend) => {
  let database: TestDatabase;
  beforeEach(async () => {
    database = await backend.createDatabase();
    const ledger = await openLedger(database.ledgerOptions());
    for (let n = 1; n <= 10; n++) await ledger.append(sampleRecord(n));
    await ledger.close(); // signs a checkpoint at record 10
  });
  afterEach(async () => {
    await database.drop();
  });

  const report = async (): Promise<VerifyReport> => {
    const ledger = await openLedger(database.ledgerOptions());
    try {
      return await ledger.verify();
    } finally {
      await ledger.close();
    }
  };

  it('finds an intact chain intact', async () => {
    expect(await report()).toEqual({ ok: true, checked: 10, from: 1, checkpoints: 1, witness: null, undetectable: expect.any(Array) });
  });

  it('names a record whose text was changed', async () => {
    await tamper(database.admin, `UPDATE ledger_records SET canonical = replace(canonical, 'offender-management', 'curiosity') WHERE sequence = 4`);
    expect(await report()).toMatchObject({ ok: false, checked: 3, firstBad: { sequence: 4, problem: 'altered' } });
  });

  it('names a record whose indexed column disagrees with its hashed text', async () => {
    await tamper(database.admin, `UPDATE ledger_records SET user_id = 'u-someone-else' WHERE sequence = 4`);
    const result = await report();
    expect(result.firstBad).toMatchObject({ sequence: 4, problem: 'altered' });
    expect(result.firstBad?.detail).toMatch(/user_id/);
  });

  it('names a record whose subject rows were changed', async () => {
    await tamper(database.admin, `UPDATE ledger_subjects SET gateway_id = 'gw-999999' WHERE sequence = 6`);
    const result = await report();
    expect(result.firstBad).toMatchObject({ sequence: 6, problem: 'altered' });
    expect(result.firstBad?.detail).toMatch(/subject rows/);
  });

  it('names a record altered and rehashed, from the broken link after it', async () => {
    await tamper(database.admin, async (tx) => {
      const [row] = await tx.query('SELECT prev_hash, canonical FROM ledger_records WHERE sequence = 4');
      const canonical = String(row?.canonical).replace('offender-management', 'curiosity');
      await tx.query('UPDATE ledger_records SET canonical = $1, hash = $2, purpose = $3 WHERE sequence = 4', [
        canonical,
        chainHash(4, String(row?.prev_hash), canonical),
        'curiosity',
      ]);
    });
    expect(await report()).toMatchObject({ ok: false, checked: 3, firstBad: { sequence: 4, problem: 'altered' } });
  });

  it('names a removed record', async () => {
    await tamper(database.admin, 'DELETE FROM ledger_subjects WHERE sequence = 4; DELETE FROM ledger_records WHERE sequence = 4');
    expect(await report()).toMatchObject({ ok: false, checked: 3, firstBad: { sequence: 4, problem: 'removed' } });
  });

  it('names a removed last record', async () => {
    await tamper(database.admin, 'DELETE FROM ledger_subjects WHERE sequence = 10; DELETE FROM ledger_records WHERE sequence = 10');
    expect((await report()).firstBad).toMatchObject({ sequence: 10, problem: 'removed' });
  });

  it('names a removal hidden by renumbering the records after it', async () => {
    await tamper(database.admin, async (tx) => {
      await tx.exec('DELETE FROM ledger_subjects WHERE sequence = 4; DELETE FROM ledger_records WHERE sequence = 4');
      await renumber(tx, 5, 10, -1);
      await tx.query('UPDATE ledger_head SET sequence = 9, hash = $1', [await hashOf(tx, 9)]);
    });
    expect((await report()).firstBad).toMatchObject({ sequence: 4, problem: 'removed' });
  });

  it('names a forged record appended past the chain head', async () => {
    await tamper(database.admin, async (tx) => {
      await forgeRow(tx, 11, await hashOf(tx, 10), 11);
    });
    expect((await report()).firstBad).toMatchObject({ sequence: 11, problem: 'inserted' });
  });

  it('names a forged record slipped into the middle', async () => {
    await tamper(database.admin, async (tx) => {
      await renumber(tx, 5, 10, 1);
      await forgeRow(tx, 5, await hashOf(tx, 4), 55);
    });
    expect(await report()).toMatchObject({ ok: false, checked: 4, firstBad: { sequence: 5, problem: 'inserted' } });
  });

  it('names subject rows added for a record that does not exist', async () => {
    await tamper(database.admin, `INSERT INTO ledger_subjects (sequence, position, gateway_id) VALUES (12, 0, 'gw-000001')`);
    const result = await report();
    expect(result).toMatchObject({ ok: false, checked: 10, firstBad: { sequence: 12, problem: 'inserted' } });
    expect(result.firstBad?.detail).toMatch(/subject rows/);
  });

  it('names reordered records', async () => {
    await tamper(database.admin, async (tx) => {
      for (const table of ['ledger_subjects', 'ledger_records']) {
        await tx.exec(`UPDATE ${table} SET sequence = -1 WHERE sequence = 4`);
        await tx.exec(`UPDATE ${table} SET sequence = 4 WHERE sequence = 5`);
        await tx.exec(`UPDATE ${table} SET sequence = 5 WHERE sequence = -1`);
      }
    });
    expect(await report()).toMatchObject({ ok: false, checked: 3, firstBad: { sequence: 4, problem: 'reordered' } });
  });

  it('catches a rewrite with every hash recomputed through the signed checkpoint', async () => {
    await tamper(database.admin, async (tx) => {
      let prevHash = await hashOf(tx, 3);
      for (let sequence = 4; sequence <= 10; sequence++) {
        const [row] = await tx.query('SELECT canonical FROM ledger_records WHERE sequence = $1', [sequence]);
        const canonical = sequence === 4 ? String(row?.canonical).replace('"req-4"', '"req-X"') : String(row?.canonical);
        const hash = chainHash(sequence, prevHash, canonical);
        await tx.query('UPDATE ledger_records SET canonical = $1, prev_hash = $2, hash = $3 WHERE sequence = $4', [canonical, prevHash, hash, sequence]);
        prevHash = hash;
      }
      await tx.query('UPDATE ledger_head SET hash = $1', [prevHash]);
    });
    // The only checkpoint is at record 10: the change is proven somewhere in 1 to 10.
    const result = await report();
    expect(result).toMatchObject({ ok: false, checked: 0, checkpoints: 0, firstBad: { sequence: 1, problem: 'altered', range: { from: 1, to: 10 } } });
    expect(result.firstBad?.detail).toMatch(/rewritten and rehashed/);
  });

  it('rejects a checkpoint signed with a key the ledger does not trust', async () => {
    await tamper(database.admin, async (tx) => {
      const { privateKey, publicKey } = await generateKeyPair('ES256');
      const kid = String((await exportJWK(publicKey)).x);
      const hash = await hashOf(tx, 10);
      const at = new Date().toISOString();
      const jws = await new CompactSign(new TextEncoder().encode(canonicalJson({ at, hash, sequence: 10 })))
        .setProtectedHeader({ alg: 'ES256', kid })
        .sign(privateKey);
      await tx.query('INSERT INTO ledger_checkpoints (sequence, hash, at, key_id, jws) VALUES (10, $1, $2, $3, $4)', [hash, at, kid, jws]);
    });
    const result = await report();
    expect(result).toMatchObject({ ok: false, checked: 10, checkpoints: 1, firstBad: { sequence: 10, problem: 'bad-checkpoint' } });
    expect(result.firstBad?.detail).toMatch(/does not trust/);
  });

  it('rejects a checkpoint whose columns were edited away from what was signed', async () => {
    await tamper(database.admin, `UPDATE ledger_checkpoints SET sequence = 9`);
    expect((await report()).firstBad).toMatchObject({ sequence: 9, problem: 'bad-checkpoint' });
  });

  it('still names the record when the triggers were disabled with ALTER TABLE', async () => {
    await database.admin.exec(`
      ALTER TABLE ledger_records DISABLE TRIGGER ALL;
      UPDATE ledger_records SET canonical = replace(canonical, '"req-7"', '"req-Y"') WHERE sequence = 7;
      ALTER TABLE ledger_records ENABLE TRIGGER ALL;`);
    expect((await report()).firstBad).toMatchObject({ sequence: 7, problem: 'altered' });
  });
});
