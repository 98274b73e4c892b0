/**
 * Connecting the gateway to the agencies: embedded simulators for the default set-up,
 * adapters for each agency's base URL, and the identity directory over their feeds.
 */
import { fork } from 'node:child_process';
import type { AgencyModule, Faults } from '../adapters/kit/contract.js';
import { type RunningSimulator, startSimulator } from '../adapters/kit/simulator.js';
import type { Population } from '../adapters/population/types.js';
import { ConfigSchema } from './config.js';
import type { AgencyConnection } from './enforcement/index.js';
import { IdentityDirectory } from './identity/directory.js';
import type { LedgerStore as Database } from './ledger/store.js';

/** Starts every agency's simulator on loopback: consecutive ports from `basePort`, or free ports when it is 0. */
export async function startSimulators(
  modules: readonly AgencyModule[],
  population: Population,
  options: { basePort: number; host?: string; faults?: ReadonlyMap<string, Partial<Faults>> },
): Promise<RunningSimulator[]> {
  const started: RunningSimulator[] = [];
  try {
    for (const [i, module] of modules.entries()) {
      const app = module.createSimulator(population);
      const faults = options.faults?.get(module.agency);
      if (faults) app.faults.set(faults);
      started.push(await startSimulator(app, options.basePort === 0 ? 0 : options.basePort + i, options.host));
    }
  } catch (error) {
    await Promise.all(started.map((s) => s.close()));
    throw error;
  }
  return started;
}

/** A simulator in a child process of its own, as adapters/serve.ts runs it. */
export interface SimulatorProcess {
  agency: string;
  url: string;
  close(): Promise<void>;
}

export interface SimulatorProcessOptions {
  seed: number;
  size: number;
  /** Consecutive ports from here, or free ports when 0. */
  basePort: number;
  /** SIMULATOR_FAULTS as written, handed on to every simulator. */
  faults: string;
  eventIntervalMs: number;
  /** Told when a simulator that was listening exits other than by close(): the agency is then unreachable. */
  onExit?: (agency: string, code: number | null) => void;
}

/** How long a simulator may take to listen before the start fails naming it. */
const SIMULATOR_START_MS = 60_000;

/** This process's environment without the gateway's own settings (its database, keys, tokens): a simulator needs none. */
function simulatorEnvironment(): NodeJS.ProcessEnv {
  const gateway = new Set(Object.keys(ConfigSchema.shape));
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !gateway.has(name) && !name.endsWith('_URL')));
}

/**
 * Starts every agency's simulator in its own process over the same population (each makes the people it needs from
 * the seed and the index): a large population's feeds are then made on other cores than the gateway's event loop.
 * Closed with the gateway; a simulator that fails to listen within a minute fails the start, naming it and what it said.
 */
export async function startSimulatorProcesses(modules: readonly AgencyModule[], options: SimulatorProcessOptions): Promise<SimulatorProcess[]> {
  // Beside this module: TypeScript run through tsx from the source tree, JavaScript once built.
  const source = import.meta.url.endsWith('.ts');
  const serve = new URL(`../adapters/serve.${source ? 'ts' : 'js'}`, import.meta.url);
  const started = await Promise.allSettled(
    modules.map(
      ({ agency }, i) =>
        new Promise<SimulatorProcess>((resolve, reject) => {
          const child = fork(serve, [agency], {
            execArgv: source ? ['--import', 'tsx'] : [],
            env: {
              ...simulatorEnvironment(),
              PORT: String(options.basePort === 0 ? 0 : options.basePort + i),
              HOST: '127.0.0.1',
              POPULATION_SEED: String(options.seed),
              POPULATION_SIZE: String(options.size),
              SIMULATOR_FAULTS: options.faults,
              SIMULATOR_EVENT_INTERVAL_MS: String(options.eventIntervalMs),
            },
            stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
          });
          let closing = false;
          let listening = false;
          const exited = new Promise<void>((done) => child.once('exit', () => done()));
          // What it says, for the error if it fails to start; passed on as it comes, as an in-process one's would be.
          let said = '';
          const hear = (chunk: Buffer) => {
            said = (said + chunk.toString()).slice(-4_000);
          };
          child.stderr?.on('data', (chunk: Buffer) => {
            hear(chunk);
            process.stderr.write(chunk);
          });
          const fail = (reason: string) => {
            clearTimeout(deadline);
            child.kill('SIGKILL');
            reject(new Error(`the ${agency} simulator ${reason}${said.trim() ? `: ${said.trim()}` : ''}`));
          };
          const deadline = setTimeout(() => fail(`did not listen within ${SIMULATOR_START_MS / 1000} s`), SIMULATOR_START_MS);
          child.stdout?.on('data', (chunk: Buffer) => {
            hear(chunk);
            const url = /simulator: (http\S+)/.exec(said)?.[1];
            if (!url || listening) return;
            listening = true;
            clearTimeout(deadline);
            resolve({
              agency,
              url,
              close: () => {
                closing = true;
                child.kill('SIGTERM');
                return exited;
              },
            });
          });
          child.once('error', (error) => fail(`could not be started (${error.message})`));
          child.once('exit', (code) => {
            if (!listening) fail(`exited (${code}) before listening`);
            else if (!closing) options.onExit?.(agency, code);
          });
        }),
    ),
  );
  const running = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  const failed = started.find((result) => result.status === 'rejected');
  if (failed) {
    await Promise.all(running.map((simulator) => simulator.close()));
    throw failed.reason;
  }
  return running;
}

export function connectAgencies(modules: readonly AgencyModule[], urls: ReadonlyMap<string, string>, timeoutMs: number): AgencyConnection[] {
  return modules.map((module) => {
    const baseUrl = urls.get(module.agency);
    if (!baseUrl) throw new Error(`no address for the ${module.agency} agency`);
    return { agency: module.agency, title: module.title, adapter: module.createAdapter({ baseUrl, timeoutMs }) };
  });
}

/** The identity directory over the agencies' identity change feeds, its index in `database`. */
export function openIdentityDirectory(database: Database, connections: readonly AgencyConnection[]): Promise<IdentityDirectory> {
  return IdentityDirectory.open(
    database,
    connections.map(({ agency, adapter }) => ({ agency, adapter })),
  );
}
