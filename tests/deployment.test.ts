/**
 * No Docker engine runs here, so the deployment files are checked against the code instead:
 * every command they run exists, every environment variable they set is one the code reads,
 * and every health check they probe answers.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { z } from 'zod';
import { SimulatorEnv } from '../adapters/kit/simulator.js';
import { agencies } from '../adapters/registry.js';
import { ConfigSchema, loadConfig } from '../gateway/config.js';
import { ROOT } from '../scripts/generated.js';
import { startTestSystem, type TestSystem } from './harness.js';

const Service = z.object({
  image: z.string().optional(),
  command: z.array(z.string()).optional(),
  environment: z.record(z.string(), z.string()).optional(),
  healthcheck: z.object({ test: z.array(z.string()) }).optional(),
  depends_on: z.record(z.string(), z.unknown()).optional(),
});
const Compose = z.object({ services: z.record(z.string(), Service) });

const compose = Compose.parse(parse(readFileSync(join(ROOT, 'docker/compose.yaml'), 'utf8'), { merge: true }));
const dockerfile = readFileSync(join(ROOT, 'docker/Dockerfile'), 'utf8');
const ours = Object.entries(compose.services).filter(([, service]) => service.image?.startsWith('partnership-gateway'));

/** `node dist/x/y.js` runs the compiled form of `x/y.ts`. */
const sourceOf = (script: string) => join(ROOT, script.replace(/^dist\//, '').replace(/\.js$/, '.ts'));

const gatewayVariables = new Set([...Object.keys(ConfigSchema.shape), ...agencies.map((a) => `${a.agency.toUpperCase()}_URL`)]);
const simulatorVariables = new Set(Object.keys(SimulatorEnv.shape));

describe('docker/compose.yaml', () => {
  it('runs the gateway and one simulator per registered agency, all from our image', () => {
    const commands = ours.map(([, service]) => service.command?.slice(1).join(' '));
    expect(commands).toEqual(expect.arrayContaining(['dist/gateway/main.js', ...agencies.map((a) => `dist/adapters/serve.js ${a.agency}`)]));
    expect(Object.keys(compose.services)).toContain('postgres');
  });

  it('gives the gateway the address of every registered agency, and starts it once every simulator is healthy', () => {
    const gateway = ours.find(([, s]) => s.command?.[1] === 'dist/gateway/main.js')?.[1];
    const simulatorOf = (agency: string) => ours.find(([, s]) => s.command?.join(' ') === `node dist/adapters/serve.js ${agency}`)?.[0];
    for (const { agency } of agencies) {
      const service = simulatorOf(agency);
      expect(service, agency).toBeDefined();
      expect(gateway?.environment?.[`${agency.toUpperCase()}_URL`], agency).toBe(`http://${service}:4100`);
      expect(gateway?.depends_on?.[service ?? ''], agency).toEqual({ condition: 'service_healthy' });
    }
  });

  it.each(ours)('%s: its command exists in the code', (_name, service) => {
    const [program, script, argument] = service.command ?? [];
    expect(program).toBe('node');
    expect(existsSync(sourceOf(script ?? '')), script).toBe(true);
    if (script === 'dist/adapters/serve.js') expect(agencies.map((a) => a.agency)).toContain(argument);
  });

  it.each(ours)('%s: every environment variable it sets is one the code reads', (_name, service) => {
    const known = service.command?.[1] === 'dist/adapters/serve.js' ? simulatorVariables : gatewayVariables;
    const unknown = Object.keys(service.environment ?? {}).filter((name) => !known.has(name));
    expect(unknown).toEqual([]);
  });

  it('gives the gateway a valid production configuration once the operator supplies the required values', () => {
    const gateway = ours.find(([, s]) => s.command?.[1] === 'dist/gateway/main.js')?.[1];
    const operator: Record<string, string> = { AUTH_JWKS_URL: 'https://idp.example/jwks.json', AUTH_ISSUER: 'https://idp.example/' };
    // `${NAME:?message}`: compose refuses to start until the operator sets NAME.
    const environment = Object.fromEntries(
      Object.entries(gateway?.environment ?? {}).map(([name, value]) => [name, value.replace(/^\$\{(\w+):\?[^}]*\}$/, (_m, v: string) => operator[v] ?? '')]),
    );
    const withImageDefaults: Record<string, string> = { NODE_ENV: 'production', ...environment };
    expect(() =>
      loadConfig(
        withImageDefaults,
        agencies.map((a) => a.agency),
      ),
    ).not.toThrow();
    const { AUTH_JWKS_URL: _url, AUTH_ISSUER: _issuer, ...withoutProvider } = withImageDefaults;
    expect(() =>
      loadConfig(
        withoutProvider,
        agencies.map((a) => a.agency),
      ),
    ).toThrow(/production needs AUTH_JWKS_URL/);
  });
});

describe('docker/Dockerfile', () => {
  it('builds in stages, runs as a non-root user on a Node LTS image, and starts a command that exists', () => {
    expect(dockerfile.match(/^FROM /gm)?.length).toBeGreaterThanOrEqual(2);
    expect(dockerfile).toMatch(/^FROM node:(2[2468])[-\w.]* AS build$/m);
    expect(dockerfile).toMatch(/^USER node$/m);
    const cmd = /^CMD \["node", "([^"]+)"\]$/m.exec(dockerfile)?.[1];
    expect(cmd && existsSync(sourceOf(cmd))).toBe(true);
  });

  it('sets only environment variables the gateway reads', () => {
    const env = /^ENV ((?:.|\\\n)+?)(?<!\\)$/m.exec(dockerfile)?.[1] ?? '';
    const names = [...env.matchAll(/([A-Z_]+)=/g)].map((m) => m[1]);
    expect(names.length).toBeGreaterThan(0);
    expect(names.filter((name) => !gatewayVariables.has(name ?? ''))).toEqual([]);
  });
});

describe('health checks', () => {
  let system: TestSystem;
  beforeAll(async () => {
    system = await startTestSystem();
  });
  afterAll(async () => {
    await system?.close();
  });

  const probedPaths = (service: z.infer<typeof Service>) =>
    [...(service.healthcheck?.test.join(' ') ?? '').matchAll(/127\.0\.0\.1:\d+(\/[a-z]+)/g)].map((m) => m[1] ?? '');

  it('the gateway answers every path its health check probes', async () => {
    const gateway = ours.find(([, s]) => s.command?.[1] === 'dist/gateway/main.js')?.[1];
    const paths = [...probedPaths(gateway ?? {}), ...[...dockerfile.matchAll(/\/(health|ready)'/g)].map((m) => `/${m[1]}`)];
    expect(paths.length).toBeGreaterThan(0);
    for (const path of paths) expect((await request(system.app).get(path)).status, path).toBe(200);
  });

  it('each simulator answers the path its health check probes', async () => {
    const simulator = ours.find(([, s]) => s.command?.[1] === 'dist/adapters/serve.js')?.[1];
    const [path] = probedPaths(simulator ?? {});
    expect(path).toBe('/health');
    for (const { agency } of agencies) {
      const response = await fetch(system.simulator(agency).url + path);
      expect(response.status, agency).toBe(200);
    }
  });
});
