/**
 * `npm run bench:events`: cohortEvents delivery lag for many subscribers. Starts the five simulators and the
 * gateway in this process on loopback (embedded PGlite in a temporary directory), opens BENCH_SUBSCRIBERS
 * server-sent-event subscriptions as IOM coordinators, then once every BENCH_INTERVAL_MS makes one event at an
 * agency (in registry order) and reads the feeds, for BENCH_EVENTS rounds. Lag is from just before the gateway reads
 * the agencies' feeds to a subscriber holding the payload. Prints p50/p99 overall and for the first and last thirds
 * of the run (a lag that grows shows there), and the upstream calls per delivered event. Stops by itself.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { z } from 'zod';
import { createPopulation } from '../adapters/population/generate.js';
import { agencies } from '../adapters/registry.js';
import { connectAgencies, openIdentityDirectory, startSimulators } from '../gateway/agencies.js';
import { createAuthenticator } from '../gateway/authentication/authenticator.js';
import { loadEligibilityRules } from '../gateway/cohort/eligibility-file.js';
import { CohortRegister } from '../gateway/cohort/register.js';
import { seedCohort } from '../gateway/cohort/seed.js';
import { EmergencyWindows } from '../gateway/emergency/windows.js';
import { EventFeed, EventStore } from '../gateway/events/index.js';
import { openLedger } from '../gateway/ledger/index.js';
import { openStore } from '../gateway/ledger/store.js';
import { loadPolicy } from '../gateway/policy/index.js';
import { createGateway } from '../gateway/server.js';

const env = z
  .object({
    BENCH_SUBSCRIBERS: z.coerce.number().int().min(1).max(2_000).default(100),
    BENCH_EVENTS: z.coerce.number().int().min(1).max(3_600).default(20),
    BENCH_INTERVAL_MS: z.coerce.number().int().min(10).max(60_000).default(1_000),
  })
  .parse(process.env);

const ISSUER = 'https://bench.invalid/';
const AUDIENCE = 'partnership-gateway';
const SUBSCRIPTION = JSON.stringify({ query: 'subscription { cohortEvents { id type person { id } } }' });

function percentile(sorted: readonly number[], fraction: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))] ?? Number.NaN;
}

const figures = (lags: number[]) => {
  const sorted = [...lags].sort((a, b) => a - b);
  return `p50 ${percentile(sorted, 0.5).toFixed(0).padStart(5)} ms   p99 ${percentile(sorted, 0.99).toFixed(0).padStart(5)} ms   (${sorted.length} deliveries)`;
};

/** Reads one subscriber's stream, calling `received` with each event id as its payload arrives. */
async function subscriber(url: string, token: string, signal: AbortSignal, received: (id: string) => void): Promise<void> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${token}`, 'x-purpose': 'iom-case-management' },
    body: SUBSCRIPTION,
    signal,
  });
  if (response.status !== 200 || !response.body) throw new Error(`subscription refused: HTTP ${response.status}`);
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffered = '';
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      buffered += decoder.decode(value, { stream: true });
      for (let end = buffered.indexOf('\n\n'); end >= 0; end = buffered.indexOf('\n\n')) {
        const data = /^data: (.*)$/m.exec(buffered.slice(0, end))?.[1];
        buffered = buffered.slice(end + 2);
        const id = data ? (JSON.parse(data) as { data?: { cohortEvents?: { id?: string } } }).data?.cohortEvents?.id : undefined;
        if (id) received(id);
      }
    }
  } catch (error) {
    if (!signal.aborted) throw error;
  }
}

async function main(): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'bench-events-'));
  const population = createPopulation({ seed: 20261101, size: 2_000 });
  const simulators = await startSimulators(agencies, population, { basePort: 0 });
  const connections = connectAgencies(agencies, new Map(simulators.map((s) => [s.agency, s.url])), 2_000);
  const database = await openStore({ dataDir });
  const directory = await openIdentityDirectory(database, connections);
  await directory.refresh();
  const ledger = await openLedger({ store: database, dataDir, checkpointIntervalMs: 0 });
  const register = await CohortRegister.open(database);
  const emergencies = await EmergencyWindows.open(database);
  await seedCohort(register, ledger, population, directory.current());
  const events = await EventFeed.open({ store: await EventStore.open(database), connections, index: () => directory.current(), register });

  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'bench', alg: 'ES256', use: 'sig' };
  const policy = loadPolicy('policies/iom-partnership.yaml');
  const authenticator = createAuthenticator({ jwks: { keys: { keys: [jwk] } }, issuer: ISSUER, audience: AUDIENCE, catalogue: policy });
  const { app } = createGateway({
    modules: agencies,
    connections,
    directory,
    authenticator,
    policy,
    emergencies,
    // Subscribers each open one stream: the per-user limit is not what this measures.
    rateLimits: { perMinute: 1_000_000 },
    ledger,
    register,
    eligibility: loadEligibilityRules(),
    events,
    database,
  });
  const server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;

  const stop = new AbortController();
  const readAt = new Map<string, number>();
  const lags: { round: number; ms: number }[] = [];
  let round = 0;
  const streams: Promise<void>[] = [];
  try {
    for (let i = 0; i < env.BENCH_SUBSCRIBERS; i++) {
      const token = await new SignJWT({ role: 'iom-coordinator', agency: 'iom', client_id: 'bench-events' })
        .setProtectedHeader({ alg: 'ES256', kid: 'bench' })
        .setSubject(`bench-subscriber-${i}`)
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setIssuedAt()
        .setExpirationTime('2h')
        .sign(privateKey);
      streams.push(
        subscriber(url, token, stop.signal, (id) => {
          const at = readAt.get(id);
          if (at !== undefined) lags.push({ round, ms: performance.now() - at });
        }),
      );
    }
    while (events.subscribers < env.BENCH_SUBSCRIBERS) await new Promise((resolve) => setTimeout(resolve, 50));
    console.log(`bench:events  ${env.BENCH_SUBSCRIBERS} subscribers, ${env.BENCH_EVENTS} rounds, one event every ${env.BENCH_INTERVAL_MS} ms`);

    simulators.forEach((s) => {
      s.app.stats.reset();
    });
    let delivered = 0;
    for (round = 0; round < env.BENCH_EVENTS; round++) {
      const begun = performance.now();
      const simulator = simulators[round % simulators.length];
      simulator?.app.events.generate(1);
      const before = (await events.after(0, 100_000)).at(-1)?.sequence ?? 0;
      const readStarted = performance.now();
      const pending = events.poll();
      // Every event the round keeps is timed from just before the feeds were read.
      const kept = await pending.then(() => events.after(before, 1_000));
      for (const event of kept) readAt.set(event.id, readStarted);
      delivered += kept.length;
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, env.BENCH_INTERVAL_MS - (performance.now() - begun))));
    }
    // Let the last deliveries land, up to one more interval.
    const expected = delivered * env.BENCH_SUBSCRIBERS;
    const deadline = performance.now() + Math.max(env.BENCH_INTERVAL_MS, 5_000);
    while (lags.length < expected && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));

    const third = Math.max(1, Math.floor(env.BENCH_EVENTS / 3));
    const upstream = simulators.reduce((sum, s) => sum + s.app.stats.total(), 0);
    console.log(`  events kept for cohort members: ${delivered}; deliveries received: ${lags.length} of ${expected}`);
    console.log(`  delivery lag, all rounds:   ${figures(lags.map((l) => l.ms))}`);
    console.log(`  delivery lag, first third:  ${figures(lags.filter((l) => l.round < third).map((l) => l.ms))}`);
    console.log(`  delivery lag, last third:   ${figures(lags.filter((l) => l.round >= env.BENCH_EVENTS - third).map((l) => l.ms))}`);
    console.log(`  upstream calls per kept event (feeds read and subscribers' facts): ${(upstream / Math.max(1, delivered)).toFixed(1)}`);
  } finally {
    stop.abort();
    await Promise.allSettled(streams);
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    directory.stop();
    await events.stop();
    await Promise.all(simulators.map((s) => s.close()));
    await ledger.close();
    await database.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
