/**
 * The embedded start as `npm start` runs it, with an agency slow enough that the identity index takes a while to
 * load, as a large population's does: the gateway listens at once, answers /health, /ready names what start-up
 * still has to do, and GraphQL and the console refuse, until the index has loaded and the cohort is seeded. Simulators asked to run in processes of their own are the gateway's
 * children and never outlive it, however it ends.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { agencies } from '../adapters/registry.js';
import { ensureLocalIssuer } from '../gateway/authentication/local-issuer.js';
import { loadPolicy } from '../gateway/policy/index.js';
import { type GatewayProcess, LISTENING, STARTED, startGatewayProcess } from './ledger-process.js';

/** The process ids of `pid`'s children. */
function childrenOf(pid: number): number[] {
  try {
    return execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' })
      .split('\n')
      .map((line) => Number(line.trim()))
      .filter((child) => child > 0);
  } catch {
    // ps exits 1 when there are none.
    return [];
  }
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function until(check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > timeoutMs) throw new Error(`not so within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('the embedded start', () => {
  let gateway: GatewayProcess | undefined;
  let dataDir = '';
  afterEach(async () => {
    await gateway?.stop('SIGKILL');
    gateway = undefined;
    await rm(dataDir, { recursive: true, force: true });
  });

  it('listens before its identity index has loaded: /health answers, /ready names what start-up still does', { timeout: 120_000 }, async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'gateway-embedded-start-'));
    // Every agency's feed slow, so the index is still loading when the first questions arrive.
    gateway = await startGatewayProcess({ DATA_DIR: dataDir, SIMULATOR_EVENT_INTERVAL_MS: '0', SIMULATOR_FAULTS: 'police=latency:3000' }, 90_000, LISTENING);
    const base = gateway.url.replace(/\/graphql$/, '');
    expect((await fetch(`${base}/health`)).status).toBe(200);
    const loading = await fetch(`${base}/ready`);
    expect(loading.status).toBe(503);
    const { problems } = (await loading.json()) as { problems: string[] };
    expect(problems).toContain('start-up: the identity index is loading');
    expect(problems).toContainEqual(expect.stringMatching(/^police: identity feed never loaded/));
    // A question sent anyway is refused whole, for what it is: not "no such person", nor an id that may yet change.
    const issuer = await ensureLocalIssuer(dataDir, loadPolicy('policies/iom-partnership.yaml'));
    const token = await issuer.sign({ sub: 'coordinator-1', agency: 'iom', role: 'iom-coordinator', azp: 'embedded-start-suite' });
    const early = await fetch(gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'x-purpose': 'iom-case-management' },
      body: JSON.stringify({ query: '{ person(pnc: "2002/0949875C") { id } }' }),
    });
    expect(early.status).toBe(503);
    const answer = (await early.json()) as { data?: unknown; errors: { message: string; extensions: Record<string, unknown> }[] };
    expect(answer.data).toBeUndefined();
    expect(answer.errors).toEqual([
      { message: expect.stringMatching(/starting \(the identity index is loading\).*GET \/ready/), extensions: { code: 'GATEWAY_STARTING' } },
    ]);
    const console = await fetch(`${base}/console`, { redirect: 'manual' });
    expect(console.status).toBe(503);

    await until(() => STARTED.test(gateway?.output() ?? ''), 90_000);
    const ready = await fetch(`${base}/ready`);
    expect(ready.status).toBe(200);
    expect(gateway.output()).toMatch(/identity index: \d+ people, loaded in [\d.]+ s/);
  });

  it('runs simulators in processes of their own when asked, and they go when the gateway is killed', { timeout: 120_000 }, async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'gateway-embedded-start-'));
    gateway = await startGatewayProcess({ DATA_DIR: dataDir, SIMULATOR_EVENT_INTERVAL_MS: '0', SIMULATORS: 'processes' });
    expect(gateway.output().match(/simulator \w+ http:\S+ \(own process\)/g)?.length).toBe(agencies.length);
    const simulators = childrenOf(gateway.pid);
    expect(simulators).toHaveLength(agencies.length);
    // The gateway answers from them: its index holds the population they serve.
    expect(gateway.output()).toMatch(/\(\d{3,} people indexed\)/);

    await gateway.stop('SIGKILL');
    gateway = undefined;
    await until(() => simulators.every((pid) => !alive(pid)), 10_000);
  });
});
