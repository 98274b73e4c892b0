/**
 * Traces: with OTEL_EXPORTER_OTLP_ENDPOINT's setting, one trace per request reaches an OTLP/HTTP receiver this
 * suite runs, continuing the caller's traceparent: authentication, policy, execution, each agency call and the
 * ledger commit, the root span carrying the request id the ledger records. No attribute carries an identifier or a
 * name, and each agency call passes the trace on in its own traceparent.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { AgencyAdapter } from '../adapters/kit/contract.js';
import { createUpstream } from '../adapters/kit/upstream.js';
import { createSectionLoaders } from '../gateway/enforcement/sections.js';
import { flushTracing, startRequestSpan, startTracing, stopTracing, withSpan } from '../gateway/observability/tracing.js';
import { COORDINATOR, startTestSystem, type TestSystem } from './harness.js';
import { type Listening, listen } from './hostile-requests.js';

interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: { key: string; value: Record<string, unknown> }[];
}

const ExportRequest = z.object({
  resourceSpans: z.array(
    z.object({ scopeSpans: z.array(z.object({ spans: z.array(z.looseObject({ traceId: z.string(), spanId: z.string(), name: z.string() })) })) }),
  ),
});

const body = (req: IncomingMessage) =>
  new Promise<string>((resolve) => {
    let text = '';
    req.on('data', (chunk: Buffer) => (text += chunk.toString()));
    req.on('end', () => resolve(text));
  });

const CARL = '2002/0949875C';
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT_ID = '00f067aa0ba902b7';

describe('a trace per request, exported over OTLP/HTTP', () => {
  let receiver: Server;
  let collector: Listening;
  let system: TestSystem;
  const spans: ReceivedSpan[] = [];
  let requestId: string;
  let personId: string;
  /** Calls each agency served for the traced request. */
  let served: Record<string, number>;

  const spansOf = async (traceId: string, atLeast: number) => {
    for (let i = 0; i < 100; i++) {
      await flushTracing();
      const found = spans.filter((span) => span.traceId === traceId);
      if (found.length >= atLeast) return found;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return spans.filter((span) => span.traceId === traceId);
  };

  beforeAll(async () => {
    // The tiny collector: OTLP/HTTP JSON, as the exporter sends it to <endpoint>/v1/traces.
    receiver = createServer(async (req, res) => {
      const text = await body(req);
      if (req.method === 'POST' && req.url === '/v1/traces') {
        const parsed = ExportRequest.parse(JSON.parse(text));
        for (const resource of parsed.resourceSpans) for (const scope of resource.scopeSpans) spans.push(...(scope.spans as unknown as ReceivedSpan[]));
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
    collector = await listen(receiver);
    await startTracing({ endpoint: collector.url, serviceName: 'gateway-trace-test' });
    system = await startTestSystem();
    system.resetUpstreamCalls();
    const bearer = await system.token({ sub: 'cm-0042', name: 'Casey Manager', role: COORDINATOR.role, agency: COORDINATOR.agency });
    const answer = await request(system.app)
      .post('/graphql')
      .set('content-type', 'application/json')
      .set('authorization', `Bearer ${bearer}`)
      .set('x-purpose', 'iom-case-management')
      .set('traceparent', `00-${TRACE_ID}-${PARENT_ID}-01`)
      .send({
        query:
          'query Person($pnc: String) { person(pnc: $pnc) { id name { givenName familyName } probation { riskOfSeriousHarm } housing { accommodationStatus } } }',
        variables: { pnc: CARL },
      })
      .expect(200);
    expect(answer.body.errors).toBeUndefined();
    expect(answer.body.data.person.name.familyName).toBe('Rhodes');
    requestId = answer.body.extensions.requestId;
    personId = answer.body.data.person.id;
    served = Object.fromEntries(
      Object.entries(system.upstreamCalls())
        .map(([agency, routes]) => [agency, Object.values(routes).reduce((a, b) => a + b, 0)] as const)
        .filter(([, calls]) => calls > 0),
    );
  });

  afterAll(async () => {
    await system?.close();
    await stopTracing();
    await collector?.close();
  });

  it("continues the caller's trace with the request's steps, each under the request's span", async () => {
    const trace = await spansOf(TRACE_ID, 7);
    const root = trace.find((span) => span.name === 'POST /graphql');
    expect(root?.parentSpanId).toBe(PARENT_ID);
    const names = trace.map((span) => span.name);
    for (const step of ['gateway.authenticate', 'gateway.policy', 'graphql.query', 'ledger.commit']) expect(names).toContain(step);
    // One client span per call an agency served (kind 3: CLIENT), and those asked for among them.
    const agencyCalls: Record<string, number> = {};
    for (const span of trace.filter((candidate) => candidate.kind === 3)) {
      const agency = span.name.split(' ')[1] as string;
      agencyCalls[agency] = (agencyCalls[agency] ?? 0) + 1;
    }
    expect(agencyCalls).toEqual(served);
    expect(Object.keys(agencyCalls)).toEqual(expect.arrayContaining(['probation', 'housing']));
    const byId = new Map(trace.map((span) => [span.spanId, span]));
    for (const span of trace) {
      if (span === root) continue;
      // Every step hangs from the request's span, directly or through execution.
      let parent = span.parentSpanId ? byId.get(span.parentSpanId) : undefined;
      while (parent && parent !== root) parent = parent.parentSpanId ? byId.get(parent.parentSpanId) : undefined;
      expect(parent, span.name).toBe(root);
    }
  });

  it('links the trace to the ledger record by the request id', async () => {
    const root = (await spansOf(TRACE_ID, 7)).find((span) => span.name === 'POST /graphql');
    expect(root?.attributes).toContainEqual({ key: 'gateway.request_id', value: { stringValue: requestId } });
    const page = await system.ledger.query({}, { order: 'newest-first', limit: 20 });
    expect(page.entries.some((entry) => entry.record.requestId === requestId)).toBe(true);
  });

  it('carries no identifier, name or user in any attribute', async () => {
    const trace = await spansOf(TRACE_ID, 7);
    const values = JSON.stringify(trace.map((span) => span.attributes));
    for (const person of system.population.people) {
      for (const identifier of Object.values(person.identifiers)) if (identifier) expect(values).not.toContain(identifier);
      expect(values).not.toContain(person.familyName);
    }
    expect(values).not.toContain('cm-0042');
    expect(values).not.toContain('Casey Manager');
    expect(values).not.toContain(personId);
  });

  it('starts no trace for work outside a request (event polls)', async () => {
    const before = spans.length;
    await system.events.poll();
    await flushTracing();
    expect(spans.slice(before)).toEqual([]);
  });

  it('shows a call several requests shared in each one’s trace, as the step each waited on', async () => {
    const asked: string[][] = [];
    const adapter: AgencyAdapter = {
      identityChanges: () => Promise.reject(new Error('not used')),
      records: async (keys) => {
        asked.push([...keys]);
        return new Map(keys.map((key) => [key, { key }]));
      },
    };
    const connection = { agency: 'test-agency', title: 'Test agency', adapter };
    const requests = ['shared-call-0001', 'shared-call-0002'].map((id) => ({
      span: startRequestSpan('POST /graphql', {}, id),
      loaders: createSectionLoaders([connection]),
    }));
    // Both ask in the same turn of the event loop, as concurrent requests do: one call serves them.
    await Promise.all(requests.map(({ span, loaders }, i) => withSpan(span, () => loaders.get('test-agency')?.load(`K${i}`))));
    for (const { span } of requests) span?.end();
    expect(asked).toEqual([['K0', 'K1']]);
    for (const { span } of requests) {
      const trace = await spansOf(span?.spanContext().traceId as string, 2);
      const wait = trace.find((found) => found.name === 'records test-agency (shared)');
      expect(wait?.parentSpanId).toBe(span?.spanContext().spanId);
      expect(wait?.attributes).toContainEqual({ key: 'gateway.shared_by', value: { stringValue: '2' } });
    }
  });

  it('passes the trace on to the agency in a traceparent header', async () => {
    let received: string | undefined;
    const agency = createServer((req, res) => {
      received = req.headers.traceparent as string | undefined;
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
    const listening = await listen(agency);
    try {
      const upstream = createUpstream({ agency: 'test-agency', baseUrl: listening.url, timeoutMs: 1000 });
      const span = startRequestSpan('POST /graphql', {}, 'trace-passing-0001');
      await withSpan(span, () => upstream.get('/anything', {}, z.object({})));
      span?.end();
      const traceId = span?.spanContext().traceId as string;
      const call = (await spansOf(traceId, 2)).find((found) => found.name === 'GET test-agency');
      expect(received).toBe(`00-${traceId}-${call?.spanId}-01`);
    } finally {
      await listening.close();
    }
  });
});
