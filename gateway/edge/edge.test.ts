import express, { type RequestHandler } from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { graphqlEdge } from './index.js';

/** Says what the edge handed on as the body. */
const report: RequestHandler = (req, res) => {
  res.json({ kind: Array.isArray(req.body) ? 'array' : typeof req.body, body: req.body as unknown });
};
const app = express().use('/graphql', ...graphqlEdge({ maxBodyBytes: 1024, corsOrigins: [], graphiql: false }), report);

const post = (body: string) => request(app).post('/graphql').set('content-type', 'application/json').send(body);

describe('the body the edge hands on', () => {
  it('is the JSON request, parsed once, for yoga to take as it is', async () => {
    expect((await post('{"query":"{ __typename }","variables":{"n":1}}')).body).toEqual({
      kind: 'object',
      body: { query: '{ __typename }', variables: { n: 1 } },
    });
    expect((await post('[{"query":"{ a }"}]')).body).toEqual({ kind: 'array', body: [{ query: '{ a }' }] });
  });

  it('is the text as sent when it is not a JSON object or array with something in it, for yoga to refuse as before', async () => {
    for (const text of ['{"query": ', 'null', '5', '"{ a }"', '{}', '[]']) {
      expect((await post(text)).body).toEqual({ kind: 'string', body: text });
    }
  });
});
