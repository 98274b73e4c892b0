import { access, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compactVerify, exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';
import { expect, it } from 'vitest';
import { SIGNING_KEY_FILE } from './checkpoint.js';
import { sampleRecord } from './fixtures.js';
import { openLedger } from './ledger.js';
import { describeOnBackends, useDatabase } from './test-backends.js';

const newPrivateKey = async (): Promise<JWK> => exportJWK((await generateKeyPair('ES256', { extractable: true })).privateKey);

describeOnBackends('checkpoints', (backend) => {
  const database = useDatabase(backend);
  const checkpointCount = async () => Number((await database().admin.query('SELECT count(*) AS n FROM ledger_checkpoints'))[0]?.n);

  it('are signed JWS over the chain head that the exported public key verifies', async () => {
    const ledger = await openLedger(database().ledgerOptions());
    await ledger.append(sampleRecord(1));
    const last = await ledger.append(sampleRecord(2));
    const checkpoint = await ledger.checkpoint();
    expect(checkpoint).toMatchObject({ sequence: last.sequence, hash: last.hash, keyId: ledger.publicKey.kid });
    expect(ledger.publicKey).not.toHaveProperty('d');
    const { payload, protectedHeader } = await compactVerify(checkpoint?.jws ?? '', await importJWK(ledger.publicKey, 'ES256'));
    expect(protectedHeader).toMatchObject({ alg: 'ES256', kid: ledger.publicKey.kid });
    expect(JSON.parse(new TextDecoder().decode(payload))).toEqual({ sequence: last.sequence, hash: last.hash, at: checkpoint?.at });
    // Nothing new since: nothing to sign.
    expect(await ledger.checkpoint()).toBeNull();
    await ledger.close();
  });

  it('are written on close by a ledger that appended, and not by one that only read', async () => {
    const writer = await openLedger(database().ledgerOptions());
    const before = await checkpointCount();
    const last = await writer.append(sampleRecord(3));
    await writer.close();
    expect(await checkpointCount()).toBe(before + 1);
    const [newest] = await database().admin.query('SELECT sequence, hash FROM ledger_checkpoints ORDER BY id DESC LIMIT 1');
    expect({ sequence: Number(newest?.sequence), hash: newest?.hash }).toEqual(last);

    const reader = await openLedger(database().ledgerOptions());
    await reader.verify();
    await reader.close();
    expect(await checkpointCount()).toBe(before + 1);
  });

  it('are written on the interval while the head moves', async () => {
    const ledger = await openLedger(database().ledgerOptions({ checkpointIntervalMs: 50 }));
    const before = await checkpointCount();
    const last = await ledger.append(sampleRecord(4));
    const deadline = Date.now() + 5_000;
    while ((await checkpointCount()) === before && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 25));
    const [newest] = await database().admin.query('SELECT sequence FROM ledger_checkpoints ORDER BY id DESC LIMIT 1');
    expect(Number(newest?.sequence)).toBe(last.sequence);
    // The head has not moved since: later ticks add nothing.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await checkpointCount()).toBe(before + 1);
    await ledger.close();
  });

  it('use the signing key given, and verify() trusts only its own key and the keys it is told to', async () => {
    const firstKey = await newPrivateKey();
    const first = await openLedger(database().ledgerOptions({ signingKey: firstKey }));
    expect(first.publicKey.x).toBe(firstKey.x);
    await first.append(sampleRecord(5));
    await first.close();

    const stranger = await openLedger(database().ledgerOptions({ signingKey: await newPrivateKey() }));
    const distrust = await stranger.verify();
    expect(distrust.firstBad).toMatchObject({ problem: 'bad-checkpoint' });
    expect(distrust.firstBad?.detail).toMatch(/does not trust/);
    await stranger.close();

    // Earlier checkpoints in this database were signed with the key kept under dataDir.
    const kept = await openLedger(database().ledgerOptions());
    const keptPublic = kept.publicKey;
    await kept.close();
    const { d: _private, ...firstPublic } = firstKey;
    const colleague = await openLedger(database().ledgerOptions({ signingKey: await newPrivateKey(), trustedKeys: [firstPublic, keptPublic] }));
    expect((await colleague.verify()).ok).toBe(true);
    await colleague.close();
  });

  it('refuse a signing key that is not a private P-256 key', async () => {
    const { d: _private, ...publicOnly } = await newPrivateKey();
    await expect(openLedger(database().ledgerOptions({ signingKey: publicOnly }))).rejects.toThrow(/private EC P-256 JWK/);
  });
});

it('keeps a generated signing key under dataDir and reuses it', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'ledger-key-'));
  try {
    const { loadSigner } = await import('./checkpoint.js');
    const first = await loadSigner({ dataDir });
    await access(join(dataDir, SIGNING_KEY_FILE));
    const again = await loadSigner({ dataDir });
    expect(again.keyId).toBe(first.keyId);
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});
