/**
 * Connecting the gateway to the agencies: embedded simulators for the default set-up,
 * adapters for each agency's base URL, and the identity directory over their feeds.
 */
import type { AgencyModule, Faults } from '../adapters/kit/contract.js';
import { type RunningSimulator, startSimulator } from '../adapters/kit/simulator.js';
import type { Population } from '../adapters/population/types.js';
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
