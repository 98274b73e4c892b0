/**
 * Starts Partnership Gateway. By default everything runs embedded: the five agency simulators on
 * loopback, the gateway at http://localhost:4000/graphql. Settings: gateway/config.ts.
 */

import { createServer } from 'node:http';
import express from 'express';
import { parseFaultSpec } from '../adapters/kit/simulator.js';
import { createPopulation } from '../adapters/population/generate.js';
import type { Population } from '../adapters/population/types.js';
import { agencies } from '../adapters/registry.js';
import { connectAgencies, openIdentityDirectory, startSimulatorProcesses, startSimulators } from './agencies.js';
import { createAuthenticator } from './authentication/authenticator.js';
import { discoverJwksUrlAtStartUp } from './authentication/discovery.js';
import { ensureLocalIssuer } from './authentication/local-issuer.js';
import type { RoleCatalogue } from './authentication/principal.js';
import { loadEligibilityRules } from './cohort/eligibility-file.js';
import { CohortMerges } from './cohort/merges.js';
import { CohortRegister } from './cohort/register.js';
import { seedCohort } from './cohort/seed.js';
import { type Config, checkAgainstIsp, loadConfig, observabilityOf, SIMULATOR_PROCESSES_FROM, surfaceOf } from './config.js';
import { openConsole } from './console/index.js';
import { consoleSettings } from './console/settings.js';
import { startDevIdp } from './dev-idp/serve.js';
import { TrustedDocuments } from './documents/manifest.js';
import { createHttpServer } from './edge/http-server.js';
import { EmergencyWindows } from './emergency/windows.js';
import { EventFeed, EventStore } from './events/index.js';
import { LedgerUnavailableError, openLedger } from './ledger/index.js';
import { openStore } from './ledger/store.js';
import { createLogger, type Logger } from './observability/logging.js';
import { metrics } from './observability/metrics.js';
import { metricsRoute } from './observability/metrics-route.js';
import { startTracing, stopTracing } from './observability/tracing.js';
import { compilePolicy, loadPolicy } from './policy/index.js';
import { buildGatewaySchema } from './schema.js';
import { createGateway } from './server.js';

/**
 * The issuer the gateway trusts, for bearer tokens and for console sign-in: AUTH_ISSUER with its keys (AUTH_JWKS_URL,
 * AUTH_JWKS_FILE, or found through its discovery document), or in development the embedded identity provider.
 */
async function authenticatorFor(config: Config, catalogue: RoleCatalogue, closers: (() => Promise<void>)[], log: Logger) {
  const { AUTH_JWKS_URL, AUTH_JWKS_FILE, AUTH_ISSUER, AUTH_AUDIENCE, DATA_DIR, TOKEN_MAX_LIFETIME_S } = config;
  const checks = { catalogue, maxLifetimeSeconds: TOKEN_MAX_LIFETIME_S };
  if (AUTH_ISSUER) {
    const jwks = AUTH_JWKS_URL ? { url: AUTH_JWKS_URL } : AUTH_JWKS_FILE ? { file: AUTH_JWKS_FILE } : { url: await discoverJwksUrlAtStartUp(AUTH_ISSUER) };
    return { issuer: AUTH_ISSUER, authenticator: createAuthenticator({ jwks, issuer: AUTH_ISSUER, audience: AUTH_AUDIENCE, ...checks }) };
  }
  const local = await ensureLocalIssuer(DATA_DIR, catalogue);
  try {
    const idp = await startDevIdp(process.env, DATA_DIR, config.ISP_FILE);
    closers.push(() => new Promise<void>((resolve) => idp.server.close(() => resolve())));
    log.info(`identity provider: embedded development provider at ${idp.issuer} (console sign-in; npm run token signs as it)`);
  } catch (error) {
    // Another gateway (or `npm run idp`) holds the port: tokens still verify, and console sign-in goes to whichever provider answers there.
    if ((error as { code?: unknown }).code !== 'EADDRINUSE') throw error;
    log.warn(
      `identity provider: not started, its port is in use (${error instanceof Error ? error.message : String(error)}); set DEV_IDP_PORT and DEV_IDP_ISSUER to run one`,
    );
  }
  log.info(`tokens: npm run token -- --agency police --role police-offender-manager --sub pc-1234`);
  return {
    issuer: local.issuer,
    authenticator: createAuthenticator({ jwks: { keys: local.jwks }, issuer: local.issuer, audience: local.audience, ...checks }),
  };
}

async function main(): Promise<void> {
  const config = loadConfig(
    process.env,
    agencies.map((a) => a.agency),
  );
  const observability = observabilityOf(config);
  const log = createLogger({ level: config.LOG_LEVEL, format: observability.logFormat });
  if (config.OTEL_EXPORTER_OTLP_ENDPOINT) {
    await startTracing({ endpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT, serviceName: config.OTEL_SERVICE_NAME });
    log.info(`traces: OTLP/HTTP to ${config.OTEL_EXPORTER_OTLP_ENDPOINT}`);
  }
  // Policy and keys first: a bad ISP file stops start-up before anything listens.
  const policy = loadPolicy(config.ISP_FILE);
  checkAgainstIsp(
    config,
    policy.roles.map((role) => role.name),
  );
  // The ISP against the schema's data items too, now: createGateway compiles it again once agencies are connected.
  compilePolicy(policy, buildGatewaySchema(agencies).classification);
  const eligibility = loadEligibilityRules(config.ELIGIBILITY_FILE);
  const documents = TrustedDocuments.load(config.CLIENTS_FILE);
  const closers: (() => Promise<void>)[] = [];
  const { issuer, authenticator } = await authenticatorFor(config, policy, closers, log);

  let urls = config.agencyUrls;
  let population: Population | null = null;
  if (config.AGENCIES === 'embedded') {
    population = createPopulation({ seed: config.POPULATION_SEED, size: config.POPULATION_SIZE });
    const faults = parseFaultSpec(config.SIMULATOR_FAULTS);
    const apart = (config.SIMULATORS ?? (config.POPULATION_SIZE >= SIMULATOR_PROCESSES_FROM ? 'processes' : 'in-process')) === 'processes';
    const simulators: { agency: string; url: string; close(): Promise<void> }[] = apart
      ? await startSimulatorProcesses(agencies, {
          seed: config.POPULATION_SEED,
          size: config.POPULATION_SIZE,
          basePort: config.SIMULATOR_BASE_PORT,
          faults: config.SIMULATOR_FAULTS,
          eventIntervalMs: config.SIMULATOR_EVENT_INTERVAL_MS,
          onExit: (agency, code) => log.warn(`simulator ${agency}: exited (${code}); its agency is unreachable until the gateway is restarted`),
        })
      : (await startSimulators(agencies, population, { basePort: config.SIMULATOR_BASE_PORT, faults })).map((running) => {
          running.app.events.every(config.SIMULATOR_EVENT_INTERVAL_MS);
          return running;
        });
    closers.push(...simulators.map((s) => s.close));
    urls = new Map(simulators.map((s) => [s.agency, s.url]));
    for (const s of simulators) log.info(`simulator ${s.agency} ${s.url}${apart ? ' (own process)' : ''}`);
  }

  const connections = connectAgencies(agencies, urls, config.AGENCY_TIMEOUT_MS);

  // One database for the ledger and the cohort register: PostgreSQL if configured, else embedded PGlite.
  const database = await openStore({
    ...(config.DATABASE_URL ? { databaseUrl: config.DATABASE_URL } : { dataDir: config.DATA_DIR }),
    timeoutMs: config.DATABASE_TIMEOUT_MS,
    preparedStatements: config.DATABASE_PREPARED_STATEMENTS === 'true',
    // One line per change of state, not a stack trace per request.
    onAvailability: (change) =>
      change.available
        ? log.info('database: answering again')
        : log.warn(`database: unavailable (${change.reason}); requests that need it get LEDGER_UNAVAILABLE until it answers`),
  });
  // The identity index lives in the same database: a restart reads each agency's feed on from where it stopped.
  const directory = await openIdentityDirectory(database, connections);
  const ledger = await openLedger({
    store: database,
    dataDir: config.DATA_DIR,
    checkpointIntervalMs: config.LEDGER_CHECKPOINT_MS,
    checkpointEveryRecords: config.LEDGER_CHECKPOINT_RECORDS,
    ...(config.LEDGER_WITNESS_FILE ? { witnessFile: config.LEDGER_WITNESS_FILE } : {}),
    ...(config.LEDGER_SIGNING_KEY ? { signingKey: config.LEDGER_SIGNING_KEY } : {}),
    ...(config.LEDGER_TRUSTED_KEYS ? { trustedKeys: config.LEDGER_TRUSTED_KEYS.keys } : {}),
    onError: (error) => {
      if (!(error instanceof LedgerUnavailableError)) log.warn(`ledger: ${error.message}`);
    },
    onBatchCommitted: (records) => metrics.ledgerBatch.observe(records),
  });
  const register = await CohortRegister.open(database);
  // After each refresh of the index, the register follows its merges (docs/adr/0166); one it cannot follow yet (the
  // ledger down) is tried again after the next, and logged once until it succeeds.
  const merges = new CohortMerges(register, ledger, () => directory.current());
  let mergeFailure = '';
  directory.follow(() =>
    merges.catchUp().then(
      (moved) => {
        if (moved > 0) log.info(`cohort register: ${moved} memberships moved to the person their id was merged into, or suspended on a split`);
        mergeFailure = '';
      },
      (error: unknown) => {
        const message = error instanceof Error ? error.message : String(error);
        if (message !== mergeFailure) log.warn(`cohort register: a link change not followed yet: ${message} (tried again after the next refresh)`);
        mergeFailure = message;
      },
    ),
  );
  const emergencies = await EmergencyWindows.open(database);
  // An agency's feed failing round after round is reported once, and again when its failure changes.
  const eventErrors = new Map<string, string>();
  const events = await EventFeed.open({
    store: await EventStore.open(database),
    connections,
    index: () => directory.current(),
    register,
    coordination: database.replicas,
    // With PostgreSQL, which replica reads which feed moves with the leases: one line each time it does.
    onLease: (agency, held) => {
      if (database.engine === 'postgres') log.info(`events from ${agency}: ${held ? 'read by this gateway' : 'read by another gateway now'}`);
    },
    onError: (where, error) => {
      // The database's own outage is logged once, above.
      if (error instanceof LedgerUnavailableError) return;
      const message = error instanceof Error ? error.message : String(error);
      if (eventErrors.get(where) !== message) log.warn(`events from ${where}: ${message} (will retry)`);
      eventErrors.set(where, message);
    },
  });
  closers.push(async () => {
    await events.stop();
    await ledger.close();
    await database.close();
  });
  log.info(`database: ${config.DATABASE_URL ? 'PostgreSQL' : `embedded PGlite under ${config.DATA_DIR}/ledger`}`);
  // What /ready names while the identity index first loads and the synthetic cohort is seeded; null once started.
  let starting: string | null = 'start-up: the identity index is loading';
  const signInAt = consoleSettings(process.env, config.PORT);
  const consoleRouter = await openConsole({
    ledger,
    database,
    isp: policy,
    policy: compilePolicy(policy, buildGatewaySchema(agencies).classification),
    index: () => directory.current(),
    signIn: { issuer, ...signInAt },
    secureCookies: config.NODE_ENV === 'production',
  });
  const {
    app,
    policy: compiled,
    deliveries,
  } = createGateway({
    console: consoleRouter,
    modules: agencies,
    connections,
    directory,
    authenticator,
    policy,
    ledger,
    register,
    cohortMerges: () => merges.status(),
    emergencies,
    eligibility,
    events,
    enforcement: config.ENFORCEMENT,
    rateLimits: { perMinute: config.RATE_LIMIT_PER_MINUTE, byRole: config.RATE_LIMIT_ROLES },
    surface: surfaceOf(config),
    database,
    logger: log,
    documents,
    enforceTrustedDocuments: observability.enforceTrustedDocuments,
    metrics: observability.metricsOnApiPort ? { ...(config.METRICS_TOKEN ? { token: config.METRICS_TOKEN } : {}) } : false,
    startup: () => starting,
  });
  log.info(`ISP: ${compiled.title} v${compiled.version} (${config.ISP_FILE})`);
  log.info(`cohort eligibility: ${eligibility.title} v${eligibility.version}, ${eligibility.rules.length} rules (${config.ELIGIBILITY_FILE})`);
  const server = createHttpServer(app, { maxHeaderBytes: config.MAX_HEADER_BYTES });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.PORT, config.HOST, resolve);
  });
  const shown = config.HOST === '0.0.0.0' ? 'localhost' : config.HOST;
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : config.PORT;
  log.info({ port }, `listening on ${shown}:${port}; GET /ready answers 503 until the identity index has loaded`);
  if (config.METRICS_PORT !== undefined) {
    // Only /metrics on this port, for the platform's scraper; the API port serves it too only with METRICS_TOKEN.
    const metricsServer = createServer(express().get('/metrics', metricsRoute(metrics)));
    await new Promise<void>((resolve, reject) => {
      metricsServer.once('error', (error) => reject(new Error(`METRICS_PORT ${config.METRICS_PORT}: ${error.message}`)));
      metricsServer.listen(config.METRICS_PORT, config.HOST, resolve);
    });
    closers.push(() => new Promise<void>((done) => metricsServer.close(() => done())));
    log.info(`metrics: http://${shown}:${config.METRICS_PORT}/metrics`);
  } else if (!observability.metricsOnApiPort) {
    log.warn('metrics: not served; in production set METRICS_PORT (a port of its own) or METRICS_TOKEN (a bearer token on the API port)');
  }
  closers.push(stopTracing);

  let stopping = false;
  // Listening first: a large index loads for minutes, and /health and /ready must answer meanwhile.
  const startUp = async () => {
    const began = performance.now();
    for (const feed of await directory.refresh()) {
      if (feed.error) log.warn({ agency: feed.agency }, `identity feed ${feed.agency}: ${feed.error} (will retry)`);
    }
    if (stopping) return;
    directory.startRefreshing(config.IDENTITY_REFRESH_MS);
    const people = await directory.current().size();
    log.info(`identity index: ${people} people, loaded in ${((performance.now() - began) / 1000).toFixed(1)} s`);
    if (population && !stopping) {
      starting = 'start-up: the synthetic cohort is being seeded';
      const seeded = await seedCohort(register, ledger, population, directory.current());
      if (seeded > 0) log.info(`cohort: ${seeded} members selected from the synthetic population`);
    }
    if (stopping) return;
    events.start(config.EVENT_POLL_MS);
    const made = population && config.SIMULATOR_EVENT_INTERVAL_MS > 0 ? `; each simulator makes one every ${config.SIMULATOR_EVENT_INTERVAL_MS} ms` : '';
    log.info(`cohort events: agencies' feeds read every ${config.EVENT_POLL_MS} ms${made}`);
    starting = null;
    log.info({ port }, `Partnership Gateway: http://${shown}:${port}/graphql (${people} people indexed); IG console: ${signInAt.publicUrl}/console`);
  };
  let startingUp: Promise<void> = Promise.resolve();
  // Stop accepting, let what is in flight finish (subscriptions end after what they hold) and start-up's current
  // step end, within the drain deadline, then sign and close.
  const stop = async (reason: string, exitCode = 0) => {
    if (stopping) return;
    stopping = true;
    log.info(`${reason}: stopping; ${deliveries.inFlight} requests in flight may take up to ${config.SHUTDOWN_DRAIN_MS} ms`);
    directory.stop();
    const drained = deliveries.drain(server, config.SHUTDOWN_DRAIN_MS, () => events.endSubscriptions());
    const settled = await Promise.race([
      startingUp.then(() => true),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(false), config.SHUTDOWN_DRAIN_MS).unref()),
    ]);
    if (!settled) log.warn('start-up was still running at the drain timeout; closing beneath it');
    const cut = await drained;
    if (cut > 0) log.warn(`${cut} requests cut off at the drain timeout; any already recorded are recorded as not delivered`);
    try {
      await Promise.all(closers.map((close) => close()));
    } catch (error) {
      log.error(`could not close cleanly: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    }
    log.info('stopped: ledger checkpoint signed, database closed');
    process.exit(exitCode);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  startingUp = startUp().catch((error: unknown) => {
    if (stopping) return;
    log.error(`could not start: ${error instanceof Error ? error.message : String(error)}`);
    void stop('start-up failed', 1);
  });
}

// A failure to start (a bad configuration or ISP) goes to standard error as a sentence, for the person starting it.
main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
