/**
 * The gateway's HTTP server: express hosting graphql-yoga. The plugin list below is the request path.
 */
import express from 'express';
import { createYoga } from 'graphql-yoga';
import type { AgencyModule } from '../adapters/kit/contract.js';
import type { IdentityDirectory } from './identity/directory.js';
import { DEFAULT_LIMITS, type Limits, useLimits } from './plugins/limits.js';
import { buildGatewaySchema, type PersonContext } from './schema.js';
import { type AgencyConnection, createSectionLoaders } from './sections.js';

export interface GatewayOptions {
  modules: readonly AgencyModule[];
  connections: readonly AgencyConnection[];
  directory: IdentityDirectory;
  limits?: Limits;
}

export function createGateway(options: GatewayOptions) {
  const { schema } = buildGatewaySchema(options.modules);

  const yoga = createYoga<object, PersonContext>({
    schema,
    graphqlEndpoint: '/graphql',
    landingPage: false,
    logging: 'warn',
    plugins: [useLimits(options.limits ?? DEFAULT_LIMITS)],
    context: () => ({
      index: options.directory.current(),
      sections: createSectionLoaders(options.connections),
    }),
  });

  const app = express();
  app.disable('x-powered-by');
  app.get('/ready', (_req, res) => {
    const feeds = options.directory.feedStatus();
    const ready = feeds.some((feed) => feed.refreshedAt !== null);
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'starting', people: options.directory.current().size, feeds });
  });
  app.use(yoga.graphqlEndpoint, yoga);
  return { app, yoga, schema };
}
