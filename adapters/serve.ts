/**
 * Runs one agency simulator on its own, as the compose file does: `node dist/adapters/serve.js police`.
 */
import { parseFaultSpec, SimulatorEnv, startSimulator } from './kit/simulator.js';
import { createPopulation } from './population/generate.js';
import { agencies } from './registry.js';

// Started by the gateway (gateway/agencies.ts) it goes when the gateway does, however the gateway ends, even while
// it is still starting; and it leaves Ctrl-C to the gateway, which drains its requests before closing it.
if (process.connected) {
  process.once('disconnect', () => process.exit(0));
  process.on('SIGINT', () => undefined);
}

const name = process.argv[2];
const module = agencies.find((a) => a.agency === name);
if (!module) {
  console.error(`usage: serve <agency>, where agency is one of ${agencies.map((a) => a.agency).join(', ')}`);
  process.exit(2);
}
const env = SimulatorEnv.safeParse(process.env);
if (!env.success) {
  console.error(`Invalid configuration: ${env.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  process.exit(2);
}

const app = module.createSimulator(createPopulation({ seed: env.data.POPULATION_SEED, size: env.data.POPULATION_SIZE }));
const faults = parseFaultSpec(env.data.SIMULATOR_FAULTS).get(module.agency);
if (faults) app.faults.set(faults);
app.events.every(env.data.SIMULATOR_EVENT_INTERVAL_MS);
const running = await startSimulator(app, env.data.PORT, env.data.HOST);
console.log(`${module.title} simulator: ${running.url}`);
const stop = () => void running.close().then(() => process.exit(0));
if (!process.connected) process.on('SIGINT', stop);
process.on('SIGTERM', stop);
