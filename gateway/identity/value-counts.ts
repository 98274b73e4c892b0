/**
 * The counts match weights divide by (migration 004, docs/adr/0168): how many records hold each given-name key,
 * family-name key and date of birth. Triggers keep them as records change, except records up to
 * `identity_counting.upto`, which are counted here once: those a database held when the migration ran, and a first
 * load's, whose batches would otherwise rewrite the same counts again and again within its one transaction.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { LedgerUnavailableError } from '../ledger/errors.js';
import type { LedgerStore as Database, SqlClient } from '../ledger/store.js';
import { Batch, LINKING_LOCK } from './first-load.js';

const Upto = z.array(z.object({ upto: z.coerce.number() }));
export const MaxSeq = z.array(z.object({ seq: z.coerce.number().nullable() }));
const Held = z.array(z.object({ held: z.boolean() }));
const Values = z.array(z.object({ given_key: z.string(), family_key: z.string(), date_of_birth: z.string() }));

/** Rows written per statement: small enough for the deadline, each value written once. */
const WRITE_SLICE = 5_000;

/** How long a start waits its turn to count an upgraded index before it says why it cannot start. */
const COUNTING_PATIENCE_MS = 60_000;

/** Past any record's seq: the triggers leave every record to `countRecords`. */
export const EVERY_RECORD = '9223372036854775807';

/**
 * Counts the records held before migration 004, under the linking lock so that no record changes meanwhile, in one
 * transaction, so a crash leaves them to be counted at the next start. The lock is tried, not waited for: another
 * process counting them holds it for seconds at a million people, past the database deadline, so this one waits in
 * turns until they are counted, for at most COUNTING_PATIENCE_MS.
 */
export async function countEarlierRecords(database: Database): Promise<void> {
  const giveUpAt = Date.now() + COUNTING_PATIENCE_MS;
  for (;;) {
    const [pending] = Upto.parse(await database.query('SELECT upto FROM identity_counting'));
    if (!pending || pending.upto === 0) return;
    const counted = await database.transaction(async (tx) => {
      const [lock] = Held.parse(await tx.query('SELECT pg_try_advisory_xact_lock($1) AS held', [LINKING_LOCK]));
      if (!lock?.held) return false;
      const [held] = Upto.parse(await tx.query('SELECT upto FROM identity_counting'));
      await countRecords(tx, held?.upto ?? 0);
      return true;
    });
    if (counted) return;
    if (Date.now() > giveUpAt) {
      throw new LedgerUnavailableError(
        `the identity index's name counts could not be made: another gateway process held the linking lock for ${COUNTING_PATIENCE_MS / 1_000} s`,
      );
    }
    await sleep(500);
  }
}

/**
 * Adds the records with seq up to `below` to the counts and sets `upto` to 0; the caller holds the linking lock. The
 * records are read a bounded range at a time and counted here, each value's count then written once: adding range by
 * range in SQL updated the same rows again and again within one transaction, slower with every range (minutes at
 * 2,700,000 records). What is held here grows with the distinct names and dates, not with the records.
 */
export async function countRecords(tx: SqlClient, below: number): Promise<void> {
  // Never past the last record: a range of seqs up to EVERY_RECORD would be read for ever.
  const [last] = MaxSeq.parse(await tx.query('SELECT max(seq) AS seq FROM identity_records'));
  const upto = Math.min(below, last?.seq ?? 0);
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
}
