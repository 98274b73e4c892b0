/**
 * The identity index in the gateway's database (docs/adr/0150): agency identity records, the people they are linked
 * into, every link change, and each agency feed's durable cursor. A page of an agency's change feed is linked and
 * applied in one transaction together with the cursor after it, so a crash never skips or repeats a change.
 * Linking is by shared partnership identifier only, as link.ts says; what is new is that a gateway id, once given,
 * is kept for life: a merge keeps the earliest-created person's id and records the others as merged into it; a split
 * keeps the id with the part holding the person's earliest record and gives the rest new ids.
 */
import { z } from 'zod';
import type { IdentityChange, IdentityRecord } from '../../adapters/kit/contract.js';
import { IDENTIFIER_KINDS, type IdentifierKind } from '../../schema/identifiers.js';
import { migrate } from '../database/migrate.js';
import { SharedReads } from '../database/shared-reads.js';
import type { LedgerStore as Database, SqlClient } from '../ledger/store.js';
import { keep, LINKING_LOCK, linkArrivals, sweepKept, unlinked } from './first-load.js';
import { anchorOf, gatewayIdFor, type LinkedPerson, Links, personOf } from './link.js';
import { nameTokens } from './match.js';
import { countEarlierRecords } from './value-counts.js';

/** The identity index's migrations (gateway/database/migrate.ts). */
export const IDENTITY_MIGRATIONS = { directory: new URL('./migrations/', import.meta.url), table: 'identity_migrations', lock: 7_311_040 };

/** The column holding each identifier kind. */
export const IDENTIFIER_COLUMNS: Record<IdentifierKind, string> = { pnc: 'pnc', cro: 'cro', nomsNumber: 'noms_number', crn: 'crn' };

/** Changes linked per round of queries. */
const LINK_SLICE = 1_000;

const RecordRow = z.object({
  agency: z.string(),
  key: z.string(),
  seq: z.coerce.number(),
  gateway_id: z.string(),
  given_name: z.string(),
  family_name: z.string(),
  date_of_birth: z.string(),
  pnc: z.string().nullable(),
  cro: z.string().nullable(),
  noms_number: z.string().nullable(),
  crn: z.string().nullable(),
  pass: z.coerce.number(),
});
type RecordRow = z.infer<typeof RecordRow>;
const RecordRows = z.array(RecordRow);

export const RECORD_COLUMNS = 'agency, key, seq, gateway_id, given_name, family_name, date_of_birth, pnc, cro, noms_number, crn, pass';
/** A record with the gateway id it was asked for by (itself, or an id merged into it). */
const AskedRows = z.array(RecordRow.extend({ asked: z.string() }));
/** The people asked for by gateway id, merges followed, with each record. */
const PEOPLE_BY_ID = `SELECT p.gateway_id AS asked, ${RECORD_COLUMNS.split(', ')
  .map((column) => `r.${column}`)
  .join(', ')}
  FROM identity_people p JOIN identity_records r ON r.gateway_id = coalesce(p.merged_into, p.gateway_id)
 WHERE p.gateway_id = ANY($1::text[])`;

const FeedRow = z.object({
  agency: z.string(),
  cursor: z.string().nullable(),
  loaded_at: z.coerce.date().nullable(),
  refreshed_at: z.coerce.date().nullable(),
  error: z.string().nullable(),
  pass: z.coerce.number(),
  sweeping: z.boolean(),
});
export type FeedRow = z.infer<typeof FeedRow>;

function recordOf(row: RecordRow): IdentityRecord {
  const identifiers: IdentityRecord['identifiers'] = {};
  for (const kind of IDENTIFIER_KINDS) {
    const value = row[IDENTIFIER_COLUMNS[kind] as 'pnc' | 'cro' | 'noms_number' | 'crn'];
    if (value !== null) identifiers[kind] = value;
  }
  return { agency: row.agency, key: row.key, identifiers, givenName: row.given_name, familyName: row.family_name, dateOfBirth: row.date_of_birth };
}

/** The name keys search and match weights use: the first given-name token, the family-name tokens, the sorted initials. */
export function nameKeys(givenName: string, familyName: string): { given: string; family: string; initials: string } {
  const given = nameTokens(givenName);
  const family = nameTokens(familyName);
  return { given: given.slice(0, 1).join(' '), family: family.join(' '), initials: initialsOf([...given, ...family]) };
}

/** A name's tokens' first letters, sorted: every spelling variant match.ts accepts keeps them (similarToken). */
export function initialsOf(tokens: readonly string[]): string {
  return tokens
    .map((token) => token[0] ?? '')
    .sort()
    .join('');
}

/** A record in the working set of one page: as stored (seq, person) or newly arrived (seq null). */
interface Held {
  record: IdentityRecord;
  seq: number | null;
  /** The person it belonged to before this page; null for a new record. */
  was: string | null;
  pass: number;
  changed: boolean;
}

interface Person {
  id: string;
  seq: number;
}

const PersonRows = z.array(z.object({ gateway_id: z.string(), seq: z.coerce.number() }));

/** What became of a page: linked, kept for the first load's linking (first-load.ts), or not applied (another process did). */
export type Applied = 'linked' | 'kept' | false;

export class IdentityStore {
  private readonly identifierReads = new Map<IdentifierKind, SharedReads<LinkedPerson>>();
  /** People by gateway id, asked for by every request at once: one statement follows merges and reads the records. */
  private readonly idReads = new SharedReads<LinkedPerson>(async (ids) => {
    const rows = AskedRows.parse(await this.database.query(PEOPLE_BY_ID, [ids]));
    // Each survivor's records once, however many of the ids asked name it (a record, agency and key, is one person's).
    const named = new Map<string, string>();
    const records = new Set<string>();
    const own = rows.filter((row) => {
      named.set(row.asked, row.gateway_id);
      const record = `${row.agency}\u0000${row.key}`;
      if (records.has(record)) return false;
      records.add(record);
      return true;
    });
    const people = new Map(this.group(own).map((person) => [person.id, person]));
    const found = new Map<string, LinkedPerson>();
    for (const [asked, survivor] of named) {
      const person = people.get(survivor);
      if (person) found.set(asked, person);
    }
    return found;
  });

  private constructor(
    readonly database: Database,
    /** Agencies in registry order: a person's records, and so the precedence of conflicting identifiers, follow it. */
    private readonly agencyOrder: readonly string[],
  ) {}

  static async open(database: Database, agencyOrder: readonly string[]): Promise<IdentityStore> {
    await migrate(database, IDENTITY_MIGRATIONS);
    await countEarlierRecords(database);
    await database.query('INSERT INTO identity_feeds (agency) SELECT unnest($1::text[]) ON CONFLICT (agency) DO NOTHING', [[...agencyOrder]]);
    return new IdentityStore(database, agencyOrder);
  }

  async feeds(): Promise<FeedRow[]> {
    return z.array(FeedRow).parse(await this.database.query('SELECT * FROM identity_feeds ORDER BY agency'));
  }

  async recordFailure(agency: string, error: string): Promise<void> {
    await this.database.query('UPDATE identity_feeds SET error = $2 WHERE agency = $1', [agency, error]);
  }

  /** The feed no longer serves its cursor: read it again from the start, and at that pass's end remove what it did not give. */
  async restart(agency: string): Promise<void> {
    await this.database.query('UPDATE identity_feeds SET cursor = NULL, pass = pass + 1, sweeping = true WHERE agency = $1', [agency]);
  }

  /**
   * The first load's linking: every record kept so far linked at once, and the feeds read to their end (`loaded`)
   * marked loaded. False if another gateway process is linking them, or has.
   */
  linkArrivals(loaded: readonly string[]): Promise<boolean> {
    return linkArrivals(this.database, loaded);
  }

  /**
   * Statistics for the planner after a large load: without them it scans every record to find a day's births
   * (measured: 200 ms instead of 1 ms at 270,000 records). PGlite has no autovacuum to gather them.
   */
  async analyze(): Promise<void> {
    await this.database.exec('ANALYZE identity_records; ANALYZE identity_people');
  }

  /**
   * Links one page of `agency`'s feed read after `after` and moves its cursor, in one transaction; while nobody has been
   * linked yet, keeps it for the first load's linking instead. Returns false, applying nothing, when the stored cursor
   * is no longer `after` (another gateway process applied that page first).
   */
  async apply(agency: string, after: string | null, page: { changes: readonly IdentityChange[]; cursor: string; more: boolean }): Promise<Applied> {
    const applied = await this.database.transaction(async (tx): Promise<Applied> => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [LINKING_LOCK]);
      const [feed] = z.array(FeedRow).parse(await tx.query('SELECT * FROM identity_feeds WHERE agency = $1', [agency]));
      if (feed === undefined || feed.cursor !== after) return false;
      const latest = new Map<string, IdentityRecord | null>();
      for (const { key, record } of page.changes) latest.set(key, record === null ? null : { ...record, agency, key });
      const kept = await unlinked(tx);
      if (kept) await keep(tx, agency, latest, feed.pass);
      else {
        // A long page is linked a slice at a time, so no one statement grows with it.
        const entries = [...latest];
        for (let at = 0; at < entries.length; at += LINK_SLICE) await link(tx, agency, new Map(entries.slice(at, at + LINK_SLICE)), feed.pass);
      }
      // A kept feed is loaded only once its records are linked.
      const loaded = !page.more && !kept;
      await tx.query(
        `UPDATE identity_feeds SET cursor = $2, error = NULL, refreshed_at = CASE WHEN $3 THEN now() ELSE refreshed_at END,
         loaded_at = CASE WHEN $3 THEN coalesce(loaded_at, now()) ELSE loaded_at END WHERE agency = $1`,
        [agency, page.cursor, loaded],
      );
      return kept ? 'kept' : 'linked';
    });
    if (applied && !page.more) await this.sweep(agency);
    return applied;
  }

  /** After a restarted feed's re-read: removes, a bounded batch per transaction, the agency's records that re-read did not give. */
  private async sweep(agency: string): Promise<void> {
    for (;;) {
      const done = await this.database.transaction(async (tx) => {
        await tx.query('SELECT pg_advisory_xact_lock($1)', [LINKING_LOCK]);
        const [feed] = z.array(FeedRow).parse(await tx.query('SELECT * FROM identity_feeds WHERE agency = $1', [agency]));
        if (!feed?.sweeping) return true;
        if ((await unlinked(tx)) && (await sweepKept(tx, agency, feed.pass))) return false;
        const stale = z
          .array(z.object({ key: z.string() }))
          .parse(await tx.query('SELECT key FROM identity_records WHERE agency = $1 AND pass < $2 LIMIT $3', [agency, feed.pass, LINK_SLICE]));
        if (stale.length === 0) {
          await tx.query('UPDATE identity_feeds SET sweeping = false WHERE agency = $1', [agency]);
          return true;
        }
        await link(tx, agency, new Map(stale.map(({ key }) => [key, null])), feed.pass);
        return false;
      });
      if (done) return;
    }
  }

  /**
   * The person an identifier names, asked for by every request at once: one shared read per identifier kind, so
   * the person found is shared between requests (never change one).
   */
  personWith(kind: IdentifierKind, value: string): Promise<LinkedPerson | undefined> {
    let reads = this.identifierReads.get(kind);
    if (!reads) {
      const column = IDENTIFIER_COLUMNS[kind];
      reads = new SharedReads(async (values) => {
        const found = new Map<string, LinkedPerson>();
        for (const person of await this.people(`SELECT gateway_id FROM identity_records WHERE ${column} = ANY($1::text[])`, [values])) {
          for (const record of person.records) {
            const held = record.identifiers[kind];
            if (held !== undefined && !found.has(held)) found.set(held, person);
          }
        }
        return found;
      });
      this.identifierReads.set(kind, reads);
    }
    return reads.load(value);
  }

  /**
   * The people these gateway ids name now (an id merged away answers as its survivor), by the id asked: read with
   * every other request's, so a person found is shared between requests (never change one).
   */
  peopleByIds(ids: readonly string[]): Promise<Map<string, LinkedPerson>> {
    return this.idReads.loadMany(ids);
  }

  /** The people with the gateway ids `sql` selects, records in precedence order. */
  async people(sql: string, params: readonly unknown[]): Promise<LinkedPerson[]> {
    return this.group(RecordRows.parse(await this.database.query(`SELECT ${RECORD_COLUMNS} FROM identity_records WHERE gateway_id IN (${sql})`, params)));
  }

  /** Records grouped into people, each person's records in precedence order. */
  private group(rows: RecordRow[]): LinkedPerson[] {
    const rank = (agency: string) => {
      const at = this.agencyOrder.indexOf(agency);
      return at < 0 ? this.agencyOrder.length : at;
    };
    rows.sort((a, b) => rank(a.agency) - rank(b.agency) || a.seq - b.seq);
    const groups = new Map<string, IdentityRecord[]>();
    for (const row of rows) {
      const group = groups.get(row.gateway_id);
      if (group) group.push(recordOf(row));
      else groups.set(row.gateway_id, [recordOf(row)]);
    }
    return [...groups].map(([id, records]) => personOf(id, records));
  }
}

/**
 * Links a page's latest changes for `agency` (null: no longer held). The people they touch (the records' old people
 * and everyone sharing an identifier with a new version) are closed under linking, so relinking just their records
 * in memory gives the right components; ids are then kept, merged or split as the module comment says.
 */
async function link(tx: SqlClient, agency: string, latest: ReadonlyMap<string, IdentityRecord | null>, pass: number): Promise<void> {
  const keys = [...latest.keys()];
  const values = (kind: IdentifierKind) => [...latest.values()].flatMap((record) => (record?.identifiers[kind] ? [record.identifiers[kind]] : []));
  const touched = z
    .array(z.object({ gateway_id: z.string() }))
    .parse(
      await tx.query(
        `SELECT DISTINCT gateway_id FROM identity_records WHERE (agency = $1 AND key = ANY($2::text[]))
         OR pnc = ANY($3::text[]) OR cro = ANY($4::text[]) OR noms_number = ANY($5::text[]) OR crn = ANY($6::text[])`,
        [agency, keys, ...IDENTIFIER_KINDS.map(values)],
      ),
    )
    .map((row) => row.gateway_id);
  const rows = RecordRows.parse(await tx.query(`SELECT ${RECORD_COLUMNS} FROM identity_records WHERE gateway_id = ANY($1::text[]) ORDER BY seq`, [touched]));
  const people = new Map<string, Person>(
    PersonRows.parse(await tx.query('SELECT gateway_id, seq FROM identity_people WHERE gateway_id = ANY($1::text[])', [touched])).map((row) => [
      row.gateway_id,
      { id: row.gateway_id, seq: row.seq },
    ]),
  );

  const held = new Map<string, Held>();
  const slot = (record: Pick<IdentityRecord, 'agency' | 'key'>) => `${record.agency}\u0000${record.key}`;
  for (const row of rows) held.set(slot(row), { record: recordOf(row), seq: row.seq, was: row.gateway_id, pass: row.pass, changed: false });
  const removed: string[] = [];
  for (const [key, record] of latest) {
    const before = held.get(slot({ agency, key }));
    if (record === null) {
      if (before) removed.push(key);
      held.delete(slot({ agency, key }));
    } else held.set(slot(record), { record, seq: before?.seq ?? null, was: before?.was ?? null, pass, changed: true });
  }

  const members = [...held.values()];
  const links = new Links(members.length);
  const firstHolder = new Map<string, number>();
  members.forEach(({ record }, i) => {
    for (const kind of IDENTIFIER_KINDS) {
      const value = record.identifiers[kind];
      if (!value) continue;
      const holder = firstHolder.get(`${kind}:${value}`);
      if (holder === undefined) firstHolder.set(`${kind}:${value}`, i);
      else links.union(holder, i);
    }
  });
  const components = new Map<number, Held[]>();
  const componentOf = new Map<Held, Held[]>();
  members.forEach((member, i) => {
    const root = links.find(i);
    const component = components.get(root) ?? [];
    component.push(member);
    components.set(root, component);
    componentOf.set(member, component);
  });

  // Each old person claims the component holding its earliest remaining record.
  const earliest = new Map<string, Held>();
  for (const member of members) {
    if (member.was === null) continue;
    const first = earliest.get(member.was);
    if (first === undefined || (member.seq ?? Infinity) < (first.seq ?? Infinity)) earliest.set(member.was, member);
  }
  const claims = new Map<Held[], Person[]>();
  for (const [id, member] of earliest) {
    const person = people.get(id);
    const component = componentOf.get(member);
    if (person && component) claims.set(component, [...(claims.get(component) ?? []), person]);
  }

  const history: { change: 'NEW' | 'MERGE' | 'SPLIT'; id: string; other: string | null; reason: string }[] = [];
  const merged: { into: string; ids: string[] }[] = [];
  const final = new Map<Held[], string>();
  /** Components that need a new id, named by their anchor. */
  const unnamed: { component: Held[]; anchor: string; splitFrom: string | null }[] = [];
  const changedKeys = (component: Held[]) =>
    component
      .filter((m) => m.changed)
      .map((m) => `${m.record.agency}:${m.record.key}`)
      .join(', ');

  for (const component of components.values()) {
    const claimants = (claims.get(component) ?? []).sort((a, b) => a.seq - b.seq);
    if (claimants.length > 0) {
      const [survivor, ...others] = claimants as [Person, ...Person[]];
      final.set(component, survivor.id);
      if (others.length > 0) {
        merged.push({ into: survivor.id, ids: others.map((p) => p.id) });
        const shared = sharedTokens(component, claimants);
        for (const other of others) history.push({ change: 'MERGE', id: survivor.id, other: other.id, reason: `${shared} (${changedKeys(component)})` });
      }
    } else {
      const from = component.find((m) => m.was !== null)?.was ?? null;
      unnamed.push({ component, anchor: anchorOf(component.map((m) => m.record)), splitFrom: from !== null && people.has(from) ? from : null });
    }
  }

  // New ids: the anchor's digest, unless some person (even a merged-away one) has it already.
  const wanted = unnamed.map(({ anchor }) => gatewayIdFor(anchor));
  const existing = new Set(
    z
      .array(z.object({ gateway_id: z.string() }))
      .parse(await tx.query('SELECT gateway_id FROM identity_people WHERE gateway_id = ANY($1::text[])', [wanted]))
      .map((row) => row.gateway_id),
  );
  const created: string[] = [];
  for (const [i, { component, anchor, splitFrom }] of unnamed.entries()) {
    let id = wanted[i] as string;
    for (let n = 2; existing.has(id) || created.includes(id); n++) {
      id = gatewayIdFor(`${anchor}#${n}`);
      if ((await tx.query('SELECT 1 FROM identity_people WHERE gateway_id = $1', [id])).length > 0) existing.add(id);
    }
    created.push(id);
    if (splitFrom !== null) history.push({ change: 'SPLIT', id: splitFrom, other: id, reason: changedKeys(component) || 'records removed' });
    else history.push({ change: 'NEW', id, other: null, reason: anchor });
    final.set(component, id);
  }

  if (created.length > 0) await tx.query('INSERT INTO identity_people (gateway_id) SELECT unnest($1::text[])', [created]);
  if (removed.length > 0) await tx.query('DELETE FROM identity_records WHERE agency = $1 AND key = ANY($2::text[])', [agency, removed]);
  const writes = [...final]
    .flatMap(([component, id]) => component.map((member) => [member, id] as const))
    .filter(([member, id]) => member.changed || member.was !== id)
    .sort(([a], [b]) => (a.seq ?? Infinity) - (b.seq ?? Infinity));
  if (writes.length > 0) {
    const column = <T>(pick: (member: Held, id: string) => T) => writes.map(([member, id]) => pick(member, id));
    const names = writes.map(([{ record }]) => nameKeys(record.givenName, record.familyName));
    await tx.query(
      `INSERT INTO identity_records (agency, key, gateway_id, given_name, family_name, date_of_birth, pnc, cro, noms_number, crn, given_key, family_key, initials, pass)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[],
         $11::text[], $12::text[], $13::text[], $14::integer[])
       ON CONFLICT (agency, key) DO UPDATE SET gateway_id = excluded.gateway_id, given_name = excluded.given_name, family_name = excluded.family_name,
         date_of_birth = excluded.date_of_birth, pnc = excluded.pnc, cro = excluded.cro, noms_number = excluded.noms_number, crn = excluded.crn,
         given_key = excluded.given_key, family_key = excluded.family_key, initials = excluded.initials, pass = excluded.pass`,
      [
        column((m) => m.record.agency),
        column((m) => m.record.key),
        column((_, id) => id),
        column((m) => m.record.givenName),
        column((m) => m.record.familyName),
        column((m) => m.record.dateOfBirth),
        ...IDENTIFIER_KINDS.map((kind) => column((m) => m.record.identifiers[kind] ?? null)),
        names.map((n) => n.given),
        names.map((n) => n.family),
        names.map((n) => n.initials),
        column((m) => m.pass),
      ],
    );
  }
  for (const { into, ids } of merged) {
    // One hop for life: whatever named a merged-away id now names the survivor too.
    await tx.query('UPDATE identity_people SET merged_into = $1 WHERE gateway_id = ANY($2::text[]) OR merged_into = ANY($2::text[])', [into, ids]);
  }
  if (history.length > 0) {
    await tx.query(
      'INSERT INTO identity_links_history (change, gateway_id, other_id, reason) SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[])',
      [history.map((h) => h.change), history.map((h) => h.id), history.map((h) => h.other), history.map((h) => h.reason)],
    );
  }
}

/** The identifiers that joined several people into one: held by records of more than one of them, or by a changed record. */
function sharedTokens(component: readonly Held[], claimants: readonly Person[]): string {
  const holders = new Map<string, Set<string>>();
  for (const member of component) {
    for (const kind of IDENTIFIER_KINDS) {
      const value = member.record.identifiers[kind];
      if (!value) continue;
      const token = `${kind}:${value}`;
      const set = holders.get(token) ?? new Set<string>();
      set.add(member.changed ? 'changed' : (member.was ?? 'new'));
      holders.set(token, set);
    }
  }
  const ids = new Set(claimants.map((p) => p.id));
  return (
    [...holders]
      .filter(([, set]) => set.size > 1 && [...set].some((holder) => ids.has(holder) || holder === 'changed'))
      .map(([token]) => token)
      .join(', ') || 'shared identifier'
  );
}
