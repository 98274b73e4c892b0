/**
 * Signed checkpoints: a JWS (ES256) over {sequence, hash, at} of the chain head. Whoever holds the
 * public key can prove that everything up to a checkpoint is as it was when it was signed, even
 * against someone who can rewrite the database and recompute every hash.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CompactSign, calculateJwkThumbprint, compactVerify, exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';
import { z } from 'zod';
import { canonicalJson } from './chain.js';
import { instant } from './record.js';
import type { LedgerStore } from './store.js';
import { headSchema } from './writer.js';

export const SIGNING_KEY_FILE = 'ledger-signing-key.json';

const publicJwkSchema = z.object({ kty: z.literal('EC'), crv: z.literal('P-256'), x: z.string().min(1), y: z.string().min(1) });
const privateJwkSchema = publicJwkSchema.extend({ d: z.string().min(1) });

export const checkpointPayloadSchema = z.strictObject({
  sequence: z.number().int().positive(),
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  at: instant,
});
export type CheckpointPayload = z.infer<typeof checkpointPayloadSchema>;

export interface Checkpoint extends CheckpointPayload {
  keyId: string;
  jws: string;
}

export interface CheckpointSigner {
  readonly keyId: string;
  /** The public half, for verifiers: EC P-256 with `kid` (its RFC 7638 thumbprint), `alg` and `use`. */
  readonly publicKey: JWK;
  sign(payload: CheckpointPayload): Promise<string>;
}

/** The key from options if given, else the one kept under dataDir, created there on first use. */
export async function loadSigner(options: { signingKey?: JWK | undefined; dataDir: string }): Promise<CheckpointSigner> {
  const parsed = privateJwkSchema.safeParse(options.signingKey ?? (await keptKey(options.dataDir)));
  if (!parsed.success) throw new Error('The ledger signing key must be a private EC P-256 JWK (kty, crv, x, y, d).');
  const privateJwk = parsed.data;
  const publicKey = await describePublicKey(privateJwk);
  const keyId = publicKey.kid as string;
  const privateKey = await importJWK({ ...privateJwk, alg: 'ES256' }, 'ES256');
  return {
    keyId,
    publicKey,
    sign: (payload) => new CompactSign(new TextEncoder().encode(canonicalJson(payload))).setProtectedHeader({ alg: 'ES256', kid: keyId }).sign(privateKey),
  };
}

async function describePublicKey(jwk: JWK): Promise<JWK> {
  const { kty, crv, x, y } = publicJwkSchema.parse(jwk);
  const bare = { kty, crv, x, y };
  return { ...bare, kid: await calculateJwkThumbprint(bare), alg: 'ES256', use: 'sig' };
}

async function keptKey(dataDir: string): Promise<unknown> {
  const file = join(dataDir, SIGNING_KEY_FILE);
  const existing = await readFile(file, 'utf8').catch((error: unknown) => {
    if (error instanceof Error && 'code' in error && error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (existing !== undefined) return JSON.parse(existing);
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  const jwk = await exportJWK(privateKey);
  await mkdir(dataDir, { recursive: true });
  try {
    // 'wx': if another process created the key first, use theirs so both sign with one key.
    await writeFile(file, `${JSON.stringify(jwk, null, 2)}\n`, { flag: 'wx', mode: 0o600 });
    return jwk;
  } catch (error) {
    if (error instanceof Error && 'code' in error && error.code === 'EEXIST') return JSON.parse(await readFile(file, 'utf8'));
    throw error;
  }
}

export type CheckpointCheck = { ok: true; payload: CheckpointPayload } | { ok: false; reason: string };

export interface CheckpointVerifier {
  check(jws: string): Promise<CheckpointCheck>;
}

/** Accepts checkpoints signed by any of `publicKeys` (the ledger's own and any trusted others). */
export async function checkpointVerifier(publicKeys: readonly JWK[]): Promise<CheckpointVerifier> {
  const keys = new Map<string, CryptoKey | Uint8Array>();
  for (const jwk of publicKeys) {
    const described = await describePublicKey(jwk);
    keys.set(described.kid as string, await importJWK(described, 'ES256'));
  }
  return {
    async check(jws) {
      let verified: Awaited<ReturnType<typeof compactVerify>>;
      try {
        verified = await compactVerify(
          jws,
          (header) => {
            const key = header.kid === undefined ? undefined : keys.get(header.kid);
            if (!key) throw new Error(`it is signed with a key the ledger does not trust (kid ${header.kid ?? 'absent'})`);
            return key;
          },
          { algorithms: ['ES256'] },
        );
      } catch (error) {
        return { ok: false, reason: error instanceof Error ? error.message : String(error) };
      }
      let payload: unknown;
      try {
        payload = JSON.parse(new TextDecoder().decode(verified.payload));
      } catch {
        return { ok: false, reason: 'its payload is not JSON' };
      }
      const parsed = checkpointPayloadSchema.safeParse(payload);
      if (!parsed.success) return { ok: false, reason: 'its payload is not {sequence, hash, at}' };
      return { ok: true, payload: parsed.data };
    },
  };
}

/**
 * Signs the current chain head and stores the checkpoint. Returns null when there is nothing new
 * to sign: the ledger is empty, or the latest checkpoint already covers the head.
 */
export async function writeCheckpoint(store: LedgerStore, signer: CheckpointSigner): Promise<Checkpoint | null> {
  return store.transaction(async (tx) => {
    const head = headSchema.parse((await tx.query('SELECT sequence, hash FROM ledger_head WHERE id = 1'))[0]);
    if (head.sequence === 0) return null;
    const [latest] = await tx.query('SELECT sequence, hash FROM ledger_checkpoints ORDER BY id DESC LIMIT 1');
    if (latest !== undefined) {
      const covered = headSchema.parse(latest);
      if (covered.sequence === head.sequence && covered.hash === head.hash) return null;
    }
    const payload: CheckpointPayload = { sequence: head.sequence, hash: head.hash, at: new Date().toISOString() };
    const jws = await signer.sign(payload);
    await tx.query('INSERT INTO ledger_checkpoints (sequence, hash, at, key_id, jws) VALUES ($1, $2, $3, $4, $5)', [
      payload.sequence,
      payload.hash,
      payload.at,
      signer.keyId,
      jws,
    ]);
    return { ...payload, keyId: signer.keyId, jws };
  });
}
