/**
 * The counts match weights divide by (migration 004, docs/adr/0168): how many records hold each given-name key,
 * family-name key and date of birth. Triggers keep them as records change; this counts the records a database already
 * held when the migration ran, once.
 */
import { z } from 'zod';
import type { LedgerStore as Database } from '../ledger/store.js';
import { Batch, LINKING_LOCK } from './first-load.js';

const Upto = z.array(z.object({ upto: z.coerce.number() }));
const Values = z.array(z.object({ given_key: z.string(), family_key: z.string(), date_of_birth: z.string() }));

/** Rows written per statement: small enough for the deadline, each value written once. */
const WRITE_SLICE = 5_000;

/**
 * Counts the records held before migration 004 (seq up to `identity_counting.upto`), under the linking lock so that no
 * record changes meanwhile, in one transaction, so a crash leaves them to be counted at the next start. The records are
 * read a bounded range at a time and counted here, and each value's count written once: adding range by range in SQL
 * updated the same rows again and again within one transaction, slower with every range (minutes at 2,700,000
 * records). What is held here grows with the distinct names and dates, not with the records.
 */
export async function countEarlierRecords(database: Database): Promise<void> {
  const [pending] = Upto.parse(await database.query('SELECT upto FROM identity_counting'));
  if (!pending || pending.upto === 0) return;
  await database.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [LINKING_LOCK]);
    const [held] = Upto.parse(await tx.query('SELECT upto FROM identity_counting'));
    const upto = held?.upto ?? 0;
    const counts = new Map<string, number>();
    const add = (field: string, value: string) => {
      const key = `${field}\u0000${value}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    };
    const batch = new Batch();
    for (let from = 0; from < upto; ) {
      from = await batch.run(async (size) => {
        const to = Math.min(from + size, upto);
        const rows = Values.parse(await tx.query('SELECT given_key, family_key, date_of_birth FROM identity_records WHERE seq > $1 AND seq <= $2', [from, to]));
        for (const row of rows) {
          add('given', row.given_key);
          add('family', row.family_key);
          add('dob', row.date_of_birth);
        }
        return to;
      });
    }
    const entries = [...counts].map(([key, n]) => [...key.split('\u0000'), n] as const);
    for (let at = 0; at < entries.length; at += WRITE_SLICE) {
      const slice = entries.slice(at, at + WRITE_SLICE);
      await tx.query(
        `INSERT INTO identity_value_counts (field, value, n) SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[])
         ON CONFLICT (field, value) DO UPDATE SET n = identity_value_counts.n + excluded.n`,
        [slice.map((e) => e[0]), slice.map((e) => e[1]), slice.map((e) => e[2])],
      );
    }
    await tx.query('UPDATE identity_counting SET upto = 0');
  });
}
