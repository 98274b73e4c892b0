/**
 * The embedded default's identity provider: one ES256 key pair kept under `<dataDir>/issuer/`,
 * so a developer can mint tokens (`npm run token`) that the gateway verifies exactly as it would
 * verify a real provider's. The development identity provider (gateway/dev-idp/) signs with the same key
 * under the same issuer name, so console sign-ins and `npm run token` come from one issuer.
 * Production must trust an external provider instead, so it refuses.
 */
import { randomUUID } from 'node:crypto';
import { link, mkdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type JSONWebKeySet, type JWK, SignJWT } from 'jose';
import { z } from 'zod';
import { DEFAULT_MAX_LIFETIME_SECONDS } from './authenticator.js';
import { principalFromClaims, type RoleCatalogue, type TokenClaims } from './principal.js';

/** The development identity provider's issuer: DEV_IDP_ISSUER, else where `npm run idp` listens by default. */
export const LOCAL_ISSUER = process.env.DEV_IDP_ISSUER ?? 'http://localhost:4400';
export const LOCAL_AUDIENCE = 'partnership-gateway';

export interface LocalIssuer {
  issuer: string;
  audience: typeof LOCAL_AUDIENCE;
  /** The public key set to give createAuthenticator as `{ keys: jwks }`. */
  jwks: JSONWebKeySet;
  /** The private signing key, for the development identity provider only. */
  signingKey: JWK;
  /** Signs a token for these claims, if the ISP has their role and agency; `lifetime` like "15m", "1h" (default), at most "12h". */
  sign(claims: TokenClaims, options?: { lifetime?: string }): Promise<string>;
}

const UNIT_SECONDS = { s: 1, m: 60, h: 3600, d: 86_400 } as const;

/** A token lifetime such as "90s", "15m", "1h" or "1d", as seconds. */
export const lifetimeSchema = z
  .string()
  .regex(/^\d+[smhd]$/, 'lifetime must be a number followed by s, m, h or d, e.g. 15m or 1h')
  .transform((text) => Number(text.slice(0, -1)) * UNIT_SECONDS[text.slice(-1) as keyof typeof UNIT_SECONDS])
  .refine((seconds) => seconds > 0 && seconds <= DEFAULT_MAX_LIFETIME_SECONDS, 'lifetime must be between 1s and 12h');

const signingKeySchema = z.object({
  kty: z.literal('EC'),
  crv: z.literal('P-256'),
  alg: z.literal('ES256'),
  kid: z.string().min(1),
  x: z.string().min(1),
  y: z.string().min(1),
  d: z.string().min(1),
});
type SigningKey = z.infer<typeof signingKeySchema>;

export function refuseInProduction(what: string): void {
  if (process.env.NODE_ENV === 'production') {
    throw new Error(`${what} is for development only and refuses to run with NODE_ENV=production; trust your identity provider's JWKS instead`);
  }
}

/** Creates the issuer's key pair on first use and reuses it afterwards; it signs only claims the ISP's roles allow. */
export async function ensureLocalIssuer(dataDir: string, catalogue: RoleCatalogue): Promise<LocalIssuer> {
  refuseInProduction('the local token issuer');
  const directory = join(dataDir, 'issuer');
  await mkdir(directory, { recursive: true, mode: 0o700 });
  const signingKey = await loadOrCreateSigningKey(join(directory, 'signing-key.jwk.json'));
  const { kty, crv, x, y, kid, alg } = signingKey;
  const jwks: JSONWebKeySet = { keys: [{ kty, crv, x, y, kid, alg, use: 'sig' }] };
  await publish(join(directory, 'jwks.json'), jwks);
  const privateKey = await importJWK(signingKey, 'ES256');

  return {
    issuer: LOCAL_ISSUER,
    audience: LOCAL_AUDIENCE,
    jwks,
    signingKey: { ...signingKey, use: 'sig' },
    async sign(claims, options = {}) {
      // Never mint a token the gateway would refuse: the same parse as verification.
      const checked = principalFromClaims(claims, catalogue);
      if (!checked.ok) throw new Error(`refusing to sign a token the gateway would reject: ${checked.reason}`);
      const lifetime = lifetimeSchema.safeParse(options.lifetime ?? '1h');
      if (!lifetime.success) throw new Error(z.prettifyError(lifetime.error));
      const now = Math.floor(Date.now() / 1000);
      const { sub, ...rest } = claims;
      return new SignJWT(rest)
        .setProtectedHeader({ alg: 'ES256', kid: signingKey.kid, typ: 'JWT' })
        .setSubject(sub)
        .setIssuer(LOCAL_ISSUER)
        .setAudience(LOCAL_AUDIENCE)
        .setIssuedAt(now)
        .setExpirationTime(now + lifetime.data)
        .setJti(randomUUID())
        .sign(privateKey);
    },
  };
}

async function loadOrCreateSigningKey(file: string): Promise<SigningKey> {
  const existing = await readSigningKey(file);
  if (existing !== undefined) return existing;
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  const jwk = await exportJWK(privateKey);
  const { kty, crv, x, y } = jwk;
  const key = signingKeySchema.parse({ ...jwk, alg: 'ES256', kid: await calculateJwkThumbprint({ kty, crv, x, y }) });
  // Written aside then hard-linked into place: link fails if another process won the race,
  // and nobody ever reads a half-written key.
  const pending = `${file}.${process.pid}.${randomUUID()}`;
  await writeFile(pending, `${JSON.stringify(key, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  try {
    await link(pending, file);
  } catch (error) {
    if (!isErrorCode(error, 'EEXIST')) throw error;
  } finally {
    await unlink(pending);
  }
  const stored = await readSigningKey(file);
  if (stored === undefined) throw new Error(`the local issuer's key ${file} vanished while it was being created`);
  return stored;
}

async function readSigningKey(file: string): Promise<SigningKey | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if (isErrorCode(error, 'ENOENT')) return undefined;
    throw error;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`the local issuer's key ${file} is not JSON; delete it to have a new key pair made`);
  }
  const parsed = signingKeySchema.safeParse(json);
  if (!parsed.success) {
    throw new Error(`the local issuer's key ${file} is not an ES256 private JWK; delete it to have a new key pair made:\n${z.prettifyError(parsed.error)}`);
  }
  return parsed.data;
}

/** Writes the public key set for anyone verifying outside this process, replacing it atomically. */
async function publish(file: string, jwks: JSONWebKeySet): Promise<void> {
  const text = `${JSON.stringify(jwks, null, 2)}\n`;
  const current = await readFile(file, 'utf8').catch((error: unknown) => {
    if (isErrorCode(error, 'ENOENT')) return undefined;
    throw error;
  });
  if (current === text) return;
  const pending = `${file}.${process.pid}.${randomUUID()}`;
  await writeFile(pending, text, { mode: 0o644 });
  await rename(pending, file);
}

function isErrorCode(error: unknown, code: string): boolean {
  return error instanceof Error && 'code' in error && error.code === code;
}
