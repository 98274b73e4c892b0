import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CryptoKey, exportJWK, generateKeyPair, generateSecret, type JWK, SignJWT } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadPolicy } from '../policy/index.js';
import { AuthenticationError, type AuthenticatorOptions, createAuthenticator, KeySetUnavailableError } from './authenticator.js';

const catalogue = loadPolicy('policies/iom-partnership.yaml');

const ISSUER = 'https://idp.iom-partnership.test';
const AUDIENCE = 'partnership-gateway';
const claims = { sub: 'pw-77', agency: 'probation', role: 'probation-practitioner', client_id: 'ndelius-bridge' };

let privateKey: CryptoKey;
let publicJwk: JWK;
let directory: string;
let jwksServer: Server;
let jwksUrl: string;

function now(): number {
  return Math.floor(Date.now() / 1000);
}

function sign(options: { kid?: string; exp?: number } = {}): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'ES256', ...(options.kid === undefined ? {} : { kid: options.kid }) })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(options.exp ?? now() + 300)
    .sign(privateKey);
}

function withKeys(overrides: Partial<AuthenticatorOptions> = {}): AuthenticatorOptions {
  return { jwks: { keys: { keys: [publicJwk] } }, issuer: ISSUER, audience: AUDIENCE, catalogue, ...overrides };
}

async function reasonFor(options: AuthenticatorOptions, header: string | null): Promise<string> {
  try {
    await createAuthenticator(options).authenticate(header);
  } catch (error) {
    if (error instanceof AuthenticationError) return error.reason;
    throw error;
  }
  throw new Error('the token was accepted');
}

beforeAll(async () => {
  const pair = await generateKeyPair('ES256', { extractable: true });
  privateKey = pair.privateKey;
  publicJwk = { ...(await exportJWK(pair.publicKey)), kid: 'probation-idp-1' };
  directory = await mkdtemp(join(tmpdir(), 'authenticator-'));
  jwksServer = createServer((req, res) => {
    if (req.url === '/.well-known/jwks.json') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [publicJwk] }));
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
  jwksUrl = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/.well-known/jwks.json`;
});

afterAll(async () => {
  await new Promise((resolve) => jwksServer.close(resolve));
  await rm(directory, { recursive: true, force: true });
});

describe('createAuthenticator configuration', () => {
  it.each(['HS256', 'hs512', 'none'])('refuses an allow-list containing %s', (algorithm) => {
    expect(() => createAuthenticator(withKeys({ algorithms: ['ES256', algorithm] }))).toThrow(
      new RegExp(`algorithm ${algorithm} is not allowed: the gateway accepts only asymmetric signatures`),
    );
  });

  it('refuses an empty allow-list and an unknown algorithm', () => {
    expect(() => createAuthenticator(withKeys({ algorithms: [] }))).toThrow(/must not be empty/);
    expect(() => createAuthenticator(withKeys({ algorithms: ['ES257'] }))).toThrow(/"ES257" is not a supported/);
  });

  it('refuses a shared secret or a private key among the trusted keys', async () => {
    const secret = await exportJWK(await generateSecret('HS256', { extractable: true }));
    expect(() => createAuthenticator(withKeys({ jwks: { keys: { keys: [secret] } } }))).toThrow(/shared secrets are never trusted/);
    const privateJwk = await exportJWK(privateKey);
    expect(() => createAuthenticator(withKeys({ jwks: { keys: { keys: [privateJwk] } } }))).toThrow(/private key material/);
  });

  it('refuses a JWKS URL over plain http unless it is local', () => {
    expect(() => createAuthenticator(withKeys({ jwks: { url: 'http://idp.example/jwks.json' } }))).toThrow(/must use https/);
    expect(() => createAuthenticator(withKeys({ jwks: { url: 'https://idp.example/jwks.json' } }))).not.toThrow();
  });

  it('refuses an empty issuer and a missing key file, naming them', async () => {
    expect(() => createAuthenticator(withKeys({ issuer: '' }))).toThrow(/issuer must not be empty/);
    expect(() => createAuthenticator(withKeys({ jwks: { file: join(directory, 'absent.json') } }))).toThrow(/cannot read the trusted key set .*absent\.json/);
  });
});

describe('authenticate', () => {
  it('reads the trusted keys from a file', async () => {
    const file = join(directory, 'jwks.json');
    await writeFile(file, JSON.stringify({ keys: [publicJwk] }));
    const principal = await createAuthenticator(withKeys({ jwks: { file } })).authenticate(`Bearer ${await sign({ kid: 'probation-idp-1' })}`);
    expect(principal).toEqual({
      userId: 'pw-77',
      displayName: 'pw-77',
      agency: 'probation',
      role: 'probation-practitioner',
      clientApplication: 'ndelius-bridge',
    });
  });

  it('fetches the trusted keys from a JWKS URL', async () => {
    const principal = await createAuthenticator(withKeys({ jwks: { url: jwksUrl } })).authenticate(`Bearer ${await sign({ kid: 'probation-idp-1' })}`);
    expect(principal.userId).toBe('pw-77');
  });

  it('says the key set could not be loaded when the JWKS URL fails, not that the token is bad', async () => {
    const authenticating = createAuthenticator(withKeys({ jwks: { url: jwksUrl.replace('jwks.json', 'missing.json') } })).authenticate(
      `Bearer ${await sign({ kid: 'probation-idp-1' })}`,
    );
    await expect(authenticating).rejects.toBeInstanceOf(KeySetUnavailableError);
    await expect(authenticating).rejects.toThrow(/could not load its trusted keys from http:\/\/127\.0\.0\.1:\d+\/\.well-known\/missing\.json/);
  });

  it('allows a clock skew within the tolerance and no more', async () => {
    const recentlyExpired = `Bearer ${await sign({ kid: 'probation-idp-1', exp: now() - 10 })}`;
    await expect(createAuthenticator(withKeys()).authenticate(recentlyExpired)).resolves.toMatchObject({ userId: 'pw-77' });
    expect(await reasonFor(withKeys({ clockToleranceSeconds: 0 }), recentlyExpired)).toMatch(/^token expired at /);
  });

  it('asks for a kid when several trusted keys could have signed the token', async () => {
    const other = { ...(await exportJWK((await generateKeyPair('ES256')).publicKey)), kid: 'probation-idp-2' };
    const reason = await reasonFor(withKeys({ jwks: { keys: { keys: [publicJwk, other] } } }), `Bearer ${await sign()}`);
    expect(reason).toMatch(/must name its key id \(kid\)/);
  });

  it('refuses an algorithm outside a narrowed allow-list', async () => {
    const reason = await reasonFor(withKeys({ algorithms: ['RS256'] }), `Bearer ${await sign({ kid: 'probation-idp-1' })}`);
    expect(reason).toBe('algorithm ES256 is not allowed; the gateway accepts RS256');
  });

  it('refuses an oversized token before parsing it', async () => {
    const reason = await reasonFor(withKeys(), `Bearer ${'a'.repeat(9000)}`);
    expect(reason).toMatch(/9000 characters long/);
  });

  it('refuses more than one token in the header', async () => {
    const token = await sign({ kid: 'probation-idp-1' });
    expect(await reasonFor(withKeys(), `Bearer ${token} ${token}`)).toMatch(/exactly one token/);
    expect(await reasonFor(withKeys(), 'Bearer')).toMatch(/carries no token/);
  });
});

describe('a token verified before', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  async function refusal(authenticator: ReturnType<typeof createAuthenticator>, header: string): Promise<string> {
    const error = await authenticator.authenticate(header).then(
      () => new Error('the token was accepted'),
      (failure: unknown) => failure,
    );
    if (error instanceof AuthenticationError) return error.reason;
    throw error;
  }

  it('is accepted again only until it expires', async () => {
    const authenticator = createAuthenticator(withKeys({ clockToleranceSeconds: 0 }));
    const header = `Bearer ${await sign({ kid: 'probation-idp-1', exp: now() + 60 })}`;
    await expect(authenticator.authenticate(header)).resolves.toMatchObject({ userId: 'pw-77' });
    await expect(authenticator.authenticate(header)).resolves.toMatchObject({ userId: 'pw-77' });
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 61_000 });
    expect(await refusal(authenticator, header)).toMatch(/^token expired at /);
  });

  it.each([
    ['withdraws the key', 'probation-idp-2', /unknown key id "probation-idp-1"/],
    ['replaces the key under the same key id', 'probation-idp-1', /signature verification failed/],
  ])('is refused once the issuer %s', async (_change, newKid, reason) => {
    let served: JWK[] = [publicJwk];
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: served }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
      const authenticator = createAuthenticator(withKeys({ jwks: { url } }));
      const header = `Bearer ${await sign({ kid: 'probation-idp-1', exp: now() + 3_600 })}`;
      await expect(authenticator.authenticate(header)).resolves.toMatchObject({ userId: 'pw-77' });
      // The gateway's copy of the set is reloaded after ten minutes.
      served = [{ ...(await exportJWK((await generateKeyPair('ES256')).publicKey)), kid: newKid }];
      vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 11 * 60_000 });
      expect(await refusal(authenticator, header)).toMatch(reason);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('serves only its exact text: the same token with another signature is verified, and refused', async () => {
    const authenticator = createAuthenticator(withKeys());
    const token = await sign({ kid: 'probation-idp-1' });
    await expect(authenticator.authenticate(`Bearer ${token}`)).resolves.toMatchObject({ userId: 'pw-77' });
    const [header, payload] = token.split('.');
    const forged = `${header}.${payload}.${(await sign({ kid: 'other' })).split('.')[2]}`;
    expect(await refusal(authenticator, `Bearer ${forged}`)).toMatch(/signature verification failed/);
  });
});
