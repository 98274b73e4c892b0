/**
 * The gateway's one database (ledger, cohort register, events and whatever else joins them) behind one small
 * interface: PostgreSQL (a pg Pool) when a URL is given, otherwise PGlite embedded under `<dataDir>/ledger`.
 * Rows come back untyped; callers parse them. Every call has a deadline, and a database that is down, hung or
 * refusing fails calls with LedgerUnavailableError (gateway/database/availability.ts).
 */
import { mkdir, open, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import pg from 'pg';
import { type AvailabilityChange, DatabaseAvailability, DEFAULT_DATABASE_TIMEOUT_MS, withDeadline } from '../database/availability.js';
import { pgliteCoordination, postgresCoordination, type ReplicaCoordination } from '../database/replicas.js';
import { LedgerUnavailableError } from './errors.js';

export type Row = Record<string, unknown>;

export interface SqlClient {
  query(sql: string, params?: readonly unknown[]): Promise<Row[]>;
  /** Several statements, no parameters (migrations, tests). */
  exec(sql: string): Promise<void>;
}

export interface LedgerStore extends SqlClient {
  readonly engine: 'postgres' | 'pglite';
  /** Runs `work` in one transaction: committed if it resolves, rolled back if it throws. */
  transaction<T>(work: (tx: SqlClient) => Promise<T>): Promise<T>;
  /** Whether the database answers; a failed call or check makes it unavailable until a probe succeeds. */
  readonly availability: Pick<DatabaseAvailability, 'outage' | 'check'>;
  /** Notifications and leases shared by every gateway process on this database (gateway/database/replicas.ts). */
  readonly replicas: ReplicaCoordination;
  close(): Promise<void>;
}

/** PGlite answers within the microtask queue: waiting for this lets timers and I/O run first. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export interface StoreSettings {
  /** Every database call is abandoned after this long (default 2 s), and the database then reported unavailable. */
  timeoutMs?: number;
  /** Told once each time the database becomes unavailable or available again. */
  onAvailability?: (change: AvailabilityChange) => void;
  /**
   * PostgreSQL: statements with parameters are prepared by name on each connection, and planned once rather than at
   * every call (default true). False behind a pooler that cannot keep them (PgBouncer before 1.21 in transaction mode).
   */
  preparedStatements?: boolean;
}

export type StoreOptions = ({ databaseUrl: string } | { dataDir: string }) & StoreSettings;

export async function openStore(options: StoreOptions): Promise<LedgerStore> {
  return 'databaseUrl' in options ? openPostgres(options.databaseUrl, options) : openPglite(options.dataDir, options);
}

function availability(settings: StoreSettings, ping: () => Promise<unknown>): DatabaseAvailability {
  return new DatabaseAvailability(settings.timeoutMs ?? DEFAULT_DATABASE_TIMEOUT_MS, ping, settings.onAvailability ?? (() => undefined));
}

/** At most this many statement texts are prepared by name in a process; any further run unnamed. */
const MAX_PREPARED = 256;

/**
 * Names for the statements a process prepares: one per statement text, the same on every connection (node-postgres
 * prepares a name on a connection at its first use there).
 */
function statementNames(enabled: boolean) {
  let names = new Map<string, string>();
  let generation = 0;
  return {
    nameOf(sql: string, values: readonly unknown[]): string | undefined {
      if (!enabled || values.length === 0) return undefined;
      let name = names.get(sql);
      if (name === undefined && names.size < MAX_PREPARED) {
        name = `gateway_${generation}_${names.size}`;
        names.set(sql, name);
      }
      return name;
    },
    /** Every text is prepared again, under new names. */
    forget(): void {
      names = new Map();
      generation += 1;
    },
  };
}

/**
 * PostgreSQL refuses a prepared statement whose result's columns a schema change altered (a migration run by a newer
 * replica adding a column to a table read with `*`): "cached plan must not change result type".
 */
const stalePlan = (error: unknown) => error instanceof Error && 'code' in error && error.code === '0A000';

function openPostgres(databaseUrl: string, settings: StoreSettings): LedgerStore {
  const timeoutMs = settings.timeoutMs ?? DEFAULT_DATABASE_TIMEOUT_MS;
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: 8,
    connectionTimeoutMillis: timeoutMs,
    // The client gives up at the deadline (DatabaseAvailability); these make the server and pg give up too, so an
    // abandoned statement stops running and its connection is discarded rather than reused.
    statement_timeout: timeoutMs,
    query_timeout: timeoutMs + 100,
    keepAlive: true,
  });
  // An idle client losing its connection must not crash the process; the next query reports it.
  pool.on('error', () => undefined);
  const state = availability(settings, () => pool.query('SELECT 1'));
  const replicas = postgresCoordination(databaseUrl, timeoutMs);

  const statements = statementNames(settings.preparedStatements ?? true);
  // In a transaction a failed statement aborts it, so a stale plan is only forgotten there; the next try prepares anew.
  const client = (target: pg.Pool | pg.PoolClient, inTransaction = false): SqlClient => ({
    async query(sql, params = []) {
      const values = [...params];
      const name = statements.nameOf(sql, values);
      try {
        return (await state.call(() => target.query(name === undefined ? sql : { name, text: sql }, values))).rows as Row[];
      } catch (error) {
        if (name === undefined || !stalePlan(error)) throw error;
        statements.forget();
        if (inTransaction) throw error;
        return (await state.call(() => target.query(sql, values))).rows as Row[];
      }
    },
    async exec(sql) {
      await state.call(() => target.query(sql));
    },
  });

  return {
    engine: 'postgres',
    ...client(pool),
    availability: state,
    replicas,
    async transaction(work) {
      // A connection that arrives after the deadline goes straight back.
      const connection = await state.call(
        () => pool.connect(),
        (late) => late.release(),
      );
      // Checked out, a connection the server ends between two statements (terminated, restarted) errors on itself,
      // where the pool's idle handler does not listen: without this the process would crash. The next statement fails.
      let broken: Error | undefined;
      const lost = (error: Error) => {
        broken ??= error;
      };
      connection.on('error', lost);
      try {
        await client(connection).exec('BEGIN');
        const result = await work(client(connection, true));
        await client(connection).exec('COMMIT');
        return result;
      } catch (error) {
        if (error instanceof LedgerUnavailableError) {
          // Its state is unknown (perhaps mid-statement): discarded, not rolled back.
          broken = error;
        } else {
          await withDeadline(connection.query('ROLLBACK'), timeoutMs).catch((rollbackError: unknown) => {
            broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
          });
        }
        throw error;
      } finally {
        // A connection that could not even roll back, or was lost, is discarded rather than reused.
        connection.off('error', lost);
        connection.release(broken);
      }
    },
    async close() {
      state.close();
      await replicas.close();
      await pool.end();
    },
  };
}

async function openPglite(dataDir: string, settings: StoreSettings): Promise<LedgerStore> {
  await mkdir(dataDir, { recursive: true });
  const releaseLock = await lockDataDir(dataDir);
  try {
    return pgliteStore(await PGlite.create(join(dataDir, 'ledger')), releaseLock, settings);
  } catch (error) {
    await releaseLock();
    throw error;
  }
}

/** Wraps an open PGlite; `afterClose` runs once the database is closed. */
export function pgliteStore(db: PGlite, afterClose: () => Promise<void> = async () => undefined, settings: StoreSettings = {}): LedgerStore {
  const state = availability(settings, () => db.query('SELECT 1'));
  // Each statement starts on a turn of its own (yieldToEventLoop): otherwise a request's chain of statements, and
  // the work between them, would run as one task ahead of every other caller's.
  const client = (target: PGlite | Transaction): SqlClient => ({
    async query(sql, params = []) {
      await yieldToEventLoop();
      return (await state.call(() => target.query<Row>(sql, [...params]))).rows;
    },
    async exec(sql) {
      await yieldToEventLoop();
      await state.call(() => target.exec(sql));
    },
  });
  return {
    engine: 'pglite',
    ...client(db),
    availability: state,
    replicas: pgliteCoordination(db),
    async transaction(work) {
      state.assertAvailable();
      try {
        return await db.transaction((tx) => work(client(tx)));
      } catch (error) {
        throw state.failure(error);
      }
    },
    async close() {
      state.close();
      await db.close();
      await afterClose();
    },
  };
}

/**
 * PGlite is one process's database: a second process opening the same directory would corrupt it.
 * A lock file naming the owner's pid refuses that (the CLI while the gateway runs, say).
 */
async function lockDataDir(dataDir: string): Promise<() => Promise<void>> {
  const lockFile = join(dataDir, 'ledger.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(lockFile, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      return () => rm(lockFile, { force: true });
    } catch (error) {
      if (!isErrno(error, 'EEXIST')) throw error;
      const owner = Number((await readFile(lockFile, 'utf8').catch(() => '')).trim());
      if (Number.isInteger(owner) && owner > 0 && isAlive(owner)) {
        throw new Error(
          `The embedded ledger in ${dataDir} is in use by process ${owner}. Stop that process, or use PostgreSQL (DATABASE_URL) to share the ledger.`,
        );
      }
      // The owner died without unlocking: the lock is stale.
      await rm(lockFile, { force: true });
    }
  }
  throw new Error(`Could not lock the embedded ledger in ${dataDir}.`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return isErrno(error, 'EPERM');
  }
}

function isErrno(error: unknown, code: string): boolean {
  return error instanceof Error && 'code' in error && error.code === code;
}
