/**
 * The gateway's HTTP server: express hosting graphql-yoga. The plugin list below is the request path.
 */

import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import express from 'express';
import { createYoga } from 'graphql-yoga';
import type { AgencyModule } from '../adapters/kit/contract.js';
import { auditExtension, auditRouter } from './audit/index.js';
import type { Authenticator } from './authentication/authenticator.js';
import { useAuthentication } from './authentication/plugin.js';
import { DEFAULT_RATE_LIMITS, RateLimiter, type RateLimits } from './authentication/rate-limit.js';
import { checkpointsRouter } from './checkpoints-route.js';
import type { EligibilityRules } from './cohort/eligibility-file.js';
import { eligibilityExtension } from './cohort/eligibility-graphql.js';
import { cohortExtension } from './cohort/graphql.js';
import type { CohortMergesStatus } from './cohort/merges.js';
import type { CohortRegister } from './cohort/register.js';
import { TrustedDocuments } from './documents/manifest.js';
import { useTrustedDocuments } from './documents/plugin.js';
import { DEFAULT_MAX_BODY_BYTES, graphqlEdge, routeEdge } from './edge/index.js';
import type { EmergencyWindows } from './emergency/windows.js';
import type { AgencyConnection } from './enforcement/index.js';
import { enforcePolicy } from './enforcement/index.js';
import { maskGatewayError } from './errors.js';
import { type EventFeed, eventsExtension } from './events/index.js';
import { explainExtension } from './explain.js';
import type { IdentityDirectory } from './identity/directory.js';
import type { Ledger } from './ledger/index.js';
import type { LedgerStore } from './ledger/store.js';
import { useObservation } from './observability/graphql-plugin.js';
import { type Logger, silentLogger, yogaLogger } from './observability/logging.js';
import { metrics } from './observability/metrics.js';
import { metricsRoute } from './observability/metrics-route.js';
import { observeAgencies, observedAuthenticator, observedLedger } from './observability/observed.js';
import { activateTrace, observeRequests } from './observability/request.js';
import { outcomesExtension } from './outcomes/index.js';
import { pathwaysExtension } from './pathways/index.js';
import { useArgumentBounds } from './plugins/argument-bounds.js';
import { useDatabaseFailures } from './plugins/database-failures.js';
import { type EnforcementMode, useDisclosureRecording } from './plugins/disclosure-recording.js';
import { useErrorDiscipline } from './plugins/error-discipline.js';
import { useIntrospection } from './plugins/introspection.js';
import { DEFAULT_LIMITS, type Limits, useLimits } from './plugins/limits.js';
import { usePersonAccess } from './plugins/person-access.js';
import { usePurpose } from './plugins/purpose.js';
import { compilePolicy, type LoadedPolicy } from './policy/index.js';
import { buildGatewaySchema, describeDataItems } from './schema.js';
import { Deliveries } from './shutdown.js';

export interface GatewayOptions {
  /** What start-up still has to do before requests are worth sending (named by /ready), or null once done. */
  startup?: () => string | null;
  modules: readonly AgencyModule[];
  connections: readonly AgencyConnection[];
  directory: IdentityDirectory;
  authenticator: Authenticator;
  /** The ISP, compiled here against the schema's data items: an item the schema lacks stops start-up. */
  policy: LoadedPolicy;
  /** Every disclosure is committed here before its response leaves. */
  ledger: Ledger;
  /** The IOM cohort register (same database as the ledger). */
  register: CohortRegister;
  /** How far the register's last catch-up with the identity index got (docs/adr/0166), for /ready; held in memory, no query. */
  cohortMerges?: () => CohortMergesStatus;
  /** Cohort events polled from the agencies, for the `events` query and the `cohortEvents` subscription. */
  events: EventFeed;
  /** Break-glass windows (same database as the ledger). */
  emergencies: EmergencyWindows;
  /** The partnership's cohort eligibility rules, for cohortCandidates. */
  eligibility: EligibilityRules;
  /** `redact` withholds fields one by one; `reject` refuses an operation that would withhold anything. */
  enforcement?: EnforcementMode;
  limits?: Limits;
  /** Requests per principal per minute, by role. */
  rateLimits?: RateLimits;
  /** What the gateway exposes beyond its API: open in development, closed in production (see gateway/config.ts). */
  surface?: Partial<Surface>;
  /** The time decisions are made at (review dates, break-glass windows); tests move it. */
  clock?: () => Date;
  /** The one database behind ledger, register and events, for readiness. */
  database: Pick<LedgerStore, 'availability'>;
  /** The IG console (gateway/console/), served at /console when given. */
  console?: express.Router;
  /** JSON log lines (gateway/observability/logging.ts); default none. */
  logger?: Logger;
  /** The documents client applications registered, and which clients may run nothing else; default none. */
  documents?: TrustedDocuments;
  /** Refuse a trusted-documents-only client anything else (production); otherwise log it. Default true. */
  enforceTrustedDocuments?: boolean;
  /** GET /metrics on this app: open, or behind a bearer token; false when it is served on a port of its own. */
  metrics?: { token?: string } | false;
}

export interface Surface {
  introspection: boolean;
  graphiql: boolean;
  /** Browser origins allowed to call the gateway (CORS); none by default. */
  corsOrigins: readonly string[];
  maxBodyBytes: number;
}

const OPEN_SURFACE: Surface = { introspection: true, graphiql: true, corsOrigins: [], maxBodyBytes: DEFAULT_MAX_BODY_BYTES };

export function createGateway(options: GatewayOptions) {
  const surface: Surface = { ...OPEN_SURFACE, ...options.surface };
  const rateLimiter = new RateLimiter(options.rateLimits ?? DEFAULT_RATE_LIMITS);
  const { modules } = options;
  const logger = options.logger ?? silentLogger;
  // The ledger and authenticator as the request path uses them: timed, counted and traced.
  const ledger = observedLedger(options.ledger, metrics);
  const authenticator = observedAuthenticator(options.authenticator);
  observeAgencies(metrics, logger);
  metrics.watch({
    indexSize: () => options.directory.current().size(),
    feeds: () => options.directory.feedStatus(),
    subscribers: () => options.events.subscribers,
  });
  // The gateway's own parts of the schema, beside the agencies' sections (their SDL is in schema/).
  const extensions = [
    // accessExplanation: what the caller may see about a person, and which clause decides it
    explainExtension(describeDataItems(modules)),
    // disclosures, subjectAccessReport, disclosureAlerts, ledgerIntegrity: for IG officers
    auditExtension(ledger),
    // cohort, Person.iom and the mutations that change the IOM cohort register
    cohortExtension({ register: options.register, ledger }),
    // cohortCandidates: people the partnership's eligibility rules suggest for the cohort
    eligibilityExtension({ rules: options.eligibility, register: options.register }),
    // Person.pathways: needs and interventions across the seven pathways, from the agencies' sections
    pathwaysExtension(),
    // cohortOutcomes: is the scheme reducing reoffending? Suppressed aggregates per strand and quarter
    outcomesExtension({ register: options.register }),
    // events and the cohortEvents subscription, each event judged for its recipient
    eventsExtension({
      feed: options.events,
      modules,
      connections: options.connections,
      index: () => options.directory.current(),
      register: options.register,
      now: options.clock,
    }),
  ];
  const built = buildGatewaySchema(modules, extensions);
  const policy = compilePolicy(options.policy, built.classification);
  const schema = enforcePolicy(built.schema, built.classification, modules);

  const documents = options.documents ?? TrustedDocuments.none();
  documents.check(built.schema);
  metrics.operations.register(documents.operationNames());

  const deliveries = new Deliveries(ledger);
  const yoga = createYoga({
    schema,
    graphqlEndpoint: '/graphql',
    landingPage: false,
    // The bundled GraphiQL: partner networks often cannot reach a CDN.
    renderGraphiQL,
    // GraphiQL in a browser: the page is public, every query from it still needs a token and a purpose.
    // The edge below does CORS, from an explicit allow-list; yoga's default would reflect any origin.
    cors: false,
    graphiql: surface.graphiql && {
      title: 'Partnership Gateway',
      headers: JSON.stringify({ Authorization: 'Bearer <paste the output of npm run token>', 'X-Purpose': 'iom-case-management' }, null, 2),
      defaultQuery:
        '# What may I see about this person, and why?\nquery Explain {\n  accessExplanation(pnc: "2002/0949875C") {\n    ispVersion role purpose\n    items { dataItem allowed clause reason }\n  }\n}\n',
    },
    logging: yogaLogger(logger),
    // A registered document by id (gateway/documents/): yoga's own check would refuse the parameter.
    extraParamNames: ['documentId'],
    // The edge has read the body whole, within its own limit, before yoga is reached: yoga's limit would pipe the
    // already-read body through a counting stream on every request, for nothing.
    maxRequestBodySize: false,
    maskedErrors: { maskError: maskGatewayError },
    plugins: [
      useErrorDiscipline(),
      useAuthentication(authenticator, { rateLimiter }),
      useObservation(),
      useTrustedDocuments(documents, { enforce: options.enforceTrustedDocuments ?? true, logger }),
      useArgumentBounds(),
      useLimits(options.limits ?? DEFAULT_LIMITS),
      useIntrospection(surface.introspection),
      usePurpose(policy, options.emergencies, options.clock),
      usePersonAccess({
        policy,
        modules,
        connections: options.connections,
        directory: options.directory,
        register: options.register,
        now: options.clock,
      }),
      useDisclosureRecording({
        ledger,
        mode: options.enforcement ?? 'redact',
        onRecorded: (record, context) => deliveries.recorded((context as { res?: unknown }).res, record),
        onRecordRefused: (error) => logger.error({ err: error }, 'the ledger refused a disclosure record the gateway made; nothing was disclosed'),
      }),
      useDatabaseFailures(),
    ],
  });

  const app = express();
  app.disable('x-powered-by');
  app.use(observeRequests({ logger, metrics }));
  if (options.metrics !== false) app.get('/metrics', metricsRoute(metrics, options.metrics ?? {}));
  app.use(deliveries.track);
  // Liveness: the process serves HTTP, whatever its dependencies say.
  app.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/ready', async (_req, res) => {
    res.setHeader('cache-control', 'no-store');
    const readiness = await readinessOf(options);
    res.status(readiness.status === 'ready' ? 200 : 503).json(readiness);
  });
  // Until start-up is over nothing is answered from the index: a first load links no one until every feed is read,
  // the cohort is not yet seeded, and an answer would be a guess presented as fact.
  const starting: express.RequestHandler = (_req, res, next) => {
    const step = options.startup?.() ?? null;
    if (step === null) return next();
    res.status(503).setHeader('retry-after', '10');
    res.json({
      errors: [
        {
          message: `The gateway is starting (${step.replace(/^start-up: /, '')}) and answers nothing yet. Try again when GET /ready answers 200.`,
          extensions: { code: 'GATEWAY_STARTING' },
        },
      ],
    });
  };
  app.use(['/audit', yoga.graphqlEndpoint, '/console'], starting);
  const edge = { corsOrigins: surface.corsOrigins, maxBodyBytes: surface.maxBodyBytes, graphiql: surface.graphiql };
  // Checkpoints hold no person data (counts, hashes, times, signatures): published without a token, for partners' witnesses.
  app.use('/ledger', checkpointsRouter(ledger));
  app.use('/audit', ...routeEdge(edge), activateTrace, auditRouter({ ledger, authenticator, rateLimiter, policy, index: () => options.directory.current() }));
  app.use(yoga.graphqlEndpoint, ...graphqlEdge(edge), activateTrace, yoga);
  if (options.console) {
    app.use('/console', options.console);
    app.get('/', (_req, res) => res.redirect(303, '/console'));
  }
  return { app, yoga, schema, policy, deliveries };
}

/**
 * Readiness: the database answers (asked now, unless it is known to be down) and every agency's identity feed has
 * loaded at least once. Each problem is named; no figures about people.
 */
async function readinessOf(options: Pick<GatewayOptions, 'database' | 'directory' | 'startup' | 'cohortMerges'>) {
  const { availability } = options.database;
  const databaseUp = availability.outage === null && (await availability.check());
  const outage = availability.outage;
  const feeds = options.directory.feedStatus();
  const starting = options.startup?.() ?? null;
  const problems = [
    ...(starting === null ? [] : [starting]),
    ...(databaseUp ? [] : [`database: ${outage?.reason ?? 'did not answer'}`]),
    ...feeds.filter((feed) => feed.refreshedAt === null).map((feed) => `${feed.agency}: identity feed never loaded (${feed.error ?? 'not yet tried'})`),
  ];
  return {
    status: problems.length === 0 ? 'ready' : 'not-ready',
    problems,
    database: databaseUp ? { available: true } : { available: false, reason: outage?.reason ?? 'did not answer' },
    identityFeeds: feeds.map((feed) => ({ agency: feed.agency, loaded: feed.refreshedAt !== null, refreshedAt: feed.refreshedAt, error: feed.error })),
    // Not a problem for readiness (a merge not yet followed errs towards less disclosure), but an operator sees a stuck catch-up.
    ...(options.cohortMerges ? { cohortMerges: options.cohortMerges() } : {}),
  };
}
