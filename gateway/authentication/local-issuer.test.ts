import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadPolicy } from '../policy/index.js';
import { createAuthenticator } from './authenticator.js';
import { ensureLocalIssuer, LOCAL_AUDIENCE, LOCAL_ISSUER } from './local-issuer.js';
import type { TokenClaims } from './principal.js';

const catalogue = loadPolicy('policies/iom-partnership.yaml');

const housingOfficer: TokenClaims = {
  sub: 'ho-12',
  name: 'Sam Example',
  agency: 'housing',
  role: 'housing-officer',
  team: 'Housing Options',
  azp: 'housing-portal',
};

let dataDir: string;

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'local-issuer-'));
});

afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

describe('ensureLocalIssuer', () => {
  it('creates a private key only its owner can read and a public key set with a kid', async () => {
    const issuer = await ensureLocalIssuer(dataDir, catalogue);
    expect((await stat(join(dataDir, 'issuer', 'signing-key.jwk.json'))).mode & 0o777).toBe(0o600);
    const published = JSON.parse(await readFile(join(dataDir, 'issuer', 'jwks.json'), 'utf8'));
    expect(published).toEqual(issuer.jwks);
    expect(published.keys).toHaveLength(1);
    expect(published.keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig', kid: expect.any(String) });
    expect(published.keys[0]).not.toHaveProperty('d');
    expect(issuer).toMatchObject({ issuer: LOCAL_ISSUER, audience: LOCAL_AUDIENCE });
  });

  it('reuses the key pair: a token signed before is accepted with the keys loaded after', async () => {
    const first = await ensureLocalIssuer(dataDir, catalogue);
    const token = await first.sign(housingOfficer);
    const second = await ensureLocalIssuer(dataDir, catalogue);
    expect(second.jwks).toEqual(first.jwks);
    const authenticator = createAuthenticator({
      jwks: { file: join(dataDir, 'issuer', 'jwks.json') },
      issuer: second.issuer,
      audience: second.audience,
      catalogue,
    });
    await expect(authenticator.authenticate(`Bearer ${token}`)).resolves.toEqual({
      userId: 'ho-12',
      displayName: 'Sam Example',
      agency: 'housing',
      role: 'housing-officer',
      team: 'Housing Options',
      clientApplication: 'housing-portal',
    });
  });

  it('makes one key pair when several processes start at once', async () => {
    const issuers = await Promise.all(Array.from({ length: 6 }, () => ensureLocalIssuer(dataDir, catalogue)));
    const kids = new Set(issuers.map((issuer) => issuer.jwks.keys[0]?.kid));
    expect(kids.size).toBe(1);
  });

  it('signs for the requested lifetime and refuses more than a day', async () => {
    const issuer = await ensureLocalIssuer(dataDir, catalogue);
    const { iat, exp } = decodeJwt(await issuer.sign(housingOfficer, { lifetime: '15m' }));
    expect((exp ?? 0) - (iat ?? 0)).toBe(900);
    await expect(issuer.sign(housingOfficer, { lifetime: '13h' })).rejects.toThrow(/between 1s and 12h/);
    await expect(issuer.sign(housingOfficer, { lifetime: 'forever' })).rejects.toThrow(/number followed by s, m, h or d/);
  });

  it('never signs claims the gateway would refuse', async () => {
    const issuer = await ensureLocalIssuer(dataDir, catalogue);
    const { azp: _azp, ...withoutClient } = housingOfficer;
    await expect(issuer.sign(withoutClient)).rejects.toThrow(/names no client application/);
  });

  it('explains a damaged key file instead of replacing it', async () => {
    await ensureLocalIssuer(dataDir, catalogue);
    const keyFile = join(dataDir, 'issuer', 'signing-key.jwk.json');
    await writeFile(keyFile, '{"kty":"RSA"}');
    await expect(ensureLocalIssuer(dataDir, catalogue)).rejects.toThrow(/is not an ES256 private JWK; delete it/);
    expect(await readFile(keyFile, 'utf8')).toBe('{"kty":"RSA"}');
  });

  it('refuses to run in production', async () => {
    const previous = process.env.NODE_ENV;
    process.env.NODE_ENV = 'production';
    try {
      await expect(ensureLocalIssuer(dataDir, catalogue)).rejects.toThrow(/development only .* NODE_ENV=production/);
    } finally {
      process.env.NODE_ENV = previous;
    }
  });
});
