import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { CircuitBreaker } from './breaker.js';
import { AgencyUnavailableError } from './errors.js';
import { createSimulatorApp, parseFaultSpec, type RunningSimulator, startSimulator } from './simulator.js';
import { createUpstream } from './upstream.js';

const Answer = z.object({ items: z.array(z.string()) });

describe('circuit breaker', () => {
  it('opens after the threshold, lets one trial through after the cool-down, closes on success', () => {
    let now = 0;
    const breaker = new CircuitBreaker({ failureThreshold: 2, cooldownMs: 1000, now: () => now });
    breaker.failed();
    expect(breaker.allow()).toBe(true);
    breaker.failed();
    expect(breaker.state).toBe('open');
    expect(breaker.allow()).toBe(false);
    now = 1500;
    expect(breaker.allow()).toBe(true);
    expect(breaker.allow()).toBe(false);
    breaker.succeeded();
    expect(breaker.state).toBe('closed');
  });

  it('a failed trial re-opens it for another cool-down', () => {
    let now = 0;
    const breaker = new CircuitBreaker({ failureThreshold: 1, cooldownMs: 100, now: () => now });
    breaker.failed();
    now = 150;
    expect(breaker.allow()).toBe(true);
    breaker.failed();
    expect(breaker.allow()).toBe(false);
    expect(breaker.state).toBe('open');
  });
});

describe('upstream client against a simulator', () => {
  let sim: RunningSimulator;
  beforeAll(async () => {
    const app = createSimulatorApp({
      agency: 'test',
      openapiPath: new URL('../police/openapi.yaml', import.meta.url).pathname,
      routes: (router) => router.get('/things', (_req, res) => void res.json({ items: ['a', 'b'] })),
      identities: { generation: 'none', size: 0, itemAt: () => null },
    });
    sim = await startSimulator(app);
  });
  afterAll(() => sim.close());

  const failure = async (promise: Promise<unknown>) => {
    const error = await promise.then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AgencyUnavailableError);
    return error as AgencyUnavailableError;
  };

  it('parses a good answer and counts the request per route', async () => {
    sim.app.stats.reset();
    const upstream = createUpstream({ agency: 'test', baseUrl: sim.url, timeoutMs: 500 });
    expect(await upstream.get('/things', {}, Answer)).toEqual({ items: ['a', 'b'] });
    expect(sim.app.stats.counts()).toEqual({ 'GET /things': 1 });
  });

  it('turns each fault into an AgencyUnavailableError with its reason', async () => {
    const upstream = createUpstream({
      agency: 'test',
      baseUrl: sim.url,
      timeoutMs: 200,
      breaker: new CircuitBreaker({ failureThreshold: 100, cooldownMs: 1 }),
    });
    sim.app.faults.set({ mode: 'down' });
    expect((await failure(upstream.get('/things', {}, Answer))).reason).toBe('error-status');
    sim.app.faults.set({ mode: 'malformed' });
    expect((await failure(upstream.get('/things', {}, Answer))).reason).toBe('malformed-payload');
    sim.app.faults.set({ mode: 'normal', latencyMs: 400 });
    expect((await failure(upstream.get('/things', {}, Answer))).reason).toBe('timeout');
    sim.app.faults.set({ latencyMs: 0 });
    expect((await failure(upstream.get('/things', {}, z.object({ items: z.array(z.number()) })))).reason).toBe('malformed-payload');
    expect((await failure(createUpstream({ agency: 'test', baseUrl: 'http://127.0.0.1:9', timeoutMs: 200 }).get('/', {}, Answer))).reason).toBe('unreachable');
  });

  it('stops calling a failing agency once its circuit opens', async () => {
    sim.app.faults.set({ mode: 'down' });
    sim.app.stats.reset();
    const upstream = createUpstream({
      agency: 'test',
      baseUrl: sim.url,
      timeoutMs: 200,
      breaker: new CircuitBreaker({ failureThreshold: 2, cooldownMs: 60_000 }),
    });
    for (let i = 0; i < 5; i++) await failure(upstream.get('/things', {}, Answer));
    expect(sim.app.stats.total()).toBe(2);
    expect((await failure(upstream.get('/things', {}, Answer))).reason).toBe('circuit-open');
    sim.app.faults.set({ mode: 'normal' });
  });

  it('lets tests and operators set faults over HTTP, refusing nonsense', async () => {
    const put = (body: unknown) =>
      fetch(`${sim.url}/__admin/faults`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(await (await put({ mode: 'down', latencyMs: 10 })).json()).toEqual({ mode: 'down', latencyMs: 10 });
    expect((await put({ mode: 'exploded' })).status).toBe(400);
    await put({ mode: 'normal', latencyMs: 0 });
  });

  it('reads start-up faults from a spec and names a bad part', () => {
    expect(parseFaultSpec('police=down, prison=latency:3000,prison=malformed')).toEqual(
      new Map([
        ['police', { mode: 'down' }],
        ['prison', { latencyMs: 3000, mode: 'malformed' }],
      ]),
    );
    expect(() => parseFaultSpec('police=on-fire')).toThrow(/"police=on-fire"/);
  });
});
