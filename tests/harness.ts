/**
 * The whole system for end-to-end tests: the five simulators on free loopback ports serving the default
 * population, and the gateway's express app, queried over real HTTP with supertest.
 */
import request from 'supertest';
import type { Faults } from '../adapters/kit/contract.js';
import type { RunningSimulator } from '../adapters/kit/simulator.js';
import { defaultPopulation } from '../adapters/population/generate.js';
import type { Population } from '../adapters/population/types.js';
import { agencies } from '../adapters/registry.js';
import { connectAgencies, startSimulators } from '../gateway/agencies.js';
import { createGateway } from '../gateway/server.js';

export interface GraphQLResponse {
  status: number;
  body: {
    data?: Record<string, unknown> | null;
    errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
  };
}

export interface TestSystem {
  population: Population;
  app: ReturnType<typeof createGateway>['app'];
  simulator(agency: string): RunningSimulator;
  query(query: string, variables?: Record<string, unknown>): Promise<GraphQLResponse>;
  /** Upstream requests per agency since the last reset, admin routes excluded. */
  upstreamCalls(): Record<string, Record<string, number>>;
  resetUpstreamCalls(): void;
  setFaults(agency: string, faults: Partial<Faults>): void;
  clearFaults(): void;
  close(): Promise<void>;
}

export async function startTestSystem(options: { timeoutMs?: number } = {}): Promise<TestSystem> {
  const population = defaultPopulation();
  const simulators = await startSimulators(agencies, population, { basePort: 0 });
  const bySimulator = new Map(simulators.map((s) => [s.agency, s]));
  const { connections, directory } = connectAgencies(
    agencies,
    new Map(simulators.map((s) => [s.agency, s.url])),
    options.timeoutMs ?? 1000,
  );
  await directory.refresh();
  const { app } = createGateway({ modules: agencies, connections, directory });

  const simulator = (agency: string) => {
    const found = bySimulator.get(agency);
    if (!found) throw new Error(`no simulator for ${agency}`);
    return found;
  };

  return {
    population,
    app,
    simulator,
    async query(query, variables) {
      const response = await request(app).post('/graphql').set('content-type', 'application/json').send({ query, variables });
      return { status: response.status, body: response.body as GraphQLResponse['body'] };
    },
    upstreamCalls: () => Object.fromEntries(simulators.map((s) => [s.agency, s.app.stats.counts()])),
    resetUpstreamCalls: () => simulators.forEach((s) => s.app.stats.reset()),
    setFaults: (agency, faults) => void simulator(agency).app.faults.set(faults),
    clearFaults: () => simulators.forEach((s) => s.app.faults.set({ mode: 'normal', latencyMs: 0 })),
    close: async () => {
      directory.stop();
      await Promise.all(simulators.map((s) => s.close()));
    },
  };
}
