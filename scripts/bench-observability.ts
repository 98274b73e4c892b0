/**
 * What observing a request costs on the request path: an express app answering a small JSON body, bare and with
 * the gateway's request observation (request id, JSON log line, metrics, and tracing when
 * OTEL_EXPORTER_OTLP_ENDPOINT is set), each loaded over loopback by sequential keep-alive requests. Prints the
 * mean and p99 per request and the difference. `BENCH_REQUESTS` (default 5000).
 */
import { Agent, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import express from 'express';
import { createLogger } from '../gateway/observability/logging.js';
import { metrics } from '../gateway/observability/metrics.js';
import { activateTrace, observeRequests } from '../gateway/observability/request.js';
import { startTracing, stopTracing } from '../gateway/observability/tracing.js';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 5000);
const WARM_UP = 500;

function app(observed: boolean) {
  const served = express();
  if (observed) {
    // Lines are written (JSON serialised) but not kept: what is measured is the gateway's work, not the terminal's.
    const sink = new Writable({ write: (_chunk, _encoding, done) => done() });
    served.use(observeRequests({ logger: createLogger({ level: 'info', format: 'json', destination: sink }), metrics }), activateTrace);
  }
  served.post('/graphql', (_req, res) => {
    res.json({ data: { __typename: 'Query' } });
  });
  return served;
}

async function load(observed: boolean): Promise<number[]> {
  const server = app(observed).listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const once = () =>
    new Promise<number>((resolve, reject) => {
      const started = performance.now();
      const req = request({ host: '127.0.0.1', port, path: '/graphql', method: 'POST', agent, headers: { 'content-type': 'application/json' } }, (res) => {
        res.resume();
        res.on('end', () => resolve(performance.now() - started));
      });
      req.on('error', reject);
      req.end('{"query":"{ __typename }"}');
    });
  const times: number[] = [];
  for (let i = 0; i < WARM_UP + REQUESTS; i++) {
    const took = await once();
    if (i >= WARM_UP) times.push(took);
  }
  agent.destroy();
  server.close();
  return times.sort((a, b) => a - b);
}

const figures = (times: number[]) => ({
  mean: times.reduce((a, b) => a + b, 0) / times.length,
  p99: times[Math.floor(times.length * 0.99)] ?? Number.NaN,
});

if (process.env.OTEL_EXPORTER_OTLP_ENDPOINT) {
  await startTracing({ endpoint: process.env.OTEL_EXPORTER_OTLP_ENDPOINT, serviceName: 'bench-observability' });
}
const bare = figures(await load(false));
const observed = figures(await load(true));
await stopTracing();
const ms = (value: number) => `${value.toFixed(3)} ms`;
console.log(`requests: ${REQUESTS} sequential, keep-alive, loopback; tracing ${process.env.OTEL_EXPORTER_OTLP_ENDPOINT ? 'on' : 'off'}`);
console.log(`bare:     mean ${ms(bare.mean)}, p99 ${ms(bare.p99)}`);
console.log(`observed: mean ${ms(observed.mean)}, p99 ${ms(observed.p99)}`);
console.log(`cost:     ${ms(observed.mean - bare.mean)} per request (mean)`);
