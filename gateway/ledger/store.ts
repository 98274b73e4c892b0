/**
 * The ledger's database behind one small interface: PostgreSQL (a pg Pool) when a URL is given,
 * otherwise PGlite embedded under `<dataDir>/ledger`. Rows come back untyped; callers parse them.
 */
import { mkdir, open, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import pg from 'pg';

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
  close(): Promise<void>;
}

/**
 * PGlite answers within the microtask queue, so a loop of queries never lets timers or I/O run.
 * Long loops (the writer, page walks) call this between rounds.
 */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export type StoreOptions = { databaseUrl: string } | { dataDir: string };

export async function openStore(options: StoreOptions): Promise<LedgerStore> {
  return 'databaseUrl' in options ? openPostgres(options.databaseUrl) : openPglite(options.dataDir);
}

function openPostgres(databaseUrl: string): LedgerStore {
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: 8,
    // A database that stops answering must fail appends (LEDGER_UNAVAILABLE), not hang requests.
    connectionTimeoutMillis: 5_000,
    statement_timeout: 30_000,
    keepAlive: true,
  });
  // An idle client losing its connection must not crash the process; the next query reports it.
  pool.on('error', () => undefined);

  const client = (target: pg.Pool | pg.PoolClient): SqlClient => ({
    async query(sql, params = []) {
      return (await target.query(sql, [...params])).rows as Row[];
    },
    async exec(sql) {
      await target.query(sql);
    },
  });

  return {
    engine: 'postgres',
    ...client(pool),
    async transaction(work) {
      const connection = await pool.connect();
      let broken: Error | undefined;
      try {
        await connection.query('BEGIN');
        const result = await work(client(connection));
        await connection.query('COMMIT');
        return result;
      } catch (error) {
        await connection.query('ROLLBACK').catch((rollbackError: unknown) => {
          broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
        });
        throw error;
      } finally {
        // A connection that could not even roll back is discarded rather than reused.
        connection.release(broken);
      }
    },
    close: () => pool.end(),
  };
}

async function openPglite(dataDir: string): Promise<LedgerStore> {
  await mkdir(dataDir, { recursive: true });
  const releaseLock = await lockDataDir(dataDir);
  try {
    return pgliteStore(await PGlite.create(join(dataDir, 'ledger')), releaseLock);
  } catch (error) {
    await releaseLock();
    throw error;
  }
}

/** Wraps an open PGlite; `afterClose` runs once the database is closed. */
export function pgliteStore(db: PGlite, afterClose: () => Promise<void> = async () => undefined): LedgerStore {
  const client = (target: PGlite | Transaction): SqlClient => ({
    async query(sql, params = []) {
      return (await target.query<Row>(sql, [...params])).rows;
    },
    async exec(sql) {
      await target.exec(sql);
    },
  });
  return {
    engine: 'pglite',
    ...client(db),
    transaction: (work) => db.transaction((tx) => work(client(tx))),
    async close() {
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
          `The embedded ledger in ${dataDir} is in use by process ${owner}. ` +
            'Stop that process, or use PostgreSQL (DATABASE_URL) to share the ledger.',
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
