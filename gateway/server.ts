/**
 * The gateway's HTTP server: express hosting graphql-yoga. The plugin list below is the request path.
 */
import express from 'express';
import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import { createYoga } from 'graphql-yoga';
import type { AgencyModule } from '../adapters/kit/contract.js';
import { auditExtension, auditRouter } from './audit/index.js';
import type { Authenticator } from './authentication/authenticator.js';
import { useAuthentication } from './authentication/plugin.js';
import { eligibilityExtension } from './cohort/eligibility-graphql.js';
import type { EligibilityRules } from './cohort/eligibility-file.js';
import { cohortExtension } from './cohort/graphql.js';
import type { CohortRegister } from './cohort/register.js';
import { enforcePolicy } from './enforcement.js';
import { checkpointsRouter } from './checkpoints-route.js';
import { type EventFeed, eventsExtension } from './events/index.js';
import { explainExtension } from './explain.js';
import type { IdentityDirectory } from './identity/directory.js';
import type { Ledger } from './ledger/index.js';
import { type EnforcementMode, useDisclosureRecording } from './plugins/disclosure-recording.js';
import { DEFAULT_LIMITS, type Limits, useLimits } from './plugins/limits.js';
import { usePersonAccess } from './plugins/person-access.js';
import { outcomesExtension } from './outcomes/index.js';
import { pathwaysExtension } from './pathways/index.js';
import { usePurpose } from './plugins/purpose.js';
import { compilePolicy, type LoadedPolicy } from './policy/index.js';
import { buildGatewaySchema, describeDataItems } from './schema.js';
import type { AgencyConnection } from './sections.js';

export interface GatewayOptions {
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
  /** Cohort events polled from the agencies, for the `events` query and the `cohortEvents` subscription. */
  events: EventFeed;
  /** The partnership's cohort eligibility rules, for cohortCandidates. */
  eligibility: EligibilityRules;
  /** `redact` withholds fields one by one; `reject` refuses an operation that would withhold anything. */
  enforcement?: EnforcementMode;
  limits?: Limits;
  /** The time decisions are made at (review dates, break-glass windows); tests move it. */
  clock?: () => Date;
}

export function createGateway(options: GatewayOptions) {
  const { modules } = options;
  const built = buildGatewaySchema(modules, [explainExtension(describeDataItems(modules)), auditExtension(options.ledger), cohortExtension({ register: options.register, ledger: options.ledger }), eligibilityExtension({ rules: options.eligibility, register: options.register }), pathwaysExtension(), outcomesExtension({ register: options.register }), eventsExtension({ feed: options.events, modules, connections: options.connections, index: () => options.directory.current(), register: options.register, now: options.clock })]);
  const policy = compilePolicy(options.policy, built.classification);
  const schema = enforcePolicy(built.schema, built.classification, modules);

  const yoga = createYoga({
    schema,
    graphqlEndpoint: '/graphql',
    landingPage: false,
    // The bundled GraphiQL: partner networks often cannot reach a CDN.
    renderGraphiQL,
    // GraphiQL in a browser: the page is public, every query from it still needs a token and a purpose.
    graphiql: {
      title: 'Partnership Gateway',
      headers: JSON.stringify({ Authorization: 'Bearer <paste the output of npm run token>', 'X-Purpose': 'iom-case-management' }, null, 2),
      defaultQuery: '# What may I see about this person, and why?\nquery Explain {\n  accessExplanation(pnc: "2002/0949875C") {\n    ispVersion role purpose\n    items { dataItem allowed clause reason }\n  }\n}\n',
    },
    logging: 'warn',
    plugins: [
      useLimits(options.limits ?? DEFAULT_LIMITS),
      useAuthentication(options.authenticator),
      usePurpose(policy, options.clock),
      usePersonAccess({
        policy,
        modules,
        connections: options.connections,
        directory: options.directory,
        register: options.register,
        now: options.clock,
      }),
      useDisclosureRecording({ ledger: options.ledger, mode: options.enforcement ?? 'redact' }),
    ],
  });

  const app = express();
  app.disable('x-powered-by');
  // Liveness: the process serves HTTP. Readiness: the identity index holds at least one agency's feed.
  app.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/ready', (_req, res) => {
    const feeds = options.directory.feedStatus();
    const ready = feeds.some((feed) => feed.refreshedAt !== null);
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'starting', people: options.directory.current().size, feeds });
  });
  app.use('/ledger', checkpointsRouter(options.ledger));
  app.use('/audit', auditRouter({ ledger: options.ledger, authenticator: options.authenticator, policy, index: () => options.directory.current() }));
  app.use(yoga.graphqlEndpoint, yoga);
  return { app, yoga, schema, policy };
}
