/**
 * What gateway replicas sharing one database coordinate through it (docs/adr/0136): notifications
 * (LISTEN/NOTIFY), heard by every process on the database, and leases (session advisory locks), each held by
 * one process at a time and released by the database itself when that process or its connection goes. PGlite
 * is one process's database: its notifications stay in the process, and every lease is its own.
 */
import { hostname } from 'node:os';
import type { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { withDeadline } from './availability.js';

export interface ReplicaCoordination {
  /** Hears every NOTIFY on `channel`, from any process on the database; returns how to stop hearing. */
  listen(channel: string, hear: (payload: string) => void): Promise<() => Promise<void>>;
  /**
   * Whether this process holds the lease `name` now: taken if free, and confirmed with the database on every
   * call, so a process whose session was lost learns it before acting as the holder.
   */
  hold(name: string): Promise<boolean>;
  close(): Promise<void>;
}

/**
 * The lease session's name in pg_stat_activity: which replica (a pod's host name) and process holds which lease,
 * found by joining pg_locks. PostgreSQL keeps 63 bytes of it.
 */
export const REPLICA_SESSION_PREFIX = 'partnership-gateway-replica';
const sessionName = () => `${REPLICA_SESSION_PREFIX} ${hostname()} ${process.pid}`.slice(0, 63);

/** The first key of every lease's advisory lock (the second is the lease name's hash): apart from other locks. */
const LEASE_LOCK_CLASS = 7_311_050;

const channelName = (channel: string) => {
  if (!/^[a-z_][a-z0-9_]*$/.test(channel)) throw new Error(`"${channel}" is not a channel name`);
  return channel;
};

export function pgliteCoordination(db: PGlite): ReplicaCoordination {
  return {
    async listen(channel, hear) {
      const unlisten = await db.listen(channelName(channel), hear);
      return () => unlisten();
    },
    hold: async () => true,
    close: async () => undefined,
  };
}

/**
 * One connection of its own, apart from the pool, holds this process's leases and listens: session state the
 * pool's connections cannot keep. Lost, it takes the leases with it; it is opened again when next needed.
 */
export function postgresCoordination(databaseUrl: string, timeoutMs: number): ReplicaCoordination {
  const hearers = new Map<string, Set<(payload: string) => void>>();
  const held = new Set<string>();
  let session: Promise<pg.Client> | undefined;
  let closed = false;
  /** After a failed connection, none is tried again for a second: a round's agencies fail at once, not one deadline each. */
  let retryAt = 0;
  let lastFailure: unknown;

  const drop = (which: Promise<pg.Client>) => {
    if (session !== which) return;
    session = undefined;
    held.clear();
    which.then((client) => client.end()).catch(() => undefined);
  };

  const connect = (): Promise<pg.Client> => {
    if (closed) return Promise.reject(new Error('the replica session is closed'));
    if (session) return session;
    if (Date.now() < retryAt) return Promise.reject(lastFailure);
    const client = new pg.Client({
      connectionString: databaseUrl,
      connectionTimeoutMillis: timeoutMs,
      statement_timeout: timeoutMs,
      keepAlive: true,
      application_name: sessionName(),
    });
    const opening: Promise<pg.Client> = (async () => {
      client.on('notification', (message) => {
        for (const hear of hearers.get(message.channel) ?? []) hear(message.payload ?? '');
      });
      client.on('error', () => drop(opening));
      client.on('end', () => drop(opening));
      await withDeadline(client.connect(), timeoutMs);
      for (const channel of hearers.keys()) await withDeadline(client.query(`LISTEN ${channelName(channel)}`), timeoutMs);
      return client;
    })();
    session = opening;
    opening.catch((error: unknown) => {
      retryAt = Date.now() + 1_000;
      lastFailure = error;
      drop(opening);
      // A connection that arrives after its deadline is closed, not left holding a backend.
      client.end().catch(() => undefined);
    });
    return opening;
  };

  /** A statement on the session; one that fails or overruns leaves the session's state unknown, so it is dropped. */
  const runNow = async (sql: string, params: unknown[]) => {
    const opening = connect();
    const client = await opening;
    try {
      return await withDeadline(client.query(sql, params), timeoutMs);
    } catch (error) {
      drop(opening);
      throw error;
    }
  };
  // One connection runs one statement at a time: callers (a round's agencies, in parallel) queue.
  let queue: Promise<unknown> = Promise.resolve();
  const run = (sql: string, params: unknown[] = []) => {
    const next = queue.then(() => runNow(sql, params));
    queue = next.catch(() => undefined);
    return next;
  };

  return {
    async listen(channel, hear) {
      let set = hearers.get(channelName(channel));
      if (!set) {
        set = new Set();
        hearers.set(channel, set);
        // An open session starts listening now; a new one listens to every channel as it opens.
        if (session) await run(`LISTEN ${channel}`);
      }
      set.add(hear);
      await connect();
      return async () => {
        set.delete(hear);
        if (set.size > 0) return;
        hearers.delete(channel);
        if (session) await run(`UNLISTEN ${channel}`).catch(() => undefined);
      };
    },
    async hold(name) {
      const [row] = (await run('SELECT pg_try_advisory_lock($1, hashtext($2)) AS held', [LEASE_LOCK_CLASS, name])).rows as { held?: unknown }[];
      const holds = row?.held === true;
      // Session locks stack: taken again by its holder, the lease is let go once so that one release frees it.
      if (holds && held.has(name)) await run('SELECT pg_advisory_unlock($1, hashtext($2))', [LEASE_LOCK_CLASS, name]);
      if (holds) held.add(name);
      else held.delete(name);
      return holds;
    },
    async close() {
      closed = true;
      const open = session;
      session = undefined;
      held.clear();
      // Ending the session releases its leases at once, for another replica to take.
      if (open) await open.then((client) => client.end()).catch(() => undefined);
    },
  };
}
