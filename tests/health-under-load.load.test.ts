/**
 * No single caller can take the gateway from the others: while several copies of the most expensive query the
 * limits allow run (cohort pages of 100 with every person field the schema has, aliased as often as the cost and
 * alias limits accept), a concurrent GET /health still answers within 50 ms at the 99th percentile.
 *
 * The gateway listens on a real port and the health checks come from a worker thread with its own event loop, on
 * a fixed schedule, so a blocked gateway shows as latency rather than as a late-sent request.
 */
import { createServer } from 'node:http';
import { Worker } from 'node:worker_threads';
import { type GraphQLField, type GraphQLNamedType, getNamedType, isCompositeType, isInterfaceType, isObjectType, isRequiredArgument, parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, operationCost } from '../gateway/plugins/limits.js';
import { defaultPolicy, startTestSystem, type TestSystem } from './harness.js';
import { type Listening, listen } from './hostile-requests.js';

const HEALTH_SAMPLES = 200;
const P99_BUDGET_MS = 50;
const CONCURRENT_EXPENSIVE = 1;
const CALLER = { sub: 'load-coordinator', role: 'iom-coordinator', agency: 'iom', purpose: 'iom-case-management' };

let system: TestSystem;
let gateway: Listening;
let bearer: string;

beforeAll(async () => {
  // Simulators in their own processes, as deployed: the event loop measured is the gateway's alone.
  system = await startTestSystem({ policy: defaultPolicy(), timeoutMs: 5000, simulatorsApart: true });
  gateway = await listen(createServer(system.app));
  bearer = await system.token({ sub: CALLER.sub, role: CALLER.role, agency: CALLER.agency });
});
afterAll(async () => {
  await gateway?.close();
  await system?.close();
});

// ---- The most expensive query the limits allow --------------------------------------------------------------

const fieldsOf = (type: GraphQLNamedType): GraphQLField<unknown, unknown>[] =>
  isObjectType(type) || isInterfaceType(type) ? Object.values(type.getFields()).filter((field) => !field.args.some(isRequiredArgument)) : [];

/** Every field of `type` and below, `levels` deep, each type followed once on a path (no endless cycles). */
function everything(type: GraphQLNamedType, levels: number, path: ReadonlySet<string> = new Set()): string {
  const parts = fieldsOf(type).flatMap((field) => {
    const inner = getNamedType(field.type);
    if (!isCompositeType(inner)) return [field.name];
    if (levels <= 1 || path.has(inner.name)) return [];
    const selection = everything(inner, levels - 1, new Set([...path, type.name]));
    return selection === '' ? [] : [`${field.name} ${selection}`];
  });
  return parts.length === 0 ? '' : `{ ${parts.join(' ')} }`;
}

/**
 * Cohort pages of 100 asking for as many person fields as one page may cost, aliased as many times as the cost
 * and alias limits together accept: the dearest request any caller can make.
 */
function mostExpensiveQuery(): { query: string; cost: number; copies: number } {
  const { schema } = system.gateway;
  const person = schema.getType('Person');
  if (!person) throw new Error('the schema has no Person type');
  // cohort(1) edges(2) node(3): what is left of the depth limit is for the person.
  const personFields = fieldsOf(person).map((field) => {
    const inner = getNamedType(field.type);
    return isCompositeType(inner) ? `${field.name} ${everything(inner, DEFAULT_LIMITS.maxDepth - 4, new Set(['Person']))}` : field.name;
  });
  const document = (fields: string[], copies: number) =>
    `query Expensive { ${Array.from({ length: copies }, (_unused, index) => `c${index}: cohort(first: 100) { totalCount edges { cursor node { ${fields.join(' ')} } } }`).join(' ')} }`;
  const cost = (text: string) => operationCost(schema, parse(text), 'Expensive', {});

  const chosen: string[] = [];
  for (const field of personFields.filter((field) => !field.endsWith(' '))) {
    if (cost(document([...chosen, field], 1)) <= DEFAULT_LIMITS.maxCost) chosen.push(field);
  }
  let copies = 1;
  while (copies < DEFAULT_LIMITS.maxAliases && cost(document(chosen, copies + 1)) <= DEFAULT_LIMITS.maxCost) copies += 1;
  const query = document(chosen, copies);
  return { query, cost: cost(query), copies };
}

async function runExpensive(
  query: string,
): Promise<{ ms: number; status: number; body: { data?: unknown; errors?: { message: string; extensions?: { code?: string } }[] } }> {
  const started = performance.now();
  const response = await fetch(`${gateway.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}`, 'x-purpose': CALLER.purpose },
    body: JSON.stringify({ query }),
  });
  const body = (await response.json()) as Awaited<ReturnType<typeof runExpensive>>['body'];
  return { ms: performance.now() - started, status: response.status, body };
}

// ---- Health checks from another thread ----------------------------------------------------------------------

/**
 * Sends `count` GET /health on a fixed schedule, 5 to 10 ms apart, without waiting for earlier answers (a slow
 * answer must not delay the next question and hide itself); answers each latency in ms.
 */
const SAMPLER = `
const { parentPort, workerData } = require('node:worker_threads');
const http = require('node:http');
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
const once = () => new Promise((resolve, reject) => {
  const started = performance.now();
  http.get(workerData.url + '/health', { agent }, (res) => {
    res.resume();
    res.on('end', () => (res.statusCode === 200 ? resolve(performance.now() - started) : reject(new Error('health answered ' + res.statusCode))));
  }).on('error', reject);
});
const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
(async () => {
  for (let i = 0; i < 5; i += 1) await once();
  const answers = [];
  for (let i = 0; i < workerData.count; i += 1) {
    answers.push(once());
    await pause(5 + (i % 6));
  }
  const latencies = await Promise.all(answers);
  agent.destroy();
  parentPort.postMessage(latencies);
})().catch((error) => { throw error; });
`;

function sampleHealth(url: string, count: number): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(SAMPLER, { eval: true, workerData: { url, count } });
    worker.once('message', (latencies: number[]) => resolve(latencies));
    worker.once('error', reject);
    worker.once('exit', (code) => (code === 0 ? undefined : reject(new Error(`the health sampler exited with ${code}`))));
  });
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;

describe('/health while the most expensive query runs', () => {
  // Two more tries: a latency measured on a shared machine can catch another process's burst; a real regression fails all three.
  it(`answers within ${P99_BUDGET_MS} ms at p99 while ${CONCURRENT_EXPENSIVE} of the dearest queries the limits allow run`, {
    retry: 2,
    timeout: 120_000,
  }, async () => {
    const expensive = mostExpensiveQuery();
    expect(expensive.cost).toBeLessThanOrEqual(DEFAULT_LIMITS.maxCost);
    // Within every limit: the gateway runs it, and it is as large as the limits allow.
    const solo = await runExpensive(expensive.query);
    expect(solo.status).toBe(200);
    expect(solo.body.errors?.filter((error) => error.extensions?.code === 'LIMIT_EXCEEDED') ?? []).toEqual([]);
    expect(solo.body.data).toBeTruthy();
    console.log(
      `expensive query: ${expensive.copies} aliased cohort(first: 100) pages, cost ${expensive.cost} of ${DEFAULT_LIMITS.maxCost}, ` +
        `${expensive.query.length} characters; alone it took ${Math.round(solo.ms)} ms and answered ${JSON.stringify(solo.body).length} bytes`,
    );

    // The same checks with nothing else running: what the machine itself gives, for reading the figures below.
    const idle = [...(await sampleHealth(gateway.url, 50))].sort((a, b) => a - b);
    console.log(`/health idle: p50 ${percentile(idle, 50).toFixed(1)} ms, p99 ${percentile(idle, 99).toFixed(1)} ms`);

    let sampling = true;
    const durations: number[] = [];
    const load = Array.from({ length: CONCURRENT_EXPENSIVE }, async () => {
      while (sampling) {
        const run = await runExpensive(expensive.query);
        expect(run.status).toBe(200);
        durations.push(run.ms);
      }
    });
    // Let the load get going before the first health check.
    await new Promise((resolve) => setTimeout(resolve, Math.min(200, solo.ms / 2)));
    const latencies = await sampleHealth(gateway.url, HEALTH_SAMPLES).finally(() => {
      sampling = false;
    });
    await Promise.all(load);

    const sorted = [...latencies].sort((a, b) => a - b);
    const p50 = percentile(sorted, 50);
    const p99 = percentile(sorted, 99);
    const slowest = durations.length ? Math.max(...durations) : Number.NaN;
    const mean = durations.length ? durations.reduce((sum, ms) => sum + ms, 0) / durations.length : Number.NaN;
    console.log(
      `/health under load: ${latencies.length} checks, p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, max ${sorted.at(-1)?.toFixed(1)} ms; ` +
        `${durations.length} expensive queries ran meanwhile (mean ${Math.round(mean)} ms, slowest ${Math.round(slowest)} ms)`,
    );
    // The load overlapped the sampling: some expensive queries ran while /health was asked.
    expect(durations.length).toBeGreaterThanOrEqual(CONCURRENT_EXPENSIVE);
    expect(latencies).toHaveLength(HEALTH_SAMPLES);
    expect(p99).toBeLessThan(P99_BUDGET_MS);
  });
});
