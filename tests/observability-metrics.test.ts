/**
 * GET /metrics after a scripted workload through the real gateway: request, error, WITHHELD, agency-call and
 * ledger counters move by exactly what the workload did, operation names cannot grow the label set without
 * bound, the scrape names no one, and the route can be held behind a token.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Caller, COORDINATOR, defaultPolicy, startTestSystem, type TestSystem } from './harness.js';

/** Prometheus text as series -> value, the series spelled `name{a="x",b="y"}` as the registry writes it. */
function parseScrape(text: string): Map<string, number> {
  const series = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const cut = line.lastIndexOf(' ');
    series.set(line.slice(0, cut), Number(line.slice(cut + 1)));
  }
  return series;
}

/** The sum of every series of `name` whose labels include `labels`. */
function total(scrape: Map<string, number>, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const [series, value] of scrape) {
    const brace = series.indexOf('{');
    const seriesName = brace === -1 ? series : series.slice(0, brace);
    if (seriesName !== name) continue;
    if (Object.entries(labels).every(([label, want]) => series.includes(`${label}="${want}"`))) sum += value;
  }
  return sum;
}

const CARL = '2002/0949875C';
const HOUSING: Caller = { role: 'housing-officer', agency: 'housing', purpose: 'iom-case-management', sub: 'ho-0007' };

describe('GET /metrics after a scripted workload', () => {
  let system: TestSystem;
  let before: Map<string, number>;
  let after: Map<string, number>;
  let upstreamCalls: Record<string, number>;
  let recordsWritten: number;

  const scrape = async () => parseScrape((await request(system.app).get('/metrics').expect(200)).text);
  const records = async () => Number((await system.database.query('SELECT count(*) AS n FROM ledger_records'))[0]?.n);

  beforeAll(async () => {
    system = await startTestSystem({ policy: defaultPolicy() });
    before = await scrape();
    const recordsBefore = await records();
    system.resetUpstreamCalls();

    for (let i = 0; i < 3; i++) {
      const answer = await system.query(`query PersonSummary { person(pnc: "${CARL}") { id probation { riskOfSeriousHarm } } }`, undefined, COORDINATOR);
      expect(answer.body.errors).toBeUndefined();
    }
    for (let i = 0; i < 2; i++) {
      const answer = await system.query(`query Arrests { person(pnc: "${CARL}") { police { arrests { offence } } } }`, undefined, HOUSING);
      expect(answer.body.errors?.[0]?.extensions?.code).toBe('WITHHELD');
    }
    const emergency = await system.query(`query Emergency { person(pnc: "${CARL}") { name { givenName } } }`, undefined, {
      ...HOUSING,
      purpose: 'emergency',
      justification: 'INC-0042 threat to staff',
    });
    expect(emergency.body.errors).toBeUndefined();
    for (let i = 0; i < 2; i++) {
      await request(system.app).post('/graphql').set('content-type', 'application/json').send({ query: '{ __typename }' }).expect(401);
    }
    await request(system.app).post('/graphql').set('content-type', 'text/plain').send('{ __typename }').expect(415);

    recordsWritten = (await records()) - recordsBefore;
    upstreamCalls = Object.fromEntries(
      Object.entries(system.upstreamCalls()).map(([agency, routes]) => [agency, Object.values(routes).reduce((a, b) => a + b, 0)]),
    );
    after = await scrape();
  });

  afterAll(async () => {
    await system?.close();
  });

  const delta = (name: string, labels: Record<string, string> = {}) => total(after, name, labels) - total(before, name, labels);

  it('counts requests by route, operation and status, with their latency', () => {
    expect(delta('gateway_http_request_duration_seconds_count', { route: '/graphql', operation: 'PersonSummary', status: '200' })).toBe(3);
    expect(delta('gateway_http_request_duration_seconds_count', { route: '/graphql', operation: 'Arrests', status: '200' })).toBe(2);
    expect(delta('gateway_http_request_duration_seconds_count', { route: '/graphql', status: '401' })).toBe(2);
    expect(delta('gateway_http_request_duration_seconds_count', { route: '/graphql', status: '415' })).toBe(1);
    expect(delta('gateway_http_request_duration_seconds_count', { route: '/graphql', operation: 'Emergency', status: '200' })).toBe(1);
    expect(delta('gateway_http_request_duration_seconds_count', { route: '/graphql' })).toBe(9);
    expect(delta('gateway_http_request_duration_seconds_sum', { route: '/graphql' })).toBeGreaterThan(0);
  });

  it('counts errors by operation and code', () => {
    expect(delta('gateway_errors_total', { operation: 'Arrests', code: 'WITHHELD' })).toBe(2);
    expect(delta('gateway_errors_total', { code: 'UNAUTHENTICATED' })).toBe(2);
    expect(delta('gateway_errors_total', { code: 'UNSUPPORTED_MEDIA_TYPE' })).toBe(1);
    expect(delta('gateway_errors_total', { operation: 'PersonSummary' })).toBe(0);
  });

  it('counts WITHHELD items and break-glass disclosures by data item and role', () => {
    expect(delta('gateway_withheld_items_total', { data_item: 'police.arrests', role: 'housing-officer' })).toBe(2);
    expect(delta('gateway_withheld_items_total')).toBe(2);
    expect(delta('gateway_break_glass_requests_total', { role: 'housing-officer' })).toBe(1);
    expect(delta('gateway_break_glass_requests_total')).toBe(1);
    expect(delta('gateway_break_glass_items_total', { data_item: 'identity.name', role: 'housing-officer' })).toBe(1);
  });

  it('counts every call the agencies served, per agency, all answered', () => {
    expect(Object.values(upstreamCalls).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    for (const [agency, served] of Object.entries(upstreamCalls)) {
      expect(delta('gateway_upstream_calls_total', { agency }), agency).toBe(served);
      expect(delta('gateway_upstream_calls_total', { agency, outcome: 'ok' }), agency).toBe(served);
      expect(delta('gateway_upstream_call_duration_seconds_count', { agency }), agency).toBe(served);
      expect(total(after, 'gateway_upstream_breaker_state', { agency }), agency).toBe(0);
    }
  });

  it('times every ledger append, and none failed', () => {
    expect(recordsWritten).toBe(6);
    expect(delta('gateway_ledger_append_duration_seconds_count')).toBe(recordsWritten);
    expect(delta('gateway_ledger_append_failures_total')).toBe(0);
  });

  it('reports the identity index, its feeds and subscribers as gauges', async () => {
    expect(total(after, 'gateway_identity_index_people')).toBe(await system.directory.current().size());
    for (const { agency } of system.directory.feedStatus()) {
      const age = total(after, 'gateway_identity_feed_age_seconds', { agency });
      expect(age, agency).toBeGreaterThanOrEqual(0);
      expect(age, agency).toBeLessThan(600);
    }
    expect(total(after, 'gateway_sse_subscribers')).toBe(0);
  });

  it('names no one: no identifier or name of the synthetic people, no user', async () => {
    const text = (await request(system.app).get('/metrics')).text;
    for (const person of system.population.people) {
      for (const identifier of Object.values(person.identifiers)) if (identifier) expect(text).not.toContain(identifier);
      expect(text).not.toContain(`${person.givenName} ${person.familyName}`);
    }
    expect(text).not.toContain('ho-0007');
  });

  it('keeps at most 50 client-chosen operation names as labels, the rest as "other"', async () => {
    const bearer = await system.token({ sub: 'pc-1', role: 'iom-coordinator', agency: 'iom' });
    for (let i = 0; i < 70; i++) {
      await request(system.app)
        .post('/graphql')
        .set('content-type', 'application/json')
        .set('authorization', `Bearer ${bearer}`)
        .set('x-purpose', 'iom-case-management')
        .send({ query: `query Fishing${i} { __typename }` })
        .expect(200);
    }
    const text = (await request(system.app).get('/metrics')).text;
    const operations = new Set([...text.matchAll(/operation="([^"]*)"/g)].map((match) => match[1]));
    expect(operations.size).toBeLessThanOrEqual(52);
    expect(operations).toContain('other');
  });
});

describe('GET /metrics behind a token', () => {
  let system: TestSystem;

  beforeAll(async () => {
    system = await startTestSystem({ observability: { metrics: { token: 'scrape-token-0123456789' } } });
  });

  afterAll(async () => {
    await system?.close();
  });

  it('refuses a scrape without the token, with a coded error, and serves one with it', async () => {
    const refused = await request(system.app).get('/metrics').expect(401);
    expect(refused.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    await request(system.app).get('/metrics').set('authorization', 'Bearer wrong-token-0123456789').expect(401);
    const served = await request(system.app).get('/metrics').set('authorization', 'Bearer scrape-token-0123456789').expect(200);
    expect(served.text).toContain('gateway_http_request_duration_seconds');
  });
});
