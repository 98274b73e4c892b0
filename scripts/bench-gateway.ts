/**
 * `npm run bench:gateway`: what a question costs the gateway against a minimal direct fan-out of the same agency calls.
 * Starts, each in its own process on loopback: the agency simulators (every answer delayed BENCH_LATENCY_MS), the
 * gateway (tokens, ISP, cohort register, ledger on PostgreSQL in a throwaway database, or PGlite when BENCH_BACKEND
 * is pglite), and a baseline that makes the same agency calls through the agencies' own adapters (the same client
 * and payload checks) and joins their answers as JSON, with nothing of the gateway around them.
 * Then, for BENCH_ROUNDS rounds, interleaved, it loads each with the one-person profile (31 fields across the
 * agencies) and the cohort page of 50, at BENCH_CONCURRENCY clients and at one client, each for BENCH_PHASE_MS, after
 * an uncounted warm-up of BENCH_WARMUP_MS each (8 s, as for the figures in ADRs 0169, 0172 and 0176: V8 was still
 * optimising the gateway's code after a thousand requests). It also prints what the gateway spends at rest, with no one asking.
 * Prints RPS, p50/p99 and CPU-ms per request of the gateway and baseline processes (from /proc/<pid>/stat), the
 * ratios, the upstream calls per agency a profile and a cohort page cost alone and, joined with other requests' calls,
 * under each load, and the gateway's peak RSS. Stops by itself; BENCH_CPU_PROF=<dir> writes the
 * gateway's V8 CPU profile there, BENCH_ALLOCATION_PROF=<file> its sampled allocations (collected ones included: what
 * the garbage collector has to clear, by where it was allocated).
 * The processes run the compiled `dist/`, as the Docker image does: it builds first (`npm run build`). BENCH_RUN=source
 * runs the TypeScript through tsx instead, whose transpiled code (a helper naming every function made) costs more.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { Agent, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parse, visit } from 'graphql';
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import pg from 'pg';
import { z } from 'zod';
import { POPULATION_SIZE_LIMIT } from '../adapters/population/generate.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const ISSUER = 'https://bench.invalid/';
const AUDIENCE = 'partnership-gateway';

const env = z
  .object({
    BENCH_ROUNDS: z.coerce.number().int().min(1).max(20).default(3),
    BENCH_PHASE_MS: z.coerce.number().int().min(500).max(60_000).default(3_000),
    BENCH_WARMUP_MS: z.coerce.number().int().min(500).max(300_000).default(8_000),
    BENCH_CONCURRENCY: z.coerce.number().int().min(1).max(500).default(50),
    BENCH_LATENCY_MS: z.coerce.number().int().min(0).max(1_000).default(5),
    BENCH_BACKEND: z.enum(['postgres', 'pglite']).default('postgres'),
    BENCH_DATABASE_URL: z.string().default('postgres://postgres@127.0.0.1:5432/test'),
    BENCH_CPU_PROF: z.string().optional(),
    BENCH_ALLOCATION_PROF: z.string().optional(),
    /** Only these loads (a comma list of profile, cohort), for a CPU profile of one. */
    BENCH_ONLY: z.string().default('profile,cohort'),
    BENCH_RUN: z.enum(['build', 'source']).default('build'),
    POPULATION_SIZE: z.coerce.number().int().min(100).max(POPULATION_SIZE_LIMIT).default(2_000),
  })
  .parse(process.env);

/** The one-person profile a probation practitioner opens: 31 fields across the five agencies and the register. */
const PROFILE = /* GraphQL */ `query Profile($pnc: String!) {
  person(pnc: $pnc) {
    id name { givenName familyName } dateOfBirth
    iom { strand serviceLevel leadProfessional { name } }
    police { arrests { arrestedOn offence outcome } warningMarkers { type } wantedMissing { wanted missing } prolificPriorityOffender courtOutcomes { decidedOn disposal } }
    probation { sentence { type description } riskOfSeriousHarm ogrs { score band } responsibleOfficer { name phone } }
    prison { inCustody releaseDates { conditionalReleaseDate licenceExpiryDate } licenceConditions { description } }
    housing { accommodationStatus staffSafetyFlags { type } }
    drugs { treatmentEngagement { engaged since } }
  }
}`;

/** A page of 50 cohort members with a field or two from every agency. */
const COHORT_PAGE = /* GraphQL */ `query Page($after: String) {
  cohort(first: 50, after: $after) {
    pageInfo { endCursor hasNextPage }
    edges { node {
      id name { familyName } iom { serviceLevel }
      police { arrests { arrestedOn } warningMarkers { type } }
      probation { sentence { type } ogrs { band } }
      prison { inCustody }
      housing { accommodationStatus }
      drugs { treatmentEngagement { engaged } }
    } }
  }
}`;

/** A cohort member as the baseline needs it: the PNC the profile asks by, and each agency's key for them. */
const Member = z.object({ pnc: z.string().nullable(), keys: z.record(z.string(), z.string()) });
type Member = z.infer<typeof Member>;
const Started = z.object({ url: z.string(), members: z.array(Member).optional() });

// ---------------------------------------------------------------------------------------------------------------
// Child: the gateway, as main.ts builds it, against simulators in other processes.

async function serveGateway(): Promise<void> {
  const { createPopulation } = await import('../adapters/population/generate.js');
  const { agencies } = await import('../adapters/registry.js');
  const { connectAgencies, openIdentityDirectory } = await import('../gateway/agencies.js');
  const { createAuthenticator } = await import('../gateway/authentication/authenticator.js');
  const { loadEligibilityRules } = await import('../gateway/cohort/eligibility-file.js');
  const { CohortRegister } = await import('../gateway/cohort/register.js');
  const { seedCohort } = await import('../gateway/cohort/seed.js');
  const { EmergencyWindows } = await import('../gateway/emergency/windows.js');
  const { EventFeed, EventStore } = await import('../gateway/events/index.js');
  const { openLedger } = await import('../gateway/ledger/index.js');
  const { openStore } = await import('../gateway/ledger/store.js');
  const { loadPolicy } = await import('../gateway/policy/index.js');
  const { createGateway } = await import('../gateway/server.js');

  const settings = z
    .object({ BENCH_URLS: z.string(), BENCH_JWK: z.string(), BENCH_DATA_DIR: z.string(), BENCH_GATEWAY_DATABASE: z.string().optional() })
    .parse(process.env);
  const urls = new Map(Object.entries(z.record(z.string(), z.string()).parse(JSON.parse(settings.BENCH_URLS))));
  const population = createPopulation({ seed: 20261101, size: env.POPULATION_SIZE });
  const connections = connectAgencies(agencies, urls, 5_000);
  const dataDir = settings.BENCH_DATA_DIR;
  const database = await openStore(settings.BENCH_GATEWAY_DATABASE ? { databaseUrl: settings.BENCH_GATEWAY_DATABASE } : { dataDir });
  const directory = await openIdentityDirectory(database, connections);
  await directory.refresh();
  const ledger = await openLedger({ store: database, dataDir, checkpointIntervalMs: 0 });
  const register = await CohortRegister.open(database);
  const emergencies = await EmergencyWindows.open(database);
  const index = directory.current();
  await seedCohort(register, ledger, population, index);
  const events = await EventFeed.open({ store: await EventStore.open(database), connections, index: () => directory.current(), register });
  const policy = loadPolicy('policies/iom-partnership.yaml');
  const jwk = z.custom<JWK>((value) => typeof value === 'object' && value !== null).parse(JSON.parse(settings.BENCH_JWK));
  const authenticator = createAuthenticator({ jwks: { keys: { keys: [jwk] } }, issuer: ISSUER, audience: AUDIENCE, catalogue: policy });
  const { app } = createGateway({
    modules: agencies,
    connections,
    directory,
    authenticator,
    policy,
    emergencies,
    // The load comes from one user: the per-user limit is not what this measures.
    rateLimits: { perMinute: 100_000_000 },
    ledger,
    register,
    eligibility: loadEligibilityRules(),
    events,
    database,
  });
  const server = createServer(app);
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  // Active members in the cohort's order, with every agency key they are known by.
  const members: Member[] = [];
  let after: string | null = null;
  do {
    const page = await register.list({}, { first: 100, after });
    for (const member of page.members) {
      const person = await index.byId(member.gatewayId);
      if (!person) continue;
      const pnc = person.records.find((record) => record.identifiers.pnc)?.identifiers.pnc ?? null;
      members.push({ pnc, keys: Object.fromEntries(person.records.map((record) => [record.agency, record.key])) });
    }
    after = page.hasNextPage ? page.endCursor : null;
  } while (after !== null);
  const file = join(dataDir, 'members.json');
  await writeFile(file, JSON.stringify(members));
  console.log(`STARTED ${JSON.stringify({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, members: [] })} ${file}`);
  const allocations = env.BENCH_ALLOCATION_PROF ? await sampleAllocations(env.BENCH_ALLOCATION_PROF) : async () => undefined;
  const stop = () =>
    void allocations()
      .then(() => ledger.close())
      .then(() => database.close())
      .finally(() => process.exit(0));
  process.on('SIGTERM', stop);
}

/**
 * Samples every allocation from now on, kept or collected (node's --heap-prof keeps only what is still alive at exit);
 * the returned function writes the profile (Chrome DevTools' .heapprofile format) to `file`.
 */
async function sampleAllocations(file: string): Promise<() => Promise<void>> {
  const { Session } = await import('node:inspector/promises');
  const session = new Session();
  session.connect();
  // The two include flags are V8's, absent from node's protocol types.
  const sampling: object = { samplingInterval: 16_384, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true };
  await session.post('HeapProfiler.startSampling', sampling);
  return async () => {
    const { profile } = await session.post('HeapProfiler.stopSampling');
    await writeFile(file, JSON.stringify(profile));
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Child: the baseline, the least a program can do to make the same agency calls and join their answers.

async function serveBaseline(): Promise<void> {
  const { agencies } = await import('../adapters/registry.js');
  const settings = z.object({ BENCH_URLS: z.string(), BENCH_MEMBERS: z.string() }).parse(process.env);
  const urls = z.record(z.string(), z.string()).parse(JSON.parse(settings.BENCH_URLS));
  const members = z.array(Member).parse(JSON.parse(await readFile(settings.BENCH_MEMBERS, 'utf8')));
  const profiled = members.filter(knownEverywhere(agencies.length));
  // The agencies' own adapters: the same calls, the same client and payload checks, and nothing of the gateway's.
  const adapters = agencies.map((module) => ({
    agency: module.agency,
    adapter: module.createAdapter({ baseUrl: urls[module.agency] as string, timeoutMs: 5_000 }),
  }));

  const fanOut = async (people: readonly Member[]) => {
    const sections = await Promise.all(
      adapters.map(async ({ agency, adapter }) => {
        const keys = people.flatMap((person) => person.keys[agency] ?? []);
        return [agency, keys.length === 0 ? {} : Object.fromEntries(await adapter.records(keys))] as const;
      }),
    );
    return Object.fromEntries(sections);
  };

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://baseline');
    const at = Number(url.searchParams.get('i') ?? 0);
    const people = url.pathname === '/page' ? members.slice(0, 50) : [profiled[at % profiled.length] as Member];
    req.resume();
    req.on('end', () => {
      fanOut(people).then(
        (body) => {
          res.setHeader('content-type', 'application/json');
          res.end(JSON.stringify({ data: body }));
        },
        () => {
          res.statusCode = 502;
          res.end();
        },
      );
    });
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  console.log(`STARTED ${JSON.stringify({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })}`);
  process.on('SIGTERM', () => process.exit(0));
}

/** Members every agency knows: the profile is of a person with something in every section. */
function knownEverywhere(agencyCount: number): (member: Member) => boolean {
  return (member) => member.pnc !== null && Object.keys(member.keys).length === agencyCount;
}

// ---------------------------------------------------------------------------------------------------------------
// The orchestrator.

interface Running {
  child: ChildProcess;
  started: z.infer<typeof Started>;
  extra: string | undefined;
}

function start(name: string, args: string[], extraEnv: Record<string, string>, nodeFlags: string[] = []): Promise<Running> {
  const [script = '', ...rest] = args;
  const entry = env.BENCH_RUN === 'build' ? [join('dist', script.replace(/\.ts$/, '.js'))] : ['--import', 'tsx', script];
  const child = spawn(process.execPath, [...nodeFlags, ...entry, ...rest], {
    cwd: ROOT,
    env: { ...process.env, NODE_ENV: 'production', ...extraEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${name} did not start within 120 s:\n${output}`));
    }, 120_000);
    const hear = (chunk: Buffer) => {
      output += chunk.toString();
      const simulator = /simulator: (http:\/\/\S+)/.exec(output);
      const started = /^STARTED (\{.*\})(?: (\S+))?$/m.exec(output);
      if (simulator || started) {
        clearTimeout(timer);
        child.stdout?.off('data', hear);
        resolve({
          child,
          started: simulator ? { url: simulator[1] as string } : Started.parse(JSON.parse(started?.[1] as string)),
          extra: started?.[2],
        });
      }
    };
    child.stdout?.on('data', hear);
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (${code}) before it started:\n${output}`));
    });
  });
}

async function stopProcess({ child }: Running): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await gone;
  clearTimeout(timer);
}

/** CPU time the process has used, user plus system, in milliseconds. */
async function cpuMs(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces), counted from 3: utime is 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticksPerMs = 100 / 1_000;
  return (Number(fields[11]) + Number(fields[12])) / ticksPerMs;
}

interface Target {
  name: string;
  pid: number;
  /** Sends request number `i` and resolves once its answer is read; rejects on anything but a full answer. */
  send(i: number): Promise<void>;
}

interface Phase {
  requests: number;
  failures: number;
  seconds: number;
  latencies: number[];
  cpuMs: number;
}

async function load(target: Target, concurrency: number, durationMs: number): Promise<Phase> {
  const latencies: number[] = [];
  let failures = 0;
  let next = 0;
  const cpuBefore = await cpuMs(target.pid);
  const began = performance.now();
  const until = began + durationMs;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < until) {
        const i = next++;
        const sent = performance.now();
        try {
          await target.send(i);
          latencies.push(performance.now() - sent);
        } catch {
          failures += 1;
        }
      }
    }),
  );
  const seconds = (performance.now() - began) / 1_000;
  return { requests: latencies.length, failures, seconds, latencies, cpuMs: (await cpuMs(target.pid)) - cpuBefore };
}

function client(concurrency: number) {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  return (url: string, body: string | undefined, headers: Record<string, string>, check: (text: string) => boolean) =>
    new Promise<void>((resolve, reject) => {
      const req = request(
        url,
        {
          method: body === undefined ? 'GET' : 'POST',
          agent,
          headers: body === undefined ? headers : { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            text += chunk;
          });
          res.on('end', () => (res.statusCode === 200 && check(text) ? resolve() : reject(new Error(`HTTP ${res.statusCode}: ${text.slice(0, 300)}`))));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
}

function percentile(sorted: readonly number[], fraction: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))] ?? Number.NaN;
}

interface Summary {
  rps: number;
  p50: number;
  p99: number;
  cpuPerRequest: number;
  failures: number;
}

/** The CPU ratio of each round, gateway phase to the baseline phase that followed it. */
function roundRatios(gateway: readonly Phase[], baseline: readonly Phase[]): string {
  const perRequest = (phase: Phase) => phase.cpuMs / Math.max(1, phase.requests);
  return gateway.map((phase, round) => (baseline[round] ? (perRequest(phase) / perRequest(baseline[round])).toFixed(2) : '?')).join(', ');
}

function summarise(phases: readonly Phase[]): Summary {
  const latencies = phases.flatMap((phase) => phase.latencies).sort((a, b) => a - b);
  const requests = phases.reduce((sum, phase) => sum + phase.requests, 0);
  const seconds = phases.reduce((sum, phase) => sum + phase.seconds, 0);
  const cpu = phases.reduce((sum, phase) => sum + phase.cpuMs, 0);
  return {
    rps: requests / seconds,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    cpuPerRequest: cpu / Math.max(1, requests),
    failures: phases.reduce((sum, phase) => sum + phase.failures, 0),
  };
}

async function orchestrate(): Promise<void> {
  if (env.BENCH_RUN === 'build') execFileSync('npm', ['run', '-s', 'build'], { cwd: ROOT, stdio: 'inherit' });
  const dataDir = await mkdtemp(join(tmpdir(), 'bench-gateway-'));
  const running: Running[] = [];
  let dropDatabase: (() => Promise<void>) | undefined;
  try {
    const { agencies } = await import('../adapters/registry.js');
    const simulators = await Promise.all(
      agencies.map((module) =>
        start(`${module.agency} simulator`, ['adapters/serve.ts', module.agency], {
          PORT: '0',
          HOST: '127.0.0.1',
          POPULATION_SIZE: String(env.POPULATION_SIZE),
          SIMULATOR_FAULTS: env.BENCH_LATENCY_MS > 0 ? `${module.agency}=latency:${env.BENCH_LATENCY_MS}` : '',
          SIMULATOR_EVENT_INTERVAL_MS: '0',
        }),
      ),
    );
    running.push(...simulators);
    const urls = Object.fromEntries(agencies.map((module, i) => [module.agency, (simulators[i] as Running).started.url]));

    let gatewayDatabase: string | undefined;
    if (env.BENCH_BACKEND === 'postgres') {
      const name = `bench_gateway_${randomBytes(6).toString('hex')}`;
      const admin = new pg.Client({ connectionString: env.BENCH_DATABASE_URL });
      await admin.connect();
      await admin.query(`CREATE DATABASE ${name}`);
      await admin.end();
      const url = new URL(env.BENCH_DATABASE_URL);
      url.pathname = `/${name}`;
      gatewayDatabase = url.toString();
      dropDatabase = async () => {
        const client = new pg.Client({ connectionString: env.BENCH_DATABASE_URL });
        await client.connect();
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await client.end();
      };
    }

    const { privateKey, publicKey } = await generateKeyPair('ES256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'bench', alg: 'ES256', use: 'sig' };
    const gateway = await start(
      'gateway',
      ['scripts/bench-gateway.ts', 'gateway'],
      {
        BENCH_URLS: JSON.stringify(urls),
        BENCH_JWK: JSON.stringify(jwk),
        BENCH_DATA_DIR: dataDir,
        ...(gatewayDatabase ? { BENCH_GATEWAY_DATABASE: gatewayDatabase } : {}),
      },
      // The young generation the image and `npm start` give the gateway (ADR 0174).
      ['--max-semi-space-size=64', ...(env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${env.BENCH_CPU_PROF}`] : [])],
    );
    running.push(gateway);
    const membersFile = gateway.extra as string;
    const members = z.array(Member).parse(JSON.parse(await readFile(membersFile, 'utf8')));
    // The profile asks by PNC, member after member; the page is the cohort's first 50, as the baseline's is.
    const pncs = members.filter(knownEverywhere(agencies.length)).flatMap((member) => member.pnc ?? []);
    if (members.length < 50 || pncs.length === 0) throw new Error(`only ${members.length} cohort members: raise POPULATION_SIZE`);
    const now = Math.floor(Date.now() / 1000);
    const token = await new SignJWT({ name: 'Bench Practitioner', agency: 'probation', role: 'probation-practitioner', azp: 'bench' })
      .setProtectedHeader({ alg: 'ES256', kid: 'bench' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setSubject('pp-bench')
      .setIssuedAt(now)
      .setExpirationTime(now + 3_600)
      .sign(privateKey);
    const headers = { authorization: `Bearer ${token}`, 'x-purpose': 'iom-case-management', 'content-type': 'application/json' };

    // Which calls one profile makes, read off the simulators, so that the baseline makes the same ones.
    const admin = client(4);
    const stats = async () =>
      Object.fromEntries(
        await Promise.all(
          agencies.map(async (module) => {
            const response = await fetch(`${urls[module.agency]}/__admin/stats`);
            const body = z.object({ counts: z.record(z.string(), z.number()) }).parse(await response.json());
            return [module.agency, body.counts] as const;
          }),
        ),
      );
    const resetStats = () => Promise.all(agencies.map((module) => fetch(`${urls[module.agency]}/__admin/stats`, { method: 'DELETE' })));
    const okGraphql = (text: string) => !text.includes('"errors"') || !/"code":"(AGENCY_UNAVAILABLE|LEDGER_UNAVAILABLE|INTERNAL)/.test(text);
    const gatewayUrl = `${gateway.started.url}/graphql`;
    await resetStats();
    let firstProfile = '';
    await admin(gatewayUrl, JSON.stringify({ query: PROFILE, variables: { pnc: pncs[0] } }), headers, (text) => {
      firstProfile = text;
      return okGraphql(text);
    });
    const profileCalls = await stats();
    await resetStats();
    await admin(gatewayUrl, JSON.stringify({ query: COHORT_PAGE }), headers, okGraphql);
    const pageCalls = await stats();

    const baseline = await start('baseline', ['scripts/bench-gateway.ts', 'baseline'], {
      BENCH_URLS: JSON.stringify(urls),
      BENCH_MEMBERS: membersFile,
    });
    running.push(baseline);

    // What the gateway spends with no one asking (timers, feeds, metrics): a share of every request's CPU below.
    const restBefore = await cpuMs(gateway.child.pid as number);
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const atRest = ((await cpuMs(gateway.child.pid as number)) - restBefore) / 3;

    const leafFields = countLeafFields(PROFILE);
    console.log(
      `bench:gateway: ${agencies.length} agencies (${env.BENCH_LATENCY_MS} ms each), ${env.BENCH_BACKEND} ledger, ${members.length} cohort members with a PNC, ` +
        `${env.BENCH_ROUNDS} rounds of ${env.BENCH_PHASE_MS} ms per phase`,
    );
    console.log(`  profile: ${leafFields} fields asked, ${firstProfile.length} bytes answered; upstream calls per profile: ${describeCalls(profileCalls)}`);
    console.log(`  cohort page of 50: upstream calls per page: ${describeCalls(pageCalls)}`);
    console.log(`  gateway at rest: ${atRest.toFixed(1)} ms CPU per second`);

    const cohortBody = JSON.stringify({ query: COHORT_PAGE });
    const results = new Map<string, Phase[]>();
    const upstream = new Map<string, { calls: Map<string, number>; requests: number }>();
    const tallyCalls = (key: string, calls: Record<string, Record<string, number>>, requests: number) => {
      const tally = upstream.get(key) ?? { calls: new Map<string, number>(), requests: 0 };
      for (const [agency, counts] of Object.entries(calls)) {
        tally.calls.set(agency, (tally.calls.get(agency) ?? 0) + Object.values(counts).reduce((sum, n) => sum + n, 0));
      }
      tally.requests += requests;
      upstream.set(key, tally);
    };
    const record = (key: string, phase: Phase) => results.set(key, [...(results.get(key) ?? []), phase]);
    for (const concurrency of [env.BENCH_CONCURRENCY, 1]) {
      const send = client(concurrency);
      const targets: Record<string, Target> = {
        'gateway profile': {
          name: 'gateway',
          pid: gateway.child.pid as number,
          send: (i) => send(gatewayUrl, JSON.stringify({ query: PROFILE, variables: { pnc: pncs[i % pncs.length] } }), headers, okGraphql),
        },
        'baseline profile': {
          name: 'baseline',
          pid: baseline.child.pid as number,
          send: (i) => send(`${baseline.started.url}/profile?i=${i}`, '', {}, () => true),
        },
        'gateway cohort page': {
          name: 'gateway',
          pid: gateway.child.pid as number,
          send: () => send(gatewayUrl, cohortBody, headers, okGraphql),
        },
        'baseline cohort page': {
          name: 'baseline',
          pid: baseline.child.pid as number,
          send: (i) => send(`${baseline.started.url}/page?i=${i}`, '', {}, () => true),
        },
      };
      const only = env.BENCH_ONLY.split(',');
      for (const name of Object.keys(targets)) if (!only.some((what) => name.includes(what))) delete targets[name];
      // Warm-up: JIT and connection pools, not counted.
      for (const target of Object.values(targets)) await load(target, concurrency, env.BENCH_WARMUP_MS);
      for (let round = 0; round < env.BENCH_ROUNDS; round++) {
        for (const [name, target] of Object.entries(targets)) {
          // The simulators count the gateway's calls during its own phases: under load it joins requests' calls.
          const gatewayPhase = name.startsWith('gateway');
          if (gatewayPhase) await resetStats();
          const phase = await load(target, concurrency, env.BENCH_PHASE_MS);
          record(`${name} @${concurrency}`, phase);
          if (gatewayPhase) tallyCalls(`${name} @${concurrency}`, await stats(), phase.requests + phase.failures);
        }
      }
    }

    const status = await readFile(`/proc/${gateway.child.pid}/status`, 'utf8');
    const peakKb = Number(/^VmHWM:\s+(\d+)/m.exec(status)?.[1] ?? Number.NaN);
    console.log(`  gateway peak RSS: ${(peakKb / 1024).toFixed(0)} MB`);
    console.log('');
    console.log(
      `${'what'.padEnd(30)} ${'rps'.padStart(8)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'CPU ms/req'.padStart(11)} ${'failed'.padStart(7)}`,
    );
    const summaries = new Map([...results].map(([key, phases]) => [key, summarise(phases)]));
    for (const [key, s] of summaries) {
      console.log(
        `${key.padEnd(30)} ${s.rps.toFixed(0).padStart(8)} ${s.p50.toFixed(1).padStart(8)} ${s.p99.toFixed(1).padStart(8)} ${s.cpuPerRequest.toFixed(2).padStart(11)} ${String(s.failures).padStart(7)}`,
      );
    }
    console.log('');
    for (const [key, { calls, requests }] of upstream) {
      const perRequest = [...calls].map(([agency, n]) => `${agency} ${(n / Math.max(1, requests)).toFixed(2)}`).join(', ');
      console.log(`${key.padEnd(30)} upstream calls per request: ${perRequest}`);
    }
    console.log('');
    for (const concurrency of [env.BENCH_CONCURRENCY, 1]) {
      for (const what of ['profile', 'cohort page']) {
        const g = summaries.get(`gateway ${what} @${concurrency}`);
        const b = summaries.get(`baseline ${what} @${concurrency}`);
        if (!g || !b) continue;
        // Each round's ratio too: the machine's speed drifts between runs by more than most changes are worth.
        const rounds = roundRatios(results.get(`gateway ${what} @${concurrency}`) ?? [], results.get(`baseline ${what} @${concurrency}`) ?? []);
        console.log(
          `${`${what} @${concurrency}`.padEnd(18)} gateway/fan-out: CPU ${(g.cpuPerRequest / b.cpuPerRequest).toFixed(2)}x (rounds ${rounds}), ` +
            `throughput ${(g.rps / b.rps).toFixed(2)}x, p50 +${(g.p50 - b.p50).toFixed(1)} ms`,
        );
      }
    }
  } finally {
    await Promise.all(running.map(stopProcess));
    await dropDatabase?.().catch((error: unknown) => console.warn(`could not drop the benchmark database: ${String(error)}`));
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** Leaf fields of a document: what a caller counts as the fields asked for. */
function countLeafFields(document: string): number {
  let leaves = 0;
  visit(parse(document), {
    Field(node) {
      if (!node.selectionSet) leaves += 1;
    },
  });
  return leaves;
}

function describeCalls(calls: Record<string, Record<string, number>>): string {
  return Object.entries(calls)
    .map(([agency, counts]) => `${agency} ${Object.values(counts).reduce((sum, n) => sum + n, 0)}`)
    .join(', ');
}

const mode = process.argv[2];
const run = mode === 'gateway' ? serveGateway : mode === 'baseline' ? serveBaseline : orchestrate;
run().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
