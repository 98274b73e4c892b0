/**
 * `npm run bench:identity`: what the persistent identity index (docs/adr/0150) costs at a given population. For each
 * size in BENCH_SIZES it starts, each in its own process on loopback, every agency's simulator over one synthetic
 * population of that size, then an index process that reads every agency's identity change feed over HTTP through
 * the agencies' own adapters into a fresh database (embedded PGlite, or BENCH_DATABASE_URL), as the gateway does at
 * its first start; then opens the index again over the same database, as a restart does.
 * Prints the identity records stored (the sum across agencies), the people linked, the first start-up and restart
 * times, the index process's RSS, and p50/p99 of look-ups by identifier and by agency key and of searches by name with
 * and without date of birth (the index's own API, which `people(...)` calls, without the GraphQL and ledger around it).
 * Each process has a heap cap (BENCH_HEAP_MB) and the whole size a time limit (BENCH_TIME_LIMIT_S): a size that
 * cannot be generated, runs out of memory or takes too long is reported with the RSS it reached, and the next runs.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { POPULATION_SIZE_LIMIT } from '../adapters/population/generate.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

const env = z
  .object({
    BENCH_SIZES: z
      .string()
      .default('100000,1000000')
      .transform((list) => list.split(',').map((size) => z.coerce.number().int().min(10).max(POPULATION_SIZE_LIMIT).parse(size.trim()))),
    BENCH_HEAP_MB: z.coerce.number().int().min(256).max(16_384).default(4_096),
    BENCH_TIME_LIMIT_S: z.coerce.number().int().min(10).max(3_600).default(600),
    BENCH_SAMPLES: z.coerce.number().int().min(10).max(100_000).default(2_000),
    /** An empty PostgreSQL database for the index; without it, embedded PGlite in a temporary directory. */
    BENCH_DATABASE_URL: z.string().optional(),
  })
  .parse(process.env);

const Urls = z.record(z.string(), z.string());
const Latency = z.object({ p50: z.number(), p99: z.number() });
const Result = z.object({
  records: z.number(),
  people: z.number(),
  startupMs: z.number(),
  restartMs: z.number(),
  rssMb: z.number(),
  heapUsedMb: z.number(),
  byIdentifier: Latency,
  byAgencyKey: Latency,
  search: Latency,
  searchByName: Latency,
  searchFound: z.number(),
  searchRefused: z.number(),
});
type Result = z.infer<typeof Result>;

// ---------------------------------------------------------------------------------------------------------------
// Child: every agency's simulator over one population (one population in memory, not one per agency).

async function serveSimulators(): Promise<void> {
  const { createPopulation } = await import('../adapters/population/generate.js');
  const { agencies } = await import('../adapters/registry.js');
  const { startSimulators } = await import('../gateway/agencies.js');
  const size = z.coerce.number().int().parse(process.env.BENCH_SIZE);
  const population = createPopulation({ seed: 20261101, size });
  const running = await startSimulators(agencies, population, { basePort: 0, host: '127.0.0.1' });
  console.log(`STARTED ${JSON.stringify(Object.fromEntries(running.map((s) => [s.agency, s.url])))}`);
  process.on('SIGTERM', () => void Promise.all(running.map((s) => s.close())).finally(() => process.exit(0)));
}

// ---------------------------------------------------------------------------------------------------------------
// Child: the identity index, built as the gateway builds it at start, then asked.

async function measureIndex(): Promise<void> {
  const { agencies } = await import('../adapters/registry.js');
  const { connectAgencies, openIdentityDirectory } = await import('../gateway/agencies.js');
  const { openStore } = await import('../gateway/ledger/store.js');
  const { SearchTooBroadError } = await import('../gateway/identity/index-of-people.js');
  const urls = new Map(Object.entries(Urls.parse(JSON.parse(z.string().parse(process.env.BENCH_URLS)))));
  // Generous: one page of a large feed is slow to serve on a loaded machine; the parent's time limit bounds the whole.
  const connections = connectAgencies(agencies, urls, 120_000);
  const dataDir = await mkdtemp(join(tmpdir(), 'bench-identity-'));
  const location = env.BENCH_DATABASE_URL ? { databaseUrl: env.BENCH_DATABASE_URL } : { dataDir };
  let database = await openStore({ ...location, timeoutMs: 60_000 });
  try {
    const began = performance.now();
    const directory = await openIdentityDirectory(database, connections);
    const status = await directory.refresh();
    const startupMs = performance.now() - began;
    const failed = status.filter((feed) => feed.error !== null);
    if (failed.length > 0) throw new Error(`identity feeds failed: ${failed.map((f) => `${f.agency}: ${f.error}`).join('; ')}`);
    // A restart: a new process over the same database reads on from each feed's cursor.
    await database.close();
    const restarting = performance.now();
    database = await openStore({ ...location, timeoutMs: 60_000 });
    const reopened = await openIdentityDirectory(database, connections);
    await reopened.refresh();
    const restartMs = performance.now() - restarting;
    const index = reopened.current();
    const { rss, heapUsed } = process.memoryUsage();

    const Sample = z.array(
      z.object({
        agency: z.string(),
        key: z.string(),
        given_name: z.string(),
        family_name: z.string(),
        date_of_birth: z.string(),
        pnc: z.string().nullable(),
        crn: z.string().nullable(),
      }),
    );
    const sample = Sample.parse(
      await database.query('SELECT agency, key, given_name, family_name, date_of_birth, pnc, crn FROM identity_records ORDER BY random() LIMIT $1', [
        env.BENCH_SAMPLES,
      ]),
    );
    const [counted] = z.array(z.object({ n: z.coerce.number() })).parse(await database.query('SELECT count(*) AS n FROM identity_records'));
    const time = async (ask: (record: (typeof sample)[number]) => Promise<unknown>) => {
      const took: number[] = [];
      for (const record of sample) {
        const at = performance.now();
        await ask(record);
        took.push(performance.now() - at);
      }
      return latency(took);
    };
    // Each look-up through a fresh request view, as a request makes it.
    const byIdentifier = await time((record) =>
      record.pnc ? reopened.current().byIdentifier('pnc', record.pnc) : record.crn ? reopened.current().byIdentifier('crn', record.crn) : Promise.resolve(),
    );
    const byAgencyKey = await time((record) => reopened.current().byAgencyKey(record.agency, record.key));
    let searchFound = 0;
    const search = await time(async (record) => {
      if ((await reopened.current().search(`${record.given_name} ${record.family_name}`, record.date_of_birth, 10)).length > 0) searchFound += 1;
    });
    // Without a date of birth a large population has initials shared by more records than a search weighs: refused, and counted.
    let searchRefused = 0;
    const searchByName = await time(async (record) => {
      try {
        await reopened.current().search(`${record.given_name} ${record.family_name}`, undefined, 10);
      } catch (error) {
        if (!(error instanceof SearchTooBroadError)) throw error;
        searchRefused += 1;
      }
    });
    const result: Result = {
      records: counted?.n ?? 0,
      people: await index.size(),
      startupMs,
      restartMs,
      rssMb: rss / 2 ** 20,
      heapUsedMb: heapUsed / 2 ** 20,
      byIdentifier,
      byAgencyKey,
      search,
      searchByName,
      searchFound,
      searchRefused,
    };
    console.log(`RESULT ${JSON.stringify(result)}`);
  } finally {
    await database.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

function latency(took: number[]): z.infer<typeof Latency> {
  const sorted = [...took].sort((a, b) => a - b);
  const at = (fraction: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))] ?? Number.NaN;
  return { p50: at(0.5), p99: at(0.99) };
}

// ---------------------------------------------------------------------------------------------------------------
// Parent: one size at a time, each child watched for memory and bounded in time.

interface Child {
  name: string;
  process: ChildProcess;
  output: string;
  /** The most resident memory seen, MB. */
  peakRssMb: number;
}

function spawnChild(name: string, mode: string, extraEnv: Record<string, string>): Child {
  const child: Child = {
    name,
    process: spawn(process.execPath, [`--max-old-space-size=${env.BENCH_HEAP_MB}`, '--import', 'tsx', 'scripts/bench-identity.ts', mode], {
      cwd: ROOT,
      env: { ...process.env, NODE_ENV: 'production', ...extraEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
    output: '',
    peakRssMb: 0,
  };
  const hear = (chunk: Buffer) => {
    child.output += chunk.toString();
  };
  child.process.stdout?.on('data', hear);
  child.process.stderr?.on('data', hear);
  const watch = setInterval(() => {
    void residentMb(child.process.pid).then((mb) => {
      child.peakRssMb = Math.max(child.peakRssMb, mb);
    });
  }, 200);
  child.process.once('exit', () => clearInterval(watch));
  return child;
}

async function residentMb(pid: number | undefined): Promise<number> {
  if (pid === undefined) return 0;
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
  return kb ? Number(kb) / 1024 : 0;
}

/** The line `prefix {json}` the child prints, or an error naming what the child said before it exited or the deadline passed. */
function awaitLine(child: Child, prefix: string, deadline: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const pattern = new RegExp(`^${prefix} (\\{.*\\})$`, 'm');
    const check = () => {
      const line = pattern.exec(child.output);
      if (line) {
        finish();
        resolve(JSON.parse(line[1] as string));
      }
    };
    const fail = (why: string) => {
      finish();
      reject(new Error(`${child.name} ${why} (RSS reached ${child.peakRssMb.toFixed(0)} MB): ${lastLines(child.output)}`));
    };
    const timer = setTimeout(() => fail(`did not finish within the ${env.BENCH_TIME_LIMIT_S} s limit`), Math.max(0, deadline - Date.now()));
    const onExit = (code: number | null, signal: string | null) => fail(`exited (${signal ?? code}) before it finished`);
    const finish = () => {
      clearTimeout(timer);
      child.process.stdout?.off('data', check);
      child.process.off('exit', onExit);
    };
    child.process.stdout?.on('data', check);
    child.process.once('exit', onExit);
    check();
  });
}

function lastLines(output: string): string {
  const lines = output.trim().split('\n').filter(Boolean);
  return lines.slice(-3).join(' | ').slice(0, 600) || 'no output';
}

async function stop(child: Child): Promise<void> {
  const { process: proc } = child;
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const gone = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  proc.kill('SIGTERM');
  const timer = setTimeout(() => proc.kill('SIGKILL'), 5_000);
  await gone;
  clearTimeout(timer);
}

async function measureSize(size: number): Promise<void> {
  const deadline = Date.now() + env.BENCH_TIME_LIMIT_S * 1_000;
  const children: Child[] = [];
  try {
    const simulators = spawnChild('the simulators (population generation)', 'simulators', { BENCH_SIZE: String(size) });
    children.push(simulators);
    const urls = Urls.parse(await awaitLine(simulators, 'STARTED', deadline));
    const indexer = spawnChild('the identity index', 'index', { BENCH_URLS: JSON.stringify(urls) });
    children.push(indexer);
    const result = Result.parse(await awaitLine(indexer, 'RESULT', deadline));
    const ms = (figure: z.infer<typeof Latency>) => `p50 ${figure.p50.toFixed(3)} ms, p99 ${figure.p99.toFixed(3)} ms`;
    console.log(`  identity records ${result.records.toLocaleString('en-GB')} across the agencies, ${result.people.toLocaleString('en-GB')} people linked`);
    console.log(`  start-up (read every feed from the start over HTTP, link and store it): ${(result.startupMs / 1_000).toFixed(1)} s`);
    console.log(`  restart (a new process over the same database reads on from each cursor): ${(result.restartMs / 1_000).toFixed(1)} s`);
    console.log(
      `  index process RSS after start-up: ${result.rssMb.toFixed(0)} MB (heap used ${result.heapUsedMb.toFixed(0)} MB, peak RSS seen ${indexer.peakRssMb.toFixed(0)} MB); simulators ${simulators.peakRssMb.toFixed(0)} MB`,
    );
    console.log(`  look-up by identifier: ${ms(result.byIdentifier)}`);
    console.log(`  look-up by agency key: ${ms(result.byAgencyKey)}`);
    console.log(`  search by name + date of birth: ${ms(result.search)} (${result.searchFound}/${env.BENCH_SAMPLES} found)`);
    console.log(`  search by name alone: ${ms(result.searchByName)} (${result.searchRefused}/${env.BENCH_SAMPLES} refused as too broad)`);
  } catch (error) {
    console.log(`  FAILED: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    await Promise.all(children.map(stop));
  }
}

async function orchestrate(): Promise<void> {
  console.log(
    `identity index benchmark: heap cap ${env.BENCH_HEAP_MB} MB per process, ${env.BENCH_TIME_LIMIT_S} s per size, ${env.BENCH_SAMPLES} samples per figure`,
  );
  for (const size of env.BENCH_SIZES) {
    console.log(`\nPOPULATION_SIZE ${size.toLocaleString('en-GB')}`);
    await measureSize(size);
  }
}

const mode = process.argv[2];
const run = mode === 'simulators' ? serveSimulators : mode === 'index' ? measureIndex : orchestrate;
run().then(
  () => {
    if (mode === 'index') process.exit(0);
  },
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
