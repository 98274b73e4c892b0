/**
 * The event feed against scripted agency feeds, on both database backends: what is kept (active cohort members
 * only), that a restart resumes where the last process stopped, that a failing agency holds up no other, and
 * that subscribers hear of each new event once.
 */
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { AgencyAdapter, AgencyEvent, IdentityRecord } from '../../adapters/kit/contract.js';
import { AgencyUnavailableError } from '../../adapters/kit/errors.js';
import { mintPnc } from '../../schema/identifiers.js';
import type { Membership } from '../cohort/register.js';
import { indexOf } from '../identity/fixtures.js';
import { describeOnBackends, type TestDatabase } from '../ledger/test-backends.js';
import { EventFeed } from './feed.js';
import { EventStore } from './store.js';

const identity = (agency: string, key: string, serial: number): IdentityRecord => ({
  agency,
  key,
  identifiers: { pnc: mintPnc(1990, serial) },
  givenName: 'Synthetic',
  familyName: `Person${serial}`,
  dateOfBirth: '1990-01-01',
});

// Member M is known to police (PNC key) and housing (local reference); O is no member; D was de-selected.
const index = await indexOf([identity('police', 'PNC-M', 1), identity('housing', 'HR-M', 1), identity('police', 'PNC-O', 2), identity('police', 'PNC-D', 3)]);
const idOf = async (agency: string, key: string) => {
  const person = await index.byAgencyKey(agency, key);
  if (!person) throw new Error(`no person for ${agency} ${key}`);
  return person.id;
};
const member = await idOf('police', 'PNC-M');
const deselected = await idOf('police', 'PNC-D');
const register = {
  async memberships(ids: readonly string[]) {
    const active = new Map<string, boolean>([
      [member, true],
      [deselected, false],
    ]);
    return new Map(ids.flatMap((id) => (active.has(id) ? [[id, { gatewayId: id, active: active.get(id) } as Membership] as const] : [])));
  },
};

/** An agency feed whose events are appended by the test; pages of `pageSize` after the last id given. */
function scriptedAgency(agency: string, pageSize = 3) {
  const events: AgencyEvent[] = [];
  const asked: (string | null)[] = [];
  let failure: Error | null = null;
  const adapter: AgencyAdapter = {
    identityChanges: async () => ({ changes: [], cursor: 'end', more: false }),
    records: async () => new Map(),
    async events(after) {
      asked.push(after);
      if (failure) throw failure;
      const start = after === null ? 0 : events.findIndex((e) => e.id === after) + 1;
      const page = events.slice(start, start + pageSize);
      return { events: page, cursor: page.at(-1)?.id ?? after };
    },
  };
  return {
    connection: { agency, adapter },
    asked,
    add(key: string, type: AgencyEvent['type'], summary = `${type} about ${key}`) {
      events.push({
        id: `${agency}-${events.length + 1}`,
        agency,
        key,
        type,
        occurredAt: new Date().toISOString(),
        summary,
        details: { n: events.length + 1 },
      });
    },
    fail(error: Error | null) {
      failure = error;
    },
  };
}

describeOnBackends('cohort event feed', (backend) => {
  let database: TestDatabase;
  beforeEach(async () => {
    database = await backend.createDatabase();
  });
  afterEach(async () => {
    await database.drop();
  });

  const openFeed = async (agencies: ReturnType<typeof scriptedAgency>[]) =>
    EventFeed.open({ store: await EventStore.open(database.admin), connections: agencies.map((a) => a.connection), index: () => index, register });

  it('keeps events about active cohort members only, with the data item their kind is shared as', async () => {
    const police = scriptedAgency('police');
    police.add('PNC-M', 'arrest', 'Arrested on 2026-11-22: Burglary (dwelling)');
    police.add('PNC-O', 'arrest');
    police.add('PNC-D', 'charge');
    police.add('PNC-UNKNOWN', 'arrest');
    // Not the police's to report: another agency's kind of event.
    police.add('PNC-M', 'positive-drug-test');
    police.add('PNC-M', 'court-outcome');
    const feed = await openFeed([police]);

    const [reading] = await feed.poll();
    expect(reading).toEqual({ agency: 'police', read: 6, kept: 2, error: null });
    const stored = await feed.after(0, 100);
    expect(stored.map(({ id, gatewayId, type, dataItem }) => ({ id, gatewayId, type, dataItem }))).toEqual([
      { id: 'police:police-1', gatewayId: member, type: 'arrest', dataItem: 'police.arrests' },
      { id: 'police:police-6', gatewayId: member, type: 'court-outcome', dataItem: 'police.courtOutcomes' },
    ]);
    expect(stored[0]).toMatchObject({ agency: 'police', summary: 'Arrested on 2026-11-22: Burglary (dwelling)', details: { n: 1 } });
    expect(stored[1]?.sequence).toBeGreaterThan(stored[0]?.sequence ?? Infinity);
  });

  it('reads a backlog page by page in one round, and asks again from where it stopped', async () => {
    const police = scriptedAgency('police', 2);
    for (let i = 0; i < 5; i++) police.add('PNC-M', 'arrest');
    const feed = await openFeed([police]);
    await feed.poll();
    expect(police.asked).toEqual([null, 'police-2', 'police-4', 'police-5']);
    expect(await feed.after(0, 100)).toHaveLength(5);
    await feed.poll();
    expect(police.asked.slice(4)).toEqual(['police-5']);
  });

  it('after a restart resumes from the stored cursor: nothing is read or delivered twice, nothing is lost', async () => {
    const police = scriptedAgency('police');
    police.add('PNC-M', 'arrest');
    police.add('PNC-M', 'charge');
    const first = await openFeed([police]);
    await first.poll();
    await first.stop();

    police.add('PNC-M', 'court-outcome');
    const second = await openFeed([police]);
    const inbox = second.subscribe(10, (event) => event.id);
    const [reading] = await second.poll();
    expect(police.asked.at(-2)).toBe('police-2');
    expect(reading).toMatchObject({ read: 1, kept: 1 });
    expect(await drain(inbox)).toEqual(['police:police-3']);
    expect((await second.after(0, 100)).map((e) => e.id)).toEqual(['police:police-1', 'police:police-2', 'police:police-3']);
  });

  it('stores an event an agency reports again only once', async () => {
    const police = scriptedAgency('police');
    police.add('PNC-M', 'arrest');
    const feed = await openFeed([police]);
    await feed.poll();
    const [stored] = await feed.after(0, 1);
    if (!stored) throw new Error('nothing stored');
    const { sequence: _sequence, ...reported } = stored;
    expect(await (await EventStore.open(database.admin)).record('police', [reported], 'police-1')).toEqual([]);
    expect(await feed.after(0, 100)).toHaveLength(1);
  });

  it('carries on with the other agencies while one fails, and catches up with it later', async () => {
    const police = scriptedAgency('police');
    const housing = scriptedAgency('housing');
    police.add('PNC-M', 'arrest');
    housing.add('HR-M', 'accommodation-lost');
    police.fail(new AgencyUnavailableError('police', 'timeout', 'no answer within 1000 ms'));
    const errors: string[] = [];
    const feed = await EventFeed.open({
      store: await EventStore.open(database.admin),
      connections: [police.connection, housing.connection],
      index: () => index,
      register,
      onError: (where) => errors.push(where),
    });

    const readings = await feed.poll();
    expect(readings).toEqual([
      { agency: 'police', read: 0, kept: 0, error: 'police: no answer within 1000 ms' },
      { agency: 'housing', read: 1, kept: 1, error: null },
    ]);
    expect(errors).toEqual(['police']);
    police.fail(null);
    await feed.poll();
    expect((await feed.after(0, 100)).map((e) => e.id)).toEqual(['housing:housing-1', 'police:police-1']);
  });

  it('tells each subscriber of each new event once, and drops a subscriber that falls too far behind', async () => {
    const police = scriptedAgency('police', 10);
    const feed = await openFeed([police]);
    const keeping = feed.subscribe(10, (event) => event.id);
    const falling = feed.subscribe(2, (event) => event.id);
    expect(feed.subscribers).toBe(2);
    for (let i = 0; i < 3; i++) police.add('PNC-M', 'arrest');
    await feed.poll();
    await feed.poll();

    expect(falling.isClosed).toBe(true);
    expect(feed.subscribers).toBe(1);
    expect(await drain(keeping)).toEqual(['police:police-1', 'police:police-2', 'police:police-3']);
    expect(feed.subscribers).toBe(0);
  });
});

/** Everything waiting in the inbox, closing it. */
async function drain<T>(inbox: { close(): void; take(): Promise<T | null> }): Promise<T[]> {
  inbox.close();
  const items: T[] = [];
  for (let item = await inbox.take(); item !== null; item = await inbox.take()) items.push(item);
  return items;
}
