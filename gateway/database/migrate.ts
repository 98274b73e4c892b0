/**
 * Applies a module's `NNN_name.sql` migrations in order, each once, recorded in the module's own table.
 * One transaction under an advisory lock, so processes starting together do not race. Plain SQL that
 * PostgreSQL and PGlite both run: one set of migrations serves both.
 */
import { readdir, readFile } from 'node:fs/promises';
import { z } from 'zod';
import type { LedgerStore as Database } from '../ledger/store.js';

export interface MigrationSet {
  /** Folder of `NNN_name.sql` files. */
  directory: URL;
  /** Table recording which of them ran, e.g. `cohort_migrations`. */
  table: string;
  /** Any fixed number naming the set's lock among the database's advisory locks. */
  lock: number;
}

export async function migrate(database: Database, set: MigrationSet): Promise<string[]> {
  if (!/^[a-z_]+$/.test(set.table)) throw new Error(`bad migrations table name ${set.table}`);
  const files = (await readdir(set.directory)).filter((name) => /^\d+_[\w-]+\.sql$/.test(name)).sort();
  return database.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [set.lock]);
    await tx.exec(`CREATE TABLE IF NOT EXISTS ${set.table} (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`);
    const applied = new Set(
      z
        .array(z.object({ name: z.string() }))
        .parse(await tx.query(`SELECT name FROM ${set.table}`))
        .map((row) => row.name),
    );
    const pending = files.filter((name) => !applied.has(name));
    for (const name of pending) {
      await tx.exec(await readFile(new URL(name, set.directory), 'utf8'));
      await tx.query(`INSERT INTO ${set.table} (name) VALUES ($1)`, [name]);
    }
    return pending;
  });
}
