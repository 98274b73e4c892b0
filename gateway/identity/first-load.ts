/**
 * The first load over an empty index (docs/adr/0161). Until anyone has been linked no id has been given out, so
 * linking page by page (store.ts `link`) would only rename people again and again as their records arrive. Instead
 * each page's records are kept as *arrivals*, in the same transaction as the feed's cursor, and when the first
 * refresh ends they are linked at once with set-based SQL, in one transaction of bounded statements: a crash before
 * it commits leaves the arrivals and cursors as they were, and the next start reads on and links them then.
 * The result is the one page-by-page linking gave: records sharing an identifier are one person, named
 * `gatewayIdFor(anchorOf(records))` (link.ts); records keep their order of first arrival, people that of their first
 * record. Each record's label starts as the anchor it would have alone and falls to its component's anchor, so
 * naming a person needs no grouping of its records.
 */
import { performance } from 'node:perf_hooks';
import { z } from 'zod';
import type { IdentityRecord } from '../../adapters/kit/contract.js';
import { IDENTIFIER_KINDS } from '../../schema/identifiers.js';
import type { LedgerStore as Database, SqlClient } from '../ledger/store.js';
import { gatewayIdFor } from './link.js';
import { IDENTIFIER_COLUMNS, nameKeys } from './store.js';
import { countRecords, EVERY_RECORD, MaxSeq } from './value-counts.js';

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
  await tx.query(
    `INSERT INTO identity_arrivals (agency, key, seq, label, given_name, family_name, date_of_birth, pnc, cro, noms_number, crn, given_key, family_key, initials, pass)
     SELECT $1, key, nextval('identity_arrivals_seq'), label, given_name, family_name, date_of_birth, pnc, cro, noms_number, crn, given_key, family_key, initials, $14
     FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[])
       AS u(key, label, given_name, family_name, date_of_birth, pnc, cro, noms_number, crn, given_key, family_key, initials)
     ON CONFLICT (agency, key) DO UPDATE SET label = excluded.label, given_name = excluded.given_name, family_name = excluded.family_name,
       date_of_birth = excluded.date_of_birth, pnc = excluded.pnc, cro = excluded.cro, noms_number = excluded.noms_number, crn = excluded.crn,
       given_key = excluded.given_key, family_key = excluded.family_key, initials = excluded.initials, pass = excluded.pass`,
    [
      agency,
      held.map((record) => record.key),
      held.map(ownLabel),
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

/** The anchor `record` would have alone (link.ts anchorOf), after the rank of its kind: a component's least label is its anchor. */
function ownLabel(record: IdentityRecord): string {
  const rank = IDENTIFIER_KINDS.findIndex((kind) => record.identifiers[kind]);
  const kind = IDENTIFIER_KINDS[rank];
  return kind === undefined ? `${IDENTIFIER_KINDS.length}local:${record.agency}:${record.key}` : `${rank}${kind}:${record.identifiers[kind]}`;
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

export class Batch {
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
const Collided = z.array(z.object({ label: z.string() }));

/** link.ts gatewayIdFor of a label's anchor, in SQL. */
const gatewayIdOf = (label: string) => `'GW-' || upper(substr(encode(sha256(convert_to(substr(${label}, 2), 'UTF8')), 'hex'), 1, 12))`;

/**
 * Links every arrival at once, marks `loaded` (feeds read to their end) as loaded, and empties the arrivals, in one
 * transaction. False, doing nothing, when another gateway process is linking or someone has been linked already.
 */
export async function linkArrivals(database: Database, loaded: readonly string[]): Promise<boolean> {
  return database.transaction(async (tx) => {
    const [lock] = z.array(z.object({ held: z.boolean() })).parse(await tx.query('SELECT pg_try_advisory_xact_lock($1) AS held', [LINKING_LOCK]));
    if (!lock?.held || !(await unlinked(tx))) return false;
    // The people and the history look empty to the planner here, and its guesses for the moves passed the JIT
    // threshold: compiling their plans took nine tenths of the linking (docs/adr/0165). PGlite has no JIT.
    await tx.exec('SET LOCAL jit = off');
    // A range at the edge of a column's histogram is estimated at one row, and the planner then joined it to itself in
    // a nested loop, reading the range once for each of its rows: 60 s for a statement at 1,000,000 people. Every
    // join here is of two ranges, which hash and merge joins read once.
    await tx.exec('SET LOCAL enable_nestloop = off');
    await tx.exec('ANALYZE identity_arrivals');
    // Counted once at the end: the triggers would rewrite the same name counts at every batch (docs/adr/0168).
    await tx.query('UPDATE identity_counting SET upto = $1', [EVERY_RECORD]);
    await spreadLabels(tx);
    const [last] = MaxSeq.parse(await tx.query('SELECT max(seq) AS seq FROM identity_arrivals'));
    // Components whose anchor's digest another component took first (one in 2^48): store.ts names them `anchor#2`, …
    await tx.exec('CREATE TEMPORARY TABLE identity_renamed (label text COLLATE "C" PRIMARY KEY, gateway_id text NOT NULL) ON COMMIT DROP');
    const batch = new Batch();
    for (let from = 0, top = last?.seq ?? 0; from < top; ) {
      from = await batch.run(async (size) => {
        const to = Math.min(from + size, top);
        await move(tx, from, to);
        return to;
      });
    }
    await countRecords(tx, Number.MAX_SAFE_INTEGER);
    await tx.query('UPDATE identity_feeds SET error = NULL, refreshed_at = now(), loaded_at = coalesce(loaded_at, now()) WHERE agency = ANY($1::text[])', [
      [...loaded],
    ]);
    await tx.exec('TRUNCATE identity_arrivals');
    return true;
  });
}

/**
 * Components by label propagation: each record's label falls to the least label, and its `first` to the least seq
 * (`coalesce(first, seq)`), of the records sharing any of its identifier values, a pass over one identifier column at
 * a time, until every column has been passed without a move since the last pass that moved any; then every record's
 * label is its component's anchor, and `first` is null only on its component's first record (the planner, whose
 * statistics saw it null everywhere, expects as much: see move). The passes go to and fro over the columns (pnc, cro,
 * noms_number, crn, noms_number, cro, pnc, …), so a value crosses a chain of links in either order of their kinds in
 * one sweep. Components are a person's few records, so a few sweeps do. Each statement covers a range of one column's
 * values, on both sides of its join, so it stays bounded however large the load.
 */
async function spreadLabels(tx: SqlClient): Promise<void> {
  const columns = Object.values(IDENTIFIER_COLUMNS);
  // One batch size per column: their values are shared by groups of very different sizes.
  const batches = new Map(columns.map((column) => [column, new Batch()]));
  // Columns passed without a move since the last pass that moved any (whose own groups that pass left even).
  const settled = new Set<string>();
  for (let at = 0, step = 1; settled.size < columns.length; ) {
    const column = columns[at] as string;
    const moved = await spread(tx, column, batches.get(column) as Batch);
    if (moved > 0) settled.clear();
    settled.add(column);
    if (columns[at + step] === undefined) step = -step;
    at += step;
  }
}

/** One pass of label propagation over `column`'s values; how many records it moved. */
async function spread(tx: SqlClient, column: string, batch: Batch): Promise<number> {
  let moved = 0;
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
          `WITH low AS (SELECT ${column} AS v, min(label) AS label, min(coalesce(first, seq)) AS first FROM identity_arrivals
             WHERE ${column} > $1 AND ${column} <= $2
             GROUP BY ${column} HAVING min(label) < max(label) OR min(coalesce(first, seq)) < max(coalesce(first, seq))),
           moved AS (UPDATE identity_arrivals a SET label = low.label,
               first = CASE WHEN coalesce(a.first, a.seq) > low.first THEN low.first ELSE a.first END FROM low
             WHERE a.${column} > $1 AND a.${column} <= $2 AND a.${column} = low.v AND (a.label > low.label OR coalesce(a.first, a.seq) > low.first)
             RETURNING 1)
           SELECT count(*) AS n FROM moved`,
          [after, edge.bound],
        ),
      );
      return { bound: edge.bound, moved: count?.n ?? 0 };
    });
    if (step === null) return moved;
    moved += step.moved;
    after = step.bound;
  }
}

/**
 * Moves the arrivals with seq in (from, to] into the index: a person for each component whose first record is among
 * them, in that order, with its NEW history; then the records, in order of arrival. A component met first here whose
 * digest is taken already, by a component met earlier in this batch or before it, is renamed (one in 2^48).
 */
async function move(tx: SqlClient, from: number, to: number): Promise<void> {
  const collided = Collided.parse(
    await tx.query(
      `WITH firsts AS (SELECT seq, label, ${gatewayIdOf('label')} AS gateway_id FROM identity_arrivals
         WHERE seq > $1 AND seq <= $2 AND first IS NULL),
       -- nth > 1: another component of this batch, met earlier, has the same digest.
       named AS (SELECT *, row_number() OVER (PARTITION BY gateway_id ORDER BY seq) AS nth FROM firsts),
       made AS (INSERT INTO identity_people (gateway_id) SELECT gateway_id FROM named WHERE nth = 1 ORDER BY seq ON CONFLICT DO NOTHING RETURNING gateway_id),
       told AS (INSERT INTO identity_links_history (change, gateway_id, reason)
         SELECT 'NEW', n.gateway_id, substr(n.label, 2) FROM named n JOIN made USING (gateway_id) WHERE n.nth = 1 ORDER BY n.seq)
       SELECT n.label FROM named n WHERE n.nth > 1 OR n.gateway_id NOT IN (SELECT gateway_id FROM made) ORDER BY n.seq`,
      [from, to],
    ),
  );
  for (const { label } of collided) {
    const anchor = label.slice(1);
    for (let n = 2; ; n++) {
      const id = gatewayIdFor(`${anchor}#${n}`);
      if ((await tx.query('INSERT INTO identity_people (gateway_id) VALUES ($1) ON CONFLICT DO NOTHING RETURNING gateway_id', [id])).length === 0) continue;
      await tx.query(`INSERT INTO identity_links_history (change, gateway_id, reason) VALUES ('NEW', $1, $2)`, [id, anchor]);
      await tx.query('INSERT INTO identity_renamed (label, gateway_id) VALUES ($1, $2)', [label, id]);
      break;
    }
  }
  await tx.query(
    `INSERT INTO identity_records (agency, key, gateway_id, given_name, family_name, date_of_birth, pnc, cro, noms_number, crn, given_key, family_key, initials, pass)
     SELECT agency, key, coalesce((SELECT r.gateway_id FROM identity_renamed r WHERE r.label = a.label), ${gatewayIdOf('a.label')}),
       given_name, family_name, date_of_birth, pnc, cro, noms_number, crn, given_key, family_key, initials, pass
     FROM identity_arrivals a WHERE seq > $1 AND seq <= $2 ORDER BY seq`,
    [from, to],
  );
}
