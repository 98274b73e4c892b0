import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AgencyUnavailableError } from './errors.js';
import { readIdentityChanges } from './identity-changes.js';
import { createUpstream, MAX_ANSWER_BYTES } from './upstream.js';

const Answer = z.object({ items: z.array(z.string()) });

describe('upstream client over its connection pool', () => {
  let server: Server | undefined;
  afterEach(async () => {
    server?.closeAllConnections();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server = undefined;
  });

  /** A bare HTTP server on loopback, counting the connections made to it. */
  async function agencyAnswering(handler: RequestListener): Promise<{ url: string; connections: () => number }> {
    let connections = 0;
    server = createServer(handler);
    server.on('connection', () => {
      connections += 1;
    });
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, connections: () => connections };
  }

  const reasonOf = async (promise: Promise<unknown>) => {
    const error = await promise.then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AgencyUnavailableError);
    return (error as AgencyUnavailableError).reason;
  };

  it('keeps its connection open between calls rather than connecting for each', async () => {
    const agency = await agencyAnswering((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ items: ['a'] }));
    });
    const upstream = createUpstream({ agency: 'test', baseUrl: agency.url, timeoutMs: 1_000 });
    for (let i = 0; i < 20; i++) expect(await upstream.post('/things/batch', { keys: [String(i)] }, Answer)).toEqual({ items: ['a'] });
    expect(agency.connections()).toBe(1);
  });

  it('gives a call its own deadline when asked, and the agency timeout otherwise', async () => {
    const agency = await agencyAnswering((_req, res) => {
      setTimeout(() => {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ items: ['late'] }));
      }, 300);
    });
    const upstream = createUpstream({ agency: 'test', baseUrl: agency.url, timeoutMs: 100 });
    expect(await reasonOf(upstream.get('/feed', {}, Answer))).toBe('timeout');
    expect(await upstream.get('/feed', {}, Answer, { timeoutMs: 5_000 })).toEqual({ items: ['late'] });
  });

  it('keeps background calls out of the circuit breaker: they neither open it nor are refused by it', async () => {
    const agency = await agencyAnswering((_req, res) => {
      res.statusCode = 500;
      res.end('{}');
    });
    const upstream = createUpstream({ agency: 'test', baseUrl: agency.url, timeoutMs: 1_000 });
    for (let i = 0; i < 8; i++) expect(await reasonOf(upstream.get('/feed', {}, Answer, { background: true }))).toBe('error-status');
    expect(upstream.breaker.state).toBe('closed');
    for (let i = 0; i < 5; i++) expect(await reasonOf(upstream.get('/things', {}, Answer))).toBe('error-status');
    expect(await reasonOf(upstream.get('/things', {}, Answer))).toBe('circuit-open');
    expect(await reasonOf(upstream.get('/feed', {}, Answer, { background: true }))).toBe('error-status');
  });

  it('reads an identity change page past a request timeout: a feed page has its own deadline', async () => {
    const agency = await agencyAnswering((_req, res) => {
      setTimeout(() => {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ items: [], cursor: 'g.r.0', more: false }));
      }, 300);
    });
    const upstream = createUpstream({ agency: 'test', baseUrl: agency.url, timeoutMs: 100 });
    expect(await readIdentityChanges('test', upstream)(null)).toEqual({ changes: [], cursor: 'g.r.0', more: false });
    expect(upstream.breaker.state).toBe('closed');
  });

  it('refuses an answer larger than any record set as malformed, without holding it all', async () => {
    const chunk = Buffer.alloc(1024 * 1024, 'x');
    const agency = await agencyAnswering((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.write('{"items":["');
      let sent = 0;
      const more = () => {
        while (sent <= MAX_ANSWER_BYTES && res.write(chunk)) sent += chunk.length;
        if (sent <= MAX_ANSWER_BYTES) res.once('drain', more);
        else res.end('"]}');
      };
      more();
    });
    const upstream = createUpstream({ agency: 'test', baseUrl: agency.url, timeoutMs: 10_000 });
    expect(await reasonOf(upstream.get('/things', {}, Answer))).toBe('malformed-payload');
  });

  it('gives up on an answer that stalls half way, within the timeout', async () => {
    const agency = await agencyAnswering((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.write('{"items":[');
    });
    const upstream = createUpstream({ agency: 'test', baseUrl: agency.url, timeoutMs: 200 });
    const started = performance.now();
    expect(await reasonOf(upstream.get('/things', {}, Answer))).toBe('timeout');
    expect(performance.now() - started).toBeLessThan(1_500);
  });
});
