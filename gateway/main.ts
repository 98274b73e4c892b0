/**
 * Starts Partnership Gateway. By default everything runs embedded: the five agency simulators on
 * loopback, the gateway at http://localhost:4000/graphql. Settings: gateway/config.ts.
 */
import { createServer } from 'node:http';
import { parseFaultSpec } from '../adapters/kit/simulator.js';
import { createPopulation } from '../adapters/population/generate.js';
import { agencies } from '../adapters/registry.js';
import { connectAgencies, startSimulators } from './agencies.js';
import { createAuthenticator } from './authentication/authenticator.js';
import { ensureLocalIssuer } from './authentication/local-issuer.js';
import { type Config, loadConfig } from './config.js';
import type { Population } from '../adapters/population/types.js';
import { loadEligibilityRules } from './cohort/eligibility-file.js';
import { CohortRegister } from './cohort/register.js';
import { seedCohort } from './cohort/seed.js';
import { EventFeed, EventStore } from './events/index.js';
import { openLedger } from './ledger/index.js';
import { openStore } from './ledger/store.js';
import { compilePolicy, loadPolicy } from './policy/index.js';
import { buildGatewaySchema } from './schema.js';
import { createGateway } from './server.js';

async function authenticatorFor(config: Config) {
  const { AUTH_JWKS_URL, AUTH_JWKS_FILE, AUTH_ISSUER, AUTH_AUDIENCE, DATA_DIR } = config;
  if (AUTH_ISSUER && (AUTH_JWKS_URL || AUTH_JWKS_FILE)) {
    const jwks = AUTH_JWKS_URL ? { url: AUTH_JWKS_URL } : { file: AUTH_JWKS_FILE as string };
    return createAuthenticator({ jwks, issuer: AUTH_ISSUER, audience: AUTH_AUDIENCE });
  }
  const local = await ensureLocalIssuer(DATA_DIR);
  console.log(`  tokens: local development issuer (npm run token -- --agency police --role police-offender-manager --sub pc-1234)`);
  return createAuthenticator({ jwks: { keys: local.jwks }, issuer: local.issuer, audience: local.audience });
}

async function main(): Promise<void> {
  const config = loadConfig(process.env, agencies.map((a) => a.agency));
  // Policy and keys first: a bad ISP file stops start-up before anything listens.
  const policy = loadPolicy(config.ISP_FILE);
  // The ISP against the schema's data items too, now: createGateway compiles it again once agencies are connected.
  compilePolicy(policy, buildGatewaySchema(agencies).classification);
  const eligibility = loadEligibilityRules(config.ELIGIBILITY_FILE);
  const authenticator = await authenticatorFor(config);
  const closers: (() => Promise<void>)[] = [];

  let urls = config.agencyUrls;
  let population: Population | null = null;
  if (config.AGENCIES === 'embedded') {
    population = createPopulation({ seed: config.POPULATION_SEED, size: config.POPULATION_SIZE });
    const simulators = await startSimulators(agencies, population, {
      basePort: config.SIMULATOR_BASE_PORT,
      faults: parseFaultSpec(config.SIMULATOR_FAULTS),
    });
    closers.push(...simulators.map((s) => s.close));
    for (const s of simulators) s.app.events.every(config.SIMULATOR_EVENT_INTERVAL_MS);
    urls = new Map(simulators.map((s) => [s.agency, s.url]));
    for (const s of simulators) console.log(`  simulator ${s.agency.padEnd(10)} ${s.url}`);
  }

  const { connections, directory } = connectAgencies(agencies, urls, config.AGENCY_TIMEOUT_MS);
  const feeds = await directory.refresh();
  for (const feed of feeds) {
    if (feed.error) console.warn(`  identity feed ${feed.agency}: ${feed.error} (will retry)`);
  }
  directory.startRefreshing(config.IDENTITY_REFRESH_MS);

  // One database for the ledger and the cohort register: PostgreSQL if configured, else embedded PGlite.
  const database = await openStore(config.DATABASE_URL ? { databaseUrl: config.DATABASE_URL } : { dataDir: config.DATA_DIR });
  const ledger = await openLedger({
    store: database,
    dataDir: config.DATA_DIR,
    checkpointIntervalMs: config.LEDGER_CHECKPOINT_MS,
    checkpointEveryRecords: config.LEDGER_CHECKPOINT_RECORDS,
    ...(config.LEDGER_WITNESS_FILE ? { witnessFile: config.LEDGER_WITNESS_FILE } : {}),
    ...(config.LEDGER_SIGNING_KEY ? { signingKey: config.LEDGER_SIGNING_KEY } : {}),
    ...(config.LEDGER_TRUSTED_KEYS ? { trustedKeys: config.LEDGER_TRUSTED_KEYS.keys } : {}),
  });
  const register = await CohortRegister.open(database);
  // An agency's feed failing round after round is reported once, and again when its failure changes.
  const eventErrors = new Map<string, string>();
  const events = await EventFeed.open({
    store: await EventStore.open(database),
    connections,
    index: () => directory.current(),
    register,
    onError: (where, error) => {
      const message = error instanceof Error ? error.message : String(error);
      if (eventErrors.get(where) !== message) console.warn(`  events from ${where}: ${message} (will retry)`);
      eventErrors.set(where, message);
    },
  });
  closers.push(async () => {
    await events.stop();
    await ledger.close();
    await database.close();
  });
  console.log(`  database: ${config.DATABASE_URL ? 'PostgreSQL' : `embedded PGlite under ${config.DATA_DIR}/ledger`}`);
  if (population) {
    const seeded = await seedCohort(register, ledger, population, directory.current());
    if (seeded > 0) console.log(`  cohort: ${seeded} members selected from the synthetic population`);
  }
  events.start(config.EVENT_POLL_MS);
  const made = population && config.SIMULATOR_EVENT_INTERVAL_MS > 0 ? `; each simulator makes one every ${config.SIMULATOR_EVENT_INTERVAL_MS} ms` : '';
  console.log(`  cohort events: agencies' feeds read every ${config.EVENT_POLL_MS} ms${made}`);
  const { app, policy: compiled } = createGateway({
    modules: agencies,
    connections,
    directory,
    authenticator,
    policy,
    ledger,
    register,
    eligibility,
    events,
    enforcement: config.ENFORCEMENT,
  });
  console.log(`  ISP: ${compiled.title} v${compiled.version} (${config.ISP_FILE})`);
  console.log(`  cohort eligibility: ${eligibility.title} v${eligibility.version}, ${eligibility.rules.length} rules (${config.ELIGIBILITY_FILE})`);
  const server = createServer(app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.PORT, config.HOST, resolve);
  });
  const shown = config.HOST === '0.0.0.0' ? 'localhost' : config.HOST;
  console.log(`Partnership Gateway: http://${shown}:${config.PORT}/graphql (${directory.current().size} people indexed)`);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: stopping`);
    directory.stop();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await Promise.all(closers.map((close) => close()));
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
