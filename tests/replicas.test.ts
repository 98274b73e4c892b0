/**
 * Two gateway replicas on one PostgreSQL (a database of their own per run; mandatory when CI=true), reading the same
 * agencies, a subscriber on each: one replica reads each agency's event feed, both subscribers receive every event
 * once, the lease moves when the reading replica's session dies or it stops, and break-glass windows agree. Then two
 * gateway processes: killing the one holding the leases (SIGKILL) hands them all to the other.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSimulator } from '../adapters/kit/simulator.js';
import { defaultPopulation } from '../adapters/population/generate.js';
import { agencies } from '../adapters/registry.js';
import { startSimulators } from '../gateway/agencies.js';
import { BACKENDS, type TestDatabase } from '../gateway/ledger/test-backends.js';
import { type Caller, COORDINATOR, defaultPolicy, startTestSystem, type TestSystem } from './harness.js';
import { type Listening, listen } from './hostile-requests.js';
import { type GatewayProcess, startGatewayProcess } from './ledger-process.js';

const postgres = BACKENDS.find((backend) => backend.name === 'postgres');
const SUBSCRIPTION = 'subscription { cohortEvents { id } }';

/** A subscriber over server-sent events: the event ids received so far, in order. */
interface Subscriber {
  ids: string[];
  close(): void;
}

async function subscribe(replica: TestSystem, url: string, sub: string): Promise<Subscriber> {
  const controller = new AbortController();
  const token = await replica.token({ sub, role: COORDINATOR.role, agency: COORDINATOR.agency });
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'text/event-stream',
      authorization: `Bearer ${token}`,
      'x-purpose': COORDINATOR.purpose ?? '',
    },
    body: JSON.stringify({ query: SUBSCRIPTION }),
    signal: controller.signal,
  });
  expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const reader = response.body?.getReader();
  if (!reader) throw new Error('no response body');
  const subscriber: Subscriber = { ids: [], close: () => controller.abort() };
  const decoder = new TextDecoder();
  let buffered = '';
  void (async () => {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      buffered += decoder.decode(value, { stream: true });
      for (let end = buffered.indexOf('\n\n'); end >= 0; end = buffered.indexOf('\n\n')) {
        const message = buffered.slice(0, end);
        buffered = buffered.slice(end + 2);
        const data = /^event: next\ndata: (.*)$/m.exec(message)?.[1];
        if (data) subscriber.ids.push((JSON.parse(data) as { data: { cohortEvents: { id: string } } }).data.cohortEvents.id);
      }
    }
  })().catch(() => undefined);
  return subscriber;
}

async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe.skipIf(!postgres?.enabled)('two gateway replicas on one PostgreSQL', () => {
  let database: TestDatabase;
  let simulators: RunningSimulator[] = [];
  const replicas: TestSystem[] = [];
  const servers: Listening[] = [];
  const subscribers: Subscriber[] = [];
  const closed = new Set<number>();

  /** Makes events at the police simulator and lets `reader` read them; returns the ids it stored. */
  async function newEvents(reader: TestSystem): Promise<string[]> {
    const before = (await reader.events.after(0, 100_000)).at(-1)?.sequence ?? 0;
    const police = simulators.find((s) => s.agency === 'police');
    const made = await fetch(`${police?.url}/__admin/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"count":15}' });
    expect(made.status).toBe(200);
    await reader.events.poll();
    return (await reader.events.after(before, 100_000)).map((event) => event.id);
  }

  const agenciesRead = async (replica: TestSystem) => (await replica.events.poll()).map((reading) => reading.agency).sort();

  beforeAll(async () => {
    if (!postgres) throw new Error('no PostgreSQL backend');
    database = await postgres.createDatabase();
    const databaseUrl = database.ledgerOptions().databaseUrl as string;
    simulators = await startSimulators(agencies, defaultPopulation(), { basePort: 0 });
    const agencyUrls = new Map(simulators.map((s) => [s.agency, s.url]));
    for (let i = 0; i < 2; i++) {
      const replica = await startTestSystem({ databaseUrl, agencyUrls, policy: defaultPolicy(), timeoutMs: 2_000 });
      replicas.push(replica);
      servers.push(await listen(createServer(replica.app)));
    }
  }, 120_000);

  afterAll(async () => {
    for (const subscriber of subscribers) subscriber.close();
    await Promise.all(servers.map((server) => server.close()));
    await Promise.all(replicas.map((replica, i) => (closed.has(i) ? undefined : replica.close())));
    await Promise.all(simulators.map((s) => s.close()));
    await database?.drop();
  });

  it('one replica reads each agency’s feed, and a subscriber on each receives every event once', async () => {
    const [a, b] = replicas as [TestSystem, TestSystem];
    subscribers.push(await subscribe(a, servers[0]?.url ?? '', 'coordinator-on-a'), await subscribe(b, servers[1]?.url ?? '', 'coordinator-on-b'));
    await until(() => a.events.subscribers === 1 && b.events.subscribers === 1, 'both subscriptions');

    const readByA = await agenciesRead(a);
    expect(readByA.length).toBeGreaterThan(0);
    expect(readByA).toContain('police');
    expect(await agenciesRead(b), 'the other replica reads no feed while the first holds every lease').toEqual([]);

    // Only the reading replica polls; the other's subscriber hears through the database's notification.
    const stored = await newEvents(a);
    expect(stored.length).toBeGreaterThan(2);
    const [onA, onB] = subscribers as [Subscriber, Subscriber];
    await until(() => onA.ids.length >= stored.length && onB.ids.length >= stored.length, 'both subscribers to receive the events');
    await Promise.all([a.events.poll(), b.events.poll()]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(onA.ids).toEqual(stored);
    expect(onB.ids).toEqual(stored);
  }, 60_000);

  it('agrees on break-glass windows: one user’s emergencies a day are counted across replicas', async () => {
    const perDay = defaultPolicy().purposes.find((purpose) => purpose.code === 'emergency')?.emergency?.maxWindowsPerDay ?? 0;
    expect(perDay).toBeGreaterThan(1);
    const subject = defaultPopulation().people.find((person) => person.identifiers.pnc);
    const query = 'query($p: String) { person(pnc: $p) { id } }';
    const officer: Caller = { role: 'police-offender-manager', agency: 'police', sub: `pc-${randomUUID()}`, purpose: 'emergency' };
    const declare = (replica: TestSystem, justification: string) =>
      replica.query(query, { p: subject?.identifiers.pnc }, { ...officer, justification }).then((response) => response.status);

    // Replicas take turns; the window opened on one is the same window on the other, not a second.
    const [a, b] = replicas as [TestSystem, TestSystem];
    expect(await declare(a, 'Incident 1')).toBe(200);
    expect(await declare(b, 'Incident 1')).toBe(200);
    for (let i = 2; i <= perDay; i++) expect(await declare(i % 2 === 0 ? b : a, `Incident ${i}`)).toBe(200);
    expect(await declare(a, 'One too many')).toBe(403);
    expect(await declare(b, 'One too many, elsewhere')).toBe(403);
    const windows = await database.admin.query('SELECT count(*)::int AS n FROM emergency_windows WHERE user_id = $1', [officer.sub]);
    expect(windows).toEqual([{ n: perDay }]);
  }, 60_000);

  it('moves the leases when the reading replica’s session dies, and again when that replica stops', async () => {
    const [a, b] = replicas as [TestSystem, TestSystem];
    const [onA, onB] = subscribers as [Subscriber, Subscriber];
    const sessions = () =>
      database.admin.query(
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name LIKE 'partnership-gateway-replica %' AND datname = current_database()",
      );
    // Every replica's lease session dies, as when the database restarts or a network drops: the database frees the leases.
    await database.admin.query(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name LIKE 'partnership-gateway-replica %' AND datname = current_database()",
    );
    await until(async () => (await sessions())[0]?.n === 0, 'the sessions to end');
    const readByB = await agenciesRead(b);
    expect(readByB).toContain('police');
    expect(await agenciesRead(a)).toEqual([]);

    // Both listen again on their new sessions: every event still reaches both subscribers, once.
    const before = onA.ids.length;
    const stored = await newEvents(b);
    await until(() => onA.ids.length >= before + stored.length && onB.ids.length >= before + stored.length, 'both subscribers to receive the events');
    expect(onA.ids.slice(before)).toEqual(stored);
    expect(onB.ids.slice(before)).toEqual(stored);

    // The reader stops: its leases are freed at once and the other replica reads every feed.
    subscribers[1]?.close();
    await servers[1]?.close();
    await b.close();
    closed.add(1);
    expect(await agenciesRead(a)).toEqual(readByB);
    const after = onA.ids.length;
    const more = await newEvents(a);
    await until(() => onA.ids.length >= after + more.length, 'the remaining subscriber to receive the events');
    expect(onA.ids.slice(after)).toEqual(more);
  }, 60_000);
});

describe.skipIf(!postgres?.enabled)('two gateway processes on one PostgreSQL', () => {
  let database: TestDatabase;
  let dataDirs: string[] = [];
  const gateways: GatewayProcess[] = [];

  /** Which gateway process holds how many event-feed leases, from PostgreSQL's own view of its locks. */
  const holders = async () =>
    (
      await database.admin.query(
        `SELECT a.application_name AS holder, count(*)::int AS leases
           FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
          WHERE l.locktype = 'advisory' AND l.classid = 7311050 AND l.objsubid = 2 AND l.granted AND a.datname = current_database()
          GROUP BY a.application_name`,
      )
    ).map((row) => ({ pid: Number(String(row.holder).split(' ').at(-1)), leases: Number(row.leases) }));

  beforeAll(async () => {
    if (!postgres) throw new Error('no PostgreSQL backend');
    database = await postgres.createDatabase();
    const databaseUrl = database.ledgerOptions().databaseUrl as string;
    dataDirs = await Promise.all(['a', 'b'].map((name) => mkdtemp(join(tmpdir(), `replica-${name}-`))));
    // One after the other: two cold starts at once would only slow each other on a small machine.
    for (const dataDir of dataDirs) {
      gateways.push(await startGatewayProcess({ DATA_DIR: dataDir, DATABASE_URL: databaseUrl, EVENT_POLL_MS: '200', SIMULATOR_EVENT_INTERVAL_MS: '0' }));
    }
  }, 180_000);

  afterAll(async () => {
    await Promise.all(gateways.map((gateway) => gateway.stop('SIGKILL')));
    await database?.drop();
    await Promise.all(dataDirs.map((dir) => rm(dir, { recursive: true, force: true })));
  });

  it('moves every event-feed lease to the survivor when the process holding them is killed', async () => {
    let before: { pid: number; leases: number }[] = [];
    await until(async () => {
      before = await holders();
      return before.length === 1 && (before[0]?.leases ?? 0) > 0;
    }, 'one process to hold the leases');
    const holder = gateways.find((gateway) => gateway.pid === before[0]?.pid);
    const survivor = gateways.find((gateway) => gateway !== holder);
    expect(holder, `lease holder ${before[0]?.pid} is one of ${gateways.map((g) => g.pid).join(', ')}`).toBeDefined();

    expect((await holder?.stop('SIGKILL'))?.signal).toBe('SIGKILL');
    await until(async () => {
      const after = await holders();
      return after.length === 1 && after[0]?.pid === survivor?.pid && after[0]?.leases === before[0]?.leases;
    }, 'the survivor to take every lease');
    // Its log says so, one line per feed it took over.
    await until(() => (survivor?.output().match(/events from \w+: read by this gateway/g) ?? []).length === before[0]?.leases, 'the survivor to log it');
  }, 60_000);
});
