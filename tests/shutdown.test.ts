/**
 * Graceful shutdown of the real gateway process: SIGTERM while a request waits on slow agencies and a
 * subscription is open. The gateway stops accepting at once, the request completes with its data and its record,
 * the subscription ends cleanly, a checkpoint is signed, and the process exits 0. Past the drain timeout, a request
 * is cut, and if it was recorded the ledger records it again as not delivered.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createPopulation } from '../adapters/population/generate.js';
import type { SyntheticPerson } from '../adapters/population/types.js';
import { agencies } from '../adapters/registry.js';
import { ensureLocalIssuer } from '../gateway/authentication/local-issuer.js';
import { type DisclosureRecord, openLedger } from '../gateway/ledger/index.js';
import { loadPolicy } from '../gateway/policy/index.js';
import { startTestSystem } from './harness.js';
import { startGatewayProcess } from './ledger-process.js';

const SEED = 20261101;
const LATENCY_MS = 1_500;

describe('SIGTERM', () => {
  it('lets an in-flight request complete and a subscription end, signs a checkpoint and exits 0', { timeout: 120_000 }, async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'gateway-shutdown-'));
    try {
      const gateway = await startGatewayProcess({
        DATA_DIR: dataDir,
        POPULATION_SEED: String(SEED),
        AGENCY_TIMEOUT_MS: '8000',
        SHUTDOWN_DRAIN_MS: '20000',
        SIMULATOR_EVENT_INTERVAL_MS: '0',
        // Every agency slow, so the request is still waiting on them when the signal arrives.
        SIMULATOR_FAULTS: agencies.map((module) => `${module.agency}=latency:${LATENCY_MS}`).join(','),
      });
      const issuer = await ensureLocalIssuer(dataDir, loadPolicy('policies/iom-partnership.yaml'));
      const token = await issuer.sign({ sub: 'coordinator-9', agency: 'iom', role: 'iom-coordinator', azp: 'shutdown-suite' });
      const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'x-purpose': 'iom-case-management' };
      // Every section an agency has for them must wait out the latency.
      const population = createPopulation({ seed: SEED, size: 200 });
      const knownTo = (person: SyntheticPerson) => agencies.filter((module) => module.population.factsFor(person, population) !== null);
      const subject = population.people.find((p) => p.cohort !== null && p.identifiers.pnc) as SyntheticPerson;
      expect(knownTo(subject).length).toBeGreaterThan(1);
      const pnc = subject.identifiers.pnc;
      const sections = agencies.map((module) => `${module.agency} { __typename }`).join(' ');

      const subscription = await fetch(gateway.url, {
        method: 'POST',
        headers: { ...headers, accept: 'text/event-stream' },
        body: JSON.stringify({ query: 'subscription { cohortEvents { id } }' }),
      });
      expect(subscription.status).toBe(200);
      const streamEnded = (async () => {
        const reader = (subscription.body as ReadableStream<Uint8Array>).getReader();
        for (;;) if ((await reader.read()).done) return true;
      })();

      const requestId = `shutdown-${Date.now()}`;
      const started = Date.now();
      const inFlight = fetch(gateway.url, {
        method: 'POST',
        headers: { ...headers, 'x-request-id': requestId },
        body: JSON.stringify({ query: `{ person(pnc: "${pnc}") { id name { familyName } ${sections} } }` }),
      });
      await new Promise((resolve) => setTimeout(resolve, 300));
      const exited = gateway.stop('SIGTERM');
      await new Promise((resolve) => setTimeout(resolve, 200));
      await expect(fetch(gateway.url, { method: 'POST', headers, body: '{"query":"{ __typename }"}' }), 'a new request after SIGTERM').rejects.toThrow();

      const response = await inFlight;
      expect(response.status).toBe(200);
      const body = (await response.json()) as { data?: { person?: Record<string, unknown> | null }; errors?: unknown[]; extensions?: { requestId?: string } };
      expect(body.errors).toBeUndefined();
      for (const module of agencies) expect(body.data?.person?.[module.agency] !== null, module.agency).toBe(knownTo(subject).includes(module));
      expect(body.extensions?.requestId).toBe(requestId);
      expect(Date.now() - started).toBeGreaterThanOrEqual(LATENCY_MS);

      expect(await streamEnded).toBe(true);
      expect(await exited).toEqual({ code: 0, signal: null });
      expect(gateway.output()).toMatch(/SIGTERM: stopping/);
      expect(gateway.output()).toMatch(/stopped: ledger checkpoint signed/);

      const ledger = await openLedger({ dataDir, checkpointIntervalMs: 0 });
      try {
        const records = (await ledger.query({}, { limit: 1_000 })).entries.map((entry) => entry.record);
        expect(records.filter((record) => record.requestId === requestId).map((record) => record.outcome)).toEqual(['disclosed']);
        const report = await ledger.verify();
        expect(report.ok).toBe(true);
        expect(report.checkpoints).toBeGreaterThan(0);
      } finally {
        await ledger.close();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

describe('the drain timeout', () => {
  it('cuts a request still running, and records it as not delivered once it is recorded', { timeout: 120_000 }, async () => {
    const system = await startTestSystem({ timeoutMs: 5_000 });
    const server = createServer(system.app);
    try {
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const { port } = server.address() as AddressInfo;
      for (const module of agencies) system.setFaults(module.agency, { latencyMs: LATENCY_MS });
      const token = await system.token({ sub: 'iom-coordinator-1', role: 'iom-coordinator', agency: 'iom' });
      const pnc = system.population.people.find((p) => p.cohort !== null && p.identifiers.pnc)?.identifiers.pnc;
      const requestId = `cut-${Date.now()}`;
      const cutOff = fetch(`http://127.0.0.1:${port}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'x-purpose': 'iom-case-management', 'x-request-id': requestId },
        body: JSON.stringify({ query: `{ person(pnc: "${pnc}") { id name { familyName } } }` }),
      }).then(
        () => 'answered',
        () => 'cut',
      );
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(await system.gateway.deliveries.drain(server, 300, () => system.events.endSubscriptions())).toBe(1);
      expect(await cutOff).toBe('cut');

      // The request ran on after its connection was cut, and was recorded; the ledger must then say it never arrived.
      let records: DisclosureRecord[] = [];
      const deadline = Date.now() + 10_000;
      while (records.length < 2 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        records = (await system.ledger.query({}, { limit: 1_000 })).entries.map((e) => e.record).filter((r) => r.requestId === requestId);
      }
      expect(records.map((r) => r.outcome)).toEqual(['disclosed', 'error']);
      const [recorded, undelivered] = records as [DisclosureRecord, DisclosureRecord];
      expect(undelivered.subjects[0]?.disclosed).toEqual([]);
      expect(undelivered.subjects[0]?.withheld).toEqual(recorded.subjects[0]?.disclosed.map((item) => ({ ...item, reason: 'not-delivered:shutdown' })));
    } finally {
      system.clearFaults();
      await system.close();
    }
  });
});
