/**
 * The logs of a full run: the gateway as operators start it (gateway/main.ts, embedded simulators), a scripted
 * workload that sends the synthetic people's identifiers every way a caller can (inline, as variables, in a URL,
 * in a document that does not parse, without a token, as an IG officer's search and export), then SIGTERM. Every
 * line is JSON; each request has one line with its request id, user, operation, status and duration; and no
 * identifier, name or date of birth of any synthetic person appears anywhere.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPopulation } from '../adapters/population/generate.js';
import type { SyntheticPerson } from '../adapters/population/types.js';
import { ensureLocalIssuer } from '../gateway/authentication/local-issuer.js';
import { ConfigSchema } from '../gateway/config.js';
import { loadPolicy } from '../gateway/policy/index.js';
import { type GatewayProcess, startGatewayProcess } from './ledger-process.js';

const POPULATION_SIZE = 200;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

interface LogLine {
  level: number;
  msg: string;
  [field: string]: unknown;
}

describe('the logs of a full run', () => {
  let gateway: GatewayProcess;
  let dataDir: string;
  let lines: LogLine[] = [];
  let output = '';
  let people: readonly SyntheticPerson[];
  /** Everything the workload received back, to show that it did ask about these people. */
  let answers = '';
  /** GET /metrics on METRICS_PORT and on the API port, before the gateway stopped. */
  let scrape = '';
  let apiPortMetricsStatus = 0;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'gateway-logs-'));
    const metricsPort = await freePort();
    gateway = await startGatewayProcess({
      DATA_DIR: dataDir,
      LOG_FORMAT: 'json',
      EVENT_POLL_MS: '500',
      SIMULATOR_EVENT_INTERVAL_MS: '300',
      METRICS_PORT: String(metricsPort),
    });
    const population = createPopulation({ seed: ConfigSchema.parse({}).POPULATION_SEED, size: POPULATION_SIZE });
    people = population.people;
    const issuer = await ensureLocalIssuer(dataDir, loadPolicy('policies/iom-partnership.yaml'));
    const coordinator = await issuer.sign({ sub: 'iom-0001', name: 'Alex Coordinator', agency: 'iom', role: 'iom-coordinator', client_id: 'log-test' });
    const igOfficer = await issuer.sign({ sub: 'ig-0001', name: 'Ira Governance', agency: 'iom', role: 'ig-officer', client_id: 'log-test' });
    const base = gateway.url.replace(/\/graphql$/, '');

    const post = async (body: unknown, token: string | null, purpose: string, requestId?: string) => {
      const response = await fetch(gateway.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-purpose': purpose,
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(requestId ? { 'x-request-id': requestId } : {}),
        },
        body: JSON.stringify(body),
      });
      answers += await response.text();
    };
    const PERSON = 'id name { givenName familyName } dateOfBirth iom { strand serviceLevel } probation { riskOfSeriousHarm }';
    const cohort = people.filter((person) => person.cohort !== null && person.identifiers.pnc !== null).slice(0, 8);
    for (const person of cohort) {
      const { pnc, crn, nomsNumber, cro } = person.identifiers;
      await post({ query: `query Inline { person(pnc: "${pnc}") { ${PERSON} } }` }, coordinator, 'iom-case-management');
      await post({ query: `query ByVariable($pnc: String!) { person(pnc: $pnc) { ${PERSON} } }`, variables: { pnc } }, coordinator, 'iom-case-management');
      if (crn) await post({ query: `query ByCrn($crn: String) { person(crn: $crn) { id } }`, variables: { crn } }, coordinator, 'iom-case-management');
      if (nomsNumber) await post({ query: `{ person(nomsNumber: "${nomsNumber}") { id } }` }, coordinator, 'iom-case-management');
      if (cro) await post({ query: `{ person(cro: "${cro}") { id } }` }, coordinator, 'iom-case-management');
      await post(
        { query: `query Name { people(name: "${person.givenName} ${person.familyName}", dateOfBirth: "${person.dateOfBirth}") { score } }` },
        coordinator,
        'iom-case-management',
      );
      // Refused before GraphQL, unparseable, or of the wrong type: the identifier is in what was sent all the same.
      await post({ query: `{ person(pnc: "${pnc}") { id } }` }, null, 'iom-case-management');
      await post({ query: `{ person(pnc: "${pnc}") { id ` }, coordinator, 'iom-case-management');
      await post({ query: 'query Typed($pnc: Int) { person(pnc: $pnc) { id } }', variables: { pnc } }, coordinator, 'iom-case-management');
      const url = `${gateway.url}?query=${encodeURIComponent(`{ person(pnc: "${pnc}") { id } }`)}`;
      answers += await (await fetch(url, { headers: { authorization: `Bearer ${coordinator}`, 'x-purpose': 'iom-case-management' } })).text();
      await post({ query: `{ subjectAccessReport(pnc: "${pnc}") { entries { purpose } } }` }, igOfficer, 'audit');
      await post({ query: `{ disclosures(filter: { pnc: "${pnc}" }) { edges { node { requestId } } } }` }, igOfficer, 'audit');
      const exported = await fetch(`${base}/audit/export?format=ndjson&pnc=${encodeURIComponent(pnc as string)}`, {
        headers: { authorization: `Bearer ${igOfficer}`, 'x-purpose': 'audit' },
      });
      answers += await exported.text();
    }
    await post({ query: '{ person(pnc: "not a pnc") { id } }' }, coordinator, 'iom-case-management', 'workload-request-0001');
    // Long enough for a few rounds of cohort events, whose feed and errors log too.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    scrape = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    apiPortMetricsStatus = (await fetch(`${base}/metrics`)).status;
    await gateway.stop('SIGTERM');
    output = gateway.output();
    lines = output
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as LogLine);
  }, 180_000);

  afterAll(async () => {
    await gateway?.stop('SIGKILL');
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('asked about the people it then looks for in the logs', () => {
    const asked = people.filter((person) => person.cohort !== null && person.identifiers.pnc !== null).slice(0, 8);
    expect(asked).toHaveLength(8);
    expect(answers).toContain(asked[0]?.familyName);
  });

  it('writes JSON lines only, one per request with its request id, trace id, user, operation, status and duration', () => {
    const requests = lines.filter((line) => line.msg === 'request');
    expect(requests.length).toBeGreaterThanOrEqual(8 * 11);
    for (const line of requests) {
      expect(line).toHaveProperty('requestId');
      expect(line).toHaveProperty('traceId');
      expect(line).toHaveProperty('userId');
      expect(line).toHaveProperty('operation');
      expect(typeof (line.res as { status: number }).status).toBe('number');
      expect(typeof line.durationMs).toBe('number');
    }
    const named = requests.find((line) => line.requestId === 'workload-request-0001');
    expect(named).toMatchObject({ userId: 'iom-0001', res: { status: 200 }, codes: ['BAD_IDENTIFIER'] });
    expect(requests.some((line) => line.operation === 'ByVariable' && line.userId === 'iom-0001')).toBe(true);
    expect(requests.some((line) => (line.res as { status: number }).status === 401 && line.userId === null)).toBe(true);
  });

  it('serves metrics on METRICS_PORT alone, with the ledger group commits of the run, naming no one', () => {
    expect(apiPortMetricsStatus).toBe(404);
    const batches = Number(/^gateway_ledger_batch_records_count (\d+)$/m.exec(scrape)?.[1]);
    const records = Number(/^gateway_ledger_batch_records_sum (\d+)$/m.exec(scrape)?.[1]);
    expect(batches).toBeGreaterThan(0);
    expect(records).toBeGreaterThanOrEqual(batches);
    for (const person of people) for (const identifier of Object.values(person.identifiers)) if (identifier) expect(scrape).not.toContain(identifier);
  });

  it('logs no identifier, name or date of birth of any synthetic person', () => {
    const found: string[] = [];
    for (const person of people) {
      const { pnc, cro, nomsNumber, crn } = person.identifiers;
      for (const value of [pnc, cro, nomsNumber, crn, `${person.givenName} ${person.familyName}`, person.familyName, person.dateOfBirth]) {
        // As sent in a URL too (a PNC's slash is %2F there).
        if (value && (output.includes(value) || output.includes(encodeURIComponent(value)))) found.push(value);
      }
    }
    expect(found).toEqual([]);
  });
});
