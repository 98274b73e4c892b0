/**
 * The first load over an empty index (docs/adr/0161). Until anyone has been linked no id has been given out, so
 * linking page by page (store.ts `link`) would only rename people again and again as their records arrive. Instead
 * each page's records are kept as *arrivals*, in the same transaction as the feed's cursor, and when the first
 * refresh ends they are linked at once with set-based SQL, in one transaction of bounded statements: a crash before
 * it commits leaves the arrivals and cursors as they were, and the next start reads on and links them then.
 * The result is the one page-by-page linking gave: records sharing an identifier are one person, named
 * `gatewayIdFor(anchorOf(records))` (link.ts); records keep their order of first arrival.
 */
import { performance } from 'node:perf_hooks';
import { z } from 'zod';
import type { IdentityRecord } from '../../adapters/kit/contract.js';
import { IDENTIFIER_KINDS } from '../../schema/identifiers.js';
import type { LedgerStore as Database, SqlClient } from '../ledger/store.js';
import { gatewayIdFor } from './link.js';
import { IDENTIFIER_COLUMNS, nameKeys } from './store.js';

/** Any fixed number: the lock under which pages are applied and arrivals linked, whichever gateway process does it. */
export const LINKING_LOCK = 7_311_041;

/** Whether nobody has been linked yet, so that a page is kept as arrivals rather than linked. */
export async function unlinked(tx: SqlClient): Promise<boolean> {
  return (await tx.query('SELECT 1 FROM identity_people LIMIT 1')).length === 0;
}

/** Keeps a page's latest changes for `agency` (null: no longer held): a record already kept keeps its place in arrival order. */
export async function keep(tx: SqlClient, agency: string, latest: ReadonlyMap<string, IdentityRecord | null>, pass: number): Promise<void> {
  const gone = [...latest].filter(([, record]) => record === null).map(([key]) => key);
  if (gone.length > 0) await tx.query('DELETE FROM identity_arrivals WHERE agency = $1 AND key = ANY($2::text[])', [agency, gone]);
  const held = [...latest.values()].filter((record): record is IdentityRecord => record !== null);
  if (held.length === 0) return;
  const names = held.map((record) => nameKeys(record.givenName, record.familyName));
  // Materialized, so each row draws its seq once and takes it as its own label.
  await tx.query(
    `WITH page AS MATERIALIZED (
       SELECT nextval('identity_arrivals_seq') AS seq, u.*
       FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[])
         AS u(key, given_name, family_name, date_of_birth, pnc, cro, noms_number, crn, given_key, family_key, initials))
     INSERT INTO identity_arrivals (agency, key, seq, label, given_name, family_name, date_of_birth, pnc, cro, noms_number, crn, given_key, family_key, initials, pass)
     SELECT $1, key, seq, seq, given_name, family_name, date_of_birth, pnc, cro, noms_number, crn, given_key, family_key, initials, $13 FROM page
     ON CONFLICT (agency, key) DO UPDATE SET given_name = excluded.given_name, family_name = excluded.family_name,
       date_of_birth = excluded.date_of_birth, pnc = excluded.pnc, cro = excluded.cro, noms_number = excluded.noms_number, crn = excluded.crn,
       given_key = excluded.given_key, family_key = excluded.family_key, initials = excluded.initials, pass = excluded.pass`,
    [
      agency,
      held.map((record) => record.key),
      held.map((record) => record.givenName),
      held.map((record) => record.familyName),
      held.map((record) => record.dateOfBirth),
      ...IDENTIFIER_KINDS.map((kind) => held.map((record) => record.identifiers[kind] ?? null)),
      names.map((name) => name.given),
      names.map((name) => name.family),
      names.map((name) => name.initials),
      pass,
    ],
  );
}

/** Removes up to a batch of `agency`'s arrivals from a pass before `pass` (a restarted feed's sweep); false once none are left. */
export async function sweepKept(tx: SqlClient, agency: string, pass: number): Promise<boolean> {
  const removed = await tx.query(
    'DELETE FROM identity_arrivals WHERE (agency, key) IN (SELECT agency, key FROM identity_arrivals WHERE agency = $1 AND pass < $2 LIMIT 10000) RETURNING 1',
    [agency, pass],
  );
  return removed.length > 0;
}

/**
 * Statements are sized to take about this long, well inside the database deadline (2 s by default) even on a busy
 * machine: each kind of statement starts small, and its batch doubles while statements are quicker and halves when
 * one is slower.
 */
const STATEMENT_TARGET_MS = 250;
const SMALLEST_BATCH = 500;
const LARGEST_BATCH = 50_000;

class Batch {
  size = 2_000;

  async run<T>(work: (size: number) => Promise<T>): Promise<T> {
    const began = performance.now();
    const result = await work(this.size);
    const took = performance.now() - began;
    if (took < STATEMENT_TARGET_MS / 2) this.size = Math.min(this.size * 2, LARGEST_BATCH);
    else if (took > STATEMENT_TARGET_MS * 2) this.size = Math.max(Math.floor(this.size / 2), SMALLEST_BATCH);
    return result;
  }
}

const Count = z.array(z.object({ n: z.coerce.number() }));
const Bound = z.array(z.object({ bound: z.string().nullable() }));
const Collided = z.array(z.object({ label: z.coerce.number(), anchor: z.string() }));

/**
 * The anchor of each component (link.ts anchorOf): its least value of the strongest identifier kind held, else its
 * least agency key. A function, as store.ts (whose column names it uses) imports this module.
 */
const anchorSql = () => `coalesce(${IDENTIFIER_KINDS.map((kind) => `'${kind}:' || min(nullif(${IDENTIFIER_COLUMNS[kind]}, '') COLLATE "C")`).join(', ')},
  'local:' || min((agency || ':' || key) COLLATE "C"))`;
/** link.ts gatewayIdFor, in SQL. */
const GATEWAY_ID = `'GW-' || upper(substr(encode(sha256(convert_to(anchor, 'UTF8')), 'hex'), 1, 12))`;

/**
 * Links every arrival at once, marks `loaded` (feeds read to their end) as loaded, and empties the arrivals, in one
 * transaction. False, doing nothing, when another gateway process is linking or someone has been linked already.
 */
export async function linkArrivals(database: Database, loaded: readonly string[]): Promise<boolean> {
  return database.transaction(async (tx) => {
    const [lock] = z.array(z.object({ held: z.boolean() })).parse(await tx.query('SELECT pg_try_advisory_xact_lock($1) AS held', [LINKING_LOCK]));
    if (!lock?.held || !(await unlinked(tx))) return false;
    await tx.exec('ANALYZE identity_arrivals');
    await spreadLabels(tx);
    const [last] = z.array(z.object({ seq: z.coerce.number().nullable() })).parse(await tx.query('SELECT max(seq) AS seq FROM identity_arrivals'));
    const top = last?.seq ?? 0;
    await tx.exec(
      'CREATE TEMPORARY TABLE identity_components (label bigint PRIMARY KEY, anchor text NOT NULL, gateway_id text NOT NULL UNIQUE) ON COMMIT DROP',
    );
    await bySeq(new Batch(), top, (from, to) => name(tx, from, to));
    // People in order of their first record's arrival: the earliest-created survives a later merge (store.ts).
    await bySeq(new Batch(), top, (from, to) =>
      tx.query(
        `WITH made AS (INSERT INTO identity_people (gateway_id) SELECT gateway_id FROM identity_components WHERE label > $1 AND label <= $2 ORDER BY label
           RETURNING gateway_id)
         INSERT INTO identity_links_history (change, gateway_id, reason)
         SELECT 'NEW', gateway_id, anchor FROM identity_components WHERE label > $1 AND label <= $2 ORDER BY label`,
        [from, to],
      ),
    );
    // A person's records in their order of arrival.
    await bySeq(new Batch(), top, (from, to) =>
      tx.query(
        `INSERT INTO identity_records (agency, key, gateway_id, given_name, family_name, date_of_birth, pnc, cro, noms_number, crn, given_key, family_key, initials, pass)
         SELECT a.agency, a.key, c.gateway_id, a.given_name, a.family_name, a.date_of_birth, a.pnc, a.cro, a.noms_number, a.crn, a.given_key, a.family_key, a.initials, a.pass
         FROM identity_arrivals a JOIN identity_components c ON c.label = a.label
         WHERE a.label > $1 AND a.label <= $2 AND c.label > $1 AND c.label <= $2 ORDER BY a.label, a.seq`,
        [from, to],
      ),
    );
    await tx.query('UPDATE identity_feeds SET error = NULL, refreshed_at = now(), loaded_at = coalesce(loaded_at, now()) WHERE agency = ANY($1::text[])', [
      [...loaded],
    ]);
    await tx.exec('TRUNCATE identity_arrivals');
    return true;
  });
}

/**
 * Runs `work` over (from, to] ranges of arrival seq (and so of labels) up to `top`, each as large as the batch says.
 * Every statement names its range on every table it reads, so that no plan can scan a whole table.
 */
async function bySeq(batch: Batch, top: number, work: (from: number, to: number) => Promise<unknown>): Promise<void> {
  for (let from = 0; from < top; ) {
    const to = await batch.run(async (size) => {
      const to = Math.min(from + size, top);
      await work(from, to);
      return to;
    });
    from = to;
  }
}

/**
 * Components by label propagation: each record's label falls to the least label of the records sharing any of its
 * identifier values, column by column, until a round moves none; then every record's label is the least seq of its
 * component. Components are a person's few records, so a few rounds do. Each statement covers a range of one
 * column's values, so it stays bounded however large the load.
 */
async function spreadLabels(tx: SqlClient): Promise<void> {
  // One batch size per column: their values are shared by groups of very different sizes.
  const batches = new Map(Object.values(IDENTIFIER_COLUMNS).map((column) => [column, new Batch()]));
  for (;;) {
    let moved = 0;
    for (const [column, batch] of batches) {
      // Values above '' are the non-empty ones: an empty identifier links nothing, as in link.ts.
      for (let after = ''; ; ) {
        const step = await batch.run(async (size) => {
          const [edge] = Bound.parse(
            await tx.query(`SELECT max(v) AS bound FROM (SELECT ${column} AS v FROM identity_arrivals WHERE ${column} > $1 ORDER BY ${column} LIMIT $2) s`, [
              after,
              size,
            ]),
          );
          if (!edge?.bound) return null;
          const [count] = Count.parse(
            await tx.query(
              `WITH low AS (SELECT ${column} AS v, min(label) AS label FROM identity_arrivals WHERE ${column} > $1 AND ${column} <= $2
                 GROUP BY ${column} HAVING min(label) < max(label)),
               moved AS (UPDATE identity_arrivals a SET label = low.label FROM low
                 WHERE a.${column} > $1 AND a.${column} <= $2 AND a.${column} = low.v AND a.label > low.label RETURNING 1)
               SELECT count(*) AS n FROM moved`,
              [after, edge.bound],
            ),
          );
          return { bound: edge.bound, moved: count?.n ?? 0 };
        });
        if (step === null) break;
        moved += step.moved;
        after = step.bound;
      }
    }
    if (moved === 0) return;
  }
}

/**
 * Names the components whose label is in (from, to]: the digest of the anchor, as link.ts names a new person. Two
 * anchors with one digest are one in 2^48; should it happen, the later component takes `anchor#2` (and so on), as a
 * new person does in store.ts when its id was given before.
 */
async function name(tx: SqlClient, from: number, to: number): Promise<void> {
  const collided = Collided.parse(
    await tx.query(
      `WITH named AS (SELECT label, anchor, ${GATEWAY_ID} AS gateway_id
         FROM (SELECT label, ${anchorSql()} AS anchor FROM identity_arrivals WHERE label > $1 AND label <= $2 GROUP BY label) c),
       made AS (INSERT INTO identity_components (label, anchor, gateway_id) SELECT label, anchor, gateway_id FROM named ORDER BY label
         ON CONFLICT (gateway_id) DO NOTHING RETURNING label)
       SELECT label, anchor FROM named WHERE label NOT IN (SELECT label FROM made) ORDER BY label`,
      [from, to],
    ),
  );
  for (const { label, anchor } of collided) {
    for (let n = 2; ; n++) {
      const made = await tx.query(
        'INSERT INTO identity_components (label, anchor, gateway_id) VALUES ($1, $2, $3) ON CONFLICT (gateway_id) DO NOTHING RETURNING label',
        [label, anchor, gatewayIdFor(`${anchor}#${n}`)],
      );
      if (made.length > 0) break;
    }
  }
}
