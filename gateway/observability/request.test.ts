import { Writable } from 'node:stream';
import express from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logging.js';
import { metrics } from './metrics.js';
import { observeRequests } from './request.js';

/** An express app observed as the gateway's is, its log lines kept. */
function observed() {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const app = express();
  app.use(observeRequests({ logger: createLogger({ level: 'info', format: 'json', destination: sink }), metrics }));
  app.get('/ready', (_req, res) => void res.send('ready'));
  app.post('/graphql', (req, res) => void res.status(Number(req.query.status ?? 200)).json({}));
  // The line is written once the response has closed.
  const settle = () => new Promise((resolve) => setTimeout(resolve, 20));
  return { app, lines, settle };
}

describe('the request log line', () => {
  it('is one line per request, naming its id, route, status and duration, never its URL', async () => {
    const { app, lines, settle } = observed();
    await request(app).post('/graphql?pnc=2002/0949875C').set('x-request-id', 'log-line-test-0001').expect(200);
    await settle();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 30,
      msg: 'request',
      requestId: 'log-line-test-0001',
      req: { method: 'POST', route: '/graphql' },
      res: { status: 200 },
      traceId: null,
      userId: null,
      operation: null,
    });
    expect(typeof lines[0]?.durationMs).toBe('number');
    expect(JSON.stringify(lines[0])).not.toContain('0949875C');
  });

  it('warns of a failed request, with the code its status gives and the error alerts key on', async () => {
    const { app, lines, settle } = observed();
    await request(app).post('/graphql?status=503').expect(503);
    await request(app).post('/graphql?status=401').expect(401);
    await settle();
    expect(lines[0]).toMatchObject({ level: 40, msg: 'request failed', res: { status: 503 }, err: { message: 'failed with status code 503' } });
    expect(lines[1]).toMatchObject({ level: 30, msg: 'request', res: { status: 401 }, codes: ['UNAUTHENTICATED'] });
  });

  it('writes nothing for the probes', async () => {
    const { app, lines, settle } = observed();
    await request(app).get('/ready').expect(200);
    await settle();
    expect(lines).toEqual([]);
  });
});
