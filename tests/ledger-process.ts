/**
 * The gateway as operators run it: `gateway/main.ts` in a process of its own, started with node and the tsx
 * loader directly (npx would put processes in between, and a SIGKILL must reach the gateway itself), and
 * clients that load it over loopback, each request with its own X-Request-Id. For the crash and replica suites.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { agencies } from '../adapters/registry.js';
import { ConfigSchema } from '../gateway/config.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** Printed once start-up is over: the identity index loaded and the synthetic cohort seeded. */
export const STARTED = /Partnership Gateway: http:\/\/\S+\/graphql/;
/** Printed once the gateway listens, before the identity index has loaded. */
export const LISTENING = /listening on \S+; GET \/ready/;

export interface GatewayProcess {
  /** The GraphQL endpoint. */
  url: string;
  dataDir: string;
  /** The gateway's process id. */
  pid: number;
  /** What the process has printed so far, stdout and stderr interleaved. */
  output(): string;
  /** Sends `signal` and resolves with the exit once the process has gone (SIGKILL after 15 s if it lingers). */
  stop(signal: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** This process's environment without any gateway setting, so that only `settings` configure the child. */
function neutralEnvironment(): NodeJS.ProcessEnv {
  const ours = new Set([...Object.keys(ConfigSchema.shape), ...agencies.map((a) => `${a.agency.toUpperCase()}_URL`)]);
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !ours.has(name)));
}

function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

/**
 * Starts the gateway with the embedded simulators (200 people, free ports) and `settings` (DATA_DIR at least),
 * and resolves once it has printed `until` (by default: once start-up is over). A gateway that has not got there
 * within `timeoutMs` is killed.
 */
export async function startGatewayProcess(
  settings: { DATA_DIR: string } & Record<string, string>,
  timeoutMs = 90_000,
  until: RegExp = STARTED,
): Promise<GatewayProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'gateway/main.ts'], {
    cwd: ROOT,
    env: { ...neutralEnvironment(), NODE_ENV: 'test', HOST: '127.0.0.1', PORT: String(port), SIMULATOR_BASE_PORT: '0', POPULATION_SIZE: '200', ...settings },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const gone = exited(child);
  // Should this process end first (a timed-out suite), the gateway must not outlive it.
  const orphaned = () => child.kill('SIGKILL');
  process.once('exit', orphaned);
  void gone.then(() => process.off('exit', orphaned));
  const stop = async (signal: NodeJS.Signals) => {
    if (child.exitCode !== null || child.signalCode !== null) return gone;
    child.kill(signal);
    // A graceful stop that hangs ends in SIGKILL, which the exit then shows.
    const grace = setTimeout(() => child.kill('SIGKILL'), 15_000);
    return gone.finally(() => clearTimeout(grace));
  };

  const started = Date.now();
  while (!until.test(output)) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`the gateway exited before it was ready:\n${output}`);
    if (Date.now() - started > timeoutMs) {
      await stop('SIGKILL');
      throw new Error(`the gateway was not ready within ${timeoutMs} ms:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { url: `http://127.0.0.1:${port}/graphql`, dataDir: settings.DATA_DIR, pid: child.pid ?? 0, output: () => output, stop };
}

export interface Exchange {
  requestId: string;
  /** null when no response arrived (the connection failed or was cut). */
  status: number | null;
  body: unknown;
}

export interface Load {
  url: string;
  token: string;
  purpose: string;
  clients: number;
  /** Tells each client to finish its current request and stop. */
  signal: AbortSignal;
  /** The operation a client sends next. */
  next(): { query: string; variables: Record<string, unknown> };
  /** A prefix for request ids, to tell loads apart in one ledger. */
  label: string;
  /** A bound on each client's requests, whatever else happens. */
  maxPerClient?: number;
}

export interface Running {
  /** Every exchange so far, growing while the load runs. */
  exchanges: readonly Exchange[];
  /** Resolves when every client has stopped. */
  finished: Promise<void>;
}

/**
 * `clients` concurrent clients, each sending one request after another until told to stop, until it has sent
 * `maxPerClient`, or until a request gets no response (the gateway has gone).
 */
export function loadGateway(load: Load): Running {
  const exchanges: Exchange[] = [];
  const client = async (index: number) => {
    for (let sent = 0; sent < (load.maxPerClient ?? 2_000) && !load.signal.aborted; sent++) {
      const requestId = `${load.label}-${index}-${sent}-${randomUUID().slice(0, 8)}`;
      try {
        const response = await fetch(load.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            authorization: `Bearer ${load.token}`,
            'x-purpose': load.purpose,
            'x-request-id': requestId,
          },
          body: JSON.stringify(load.next()),
          signal: AbortSignal.timeout(10_000),
        });
        exchanges.push({ requestId, status: response.status, body: (await response.json()) as unknown });
      } catch {
        exchanges.push({ requestId, status: null, body: null });
        return;
      }
    }
  };
  const finished = Promise.all(Array.from({ length: load.clients }, (_, index) => client(index))).then(() => undefined);
  return { exchanges, finished };
}

/**
 * Waits at least `minMs`, then until `enough()` holds, but never beyond `maxMs`: a load long enough to mean
 * something on a busy machine, and bounded all the same.
 */
export async function runFor(options: { minMs: number; maxMs: number; enough: () => boolean }): Promise<void> {
  const started = Date.now();
  while (Date.now() - started < options.maxMs && (Date.now() - started < options.minMs || !options.enough())) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
