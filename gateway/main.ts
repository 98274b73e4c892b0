/**
 * Starts Partnership Gateway. By default everything runs embedded: the five agency simulators on
 * loopback, the gateway at http://localhost:4000/graphql. Settings: gateway/config.ts.
 */
import { createServer } from 'node:http';
import { parseFaultSpec } from '../adapters/kit/simulator.js';
import { createPopulation } from '../adapters/population/generate.js';
import { agencies } from '../adapters/registry.js';
import { connectAgencies, startSimulators } from './agencies.js';
import { loadConfig } from './config.js';
import { createGateway } from './server.js';

async function main(): Promise<void> {
  const config = loadConfig(process.env, agencies.map((a) => a.agency));
  const closers: (() => Promise<void>)[] = [];

  let urls = config.agencyUrls;
  if (config.AGENCIES === 'embedded') {
    const population = createPopulation({ seed: config.POPULATION_SEED, size: config.POPULATION_SIZE });
    const simulators = await startSimulators(agencies, population, {
      basePort: config.SIMULATOR_BASE_PORT,
      faults: parseFaultSpec(config.SIMULATOR_FAULTS),
    });
    closers.push(...simulators.map((s) => s.close));
    urls = new Map(simulators.map((s) => [s.agency, s.url]));
    for (const s of simulators) console.log(`  simulator ${s.agency.padEnd(10)} ${s.url}`);
  }

  const { connections, directory } = connectAgencies(agencies, urls, config.AGENCY_TIMEOUT_MS);
  const feeds = await directory.refresh();
  for (const feed of feeds) {
    if (feed.error) console.warn(`  identity feed ${feed.agency}: ${feed.error} (will retry)`);
  }
  directory.startRefreshing(config.IDENTITY_REFRESH_MS);

  const { app } = createGateway({ modules: agencies, connections, directory });
  const server = createServer(app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.PORT, config.HOST, resolve);
  });
  const shown = config.HOST === '0.0.0.0' ? 'localhost' : config.HOST;
  console.log(`Partnership Gateway: http://${shown}:${config.PORT}/graphql (${directory.current().size} people indexed)`);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: stopping`);
    directory.stop();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await Promise.all(closers.map((close) => close()));
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
