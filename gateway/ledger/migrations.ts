/**
 * Applies `migrations/NNN_name.sql` in order, each once, recorded in `ledger_migrations`.
 * One transaction under an advisory lock, so processes starting together do not race.
 */
import { readdir, readFile } from 'node:fs/promises';
import { z } from 'zod';
import type { LedgerStore } from './store.js';

const MIGRATIONS_DIR = new URL('./migrations/', import.meta.url);
/** Any fixed number: it names the ledger's migration lock among the database's advisory locks. */
const MIGRATION_LOCK = 7_311_004;

export async function migrate(store: LedgerStore): Promise<string[]> {
  const files = (await readdir(MIGRATIONS_DIR)).filter((name) => /^\d+_[\w-]+\.sql$/.test(name)).sort();
  return store.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await tx.exec('CREATE TABLE IF NOT EXISTS ledger_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())');
    const applied = new Set(
      z
        .array(z.object({ name: z.string() }))
        .parse(await tx.query('SELECT name FROM ledger_migrations'))
        .map((row) => row.name),
    );
    const pending = files.filter((name) => !applied.has(name));
    for (const name of pending) {
      await tx.exec(await readFile(new URL(name, MIGRATIONS_DIR), 'utf8'));
      await tx.query('INSERT INTO ledger_migrations (name) VALUES ($1)', [name]);
    }
    return pending;
  });
}
