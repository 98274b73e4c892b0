/**
 * The backends every ledger suite runs on: PGlite always; PostgreSQL when reachable (mandatory when
 * CI=true). Each database made here is a throwaway: its own PGlite directory, or its own
 * `ledger_test_<random>` PostgreSQL database, dropped afterwards.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { afterAll, beforeAll, describe } from 'vitest';
import type { LedgerOptions } from './ledger.js';
import { migrate } from './migrations.js';
import { type LedgerStore, openStore, pgliteStore, type SqlClient } from './store.js';

export const POSTGRES_TEST_URL = 'postgres://postgres@127.0.0.1:5432/test';

export interface TestDatabase {
  /** Options that open a ledger on this database (no checkpoint timer unless `extra` sets one). */
  ledgerOptions(extra?: Partial<LedgerOptions>): LedgerOptions;
  /** Raw SQL on the same database, for inspecting and tampering. */
  admin: LedgerStore;
  /** Takes the database away under any open ledger: PGlite closed, the PostgreSQL database dropped. */
  kill(): Promise<void>;
  drop(): Promise<void>;
}

export interface BackendUnderTest {
  name: 'pglite' | 'postgres';
  enabled: boolean;
  createDatabase(): Promise<TestDatabase>;
}

async function postgresReachable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: POSTGRES_TEST_URL, connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Creating a PGlite cluster takes seconds; each worker makes one migrated in-memory template and
 * loads a copy of it per database. (The on-disk path has its own tests in store.test.ts.)
 */
let pgliteTemplate: Promise<Blob> | undefined;
function migratedPgliteTemplate(): Promise<Blob> {
  pgliteTemplate ??= (async () => {
    const db = await PGlite.create();
    await migrate(pgliteStore(db));
    const template = await db.dumpDataDir('none');
    await db.close();
    return template;
  })();
  return pgliteTemplate;
}

const pglite: BackendUnderTest = {
  name: 'pglite',
  enabled: true,
  async createDatabase() {
    const dataDir = await mkdtemp(join(tmpdir(), 'ledger-test-'));
    const admin = pgliteStore(await PGlite.create({ loadDataDir: await migratedPgliteTemplate() }));
    let open = true;
    const kill = async () => {
      if (open) await admin.close();
      open = false;
    };
    return {
      // PGlite is one connection per database: ledgers share the admin's store.
      ledgerOptions: (extra = {}) => ({ store: admin, dataDir, checkpointIntervalMs: 0, ...extra }),
      admin,
      kill,
      async drop() {
        await kill();
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  },
};

const postgres: BackendUnderTest = {
  name: 'postgres',
  enabled: process.env.CI === 'true' || (await postgresReachable()),
  async createDatabase() {
    const name = `ledger_test_${randomBytes(6).toString('hex')}`;
    const maintenance = new pg.Client({ connectionString: POSTGRES_TEST_URL, connectionTimeoutMillis: 5_000 });
    await maintenance.connect();
    await maintenance.query(`CREATE DATABASE ${name}`);
    await maintenance.end();
    const url = new URL(POSTGRES_TEST_URL);
    url.pathname = `/${name}`;
    const databaseUrl = url.toString();
    const dataDir = await mkdtemp(join(tmpdir(), 'ledger-test-'));
    const admin = await openStore({ databaseUrl });
    await migrate(admin);
    let open = true;
    const kill = async () => {
      if (open) await admin.close();
      open = false;
      const cleanup = new pg.Client({ connectionString: POSTGRES_TEST_URL });
      await cleanup.connect();
      await cleanup.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await cleanup.end();
    };
    return {
      ledgerOptions: (extra = {}) => ({ databaseUrl, dataDir, checkpointIntervalMs: 0, ...extra }),
      admin,
      kill,
      async drop() {
        await kill();
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  },
};

export const BACKENDS: readonly BackendUnderTest[] = [pglite, postgres];

/** Declares `suite` once per backend; a disabled backend's copy is reported as skipped. */
export function describeOnBackends(title: string, suite: (backend: BackendUnderTest) => void): void {
  for (const backend of BACKENDS) {
    describe.skipIf(!backend.enabled)(`${title} [${backend.name}]`, () => suite(backend));
  }
}

/** One throwaway database for the enclosing suite, created before its tests and dropped after. */
export function useDatabase(backend: BackendUnderTest): () => TestDatabase {
  let database: TestDatabase | undefined;
  beforeAll(async () => {
    database = await backend.createDatabase();
  });
  afterAll(async () => {
    await database?.drop();
  });
  return () => {
    if (database === undefined) throw new Error('the test database is not ready');
    return database;
  };
}

/** Runs SQL (or `work`) as a superuser who has switched the append-only triggers off for one transaction. */
export async function tamper(admin: LedgerStore, work: string | ((tx: SqlClient) => Promise<void>)): Promise<void> {
  await admin.transaction(async (tx) => {
    await tx.exec('SET LOCAL session_replication_role = replica');
    if (typeof work === 'string') await tx.exec(work);
    else await work(tx);
  });
}
