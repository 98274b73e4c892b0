/**
 * The edge as a hostile partner application meets it, over real HTTP: ambiguous credentials, bodies and heads too
 * large, the wrong content type, a caller over its rate, and a production gateway's closed surface (CORS only for
 * listed origins, no introspection, no GraphiQL). Every refusal carries a code and a sentence.
 */
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, surfaceOf } from '../gateway/config.js';
import { createHttpServer } from '../gateway/edge/http-server.js';
import { defaultPolicy, startTestSystem, type TestSystem } from './harness.js';

const ALLOWED_ORIGIN = 'https://case-management.partner.example';
let system: TestSystem;
let server: ReturnType<typeof createHttpServer>;
let port: number;
let users = 0;

beforeAll(async () => {
  system = await startTestSystem({
    policy: defaultPolicy(),
    rateLimits: { perMinute: 5, byRole: { 'ig-officer': 2 } },
    surface: surfaceOf(
      loadConfig(
        { NODE_ENV: 'production', AGENCIES: 'external', AUTH_JWKS_FILE: 'jwks.json', AUTH_ISSUER: 'https://idp.example', CORS_ORIGINS: ALLOWED_ORIGIN },
        [],
      ),
    ),
  });
  server = createHttpServer(system.app, { maxHeaderBytes: 16 * 1024 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server?.close(() => resolve()));
  await system?.close();
});

/** A fresh coordinator each time, so that one test's requests do not use up another's rate. */
async function coordinator(role = 'iom-coordinator', agency = 'iom'): Promise<string> {
  users += 1;
  return system.token({ sub: `edge-user-${users}`, role, agency });
}

const post = (bearer: string, body: unknown = { query: '{ __typename }' }) =>
  request(system.app)
    .post('/graphql')
    .set('authorization', `Bearer ${bearer}`)
    .set('x-purpose', 'iom-case-management')
    .send(body as object);

/** Raw HTTP, for what supertest will not send: a header twice. (Headers given as a list need their own Host.) */
function raw(
  headers: string[],
  body = JSON.stringify({ query: '{ __typename }' }),
): Promise<{ status: number; body: { errors?: { message: string; extensions: { code: string } }[] } }> {
  return new Promise((resolve, reject) => {
    const call = httpRequest(
      { host: '127.0.0.1', port, method: 'POST', path: '/graphql', headers: ['host', `127.0.0.1:${port}`, ...headers, 'content-type', 'application/json'] },
      (response) => {
        let text = '';
        response.on('data', (chunk: Buffer) => (text += chunk.toString()));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: JSON.parse(text) }));
      },
    );
    call.on('error', reject);
    call.end(body);
  });
}

describe('credentials at the edge', () => {
  it('refuses two Authorization headers, even when both carry good tokens', async () => {
    const [first, second] = [await coordinator(), await coordinator()];
    const response = await raw(['authorization', `Bearer ${first}`, 'authorization', `Bearer ${second}`, 'x-purpose', 'iom-case-management']);
    expect(response.status).toBe(401);
    expect(response.body.errors?.[0]?.extensions.code).toBe('UNAUTHENTICATED');
    expect(response.body.errors?.[0]?.message).toMatch(/more than one Authorization header/);
  });

  it('refuses a token in the URL beside (or instead of) the header', async () => {
    const bearer = await coordinator();
    const response = await request(system.app)
      .post(`/graphql?access_token=${bearer}`)
      .set('authorization', `Bearer ${bearer}`)
      .send({ query: '{ __typename }' });
    expect(response.status).toBe(401);
    expect(response.body.errors[0].message).toMatch(/access_token/);
  });
});

describe('bodies and heads', () => {
  it('refuses a body over 1 MB with 413 PAYLOAD_TOO_LARGE, before reading the token', async () => {
    const response = await post('not even a token', { query: `{ person(pnc: "${'9'.repeat(1024 * 1024)}") { id } }` });
    expect(response.status).toBe(413);
    expect(response.body.errors[0].extensions).toEqual({ code: 'PAYLOAD_TOO_LARGE', maxBytes: 1024 * 1024 });
  });

  it('refuses a body that is not JSON with 415 UNSUPPORTED_MEDIA_TYPE', async () => {
    const response = await request(system.app)
      .post('/graphql')
      .set('authorization', `Bearer ${await coordinator()}`)
      .set('content-type', 'text/plain')
      .send('{ __typename }');
    expect(response.status).toBe(415);
    expect(response.body.errors[0].extensions.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  it('answers malformed JSON with BAD_REQUEST and none of the parser’s internals', async () => {
    const response = await request(system.app)
      .post('/graphql')
      .set('authorization', `Bearer ${await coordinator()}`)
      .set('content-type', 'application/json')
      .send('{"query": "{ __typename }"');
    expect(response.body.errors[0].extensions).toEqual({ code: 'BAD_REQUEST' });
  });

  it('refuses an empty body with 400 BAD_REQUEST and a sentence that says so, before yoga reads it', async () => {
    const response = await request(system.app)
      .post('/graphql')
      .set('authorization', `Bearer ${await coordinator()}`)
      .set('x-purpose', 'iom-case-management')
      .set('content-type', 'application/json')
      .timeout(5_000)
      .send('');
    expect(response.status).toBe(400);
    expect(response.body.errors[0].extensions).toEqual({ code: 'BAD_REQUEST' });
    expect(response.body.errors[0].message).toMatch(/body is empty/);
  });

  it('refuses a document whose operation cannot be chosen with 400 BAD_REQUEST and a sentence that says what to send', async () => {
    const bodies = [
      { query: 'query Q { cohort(first: 1) { totalCount } }', operationName: 'Nope' },
      { query: 'query Q { cohort(first: 1) { totalCount } }', operationName: '' },
      { query: 'query Q { cohort(first: 1) { totalCount } } query R { cohort(first: 2) { totalCount } }' },
      { query: 'fragment F on Query { __typename }' },
      { query: '{ cohort(first: 1) { totalCount } }', operationName: 'Q' },
    ];
    for (const body of bodies) {
      const response = await request(system.app)
        .post('/graphql')
        .set('authorization', `Bearer ${await coordinator()}`)
        .set('x-purpose', 'iom-case-management')
        .send(body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.body.errors).toEqual([
        { message: expect.stringMatching(/if it has several, send operationName naming one of them/), extensions: { code: 'BAD_REQUEST' } },
      ]);
    }
  });

  it('takes the JSON media type in any letter case, and answers each body as it does in lower case', async () => {
    for (const body of ['{"query":"{ __typename }"}', '{}', '[]', '5']) {
      const answers = [];
      for (const type of ['application/json', 'Application/JSON; charset=UTF-8', 'application/json ; charset=utf-8']) {
        const response = await request(system.app)
          .post('/graphql')
          .set('authorization', `Bearer ${await coordinator()}`)
          .set('x-purpose', 'iom-case-management')
          .set('content-type', type)
          .set('x-request-id', 'media-type-case-0001')
          .send(body);
        answers.push({ status: response.status, body: response.body as unknown });
      }
      expect(answers[1]).toEqual(answers[0]);
      expect(answers[2]).toEqual(answers[0]);
      expect(answers[0]?.status).not.toBe(415);
    }
  });

  it('refuses headers over 16 kB with 431 HEADERS_TOO_LARGE in the usual error shape', async () => {
    const response = await raw(['authorization', `Bearer ${'a'.repeat(20_000)}`]);
    expect(response.status).toBe(431);
    expect(response.body.errors?.[0]?.extensions.code).toBe('HEADERS_TOO_LARGE');
  });
});

describe('the rate limit', () => {
  it('allows each principal its rate per minute, then answers 429 RATE_LIMITED with Retry-After', async () => {
    const bearer = await coordinator();
    const statuses = [];
    for (let i = 0; i < 6; i++) statuses.push((await post(bearer)).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
    const limited = await post(bearer);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(limited.body.errors[0].extensions).toMatchObject({ code: 'RATE_LIMITED' });
    expect(limited.body.errors[0].message).toMatch(/iom-coordinator may make 5 a minute\. Try again in \d+ s\./);
    // Another caller is not held up by this one.
    expect((await post(await coordinator())).status).toBe(200);
  });

  it('applies a role’s own rate, on the audit export too', async () => {
    const officer = await coordinator('ig-officer', 'iom');
    const exportOnce = () => request(system.app).get('/audit/export?format=ndjson').set('authorization', `Bearer ${officer}`).set('x-purpose', 'audit');
    expect((await exportOnce()).status).toBe(200);
    expect((await exportOnce()).status).toBe(200);
    const limited = await exportOnce();
    expect(limited.status).toBe(429);
    expect(limited.body.errors[0].extensions.code).toBe('RATE_LIMITED');
    expect(limited.headers['retry-after']).toMatch(/^\d+$/);
  });
});

describe('a production gateway’s surface', () => {
  it('answers CORS only for a listed origin, and never reflects credentials for another', async () => {
    const bearer = await coordinator();
    const listed = await post(bearer).set('origin', ALLOWED_ORIGIN);
    expect(listed.headers['access-control-allow-origin']).toBe(ALLOWED_ORIGIN);
    expect(listed.headers['access-control-allow-credentials']).toBe('true');

    const other = await post(bearer).set('origin', 'https://evil.example');
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
    expect(other.headers['access-control-allow-credentials']).toBeUndefined();

    const preflight = await request(system.app).options('/graphql').set('origin', ALLOWED_ORIGIN).set('access-control-request-method', 'POST');
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-headers']).toMatch(/x-purpose/);
    const foreignPreflight = await request(system.app).options('/graphql').set('origin', 'https://evil.example').set('access-control-request-method', 'POST');
    expect(foreignPreflight.status).toBe(403);
    expect(foreignPreflight.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('refuses introspection with FORBIDDEN', async () => {
    const response = await post(await coordinator(), { query: '{ __schema { queryType { name } } }' });
    expect(response.body.data).toBeUndefined();
    expect(response.body.errors[0].extensions.code).toBe('FORBIDDEN');
    expect(response.body.errors[0].message).toMatch(/Introspection is turned off/);
  });

  it('serves no GraphiQL page', async () => {
    const response = await request(system.app).get('/graphql').set('accept', 'text/html');
    expect(response.text).not.toMatch(/graphiql/i);
    expect(response.body.errors?.[0]?.extensions?.code).toEqual(expect.any(String));
  });

  it('is open in development unless closed, and closed in production unless opened', () => {
    const production = { NODE_ENV: 'production', AGENCIES: 'external', AUTH_JWKS_FILE: 'jwks.json', AUTH_ISSUER: 'https://idp.example' };
    expect(surfaceOf(loadConfig({}, []))).toMatchObject({ introspection: true, graphiql: true, corsOrigins: [], maxBodyBytes: 1024 * 1024 });
    expect(surfaceOf(loadConfig(production, []))).toMatchObject({ introspection: false, graphiql: false, corsOrigins: [] });
    expect(surfaceOf(loadConfig({ ...production, GRAPHQL_INTROSPECTION: 'true', GRAPHIQL: 'true' }, []))).toMatchObject({
      introspection: true,
      graphiql: true,
    });
    expect(() => loadConfig({ CORS_ORIGINS: 'https://partner.example/app' }, [])).toThrow(/CORS_ORIGINS/);
  });
});

describe('errors a caller can act on', () => {
  const errorsOf = async (body: object) => (await post(await coordinator(), body)).body.errors as { message: string; extensions: Record<string, unknown> }[];

  it('hides enum and field suggestions, which would map what the caller may not see', async () => {
    const [wrongEnum] = await errorsOf({ query: '{ cohort(strand: FIXD) { totalCount } }' });
    expect(wrongEnum?.extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(wrongEnum?.message).not.toMatch(/FIXED|Did you mean/);
    const [wrongField] = await errorsOf({ query: '{ persn(crn: "X123456") { id } }' });
    expect(wrongField?.message).not.toMatch(/person|Did you mean/);
  });

  it('names each limit with LIMIT_EXCEEDED, not a syntax error', async () => {
    const cases: [string, object][] = [
      ['aliases', { query: `{ ${Array.from({ length: 101 }, (_, i) => `a${i}: __typename`).join(' ')} }` }],
      ['tokens', { query: `{ ${'__typename '.repeat(10_001)}}` }],
      ['directives', { query: `{ ${Array.from({ length: 21 }, (_, i) => `a${i}: __typename @include(if: true)`).join(' ')} }` }],
      ['depth', { query: `{ person(crn: "X123456") { ${'probableMatches { person { '.repeat(7)} id ${'} } '.repeat(7)} } }` }],
      [
        'cost',
        {
          query: `query($n: Int) { ${Array.from({ length: 20 }, (_, i) => `c${i}: cohort(first: $n) { edges { node { id police { arrests { offence arrestedOn } } } } }`).join(' ')} }`,
          variables: { n: 100 },
        },
      ],
      [
        'cost',
        {
          query: `query($n: Int = 100) { ${Array.from({ length: 20 }, (_, i) => `c${i}: cohort(first: $n) { edges { node { id police { arrests { offence arrestedOn } } } } }`).join(' ')} }`,
        },
      ],
    ];
    for (const [limit, body] of cases) {
      const errors = (await errorsOf(body)) ?? [];
      expect(
        errors.map((e) => e.extensions),
        limit,
      ).toEqual([expect.objectContaining({ code: 'LIMIT_EXCEEDED', limit })]);
      expect(errors[0]?.message).not.toMatch(/Syntax Error/);
    }
  });

  it('counts the cost of each request’s variables, though the document was counted before', async () => {
    const pages = (n: number) => ({
      query: `query($n: Int) { ${Array.from({ length: 20 }, (_, i) => `c${i}: cohort(first: $n) { edges { node { id police { arrests { offence } } } } }`).join(' ')} }`,
      variables: { n },
    });
    const codes = async (body: object) => ((await errorsOf(body)) ?? []).map((error) => error.extensions.code);
    expect(await codes(pages(1))).not.toContain('LIMIT_EXCEEDED');
    expect(await codes(pages(100))).toEqual(['LIMIT_EXCEEDED']);
    expect(await codes(pages(1))).not.toContain('LIMIT_EXCEEDED');
    // A document whose cost no variable changes is refused every time, not only when first counted.
    const literal = {
      query: `{ ${Array.from({ length: 20 }, (_, i) => `c${i}: cohort(first: 100) { edges { node { id police { arrests { offence } } } } }`).join(' ')} }`,
    };
    expect(await codes(literal)).toEqual(['LIMIT_EXCEEDED']);
    expect(await codes(literal)).toEqual(['LIMIT_EXCEEDED']);
    // A variable in another argument than first: changes neither the count nor whether it can be kept.
    const searches = {
      query: `query($n: String!) { ${Array.from({ length: 60 }, (_, i) => `s${i}: people(name: $n, first: 100) { confidence person { id } }`).join(' ')} }`,
      variables: { n: 'Smith' },
    };
    expect(await codes(searches)).toEqual(['LIMIT_EXCEEDED']);
    expect(await codes(searches)).toEqual(['LIMIT_EXCEEDED']);
  });

  it('keeps no cost for an operation name that names no operation', async () => {
    const query = `query Pages { ${Array.from({ length: 20 }, (_, i) => `c${i}: cohort(first: 100) { edges { node { id police { arrests { offence } } } } }`).join(' ')} }`;
    const codes = async (body: object) => ((await errorsOf(body)) ?? []).map((error) => error.extensions.code);
    expect(await codes({ query, operationName: '' })).not.toContain('LIMIT_EXCEEDED');
    expect(await codes({ query })).toEqual(['LIMIT_EXCEEDED']);
    expect(await codes({ query, operationName: 'Pages' })).toEqual(['LIMIT_EXCEEDED']);
  });

  it('codes bad variables BAD_USER_INPUT and echoes at most 100 characters of what was sent', async () => {
    const sent = 'x'.repeat(5000);
    const errors = await errorsOf({ query: 'query($n: Int) { cohort(first: $n) { totalCount } }', variables: { n: sent } });
    expect(errors[0]?.extensions.code).toBe('BAD_USER_INPUT');
    expect(errors[0]?.message).not.toContain('x'.repeat(101));
    const bounded = await errorsOf({ query: 'query($r: String!) { person(crn: $r) { id } }', variables: { r: `X${'\u0000'.repeat(10)}` } });
    expect(bounded[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'crn' });
  });

  it('serialises an answer’s errors without their stack traces, and leaves the process capturing them for its own', async () => {
    const before = Error.stackTraceLimit;
    const errors = await errorsOf({ query: '{ a: persn { id } b: persn { id } }' });
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.every((error) => !('stack' in error) && !('stacktrace' in error.extensions))).toBe(true);
    expect(Error.stackTraceLimit).toBe(before);
    expect(new Error('after').stack?.split('\n').length).toBeGreaterThan(1);
  });
});
