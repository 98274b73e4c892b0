/**
 * Verifies a partner's bearer token (signature against trusted keys, issuer, audience, expiry,
 * algorithm allow-list) and turns its claims into a Principal. Every refusal says why, in words
 * a developer integrating a partner application can act on.
 */
import { readFileSync } from 'node:fs';
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  decodeProtectedHeader,
  errors,
  type JSONWebKeySet,
  type JWK,
  type JWTVerifyGetKey,
  jwtVerify,
  type ProtectedHeaderParameters,
} from 'jose';
import { z } from 'zod';
import { type Principal, principalFromClaims, quoted, type RoleCatalogue } from './principal.js';

/** Signature algorithms with a public verification key; HMAC and `none` are never among them. */
export const ASYMMETRIC_ALGORITHMS = ['ES256', 'ES384', 'ES512', 'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'EdDSA', 'Ed25519'] as const;
export type AsymmetricAlgorithm = (typeof ASYMMETRIC_ALGORITHMS)[number];

export const DEFAULT_ALGORITHMS: readonly AsymmetricAlgorithm[] = ['ES256', 'ES384', 'RS256', 'PS256', 'EdDSA'];

/** Tokens longer than this are refused before any parsing; real ones are a few hundred bytes. */
const MAX_TOKEN_LENGTH = 8192;

export type TrustedKeys = { url: string } | { file: string } | { keys: JSONWebKeySet };

export interface AuthenticatorOptions {
  jwks: TrustedKeys;
  issuer: string;
  audience: string | readonly string[];
  algorithms?: readonly string[];
  clockToleranceSeconds?: number;
  /** The longest lifetime (exp - iat) accepted, so a leaked token cannot be good for days; default 12 hours. */
  maxLifetimeSeconds?: number;
  /** The ISP's roles and their agencies: claims that contradict them are refused. */
  catalogue: RoleCatalogue;
  /** Verified tokens remembered until they expire (VerifiedTokens); 0 verifies every request's token in full. Default 1,000. */
  maxCachedTokens?: number;
}

export const DEFAULT_MAX_LIFETIME_SECONDS = 12 * 60 * 60;

export interface Authenticator {
  /** Resolves to the caller's principal, or rejects with an AuthenticationError saying why not. */
  authenticate(authorizationHeader: string | null): Promise<Principal>;
}

/**
 * RFC 6750 error codes for the WWW-Authenticate challenge; null when the request carried no
 * credentials at all, as RFC 6750 section 3.1 asks.
 */
export type BearerErrorCode = 'invalid_request' | 'invalid_token';

export class AuthenticationError extends Error {
  constructor(
    readonly reason: string,
    readonly bearerError: BearerErrorCode | null = 'invalid_token',
  ) {
    super(reason);
    this.name = 'AuthenticationError';
  }
}

/**
 * The identity provider's key set could not be loaded: an outage, not a bad token (HTTP 503, not 401, so that a
 * client does not throw a good token away). The message names the URL and the cause, for the operators' log.
 */
export class KeySetUnavailableError extends Error {
  /** What the caller is told. */
  readonly sentence = 'The gateway could not load the identity provider’s keys to check your token; the token itself may be fine. Try again shortly.';

  constructor(message: string) {
    super(message);
    this.name = 'KeySetUnavailableError';
  }
}

const algorithmSchema = z.enum(ASYMMETRIC_ALGORITHMS, {
  error: (issue) =>
    typeof issue.input === 'string' && /^(none|HS\d*)$/i.test(issue.input)
      ? `algorithm ${issue.input} is not allowed: the gateway accepts only asymmetric signatures (ES*, RS*, PS*, EdDSA)`
      : `algorithm ${JSON.stringify(issue.input)} is not a supported asymmetric JWS algorithm; choose from ${ASYMMETRIC_ALGORITHMS.join(', ')}`,
});

/** A trusted verification key: public, asymmetric, for signatures. */
const publicJwkSchema = z
  .looseObject({
    kty: z.enum(['EC', 'RSA', 'OKP'], {
      error: 'every trusted key must be an asymmetric key (kty EC, RSA or OKP); shared secrets are never trusted',
    }),
    kid: z.string().min(1).optional(),
    d: z.undefined({ error: 'the trusted key set contains private key material (d); publish only public keys' }).optional(),
    use: z.literal('sig', { error: 'a trusted key with "use" must be for signatures (use: sig)' }).optional(),
  })
  // Checked above; jose's JWK type is wider than what a loose object's output can name.
  .transform((jwk) => jwk as JWK);

const keySetSchema = z.object({
  keys: z.array(publicJwkSchema).min(1, 'the trusted key set has no keys'),
});

const keySetUrlSchema = z.url({ protocol: /^https?$/ }).refine(
  (url) => {
    const { protocol, hostname } = new URL(url);
    return protocol === 'https:' || ['localhost', '127.0.0.1', '[::1]'].includes(hostname);
  },
  // Keys fetched over plain HTTP could be swapped in transit; only a local issuer may skip TLS.
  'the JWKS URL must use https (plain http only for localhost)',
);

const optionsSchema = z.object({
  // One object with optional members rather than a union, so that a mistake inside one is reported precisely.
  jwks: z
    .strictObject({
      url: keySetUrlSchema.optional(),
      file: z.string().min(1, 'the JWKS file name must not be empty').optional(),
      keys: keySetSchema.optional(),
    })
    .refine(
      (jwks) => [jwks.url, jwks.file, jwks.keys].filter((source) => source !== undefined).length === 1,
      'jwks must give exactly one of url, file or keys',
    ),
  issuer: z.string().min(1, 'issuer must not be empty'),
  audience: z.union([z.string().min(1, 'audience must not be empty'), z.array(z.string().min(1)).min(1, 'audience must name at least one value')]),
  algorithms: z
    .array(algorithmSchema)
    .min(1, 'the algorithm allow-list must not be empty')
    .default([...DEFAULT_ALGORITHMS]),
  clockToleranceSeconds: z.number().int().min(0).max(300).default(30),
  maxLifetimeSeconds: z
    .number()
    .int()
    .min(60)
    .max(7 * 24 * 60 * 60)
    .default(DEFAULT_MAX_LIFETIME_SECONDS),
  maxCachedTokens: z.number().int().min(0).max(100_000).default(1_000),
  catalogue: z.object({
    roles: z.array(z.object({ name: z.string().min(1), agency: z.string().min(1) })).min(1, 'the ISP names no roles'),
  }),
});

/** Refuses a bad configuration at startup, naming what is wrong. */
export function createAuthenticator(options: AuthenticatorOptions): Authenticator {
  const parsed = optionsSchema.safeParse(options);
  if (!parsed.success) {
    throw new Error(`invalid authentication configuration:\n${z.prettifyError(parsed.error)}`);
  }
  const config = parsed.data;
  const keys = trustedKeys(config.jwks);
  const expectedAudience = typeof config.audience === 'string' ? [config.audience] : config.audience;

  const verified = new VerifiedTokens(config.maxCachedTokens, config.clockToleranceSeconds);

  return {
    async authenticate(authorizationHeader) {
      const token = bearerToken(authorizationHeader);
      const known = await verified.principalFor(token, keys);
      if (known !== undefined) return known;
      let payload: unknown;
      let used: Verification | undefined;
      try {
        ({ payload } = await jwtVerify(
          token,
          async (header, input) => {
            const key = await keys(header, input);
            used = { header, input, key };
            return key;
          },
          {
            issuer: config.issuer,
            audience: expectedAudience,
            algorithms: config.algorithms,
            clockTolerance: config.clockToleranceSeconds,
            requiredClaims: ['exp', 'iat'],
          },
        ));
      } catch (error) {
        throw explain(error, token, { ...config, audience: expectedAudience });
      }
      const times = payload as { iat: number; exp: number };
      checkLifetime(times, config);
      const result = principalFromClaims(payload, config.catalogue);
      if (!result.ok) throw new AuthenticationError(`claims: ${result.reason}`);
      if (used !== undefined) verified.remember(token, { ...used, principal: result.principal, exp: times.exp });
      return { ...result.principal };
    },
  };
}

/** The key a token was verified with, and what was asked of the key set to find it. */
interface Verification {
  header: Parameters<JWTVerifyGetKey>[0];
  input: Parameters<JWTVerifyGetKey>[1];
  key: Awaited<ReturnType<JWTVerifyGetKey>>;
}

/**
 * Tokens already verified, by their exact text, so that a caller's every request does not cost a signature check.
 * An entry serves only the same token, only until its exp (with the same tolerance jose allows), and only while the
 * key set still gives the very key that verified it: a key withdrawn from the set (or a reloaded remote set) sends
 * the token through full verification again. Nothing unverified is ever remembered. Bounded, least recent dropped.
 */
class VerifiedTokens {
  readonly #entries = new Map<string, Verification & { principal: Principal; exp: number }>();

  constructor(
    private readonly maxEntries: number,
    private readonly toleranceSeconds: number,
  ) {}

  async principalFor(token: string, keys: JWTVerifyGetKey): Promise<Principal | undefined> {
    const entry = this.#entries.get(token);
    if (entry === undefined) return undefined;
    this.#entries.delete(token);
    if (entry.exp <= Math.floor(Date.now() / 1000) - this.toleranceSeconds) return undefined;
    let key: Verification['key'];
    try {
      key = await keys(entry.header, entry.input);
    } catch {
      return undefined;
    }
    if (key !== entry.key) return undefined;
    this.#entries.set(token, entry);
    return { ...entry.principal };
  }

  remember(token: string, entry: Verification & { principal: Principal; exp: number }): void {
    if (this.maxEntries === 0) return;
    this.#entries.delete(token);
    this.#entries.set(token, entry);
    if (this.#entries.size > this.maxEntries) this.#entries.delete(this.#entries.keys().next().value as string);
  }
}

/** jose has checked that iat and exp are numbers; whether they are believable is the gateway's rule. */
function checkLifetime({ iat, exp }: { iat: number; exp: number }, config: { clockToleranceSeconds: number; maxLifetimeSeconds: number }): void {
  const now = Math.floor(Date.now() / 1000);
  if (iat > now + config.clockToleranceSeconds) {
    throw new AuthenticationError(`iat: the token says it was issued at ${instant(iat)}, in the future; check the issuer's clock`);
  }
  const lifetime = exp - iat;
  if (lifetime > config.maxLifetimeSeconds) {
    throw new AuthenticationError(
      `exp: the token lives ${Math.round(lifetime / 60)} minutes (iat to exp); the gateway accepts at most ${config.maxLifetimeSeconds / 60}`,
    );
  }
}

type CheckedKeys = z.output<typeof optionsSchema>['jwks'];

function trustedKeys(jwks: CheckedKeys): JWTVerifyGetKey {
  const { url } = jwks;
  if (url !== undefined) {
    const remote = createRemoteJWKSet(new URL(url), { timeoutDuration: 5000, cooldownDuration: 30_000 });
    return async (header, token) => {
      try {
        return await remote(header, token);
      } catch (error) {
        if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) throw error;
        throw new KeySetUnavailableError(`the gateway could not load its trusted keys from ${url} (${messageOf(error)})`);
      }
    };
  }
  return createLocalJWKSet(jwks.file !== undefined ? readKeySetFile(jwks.file) : { keys: jwks.keys?.keys ?? [] });
}

function readKeySetFile(file: string): JSONWebKeySet {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(`invalid authentication configuration: cannot read the trusted key set ${file}: ${messageOf(error)}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`invalid authentication configuration: ${file} is not JSON: ${messageOf(error)}`);
  }
  const parsed = keySetSchema.safeParse(json);
  if (!parsed.success) {
    throw new Error(`invalid authentication configuration: ${file}:\n${z.prettifyError(parsed.error)}`);
  }
  return parsed.data;
}

/** Extracts the token from `Authorization: Bearer <token>` (RFC 6750 section 2.1). */
function bearerToken(header: string | null): string {
  const value = header?.trim() ?? '';
  if (value === '') {
    throw new AuthenticationError('no bearer token: send an "Authorization: Bearer <token>" header', null);
  }
  const [scheme = '', ...rest] = value.split(/\s+/);
  if (scheme.toLowerCase() !== 'bearer') {
    throw new AuthenticationError(`the Authorization header uses the ${quoted(scheme)} scheme; the gateway accepts only Bearer tokens`, 'invalid_request');
  }
  const [token, ...extra] = rest;
  if (token === undefined) {
    throw new AuthenticationError('the Authorization header says Bearer but carries no token', 'invalid_request');
  }
  if (extra.length > 0) {
    throw new AuthenticationError('the Authorization header must carry exactly one token after Bearer', 'invalid_request');
  }
  if (token.length > MAX_TOKEN_LENGTH) {
    throw new AuthenticationError(`the bearer token is ${token.length} characters long; at most ${MAX_TOKEN_LENGTH} are accepted`);
  }
  return token;
}

interface Expectations {
  issuer: string;
  audience: readonly string[];
  algorithms: readonly string[];
}

/** Turns jose's verdict into a reason a developer can act on. */
function explain(error: unknown, token: string, expected: Expectations): Error {
  if (error instanceof AuthenticationError) return error;
  if (error instanceof errors.JOSEAlgNotAllowed) {
    return new AuthenticationError(`algorithm ${String(headerOf(token)?.alg)} is not allowed; the gateway accepts ${expected.algorithms.join(', ')}`);
  }
  if (error instanceof errors.JWTExpired) {
    return new AuthenticationError(`token expired at ${instant(error.payload.exp)}`);
  }
  if (error instanceof errors.JWTClaimValidationFailed) {
    return new AuthenticationError(claimFailure(error, expected));
  }
  if (error instanceof errors.JWKSNoMatchingKey) {
    const header = headerOf(token);
    return new AuthenticationError(
      header?.kid === undefined
        ? `the token names no key id (kid) and no trusted key fits its algorithm ${String(header?.alg)}`
        : `unknown key id ${quoted(header.kid)}: no trusted ${String(header.alg)} key has it`,
    );
  }
  if (error instanceof errors.JWKSMultipleMatchingKeys) {
    return new AuthenticationError('more than one trusted key could have signed this token; the token must name its key id (kid)');
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    const kid = headerOf(token)?.kid;
    return new AuthenticationError(
      `signature verification failed: the token was not signed by the trusted key${kid === undefined ? '' : ` ${quoted(kid)}`}, or it was altered`,
    );
  }
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid) {
    return new AuthenticationError(`the bearer token is not a well-formed signed JWT (${error.message})`);
  }
  if (error instanceof errors.JOSEError) {
    return new AuthenticationError(`the bearer token could not be verified (${error.message})`);
  }
  return error instanceof Error ? error : new Error(String(error));
}

function claimFailure(error: InstanceType<typeof errors.JWTClaimValidationFailed>, expected: Expectations): string {
  const { claim, reason, payload } = error;
  const audiences = expected.audience.map((aud) => JSON.stringify(aud)).join(' or ');
  if (reason === 'missing') {
    switch (claim) {
      case 'exp':
        return 'the token has no expiry (exp); the gateway accepts only tokens that expire';
      case 'iss':
        return `the token has no issuer (iss); expected ${JSON.stringify(expected.issuer)}`;
      case 'aud':
        return `the token has no audience (aud); it must be issued for ${audiences}`;
      case 'iat':
        return 'the token has no issue time (iat); the gateway accepts only tokens that say when they were issued';
      default:
        return `the token lacks the required ${claim} claim`;
    }
  }
  if (reason === 'invalid') return `the ${claim} claim must be a number of seconds since the epoch`;
  switch (claim) {
    case 'nbf':
      return `token is not valid before ${instant(payload.nbf)}`;
    case 'iss':
      return `issuer ${quoted(payload.iss)} is not trusted; expected ${JSON.stringify(expected.issuer)}`;
    case 'aud':
      return `audience ${quoted(payload.aud)} is not accepted; the token must be issued for ${audiences}`;
    default:
      return `the ${claim} claim failed validation (${error.message})`;
  }
}

function headerOf(token: string): ProtectedHeaderParameters | undefined {
  try {
    return decodeProtectedHeader(token);
  } catch {
    return undefined;
  }
}

function instant(seconds: unknown): string {
  return typeof seconds === 'number' ? new Date(seconds * 1000).toISOString() : String(seconds);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
