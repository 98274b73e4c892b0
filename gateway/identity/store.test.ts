import { beforeEach, expect, it } from 'vitest';
import { type IdentityChangePage, IdentityFeedRestartedError, type IdentityRecord } from '../../adapters/kit/contract.js';
import { mintCro, mintPnc } from '../../schema/identifiers.js';
import { migrate } from '../database/migrate.js';
import type { LedgerStore } from '../ledger/store.js';
import { describeOnBackends, useDatabase } from '../ledger/test-backends.js';
import { IdentityDirectory } from './directory.js';
import { forgetIdentities } from './fixtures.js';
import { SEARCH_POOL_LIMIT } from './index-of-people.js';
import { gatewayIdFor } from './link.js';
import { IDENTITY_MIGRATIONS } from './store.js';

const pncA = mintPnc(2015, 12345);
const pncB = mintPnc(2016, 777);

const record = (agency: string, key: string, identifiers: IdentityRecord['identifiers'], name = ['Jonathan', 'Smith']): IdentityRecord => ({
  agency,
  key,
  identifiers,
  givenName: name[0] as string,
  familyName: name[1] as string,
  dateOfBirth: '1990-04-23',
});

/**
 * An agency's change feed as the contract describes it: a log of changes served two a page after a cursor
 * `<epoch>:<position>`; from the start, every record held once. Restarting it (a new epoch) refuses old cursors.
 */
class FakeFeed {
  private log: { key: string; record: IdentityRecord | null }[] = [];
  private epoch = 1;
  /** The `after` of every read, in order. */
  readonly reads: (string | null)[] = [];
  failing = false;
  /** How many changes a page holds. */
  pageSize = 2;
  /** Answers this many reads, then fails every one after (an agency going down part-way through its feed). */
  failAfterReads: number | null = null;
  /** A broken agency: refuses every cursor (`restarting`), or says there is more while giving the same cursor (`stuck`). */
  broken: 'restarting' | 'stuck' | null = null;

  constructor(readonly agency: string) {}

  hold(record: IdentityRecord): void {
    this.log.push({ key: record.key, record });
  }

  drop(key: string): void {
    this.log.push({ key, record: null });
  }

  /** The agency rebuilds its feed, having lost `lost` without a word: only what it holds now, old cursors no longer served. */
  restart(lost: readonly string[] = []): void {
    const held = new Map(this.log.map((entry) => [entry.key, entry]));
    this.log = [...held.values()].filter((entry) => entry.record !== null && !lost.includes(entry.key));
    this.epoch += 1;
  }

  async identityChanges(after: string | null): Promise<IdentityChangePage> {
    this.reads.push(after);
    if (this.failing || (this.failAfterReads !== null && this.reads.length > this.failAfterReads)) throw new Error(`${this.agency}: no answer within 800 ms`);
    if (this.broken === 'restarting') throw new IdentityFeedRestartedError(this.agency);
    if (this.broken === 'stuck') return { changes: [], cursor: 'same', more: true };
    let from = 0;
    if (after !== null) {
      const [epoch, position] = after.split(':').map(Number);
      if (epoch !== this.epoch) throw new IdentityFeedRestartedError(this.agency);
      from = position as number;
    }
    const changes = this.log.slice(from, from + this.pageSize);
    const to = from + changes.length;
    return { changes, cursor: `${this.epoch}:${to}`, more: to < this.log.length };
  }
}

async function history(database: LedgerStore): Promise<{ change: string; gateway_id: string; other_id: string | null }[]> {
  return (await database.query('SELECT change, gateway_id, other_id FROM identity_links_history WHERE change <> $1 ORDER BY seq', ['NEW'])) as {
    change: string;
    gateway_id: string;
    other_id: string | null;
  }[];
}

/** Every person as `id: agency:key, ...`, and every link change. */
async function everyone(database: LedgerStore): Promise<{ people: string[]; history: string[] }> {
  const people = (await database.query(
    `SELECT gateway_id || ': ' || string_agg(agency || ':' || key, ', ' ORDER BY agency, key) AS person FROM identity_records GROUP BY gateway_id ORDER BY gateway_id`,
  )) as { person: string }[];
  const history = (await database.query(
    `SELECT change || ' ' || gateway_id || ' ' || coalesce(other_id, '-') || ' ' || reason AS line FROM identity_links_history ORDER BY gateway_id, seq`,
  )) as { line: string }[];
  return { people: people.map((row) => row.person), history: history.map((row) => row.line) };
}

describeOnBackends('the persistent identity index', (backend) => {
  const database = useDatabase(backend);
  let police: FakeFeed;
  let probation: FakeFeed;
  let prison: FakeFeed;
  /** Every feed, in the order they were made (the registry's order here). */
  let feeds: FakeFeed[] = [];
  const feed = (agency: string) => {
    const made = new FakeFeed(agency);
    feeds.push(made);
    return made;
  };
  const open = () =>
    IdentityDirectory.open(
      database().admin,
      feeds.map((made) => ({ agency: made.agency, adapter: made })),
    );

  beforeEach(async () => {
    await forgetIdentities(database().admin);
    feeds = [];
    police = feed('police');
    probation = feed('probation');
    prison = feed('prison');
  });

  it('reads each feed from its cursor, and picks up a change without reading the feed again', async () => {
    for (let n = 1; n <= 5; n++) police.hold(record('police', mintPnc(2010, n), { pnc: mintPnc(2010, n) }, ['Person', `Number${n}`]));
    const directory = await open();
    await directory.refresh();
    expect(police.reads).toEqual([null, '1:2', '1:4']);
    expect(await directory.current().size()).toBe(5);

    police.hold(record('police', mintPnc(2010, 3), { pnc: mintPnc(2010, 3) }, ['Person', 'Renamed']));
    police.reads.length = 0;
    await directory.refresh();
    expect(police.reads).toEqual(['1:5']);
    const renamed = await directory.current().byIdentifier('pnc', mintPnc(2010, 3));
    expect(renamed?.records.map((r) => r.familyName)).toEqual(['Renamed']);
    expect(renamed?.id).toBe(gatewayIdFor(`pnc:${mintPnc(2010, 3)}`));
    expect((await directory.current().search('Person Renamed', undefined, 5)).map((c) => c.person.id)).toEqual([renamed?.id]);
  });

  it('keeps the name and date-of-birth counts that match weights divide, through a first load, arrivals, renames and removals', async () => {
    const counted = async () =>
      (await database().admin.query(`SELECT field, value, n::int AS n FROM identity_value_counts WHERE n <> 0 ORDER BY field, value`)) as object[];
    const recounted = async () =>
      (await database().admin.query(
        `SELECT field, value, n::int AS n FROM (
           SELECT 'given' AS field, given_key AS value, count(*) AS n FROM identity_records GROUP BY given_key
           UNION ALL SELECT 'family', family_key, count(*) FROM identity_records GROUP BY family_key
           UNION ALL SELECT 'dob', date_of_birth, count(*) FROM identity_records GROUP BY date_of_birth) c
         ORDER BY field, value`,
      )) as object[];
    for (let n = 1; n <= 4; n++) police.hold(record('police', mintPnc(2011, n), { pnc: mintPnc(2011, n) }, ['Jonathan', n % 2 ? 'Smith' : 'Jones']));
    probation.hold(record('probation', 'X200001', { crn: 'X200001', pnc: mintPnc(2011, 1) }));
    const directory = await open();
    await directory.refresh();
    expect(await counted()).toContainEqual({ field: 'family', value: 'smith', n: 3 });
    expect(await counted()).toEqual(await recounted());

    police.hold(record('police', mintPnc(2011, 5), { pnc: mintPnc(2011, 5) }, ['Alan', 'Smith']));
    police.hold(record('police', mintPnc(2011, 3), { pnc: mintPnc(2011, 3) }, ['Jonathan', 'Renamed']));
    police.drop(mintPnc(2011, 2));
    await directory.refresh();
    expect(await counted()).toContainEqual({ field: 'family', value: 'smith', n: 3 });
    expect(await counted()).toEqual(await recounted());

    police.restart([mintPnc(2011, 1)]);
    await directory.refresh();
    expect(await counted()).toContainEqual({ field: 'family', value: 'smith', n: 2 });
    expect(await counted()).toEqual(await recounted());

    // A database from before the counts: its records held, no counts, the migration not yet run.
    await database().admin.exec(
      `DROP TABLE identity_value_counts, identity_counting; DROP FUNCTION identity_count_values CASCADE;
       DELETE FROM identity_migrations WHERE name = '004_value_counts.sql'`,
    );
    // The migration alone, then a record held before it renamed before they are counted (the triggers leave it be).
    await migrate(database().admin, IDENTITY_MIGRATIONS);
    await database().admin.query(`UPDATE identity_records SET family_name = 'Jones', family_key = 'jones' WHERE key = $1`, [mintPnc(2011, 5)]);
    await open();
    expect(await counted()).toContainEqual({ field: 'family', value: 'smith', n: 1 });
    expect(await counted()).toEqual(await recounted());
    // Counted once: a later start counts nothing again, and the triggers take over.
    const upgraded = await open();
    police.hold(record('police', mintPnc(2011, 6), { pnc: mintPnc(2011, 6) }, ['Alan', 'Smith']));
    police.hold(record('police', mintPnc(2011, 4), { pnc: mintPnc(2011, 4) }, ['Jonathan', 'Smith']));
    await upgraded.refresh();
    expect(await counted()).toContainEqual({ field: 'family', value: 'smith', n: 3 });
    expect(await counted()).toEqual(await recounted());
  });

  it('refuses a search more records answer than it weighs, naming what would narrow it, and answers once fewer do', async () => {
    police.pageSize = 1_000;
    for (let n = 1; n <= SEARCH_POOL_LIMIT + 1; n++) police.hold(record('police', mintPnc(2012, n), { pnc: mintPnc(2012, n) }, ['Nia', `Price${n}`]));
    const directory = await open();
    await directory.refresh();
    await expect(directory.current().search('Nia Price', undefined, 5)).rejects.toThrow(`More than ${SEARCH_POOL_LIMIT} records share those initials`);
    await expect(directory.current().search('Nia Price', '1990-04-23', 5)).rejects.toThrow(`More than ${SEARCH_POOL_LIMIT} records share that date of birth`);

    police.drop(mintPnc(2012, 1));
    await directory.refresh();
    expect(await directory.current().search('Nia Price', '1990-04-23', 5)).toHaveLength(5);
  });

  it('keeps a gateway id when a stronger identifier arrives, and records merges and splits, old ids resolving for life', async () => {
    police.hold(record('police', pncA, { pnc: pncA }));
    probation.hold(record('probation', 'X100001', { crn: 'X100001' }));
    prison.hold(record('prison', 'A1234BC', { nomsNumber: 'A1234BC' }, ['Peter', 'Jones']));
    const directory = await open();
    await directory.refresh();
    const index = () => directory.current();
    const policeId = (await index().byIdentifier('pnc', pncA))?.id;
    const probationId = (await index().byIdentifier('crn', 'X100001'))?.id;
    const prisonId = (await index().byIdentifier('nomsNumber', 'A1234BC'))?.id;
    expect(new Set([policeId, probationId, prisonId]).size).toBe(3);

    // A new, stronger identifier: today's digest of the strongest identifier would have changed the id.
    prison.hold(record('prison', 'A1234BC', { nomsNumber: 'A1234BC', pnc: pncB }, ['Peter', 'Jones']));
    await directory.refresh();
    expect((await index().byIdentifier('pnc', pncB))?.id).toBe(prisonId);

    // A merge: probation learns the police PNC. The earlier-created person survives; the other id names it.
    probation.hold(record('probation', 'X100001', { crn: 'X100001', pnc: pncA }));
    await directory.refresh();
    const merged = await index().byIdentifier('crn', 'X100001');
    expect(merged?.id).toBe(policeId);
    expect(merged?.records.map((r) => r.agency)).toEqual(['police', 'probation']);
    expect((await index().byId(probationId as string))?.id).toBe(policeId);
    // Read many at once (a cohort page, an audit), the old id names the same survivor, and an unknown id no one.
    const view = index();
    const [viaOld, viaSurvivor, unknown] = await view.byIds([probationId as string, policeId as string, 'GW-000000000000']);
    expect(viaOld?.id).toBe(policeId);
    expect(viaOld?.records.map((r) => r.agency)).toEqual(['police', 'probation']);
    expect(viaSurvivor).toBe(viaOld);
    expect(unknown).toBeUndefined();
    // Either id names every id the person has had: the survivor's first, for a subject access request.
    expect(await view.idsOf(probationId as string)).toEqual([policeId, probationId]);
    expect(await view.idsOf(policeId as string)).toEqual([policeId, probationId]);
    expect(await view.idsOf('GW-000000000000')).toEqual(['GW-000000000000']);
    expect(await history(database().admin)).toEqual([{ change: 'MERGE', gateway_id: policeId, other_id: probationId }]);

    // A split: the PNC is corrected away. The part holding the earliest record keeps the id; the rest gets a new one.
    probation.hold(record('probation', 'X100001', { crn: 'X100001', cro: mintCro(1234, 15) }));
    await directory.refresh();
    const split = await index().byIdentifier('crn', 'X100001');
    expect((await index().byIdentifier('pnc', pncA))?.id).toBe(policeId);
    expect(split?.id).not.toBe(policeId);
    expect(split?.id).not.toBe(probationId);
    expect((await history(database().admin)).at(-1)).toEqual({ change: 'SPLIT', gateway_id: policeId, other_id: split?.id });
    // The id merged away still names its survivor.
    expect((await index().byId(probationId as string))?.id).toBe(policeId);
  });

  it('makes each person of the first load when its first record arrived, though its anchor arrived later', async () => {
    const cro = mintCro(1234, 15);
    // Kept in this order: a person known first by a CRO alone, a second person, then the first person's PNC.
    police.hold(record('police', 'P1', { cro }));
    police.hold(record('police', 'P2', { pnc: pncB }));
    police.hold(record('police', 'P3', { pnc: pncA, cro }));
    const directory = await open();
    await directory.refresh();
    const first = await directory.current().byIdentifier('cro', cro);
    expect(first?.id).toBe(gatewayIdFor(`pnc:${pncA}`));
    expect(first?.records.map((r) => r.key)).toEqual(['P1', 'P3']);
    expect(await directory.current().size()).toBe(2);

    // One record now links both: the person created first (its first record came first) keeps its id.
    probation.hold(record('probation', 'X100001', { crn: 'X100001', pnc: pncB, cro }));
    await directory.refresh();
    expect((await directory.current().byIdentifier('crn', 'X100001'))?.id).toBe(first?.id);
    expect(await history(database().admin)).toEqual([{ change: 'MERGE', gateway_id: first?.id, other_id: gatewayIdFor(`pnc:${pncB}`) }]);
  });

  it('starts again over the same database without reading the feeds from the start', async () => {
    police.hold(record('police', pncA, { pnc: pncA }));
    police.hold(record('police', pncB, { pnc: pncB }, ['Peter', 'Jones']));
    police.hold(record('police', mintPnc(2017, 1), { pnc: mintPnc(2017, 1) }, ['Ann', 'Lee']));
    const first = await open();
    await first.refresh();
    const before = (await first.current().byIdentifier('pnc', pncB))?.id;
    first.stop();
    police.reads.length = 0;

    const second = await open();
    // Before it reads anything, it already knows whom police hold, and the people.
    expect(second.current().knowsHoldingsOf('police')).toBe(true);
    expect(second.current().knowsHoldingsOf('probation')).toBe(true);
    expect((await second.current().byIdentifier('pnc', pncB))?.id).toBe(before);
    await second.refresh();
    expect(police.reads).toEqual(['1:3']);
  });

  it('reads a restarted feed again from the start and removes the records it no longer gives', async () => {
    police.hold(record('police', pncA, { pnc: pncA }));
    police.hold(record('police', pncB, { pnc: pncB }, ['Peter', 'Jones']));
    probation.hold(record('probation', 'X100001', { crn: 'X100001', pnc: pncB }, ['Peter', 'Jones']));
    const directory = await open();
    await directory.refresh();
    const jones = (await directory.current().byIdentifier('pnc', pncB))?.id;

    // The agency loses a record without a deletion in its feed, and rebuilds the feed.
    police.restart([pncA]);
    police.reads.length = 0;
    await directory.refresh();
    expect(police.reads).toEqual(['1:2', null]);
    expect(await directory.current().byIdentifier('pnc', pncA)).toBeUndefined();
    expect((await directory.current().byIdentifier('crn', 'X100001'))?.id).toBe(jones);
    expect(await directory.current().size()).toBe(1);
  });

  it('keeps what a failing feed gave, and says an agency never loaded holds "unknown", not nobody', async () => {
    police.hold(record('police', pncA, { pnc: pncA }));
    prison.failing = true;
    const directory = await open();
    await directory.refresh();
    expect(directory.current().knowsHoldingsOf('police')).toBe(true);
    expect(directory.current().knowsHoldingsOf('prison')).toBe(false);
    expect(directory.feedStatus().find((feed) => feed.agency === 'prison')?.error).toContain('no answer');

    police.failing = true;
    await directory.refresh();
    expect((await directory.current().byIdentifier('pnc', pncA))?.records).toHaveLength(1);
    expect(directory.current().knowsHoldingsOf('police')).toBe(true);
  });

  it.each(['restarting', 'stuck'] as const)('gives up on a feed that is %s for ever, naming it, and still reads the others', async (broken) => {
    police.hold(record('police', pncA, { pnc: pncA }));
    probation.hold(record('probation', 'X100001', { crn: 'X100001' }, ['Peter', 'Jones']));
    police.broken = broken;
    const directory = await open();
    await directory.refresh();
    expect(police.reads.length).toBeLessThanOrEqual(3);
    expect(directory.feedStatus().find((feed) => feed.agency === 'police')?.error).toMatch(/identity change feed/);
    expect((await directory.current().byIdentifier('crn', 'X100001'))?.id).toEqual(expect.any(String));
  });

  /** Records linked across agencies, some only through a record another agency gives later in its feed. */
  const holdLinkedPeople = () => {
    const pncC = mintPnc(2018, 42);
    const croX = mintCro(5678, 11);
    police.hold(record('police', pncA, { pnc: pncA }));
    police.hold(record('police', pncB, { pnc: pncB }, ['Peter', 'Jones']));
    police.hold(record('police', pncC, { pnc: pncC, cro: croX }, ['Ann', 'Lee']));
    probation.hold(record('probation', 'X100001', { crn: 'X100001', cro: croX }, ['Ann', 'Lee']));
    probation.hold(record('probation', 'X100002', { crn: 'X100002', pnc: pncA }));
    probation.hold(record('probation', 'X100003', { crn: 'X100003' }, ['Mary', 'Shaw']));
    prison.hold(record('prison', 'A1234BC', { nomsNumber: 'A1234BC', crn: 'X100003' }, ['Mary', 'Shaw']));
    prison.hold(record('prison', 'A1111AA', { nomsNumber: 'A1111AA', crn: 'X100001' }, ['Ann', 'Lee']));
    prison.hold(record('prison', 'A2222BB', { nomsNumber: 'A2222BB' }, ['Tom', 'Hart']));
  };

  it('ends a first load cut short by failing feeds, once reopened over the same database, with the people of one that was not', async () => {
    holdLinkedPeople();
    await (await open()).refresh();
    const uninterrupted = await everyone(database().admin);
    expect(uninterrupted.people).toHaveLength(5);

    await forgetIdentities(database().admin);
    for (const made of feeds) {
      made.reads.length = 0;
      made.failAfterReads = 1;
    }
    const cut = await open();
    await cut.refresh();
    // Part of every feed was read, and nobody linked: the index does not yet know whom any agency holds.
    expect(police.reads).toEqual([null, '1:2']);
    for (const made of feeds) expect(cut.current().knowsHoldingsOf(made.agency)).toBe(false);
    expect(await cut.current().size()).toBe(0);
    expect(await cut.current().byIdentifier('pnc', pncA)).toBeUndefined();
    cut.stop();

    for (const made of feeds) {
      made.reads.length = 0;
      made.failAfterReads = null;
    }
    const reopened = await open();
    await reopened.refresh();
    expect(police.reads[0]).toBe('1:2');
    expect(await everyone(database().admin)).toEqual(uninterrupted);
    for (const made of feeds) expect(reopened.current().knowsHoldingsOf(made.agency)).toBe(true);
  });

  it('forgets a record that a feed rebuilt during the first load no longer gives', async () => {
    holdLinkedPeople();
    for (const made of feeds) made.failAfterReads = 1;
    const cut = await open();
    await cut.refresh();
    cut.stop();
    // Police lose a record the first load has already kept, and rebuild their feed.
    police.restart([pncA]);
    for (const made of feeds) {
      made.reads.length = 0;
      made.failAfterReads = null;
    }
    const reopened = await open();
    await reopened.refresh();
    expect(police.reads.slice(0, 2)).toEqual(['1:2', null]);
    expect(await reopened.current().byAgencyKey('police', pncA)).toBeUndefined();
    expect((await reopened.current().byIdentifier('pnc', pncA))?.records.map((r) => r.agency)).toEqual(['probation']);
    expect(await reopened.current().size()).toBe(5);
  });

  it('links nothing when the first load fails while linking, and links it all at the next refresh', async () => {
    holdLinkedPeople();
    await (await open()).refresh();
    const uninterrupted = await everyone(database().admin);

    await forgetIdentities(database().admin);
    const admin = database().admin;
    let diskFull = true;
    const failing: LedgerStore = {
      ...admin,
      transaction: (work) =>
        admin.transaction((tx) =>
          work({
            query: (sql, params) => (diskFull && sql.includes('INSERT INTO identity_records') ? Promise.reject(new Error('disk full')) : tx.query(sql, params)),
            exec: (sql) => tx.exec(sql),
          }),
        ),
    };
    const directory = await IdentityDirectory.open(
      failing,
      feeds.map((made) => ({ agency: made.agency, adapter: made })),
    );
    await directory.refresh();
    expect(directory.feedStatus().map((feed) => feed.error)).toEqual(feeds.map(() => 'the first load could not be linked: disk full'));
    expect(directory.current().knowsHoldingsOf('police')).toBe(false);
    expect(await directory.current().size()).toBe(0);

    diskFull = false;
    await directory.refresh();
    expect(await everyone(admin)).toEqual(uninterrupted);
    expect(directory.feedStatus().map((feed) => feed.error)).toEqual(feeds.map(() => null));
    expect(directory.current().knowsHoldingsOf('police')).toBe(true);
  });

  it('links each record once when two gateway processes make the first load together', async () => {
    holdLinkedPeople();
    await (await open()).refresh();
    const alone = await everyone(database().admin);

    await forgetIdentities(database().admin);
    const [first, second] = await Promise.all([open(), open()]);
    await Promise.all([first.refresh(), second.refresh()]);
    // Whichever did not link reads on at its next refresh, and then knows what the other linked.
    await Promise.all([first.refresh(), second.refresh()]);
    expect(await everyone(database().admin)).toEqual(alone);
    for (const directory of [first, second]) for (const made of feeds) expect(directory.current().knowsHoldingsOf(made.agency)).toBe(true);
  });

  it('gives one request one object per person, however it was found', async () => {
    police.hold(record('police', pncA, { pnc: pncA }));
    probation.hold(record('probation', 'X100001', { crn: 'X100001', pnc: pncA }));
    const directory = await open();
    await directory.refresh();
    const index = directory.current();
    const byPnc = await index.byIdentifier('pnc', pncA);
    expect(await index.byIdentifier('crn', 'X100001')).toBe(byPnc);
    expect(await index.byAgencyKey('police', pncA)).toBe(byPnc);
    expect(await index.byAgencyKeys('probation', ['X100001', 'X999999', 'X100001'])).toEqual(new Map([['X100001', byPnc]]));
    expect(await index.byAgencyKeys('police', ['X100001'])).toEqual(new Map());
    expect(await index.byId(byPnc?.id ?? '')).toBe(byPnc);
    expect((await index.search('Jonathan Smith', undefined, 10)).map((c) => c.person)).toEqual([byPnc]);
  });
});
