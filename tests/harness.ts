/**
 * The whole system for end-to-end tests: the five simulators on free loopback ports serving the default
 * population, and the gateway's express app with a test identity provider, queried over real HTTP with
 * supertest and real ES256 tokens.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import request from 'supertest';
import { stringify } from 'yaml';
import type { Faults, IdentityRecord } from '../adapters/kit/contract.js';
import type { RunningSimulator } from '../adapters/kit/simulator.js';
import { defaultPopulation } from '../adapters/population/generate.js';
import type { Population } from '../adapters/population/types.js';
import { agencies } from '../adapters/registry.js';
import { connectAgencies, openIdentityDirectory, startSimulatorProcesses, startSimulators } from '../gateway/agencies.js';
import { createAuthenticator } from '../gateway/authentication/authenticator.js';
import type { RateLimits } from '../gateway/authentication/rate-limit.js';
import { type EligibilityRules, loadEligibilityRules } from '../gateway/cohort/eligibility-file.js';
import { CohortMerges } from '../gateway/cohort/merges.js';
import { CohortRegister } from '../gateway/cohort/register.js';
import { seedCohort } from '../gateway/cohort/seed.js';
import { openConsole } from '../gateway/console/index.js';
import { CONSOLE_CLIENT_ID } from '../gateway/dev-idp/provider.js';
import { EmergencyWindows } from '../gateway/emergency/windows.js';
import { EventFeed, EventStore } from '../gateway/events/index.js';
import type { IdentityDirectory } from '../gateway/identity/directory.js';
import { type Ledger, openLedger } from '../gateway/ledger/index.js';
import { type LedgerStore, openStore, type StoreSettings } from '../gateway/ledger/store.js';
import type { EnforcementMode } from '../gateway/plugins/disclosure-recording.js';
import type { Limits } from '../gateway/plugins/limits.js';
import { compilePolicy, type LoadedPolicy, loadPolicy, parsePolicy } from '../gateway/policy/index.js';
import { buildGatewaySchema, describeDataItems } from '../gateway/schema.js';
import { createGateway, type GatewayOptions, type Surface } from '../gateway/server.js';

export const TEST_ISSUER = 'https://idp.test.example/';
export const TEST_AUDIENCE = 'partnership-gateway';

export interface GraphQLResponse {
  status: number;
  body: {
    data?: Record<string, unknown> | null;
    errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
    extensions?: Record<string, unknown>;
  };
}

export interface Caller {
  role: string;
  agency: string;
  sub?: string;
  purpose?: string | null;
  justification?: string;
}

export const COORDINATOR: Caller = { role: 'iom-coordinator', agency: 'iom', purpose: 'iom-case-management' };

export interface TestSystem {
  population: Population;
  app: ReturnType<typeof createGateway>['app'];
  gateway: ReturnType<typeof createGateway>;
  ledger: Ledger;
  register: CohortRegister;
  database: LedgerStore;
  directory: IdentityDirectory;
  /** The cohort event feed: `events.poll()` reads the agencies' event feeds once, now. */
  events: EventFeed;
  simulator(agency: string): RunningSimulator;
  token(claims: Record<string, unknown>): Promise<string>;
  query(query: string, variables?: Record<string, unknown>, caller?: Caller): Promise<GraphQLResponse>;
  /** Upstream requests per agency since the last reset, admin routes excluded. */
  upstreamCalls(): Record<string, Record<string, number>>;
  resetUpstreamCalls(): void;
  setFaults(agency: string, faults: Partial<Faults>): void;
  clearFaults(): void;
  close(): Promise<void>;
}

/**
 * An ISP that shares every data item with the IOM coordinator for case management, unconditionally:
 * for suites about federation rather than about the partnership's protocol.
 */
export function openPolicy(): LoadedPolicy {
  const items = [...describeDataItems(agencies).keys()];
  const isp = {
    id: 'federation-test-isp',
    version: '1',
    title: 'Everything to the coordinator (tests only)',
    parties: [{ agency: 'iom', organisation: 'Test partnership', signatoryRole: 'Tester' }],
    purposes: [{ code: 'iom-case-management', description: 'Tests', lawfulBasisSummary: 'Tests', requiresJustification: false }],
    roles: [{ name: 'iom-coordinator', agency: 'iom', description: 'Tests', purposes: ['iom-case-management'], subjectScope: 'all-linked' }],
    specialCategoryDataItems: items.filter((item) => item.startsWith('drugs.')),
    clauses: [
      {
        id: 'C-99',
        title: 'Everything',
        roles: ['iom-coordinator'],
        purposes: ['iom-case-management'],
        dataItems: items,
        lawfulBasis: { statute: 'Test Act', section: 's.1', ukGdprArticle6: 'Art 6(1)(e)', article9Condition: 'Art 9(2)(g)' },
        reviewDate: '2099-12-31',
      },
    ],
  };
  return parsePolicy(stringify(isp), 'federation-test-isp.yaml');
}

export const defaultPolicy = () => loadPolicy('policies/iom-partnership.yaml');

export interface TestSystemOptions {
  /** The people the simulators serve and the cohort is seeded from; default: the default population. */
  population?: Population;
  timeoutMs?: number;
  policy?: LoadedPolicy;
  enforcement?: EnforcementMode;
  clock?: () => Date;
  /** A ledger to record into; by default a fresh embedded one in a temporary folder. */
  ledger?: Ledger;
  /** Cohort eligibility rules; by default policies/cohort-eligibility.yaml. */
  eligibility?: EligibilityRules;
  /**
   * Poll the agencies' event feeds this often. Off by default: polling would add to the upstream calls that
   * suites count, so suites about events poll when they choose (`events.poll()`) or set this.
   */
  eventPollMs?: number;
  /**
   * Each agency simulator in a process of its own (adapters/serve.ts), as in a deployment, so that what a suite
   * measures of the gateway's process is the gateway's alone. The in-process helpers (simulator, faults, upstream
   * call counts) are then unavailable, and each process makes the population from its seed and size alone.
   */
  simulatorsApart?: boolean;
  /** Requests per principal per minute; by default high enough never to bite in suites about other things. */
  rateLimits?: RateLimits;
  surface?: Partial<Surface>;
  limits?: Limits;
  /** The database for ledger, register and events: PostgreSQL at this URL; by default embedded PGlite. */
  databaseUrl?: string;
  databaseTimeoutMs?: number;
  onDatabaseAvailability?: StoreSettings['onAvailability'];
  /** Agency faults set before the identity index is first loaded (an agency down at start-up). */
  startFaults?: Readonly<Record<string, Partial<Faults>>>;
  /** Start the identity directory's refreshing (and so its retries of failed feeds). */
  identityRefreshMs?: number;
  /** Serve the IG console, signing in at this issuer, for browsers reaching the gateway at `publicUrl`. */
  console?: { issuer: string; publicUrl: string };
  /** Logs, trusted documents and the metrics route, as createGateway takes them. */
  observability?: Pick<GatewayOptions, 'logger' | 'documents' | 'enforceTrustedDocuments' | 'metrics'>;
  /** Agencies already running at these URLs, shared by several systems as replicas share them; no simulators of its own. */
  agencyUrls?: ReadonlyMap<string, string>;
}

export async function startTestSystem(options: TestSystemOptions = {}): Promise<TestSystem> {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'test-key', alg: 'ES256', use: 'sig' };
  const policy = options.policy ?? openPolicy();
  const authenticator = createAuthenticator({ jwks: { keys: { keys: [jwk] } }, issuer: TEST_ISSUER, audience: TEST_AUDIENCE, catalogue: policy });
  const token = (claims: Record<string, unknown>) =>
    new SignJWT({ client_id: 'test-suite', ...claims })
      .setProtectedHeader({ alg: 'ES256', kid: 'test-key' })
      .setIssuer(TEST_ISSUER)
      .setAudience(TEST_AUDIENCE)
      .setIssuedAt()
      .setExpirationTime('10m')
      .sign(privateKey);

  const population = options.population ?? defaultPopulation();
  const simulators = options.simulatorsApart || options.agencyUrls ? [] : await startSimulators(agencies, population, { basePort: 0 });
  const apart = options.simulatorsApart
    ? await startSimulatorProcesses(agencies, { seed: population.seed, size: population.size, basePort: 0, faults: '', eventIntervalMs: 0 })
    : [];
  const bySimulator = new Map(simulators.map((s) => [s.agency, s]));
  for (const [agency, faults] of Object.entries(options.startFaults ?? {})) bySimulator.get(agency)?.app.faults.set(faults);
  const urls = options.agencyUrls ?? new Map([...simulators, ...apart].map((s) => [s.agency, s.url]));
  const connections = connectAgencies(agencies, urls, options.timeoutMs ?? 1000);
  const dataDir = mkdtempSync(join(tmpdir(), 'gateway-test-'));
  const settings: StoreSettings = { timeoutMs: options.databaseTimeoutMs, onAvailability: options.onDatabaseAvailability };
  const database = await openStore(options.databaseUrl ? { databaseUrl: options.databaseUrl, ...settings } : { dataDir, ...settings });
  const directory = await openIdentityDirectory(database, connections);
  await directory.refresh();
  if (options.identityRefreshMs) directory.startRefreshing(options.identityRefreshMs);
  const embeddedLedger = await openLedger({ store: database, dataDir, checkpointIntervalMs: 0 });
  const register = await CohortRegister.open(database);
  const emergencies = await EmergencyWindows.open(database);
  await seedCohort(register, embeddedLedger, population, directory.current());
  const events = await EventFeed.open({
    store: await EventStore.open(database),
    connections,
    index: () => directory.current(),
    register,
    coordination: database.replicas,
  });
  if (options.eventPollMs) events.start(options.eventPollMs);
  const ledger = options.ledger ?? embeddedLedger;
  // As in gateway/main.ts: after each refresh the register follows the index's merges.
  const merges = new CohortMerges(register, ledger, () => directory.current());
  directory.follow(() => merges.catchUp());
  const consoleRouter =
    options.console &&
    (await openConsole({
      ledger,
      database,
      isp: policy,
      policy: compilePolicy(policy, buildGatewaySchema(agencies).classification),
      index: () => directory.current(),
      signIn: { issuer: options.console.issuer, clientId: CONSOLE_CLIENT_ID, publicUrl: options.console.publicUrl },
      secureCookies: false,
      ...(options.clock ? { clock: options.clock } : {}),
    }));
  const gateway = createGateway({
    ...(consoleRouter ? { console: consoleRouter } : {}),
    modules: agencies,
    connections,
    directory,
    authenticator,
    policy,
    ledger,
    register,
    cohortMerges: () => merges.status(),
    emergencies,
    eligibility: options.eligibility ?? loadEligibilityRules(),
    events,
    enforcement: options.enforcement,
    clock: options.clock,
    rateLimits: options.rateLimits ?? { perMinute: 1_000_000 },
    ...(options.surface ? { surface: options.surface } : {}),
    ...(options.limits ? { limits: options.limits } : {}),
    ...options.observability,
    database,
  });

  const simulator = (agency: string) => {
    const found = bySimulator.get(agency);
    if (!found) throw new Error(`no simulator for ${agency}`);
    return found;
  };

  return {
    population,
    app: gateway.app,
    gateway,
    ledger,
    register,
    database,
    directory,
    events,
    simulator,
    token,
    async query(query, variables, caller = COORDINATOR) {
      const bearer = await token({ sub: caller.sub ?? `${caller.role}-1`, role: caller.role, agency: caller.agency });
      let call = request(gateway.app).post('/graphql').set('content-type', 'application/json').set('authorization', `Bearer ${bearer}`);
      if (caller.purpose) call = call.set('x-purpose', caller.purpose);
      if (caller.justification) call = call.set('x-justification', caller.justification);
      const response = await call.send({ query, variables });
      return { status: response.status, body: response.body as GraphQLResponse['body'] };
    },
    upstreamCalls: () => Object.fromEntries(simulators.map((s) => [s.agency, s.app.stats.counts()])),
    resetUpstreamCalls: () =>
      simulators.forEach((s) => {
        s.app.stats.reset();
      }),
    setFaults: (agency, faults) => void simulator(agency).app.faults.set(faults),
    clearFaults: () =>
      simulators.forEach((s) => {
        s.app.faults.set({ mode: 'normal', latencyMs: 0 });
      }),
    close: async () => {
      directory.stop();
      await events.stop();
      await Promise.all([...simulators, ...apart].map((s) => s.close()));
      await embeddedLedger.close();
      await database.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Has `agency`'s simulator give `record` as amended on its identity change feed; answers the HTTP status. */
export async function amendIdentity(system: Pick<TestSystem, 'simulator'>, agency: string, record: IdentityRecord): Promise<number> {
  const { key, givenName, familyName, dateOfBirth, identifiers } = record;
  const response = await fetch(`${system.simulator(agency).url}/__admin/identity-changes`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      reference: key,
      identity: {
        reference: key,
        givenName,
        familyName,
        dateOfBirth,
        pnc: identifiers.pnc ?? null,
        cro: identifiers.cro ?? null,
        nomsNumber: identifiers.nomsNumber ?? null,
        crn: identifiers.crn ?? null,
      },
    }),
  });
  return response.status;
}
