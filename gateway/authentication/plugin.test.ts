import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import express from 'express';
import { createSchema, createYoga, type Plugin } from 'graphql-yoga';
import { base64url, type CryptoKey, exportJWK, exportSPKI, generateKeyPair, type JWK, type JWTPayload, SignJWT } from 'jose';
import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadPolicy } from '../policy/index.js';
import { type Authenticator, createAuthenticator } from './authenticator.js';
import { principalOf, useAuthentication } from './plugin.js';

const ISSUER = 'https://idp.iom-partnership.test';
const AUDIENCE = 'partnership-gateway';
const KID = 'partnership-idp-2025';

let trustedPrivate: CryptoKey;
let trustedPublic: CryptoKey;
let publicJwk: JWK;
let app: express.Express;
let resolverCalls = 0;

const validClaims = {
  sub: 'pc-1234',
  name: 'PC Jo Bloggs',
  agency: 'police',
  role: 'police-offender-manager',
  team: 'North IOM',
  azp: 'case-management',
};

function now(): number {
  return Math.floor(Date.now() / 1000);
}

async function sign(
  claims: JWTPayload = validClaims,
  {
    key = trustedPrivate,
    kid = KID,
    alg = 'ES256',
    iss = ISSUER,
    aud = AUDIENCE,
    exp = now() + 600,
    iat = now(),
  }: {
    key?: CryptoKey | Uint8Array;
    kid?: string;
    alg?: string;
    iss?: string;
    aud?: string;
    /** null: no expiry claim at all. */
    exp?: number | null;
    /** null: no issue time at all. */
    iat?: number | null;
  } = {},
): Promise<string> {
  const jwt = new SignJWT(claims).setProtectedHeader({ alg, kid, typ: 'JWT' }).setIssuer(iss).setAudience(aud);
  if (iat !== null) jwt.setIssuedAt(iat);
  if (exp !== null) jwt.setExpirationTime(exp);
  return jwt.sign(key);
}

function unsigned(claims: JWTPayload): string {
  const encode = (value: object) => base64url.encode(JSON.stringify(value));
  return `${encode({ alg: 'none', typ: 'JWT', kid: KID })}.${encode({ ...claims, iss: ISSUER, aud: AUDIENCE, exp: now() + 600 })}.`;
}

/** A plugin after authentication answering one extra path, to prove public paths bypass the token check. */
const statusProbe: Plugin = {
  onRequest({ url, endResponse, fetchAPI }) {
    if (url.pathname === '/graphql/status') endResponse(new fetchAPI.Response('up', { status: 200 }));
  },
};

beforeAll(async () => {
  ({ privateKey: trustedPrivate, publicKey: trustedPublic } = await generateKeyPair('ES256'));
  publicJwk = { ...(await exportJWK(trustedPublic)), kid: KID, alg: 'ES256', use: 'sig' };
  const authenticator = createAuthenticator({
    jwks: { keys: { keys: [publicJwk] } },
    issuer: ISSUER,
    audience: AUDIENCE,
    catalogue: loadPolicy('policies/iom-partnership.yaml'),
  });
  const yoga = createYoga({
    schema: createSchema({
      typeDefs: /* GraphQL */ `
        type Caller {
          userId: String!
          displayName: String!
          agency: String!
          role: String!
          team: String
          clientApplication: String!
        }
        type Query {
          whoami: Caller!
        }
      `,
      resolvers: {
        Query: {
          whoami: (_parent: unknown, _args: unknown, context: object) => {
            resolverCalls += 1;
            return principalOf(context);
          },
        },
      },
    }),
    plugins: [useAuthentication(authenticator, { publicPaths: ['/graphql/status'] }), statusProbe],
    logging: false,
  });
  app = express();
  app.use(yoga.graphqlEndpoint, yoga);
});

function query(authorization?: string) {
  const call = request(app).post('/graphql').set('content-type', 'application/json');
  if (authorization !== undefined) call.set('authorization', authorization);
  return call.send({ query: '{ whoami { userId displayName agency role team clientApplication } }' });
}

describe('useAuthentication', () => {
  it('puts the verified principal in the GraphQL context', async () => {
    const response = await query(`Bearer ${await sign()}`);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      data: {
        whoami: {
          userId: 'pc-1234',
          displayName: 'PC Jo Bloggs',
          agency: 'police',
          role: 'police-offender-manager',
          team: 'North IOM',
          clientApplication: 'case-management',
        },
      },
    });
  });

  it('accepts the scheme in any case and takes the client application from client_id', async () => {
    const { azp: _azp, name: _name, team: _team, ...claims } = validClaims;
    const response = await query(`bearer ${await sign({ ...claims, client_id: 'offender-app' })}`);
    expect(response.status).toBe(200);
    expect(response.body.data.whoami).toMatchObject({ displayName: 'pc-1234', team: null, clientApplication: 'offender-app' });
  });

  it('serves public paths without a token', async () => {
    const response = await request(app).get('/graphql/status');
    expect(response.status).toBe(200);
    expect(response.text).toBe('up');
  });

  it('does not treat other paths as public', async () => {
    const response = await request(app).get('/graphql/status-report');
    expect(response.status).toBe(401);
  });

  const attacks: { name: string; authorization: () => Promise<string | undefined>; reason: RegExp; bearerError?: string }[] = [
    { name: 'missing header', authorization: async () => undefined, reason: /no bearer token/ },
    { name: 'another scheme', authorization: async () => 'Basic cGMtMTIzNDpzZWNyZXQ=', reason: /"Basic" scheme/, bearerError: 'invalid_request' },
    { name: 'garbage string', authorization: async () => 'Bearer this-is-not-a-jwt', reason: /not a well-formed signed JWT/ },
    { name: 'alg none', authorization: async () => `Bearer ${unsigned(validClaims)}`, reason: /algorithm none is not allowed/ },
    {
      name: 'HS256 signed with the public key as the secret',
      authorization: async () => {
        const secret = new TextEncoder().encode(await exportSPKI(trustedPublic));
        return `Bearer ${await sign(validClaims, { alg: 'HS256', key: secret })}`;
      },
      reason: /algorithm HS256 is not allowed/,
    },
    {
      name: 'HS256 signed with the public JWK as the secret',
      authorization: async () => {
        const secret = new TextEncoder().encode(JSON.stringify(publicJwk));
        return `Bearer ${await sign(validClaims, { alg: 'HS256', key: secret })}`;
      },
      reason: /algorithm HS256 is not allowed/,
    },
    {
      name: 'another key claiming the trusted kid',
      authorization: async () => {
        const { privateKey } = await generateKeyPair('ES256');
        return `Bearer ${await sign(validClaims, { key: privateKey })}`;
      },
      reason: /signature verification failed/,
    },
    {
      name: 'a tampered payload',
      authorization: async () => {
        const [header, , signature] = (await sign()).split('.');
        const forged = base64url.encode(JSON.stringify({ ...validClaims, role: 'ig-officer', iss: ISSUER, aud: AUDIENCE, exp: now() + 600 }));
        return `Bearer ${header}.${forged}.${signature}`;
      },
      reason: /signature verification failed/,
    },
    { name: 'unknown kid', authorization: async () => `Bearer ${await sign(validClaims, { kid: 'rotated-out' })}`, reason: /unknown key id "rotated-out"/ },
    {
      name: 'expired beyond the clock tolerance',
      authorization: async () => `Bearer ${await sign(validClaims, { exp: now() - 120 })}`,
      reason: /token expired at \d{4}-\d\d-\d\dT/,
    },
    { name: 'no expiry', authorization: async () => `Bearer ${await sign(validClaims, { exp: null })}`, reason: /no expiry \(exp\)/ },
    {
      name: 'not yet valid (nbf)',
      authorization: async () => `Bearer ${await sign({ ...validClaims, nbf: now() + 3600 })}`,
      reason: /not valid before \d{4}-/,
    },
    {
      name: 'wrong issuer',
      authorization: async () => `Bearer ${await sign(validClaims, { iss: 'https://evil.example' })}`,
      reason: /issuer "https:\/\/evil.example" is not trusted/,
    },
    {
      name: 'wrong audience',
      authorization: async () => `Bearer ${await sign(validClaims, { aud: 'another-service' })}`,
      reason: /audience "another-service" is not accepted/,
    },
    {
      name: 'unknown role',
      authorization: async () => `Bearer ${await sign({ ...validClaims, role: 'chief-constable' })}`,
      reason: /claims: role "chief-constable" is not a role of the ISP/,
    },
    {
      name: 'unknown agency',
      authorization: async () => `Bearer ${await sign({ ...validClaims, agency: 'hmrc' })}`,
      reason: /claims: agency "hmrc" does not hold the role police-offender-manager/,
    },
    {
      name: "a role of another agency (housing claiming the coordinator's role)",
      authorization: async () => `Bearer ${await sign({ ...validClaims, agency: 'housing', role: 'iom-coordinator' })}`,
      reason: /claims: agency "housing" does not hold the role iom-coordinator: the ISP gives that role to iom only/,
    },
    {
      name: "a role of another agency (police claiming the IG officer's role)",
      authorization: async () => `Bearer ${await sign({ ...validClaims, agency: 'police', role: 'ig-officer' })}`,
      reason: /claims: agency "police" does not hold the role ig-officer/,
    },
    { name: 'no role', authorization: async () => `Bearer ${await sign({ ...validClaims, role: undefined })}`, reason: /claims: role is missing/ },
    { name: 'no agency', authorization: async () => `Bearer ${await sign({ ...validClaims, agency: undefined })}`, reason: /claims: agency is missing/ },
    {
      name: 'a role that is not text',
      authorization: async () => `Bearer ${await sign({ ...validClaims, role: ['ig-officer'] })}`,
      reason: /claims: role must be a string/,
    },
    {
      name: 'no subject',
      authorization: async () => `Bearer ${await sign({ ...validClaims, sub: undefined })}`,
      reason: /claims: sub \(the user id\) is missing/,
    },
    {
      name: 'a subject with a NUL byte',
      authorization: async () => `Bearer ${await sign({ ...validClaims, sub: 'pc-1234\u0000admin' })}`,
      reason: /claims: sub \(the user id\) contains a control character/,
    },
    {
      name: 'a 1 kB name',
      authorization: async () => `Bearer ${await sign({ ...validClaims, name: 'x'.repeat(1000) })}`,
      reason: /claims: name is 1000 characters long; at most 200/,
    },
    {
      name: 'issued in the future',
      authorization: async () => `Bearer ${await sign(validClaims, { iat: now() + 3600, exp: now() + 4000 })}`,
      reason: /iat: the token says it was issued at \d{4}-.*in the future/,
    },
    { name: 'no issue time', authorization: async () => `Bearer ${await sign(validClaims, { iat: null })}`, reason: /no issue time \(iat\)/ },
    {
      name: 'a lifetime of 13 hours',
      authorization: async () => `Bearer ${await sign(validClaims, { exp: now() + 13 * 3600 })}`,
      reason: /exp: the token lives 780 minutes \(iat to exp\); the gateway accepts at most 720/,
    },
    {
      name: 'two tokens in one header',
      authorization: async () => `Bearer ${await sign()} ${await sign()}`,
      reason: /exactly one token/,
      bearerError: 'invalid_request',
    },
    {
      name: 'two Bearer credentials joined by a comma',
      authorization: async () => `Bearer ${await sign()}, Bearer ${await sign()}`,
      reason: /exactly one token/,
      bearerError: 'invalid_request',
    },
    { name: 'Bearer and nothing else', authorization: async () => 'Bearer', reason: /carries no token/, bearerError: 'invalid_request' },
    { name: 'a 9 kB token', authorization: async () => `Bearer ${'a'.repeat(9000)}`, reason: /9000 characters long; at most 8192/ },
    {
      name: 'a JWS with its signature stripped',
      authorization: async () => `Bearer ${(await sign()).split('.').slice(0, 2).join('.')}.`,
      reason: /signature verification failed|not a well-formed/,
    },
    {
      name: 'an RS256 header on an ES256 signature',
      authorization: async () => {
        const [, payload, signature] = (await sign()).split('.');
        return `Bearer ${base64url.encode(JSON.stringify({ alg: 'RS256', kid: KID }))}.${payload}.${signature}`;
      },
      reason: /unknown key id|no trusted RS256 key/,
    },
    {
      name: 'no client application',
      authorization: async () => {
        const { azp: _azp, ...claims } = validClaims;
        return `Bearer ${await sign(claims)}`;
      },
      reason: /names no client application/,
    },
  ];

  it.each(attacks)('refuses $name with 401 UNAUTHENTICATED and no data', async ({ authorization, reason, bearerError }) => {
    const before = resolverCalls;
    const header = await authorization();
    const response = await query(header);
    expect(response.status).toBe(401);
    expect(response.body.data).toBeUndefined();
    expect(response.body.errors).toHaveLength(1);
    expect(response.body.errors[0].extensions).toEqual({ code: 'UNAUTHENTICATED' });
    expect(response.body.errors[0].message).toMatch(/^authentication failed: /);
    expect(response.body.errors[0].message).toMatch(reason);
    const challenge = response.headers['www-authenticate'];
    expect(challenge).toMatch(/^Bearer realm="partnership-gateway"/);
    if (header === undefined) {
      expect(challenge).not.toMatch(/error=/);
    } else {
      expect(challenge).toContain(`error="${bearerError ?? 'invalid_token'}"`);
    }
    expect(resolverCalls).toBe(before);
  });
});

describe('useAuthentication when something else goes wrong', () => {
  const principal = {
    userId: 'pc-1234',
    displayName: 'PC Jo Bloggs',
    agency: 'police',
    role: 'police-offender-manager',
    clientApplication: 'case-management',
  } as const;

  function appWith(authenticator: Authenticator, ...after: Plugin[]) {
    let calls = 0;
    const yoga = createYoga({
      schema: createSchema({
        typeDefs: 'type Query { userId: String! }',
        resolvers: {
          Query: {
            userId: (_parent: unknown, _args: unknown, context: object) => {
              calls += 1;
              return principalOf(context).userId;
            },
          },
        },
      }),
      plugins: [useAuthentication(authenticator), ...after],
      logging: false,
      maskedErrors: false,
    });
    const server = express();
    server.use(yoga.graphqlEndpoint, yoga);
    return { server, calls: () => calls };
  }

  it('answers 503 without data when the authenticator fails unexpectedly, and keeps serving', async () => {
    let failing = true;
    const { server, calls } = appWith({
      authenticate: async () => {
        if (failing) throw new TypeError('key cache corrupted');
        return principal;
      },
    });
    const broken = await request(server).post('/graphql').send({ query: '{ userId }' });
    expect(broken.status).toBe(503);
    expect(broken.body.data).toBeUndefined();
    expect(broken.body.errors[0].extensions.code).toBe('AUTHENTICATION_UNAVAILABLE');
    expect(broken.body.errors[0].message).not.toContain('key cache');
    failing = false;
    const healthy = await request(server).post('/graphql').send({ query: '{ userId }' });
    expect(healthy.body).toEqual({ data: { userId: 'pc-1234' } });
    expect(calls()).toBe(1);
  });

  it('answers 503, not 401 invalid_token, when the identity provider’s key set cannot be loaded', async () => {
    // A port nothing listens on: the key set's fetch is refused at once.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const keysUrl = `http://127.0.0.1:${port}/jwks.json`;
    const authenticator = createAuthenticator({
      jwks: { url: keysUrl },
      issuer: ISSUER,
      audience: AUDIENCE,
      catalogue: loadPolicy('policies/iom-partnership.yaml'),
    });
    const { server, calls } = appWith(authenticator);
    const response = await request(server)
      .post('/graphql')
      .set('authorization', `Bearer ${await sign()}`)
      .send({ query: '{ userId }' });
    expect(response.status).toBe(503);
    expect(response.headers['www-authenticate']).toBeUndefined();
    expect(response.headers['retry-after']).toBe('5');
    expect(response.body.errors[0].extensions.code).toBe('AUTHENTICATION_UNAVAILABLE');
    expect(response.body.errors[0].message).toMatch(/identity provider’s keys.*the token itself may be fine/);
    expect(response.text).not.toContain(keysUrl);
    expect(calls()).toBe(0);
  });

  it('fails closed when the request reaching GraphQL is not the one that was authenticated', async () => {
    const swapsRequest: Plugin = {
      async onRequest({ request, setRequest, fetchAPI }) {
        const { url, method, headers } = request;
        setRequest(new fetchAPI.Request(url, { method, headers, body: await request.text() }));
      },
    };
    const { server, calls } = appWith({ authenticate: async () => principal }, swapsRequest);
    const response = await request(server).post('/graphql').send({ query: '{ userId }' });
    expect(response.body.data ?? null).toBeNull();
    expect(response.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    expect(calls()).toBe(0);
  });
});

describe('principalOf', () => {
  it('refuses a context that authentication never saw', () => {
    expect(() => principalOf({ request: {} })).toThrow(/useAuthentication/);
  });
});
