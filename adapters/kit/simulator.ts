/**
 * What every agency simulator shares: a real HTTP service (express) that serves the agency's
 * OpenAPI contract, counts requests per route, and injects faults (latency, down, malformed)
 * set at start or at run time through `/__admin/faults`. Its event feed (`GET /events`) carries the
 * events the agency's generator makes, on a timer or through `POST /__admin/events`; its identity change feed
 * (`GET /identity-changes`) the people it holds, then amendments made through `POST /__admin/identity-changes`.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type Router } from 'express';
import { z } from 'zod';
import { POPULATION_SIZE_LIMIT } from '../population/generate.js';
import type { FaultControl, Faults, RequestStats, SimulatorApp } from './contract.js';
import { createEventLog, EventQuery, type EventSource, GenerateRequest } from './event-log.js';
import { type IdentityChangeSource, identityChangeRoutes } from './identity-changes.js';

const FaultsInput = z
  .object({
    mode: z.enum(['normal', 'down', 'malformed']).optional(),
    latencyMs: z.number().int().min(0).max(600_000).optional(),
  })
  .strict();

/** The settings of a simulator run on its own (adapters/serve.ts). */
export const SimulatorEnv = z.object({
  PORT: z.coerce.number().int().min(0).max(65_535).default(4101),
  HOST: z.string().min(1).default('127.0.0.1'),
  POPULATION_SEED: z.coerce.number().int().default(20261101),
  POPULATION_SIZE: z.coerce.number().int().min(10).max(POPULATION_SIZE_LIMIT).default(2000),
  SIMULATOR_FAULTS: z.string().default(''),
  /** A new event every this many milliseconds; 0 makes none unless asked (POST /__admin/events). */
  SIMULATOR_EVENT_INTERVAL_MS: z.coerce.number().int().min(0).max(3_600_000).default(15_000),
});

export interface SimulatorDefinition<E = unknown> {
  agency: string;
  /** Absolute path of the agency's openapi.yaml, served at /openapi.yaml. */
  openapiPath: string;
  /** Installs the agency's routes. Handlers answer with `res.json(...)`. */
  routes(router: Router): void;
  /** The agency's event generator, served at `GET /events?after=&limit=` as `{ events, cursor }`. */
  events?: EventSource<E>;
  /** Whom the agency holds, served as its identity change feed (`GET /identity-changes`, identity-changes.ts). */
  identities: IdentityChangeSource;
}

export function createSimulatorApp<E>(definition: SimulatorDefinition<E>): SimulatorApp {
  let faults: Faults = { mode: 'normal', latencyMs: 0 };
  const faultControl: FaultControl = {
    get: () => ({ ...faults }),
    set: (change) => {
      faults = { ...faults, ...FaultsInput.parse(change) };
      return { ...faults };
    },
  };

  let counts: Record<string, number> = {};
  const stats: RequestStats = {
    counts: () => ({ ...counts }),
    total: () => Object.values(counts).reduce((a, b) => a + b, 0),
    reset: () => {
      counts = {};
    },
  };

  const eventLog = createEventLog(definition.agency, definition.events);
  const identityChanges = identityChangeRoutes(definition.identities);
  const openapi = readFileSync(definition.openapiPath, 'utf8');
  const app = express();
  app.disable('x-powered-by');
  app.use(express.json({ limit: '1mb' }));

  // Administration for tests and benchmarks: not part of the agency's contract, never faulted or counted.
  app.get('/__admin/faults', (_req, res) => {
    res.json(faultControl.get());
  });
  app.put('/__admin/faults', (req, res) => {
    const parsed = FaultsInput.safeParse(req.body);
    if (!parsed.success) {
      res.status(400).json({ error: 'faults are {"mode": "normal"|"down"|"malformed", "latencyMs": n}' });
      return;
    }
    res.json(faultControl.set(parsed.data));
  });
  app.get('/__admin/stats', (_req, res) => {
    res.json({ total: stats.total(), counts: stats.counts() });
  });
  app.delete('/__admin/stats', (_req, res) => {
    stats.reset();
    res.status(204).end();
  });
  app.post('/__admin/events', (req, res) => {
    const parsed = GenerateRequest.safeParse(req.body ?? {});
    if (!parsed.success) {
      res.status(400).json({ error: 'the body is {"count": n} with n from 1 to 1000' });
      return;
    }
    const events = eventLog.generate(parsed.data.count);
    res.json({ created: events.length, events });
  });
  identityChanges.admin(app);
  app.get('/openapi.yaml', (_req, res) => {
    res.type('application/yaml').send(openapi);
  });
  app.get('/health', (_req, res) => {
    res.json({ status: faults.mode === 'down' ? 'down' : 'ok', agency: definition.agency });
  });

  const agencyRoutes = express.Router();
  agencyRoutes.use((req, res, next) => {
    res.on('finish', () => {
      const route: unknown = (req as { route?: { path?: unknown } }).route?.path;
      const key = `${req.method} ${typeof route === 'string' ? route : req.path}`;
      counts[key] = (counts[key] ?? 0) + 1;
    });
    const current = faults;
    const answer = () => {
      if (current.mode === 'down') {
        res.status(503).json({ error: `${definition.agency} system unavailable (simulated)` });
        return;
      }
      if (current.mode === 'malformed') {
        // A payload that breaks the contract: right status and content type, wrong shape.
        res.json = ((_body: unknown) => res.type('application/json').send('{"records": "<<corrupted>>", "items": 42')) as typeof res.json;
      }
      next();
    };
    if (current.latencyMs > 0) setTimeout(answer, current.latencyMs);
    else answer();
  });
  definition.routes(agencyRoutes);
  identityChanges.feed(agencyRoutes);
  if (definition.events) {
    agencyRoutes.get('/events', (req, res) => {
      const query = EventQuery.safeParse(req.query);
      if (!query.success) {
        const first = query.error.issues[0];
        res.status(400).json({ error: `bad event query (${first ? `${first.path.join('.')}: ${first.message}` : 'invalid'})` });
        return;
      }
      res.json(eventLog.page(query.data.after, query.data.limit));
    });
  }
  app.use(agencyRoutes);

  app.use((_req: express.Request, res: express.Response) => {
    res.status(404).json({ error: 'no such route' });
  });
  app.use((error: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    const status = error instanceof SyntaxError ? 400 : 500;
    res.status(status).json({ error: status === 400 ? 'request body is not valid JSON' : 'simulator error' });
  });

  return { agency: definition.agency, handler: app, faults: faultControl, stats, events: eventLog.control };
}

export interface RunningSimulator {
  agency: string;
  url: string;
  app: SimulatorApp;
  close(): Promise<void>;
}

/** Listen on loopback; port 0 picks a free one. */
export async function startSimulator(app: SimulatorApp, port = 0, host = '127.0.0.1'): Promise<RunningSimulator> {
  const server: Server = createServer(app.handler);
  // Outlive the clients' idle keep-alive, so a client never reuses a connection the server is closing.
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  return {
    agency: app.agency,
    url: `http://${host}:${address.port}`,
    app,
    close: () =>
      new Promise<void>((resolve) => {
        app.events.every(0);
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * Faults set at start: `police=down,prison=latency:3000,drugs=malformed`.
 * Throws with a message naming the bad part.
 */
export function parseFaultSpec(spec: string): Map<string, Partial<Faults>> {
  const result = new Map<string, Partial<Faults>>();
  for (const part of spec
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const m = /^([a-z-]+)=(down|malformed|normal|latency:(\d+))$/.exec(part);
    if (!m) throw new Error(`SIMULATOR_FAULTS: "${part}" is not agency=down|malformed|normal|latency:<ms>`);
    const [, agency, what, ms] = m as unknown as [string, string, string, string | undefined];
    const current = result.get(agency) ?? {};
    result.set(agency, ms !== undefined ? { ...current, latencyMs: Number(ms) } : { ...current, mode: what as Faults['mode'] });
  }
  return result;
}
