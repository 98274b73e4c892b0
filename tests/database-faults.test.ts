/**
 * The gateway's one database (ledger, cohort register, events) failing under a running gateway, over real HTTP on
 * PostgreSQL: made unreachable mid-load (a database this suite creates, then refuses connections to and whose
 * sessions it ends; the shared server keeps running), and hung (a TCP proxy this suite controls stops forwarding).
 * Every request that needs the database gets LEDGER_UNAVAILABLE (503) within the timeout plus a small margin, no
 * response carries data without its record, the gateway says so once per change of state, and it recovers alone.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { connect, createServer, type Server, type Socket } from 'node:net';
import pg from 'pg';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AvailabilityChange } from '../gateway/database/availability.js';
import { BACKENDS, POSTGRES_TEST_URL } from '../gateway/ledger/test-backends.js';
import { startTestSystem, type TestSystem } from './harness.js';

const postgresEnabled = BACKENDS.find((backend) => backend.name === 'postgres')?.enabled ?? false;
const TIMEOUT_MS = 1_000;
/** Agencies, policy and HTTP on a shared machine, on top of the database's deadline. */
const MARGIN_MS = 1_500;
const PERSON = '2002/0949875C';
const QUERY = `{ person(pnc: "${PERSON}") { id name { familyName } iom { strand } probation { riskOfSeriousHarm } } }`;

interface Answer {
  requestId: string;
  status: number;
  codes: string[];
  hasPerson: boolean;
  ms: number;
}

async function admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: POSTGRES_TEST_URL, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

async function createDatabase(): Promise<{ name: string; url: string }> {
  const name = `gateway_fault_${randomBytes(6).toString('hex')}`;
  await admin((client) => client.query(`CREATE DATABASE ${name}`));
  const url = new URL(POSTGRES_TEST_URL);
  url.pathname = `/${name}`;
  return { name, url: url.toString() };
}

const dropDatabase = (name: string) => admin((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));

async function ask(system: TestSystem): Promise<Answer> {
  const requestId = randomUUID();
  const bearer = await system.token({ sub: 'iom-coordinator-1', role: 'iom-coordinator', agency: 'iom' });
  const started = Date.now();
  const response = await request(system.app)
    .post('/graphql')
    .set('content-type', 'application/json')
    .set('authorization', `Bearer ${bearer}`)
    .set('x-purpose', 'iom-case-management')
    .set('x-request-id', requestId)
    .send({ query: QUERY });
  const body = response.body as { data?: { person?: unknown } | null; errors?: { extensions?: { code?: string } }[] };
  return {
    requestId,
    status: response.status,
    codes: (body.errors ?? []).map((e) => e.extensions?.code ?? 'none'),
    hasPerson: body.data?.person != null,
    ms: Date.now() - started,
  };
}

async function until(condition: () => Promise<boolean>, withinMs: number): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`not within ${withinMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function recordedRequestIds(url: string): Promise<Set<string>> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ request_id: string }>(`SELECT canonical::jsonb->>'requestId' AS request_id FROM ledger_records`);
    return new Set(rows.map((row) => row.request_id));
  } finally {
    await client.end();
  }
}

describe.skipIf(!postgresEnabled)('the database made unreachable mid-load [postgres]', () => {
  let database: { name: string; url: string };
  let system: TestSystem;
  const changes: AvailabilityChange[] = [];

  beforeAll(async () => {
    database = await createDatabase();
    system = await startTestSystem({ databaseUrl: database.url, databaseTimeoutMs: TIMEOUT_MS, onDatabaseAvailability: (change) => changes.push(change) });
  }, 120_000);

  afterAll(async () => {
    await system?.close();
    if (database) await dropDatabase(database.name);
  });

  it('answers LEDGER_UNAVAILABLE in time while it is away, never data without a record, and recovers alone', { timeout: 120_000 }, async () => {
    const answers: Answer[] = [];
    let loading = true;
    const worker = async () => {
      while (loading) answers.push(await ask(system));
    };
    const workers = [worker(), worker(), worker(), worker()];
    await until(async () => answers.filter((a) => a.hasPerson).length >= 8, 30_000);

    await admin(async (client) => {
      await client.query(`ALTER DATABASE ${database.name} ALLOW_CONNECTIONS false`);
      await client.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [database.name]);
    });
    const cut = answers.length;
    await until(async () => answers.slice(cut).filter((a) => a.codes.includes('LEDGER_UNAVAILABLE')).length >= 12, 30_000);
    const away = answers.length;

    await admin((client) => client.query(`ALTER DATABASE ${database.name} ALLOW_CONNECTIONS true`));
    // Recovers by itself: within a few probe rounds, requests answer with data again.
    await until(async () => answers.slice(away).filter((a) => a.hasPerson).length >= 4, 15_000);
    loading = false;
    await Promise.all(workers);

    const failures = answers.filter((a) => !a.hasPerson);
    expect(failures.length).toBeGreaterThanOrEqual(12);
    for (const failure of failures) {
      expect(failure.codes).toEqual(['LEDGER_UNAVAILABLE']);
      expect(failure.status).toBe(503);
    }
    expect(answers.flatMap((a) => a.codes)).not.toContain('INTERNAL_SERVER_ERROR');
    expect(Math.max(...failures.map((a) => a.ms)), 'the slowest LEDGER_UNAVAILABLE').toBeLessThan(TIMEOUT_MS + MARGIN_MS);

    const recorded = await recordedRequestIds(database.url);
    const unrecorded = answers.filter((a) => a.hasPerson && !recorded.has(a.requestId));
    expect(unrecorded).toEqual([]);

    expect(changes.map((c) => c.available)).toEqual([false, true]);
  });
});

/** A TCP proxy in front of PostgreSQL that can stop forwarding (a hung database: connections open, nothing answered). */
class HangingProxy {
  private server: Server;
  /** Every open connection's forwarding: bytes held back while hung are sent on resume. */
  private flows = new Set<{ held: (() => void)[] }>();
  private hung = false;
  port = 0;

  constructor(private readonly target: { host: string; port: number }) {
    this.server = createServer((client) => {
      const upstream = connect(this.target.port, this.target.host);
      const flow = { held: [] as (() => void)[] };
      this.flows.add(flow);
      const forward = (from: Socket, to: Socket) =>
        from.on('data', (chunk: Buffer) => {
          const send = () => void to.write(chunk);
          if (this.hung) flow.held.push(send);
          else send();
        });
      forward(client, upstream);
      forward(upstream, client);
      for (const socket of [client, upstream]) {
        socket.on('error', () => socket.destroy());
        socket.on('close', () => {
          client.destroy();
          upstream.destroy();
          this.flows.delete(flow);
        });
      }
    });
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    const address = this.server.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    this.port = address.port;
  }

  hang(): void {
    this.hung = true;
  }

  resume(): void {
    this.hung = false;
    for (const flow of this.flows) for (const send of flow.held.splice(0)) send();
  }

  async close(): Promise<void> {
    this.resume();
    this.server.close();
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe.skipIf(!postgresEnabled)('a hung database [postgres]', () => {
  let database: { name: string; url: string };
  let proxy: HangingProxy;
  let system: TestSystem;
  const changes: AvailabilityChange[] = [];

  beforeAll(async () => {
    database = await createDatabase();
    const target = new URL(POSTGRES_TEST_URL);
    proxy = new HangingProxy({ host: target.hostname, port: Number(target.port) });
    await proxy.listen();
    const viaProxy = new URL(database.url);
    viaProxy.port = String(proxy.port);
    system = await startTestSystem({
      databaseUrl: viaProxy.toString(),
      databaseTimeoutMs: TIMEOUT_MS,
      onDatabaseAvailability: (change) => changes.push(change),
    });
  }, 120_000);

  afterAll(async () => {
    await system?.close();
    await proxy?.close();
    if (database) await dropDatabase(database.name);
  });

  it('gives LEDGER_UNAVAILABLE within the timeout, says so on /ready but not /health, and recovers when it answers again', { timeout: 60_000 }, async () => {
    expect((await ask(system)).hasPerson).toBe(true);
    expect((await request(system.app).get('/ready')).status).toBe(200);

    proxy.hang();
    const during = await Promise.all([ask(system), ask(system), ask(system)]);
    for (const answer of during) {
      expect(answer.codes).toEqual(['LEDGER_UNAVAILABLE']);
      expect(answer.status).toBe(503);
      expect(answer.ms).toBeLessThan(TIMEOUT_MS + MARGIN_MS);
    }
    const later = await ask(system);
    expect(later.codes).toEqual(['LEDGER_UNAVAILABLE']);
    expect(later.ms).toBeLessThan(TIMEOUT_MS + MARGIN_MS);

    const ready = await request(system.app).get('/ready');
    expect(ready.status).toBe(503);
    expect((ready.body as { problems: string[] }).problems.join(' ')).toMatch(/^database: /);
    expect(JSON.stringify(ready.body)).not.toMatch(/people|records/);
    expect((await request(system.app).get('/health')).status).toBe(200);

    proxy.resume();
    await until(async () => (await ask(system)).hasPerson, 15_000);
    expect((await request(system.app).get('/ready')).status).toBe(200);
    expect(changes.map((c) => c.available)).toEqual([false, true]);
  });
});

describe('the embedded database gone under a running gateway [pglite]', () => {
  it('answers LEDGER_UNAVAILABLE (503) to a request that needs it, and /ready names the database', { timeout: 120_000 }, async () => {
    const system = await startTestSystem();
    try {
      expect((await ask(system)).hasPerson).toBe(true);
      await system.database.close();
      const answers = [await ask(system), await ask(system)];
      for (const answer of answers) {
        expect(answer.codes).toEqual(['LEDGER_UNAVAILABLE']);
        expect(answer.status).toBe(503);
      }
      const ready = await request(system.app).get('/ready');
      expect(ready.status).toBe(503);
      expect((ready.body as { problems: string[] }).problems).toEqual([expect.stringMatching(/^database: /)]);
    } finally {
      await system.close().catch(() => undefined);
    }
  });
});
