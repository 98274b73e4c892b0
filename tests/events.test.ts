/**
 * Cohort event alerts polled end to end under the partnership's own ISP: the simulators make events
 * (POST /__admin/events), the gateway's feed reads them over HTTP and keeps those about active cohort members,
 * and `events(since:)` gives each recipient only the events whose data item the ISP lets them receive, each
 * recorded in the ledger at its place in the response.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asSeenBy } from '../adapters/population/types.js';
import { agencyNames } from '../adapters/registry.js';
import type { DisclosureRecord } from '../gateway/ledger/index.js';
import { type Caller, COORDINATOR, defaultPolicy, startTestSystem, type TestSystem } from './harness.js';

const HOUSING_OFFICER: Caller = { role: 'housing-officer', agency: 'housing', purpose: 'iom-case-management', sub: 'events-housing-officer' };
const COORDINATOR_1: Caller = { ...COORDINATOR, sub: 'events-coordinator' };
const IG_OFFICER: Caller = { role: 'ig-officer', agency: 'iom', purpose: 'audit' };

const EVENTS = /* GraphQL */ `
  query Events($since: String, $first: Int) {
    events(since: $since, first: $first) {
      edges { cursor node { id cursor type agency dataItem summary occurredAt person { id name { familyName } } } }
      pageInfo { endCursor hasNextPage }
    }
  }
`;

interface EventNode {
  id: string;
  cursor: string;
  type: string;
  agency: string;
  dataItem: string;
  summary: string;
  occurredAt: string;
  person: { id: string; name: { familyName: string } | null } | null;
}
interface EventPage {
  edges: { cursor: string; node: EventNode }[];
  pageInfo: { endCursor: string | null; hasNextPage: boolean };
}

let system: TestSystem;
/** What the simulators said, as their feeds carry it. */
let policeEvents: { eventId: string; pncId: string; eventType: string }[];
let housingEvents: { eventId: string; housingRef: string; eventType: string }[];

async function generate<T>(agency: string, count: number): Promise<T[]> {
  const response = await fetch(`${system.simulator(agency).url}/__admin/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ count }),
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { events: T[] }).events;
}

async function events(caller: Caller, variables: { since?: string | null; first?: number } = {}): Promise<{ page: EventPage; requestId: string }> {
  const { status, body } = await system.query(EVENTS, variables, caller);
  expect(status).toBe(200);
  expect(body.errors).toBeUndefined();
  return { page: body.data?.events as EventPage, requestId: String(body.extensions?.requestId) };
}

async function recordOf(userId: string, requestId: string): Promise<DisclosureRecord> {
  const page = await system.ledger.query({ userId }, { limit: 1000 });
  const found = page.entries.find((entry) => entry.record.requestId === requestId);
  if (!found) throw new Error(`no ledger record for request ${requestId}`);
  return found.record;
}

beforeAll(async () => {
  system = await startTestSystem({ policy: defaultPolicy(), timeoutMs: 2000 });
  policeEvents = await generate('police', 25);
  housingEvents = await generate('housing', 25);
  await system.events.poll();
});
afterAll(async () => {
  await system?.close();
});

// The oracle: the population says who is in the cohort, the feeds say what happened to whom.
const cohortPncs = () => new Set(system.population.people.filter((p) => p.cohort).map((p) => asSeenBy(p, 'police').pnc));
const cohortHousingRefs = () => new Set(system.population.people.filter((p) => p.cohort && p.housing).map((p) => p.housing?.reference));
const expectedPolice = () => policeEvents.filter((e) => cohortPncs().has(e.pncId)).map((e) => `police:${e.eventId}`);
const expectedHousing = () =>
  housingEvents.filter((e) => e.eventType === 'ACCOMMODATION_LOST' && cohortHousingRefs().has(e.housingRef)).map((e) => `housing:${e.eventId}`);

describe('the feed', () => {
  it('keeps the events about active cohort members, and no others', async () => {
    const stored = await system.events.after(0, 1000);
    expect(expectedPolice().length).toBeGreaterThan(5);
    expect(expectedHousing().length).toBeGreaterThan(2);
    // Some events were about people outside the cohort, or of a kind not alerted on: they are not kept.
    expect(expectedPolice().length).toBeLessThan(policeEvents.length);
    expect(expectedHousing().length).toBeLessThan(housingEvents.length);
    expect(stored.map((e) => e.id).sort()).toEqual([...expectedPolice(), ...expectedHousing()].sort());
  });

  it('does not read an event twice: another round finds nothing new', async () => {
    const readings = await system.events.poll();
    expect(readings.map((r) => [r.agency, r.read, r.kept, r.error])).toEqual(agencyNames.map((agency) => [agency, 0, 0, null]));
  });
});

describe('events(since:)', () => {
  it('gives the coordinator every event, oldest first, each about a person they may see', async () => {
    const { page } = await events(COORDINATOR_1, { first: 100 });
    const stored = await system.events.after(0, 1000);
    expect(page.edges.map((e) => e.node.id)).toEqual(stored.map((e) => e.id));
    expect(page.pageInfo).toEqual({ endCursor: String(stored.at(-1)?.sequence), hasNextPage: false });
    for (const { cursor, node } of page.edges) {
      const event = stored.find((e) => e.id === node.id);
      expect(node).toMatchObject({ cursor, agency: event?.agency, dataItem: event?.dataItem, summary: event?.summary, person: { id: event?.gatewayId } });
      expect(node.person?.name?.familyName).toEqual(expect.any(String));
    }
    expect(new Set(page.edges.map((e) => e.node.type))).toEqual(new Set(['ARREST', 'CHARGE', 'COURT_OUTCOME', 'ACCOMMODATION_LOST']));
  });

  it('gives the housing officer the losses of accommodation and not the police events the ISP keeps from them', async () => {
    const { page, requestId } = await events(HOUSING_OFFICER, { first: 100 });
    expect(page.edges.map((e) => e.node.id)).toEqual(expectedHousing());
    expect(new Set(page.edges.map((e) => e.node.dataItem))).toEqual(new Set(['housing.accommodationStatus']));

    // Each event returned is recorded as disclosed, at its place in the response; nothing of the police's is.
    const record = await recordOf('events-housing-officer', requestId);
    const disclosed = record.subjects.flatMap((s) => s.disclosed.filter((d) => d.path.endsWith('.node')).map((d) => ({ ...d, subject: s.gatewayId })));
    expect(disclosed).toEqual(
      page.edges.map(({ node }, i) => ({
        dataItem: 'housing.accommodationStatus',
        path: `events.edges.${i}.node`,
        clauseId: 'C-11',
        subject: node.person?.id,
      })),
    );
    expect(record.subjects.flatMap((s) => s.disclosed.map((d) => d.dataItem)).filter((item) => item.startsWith('police.'))).toEqual([]);
  });

  it('gives nothing for a purpose the events are not shared for', async () => {
    const { page } = await events({ ...COORDINATOR_1, purpose: 'safeguarding', justification: 'Child protection strategy meeting CP-1' });
    expect(page.edges).toEqual([]);
    // The cursor still moves past what was read, so a poller does not read it again.
    expect(page.pageInfo.endCursor).toBe(String((await system.events.after(0, 1000)).at(-1)?.sequence));
  });

  it('pages with endCursor, and polling from the last one finds nothing until something new happens', async () => {
    const all = (await events(COORDINATOR_1, { first: 100 })).page.edges.map((e) => e.node.id);
    const first = (await events(COORDINATOR_1, { first: 3 })).page;
    expect(first.edges.map((e) => e.node.id)).toEqual(all.slice(0, 3));
    expect(first.pageInfo.hasNextPage).toBe(true);
    const rest = (await events(COORDINATOR_1, { since: first.pageInfo.endCursor, first: 100 })).page;
    expect(rest.edges.map((e) => e.node.id)).toEqual(all.slice(3));
    const none = (await events(COORDINATOR_1, { since: rest.pageInfo.endCursor })).page;
    expect(none).toEqual({ edges: [], pageInfo: { endCursor: rest.pageInfo.endCursor, hasNextPage: false } });

    await generate('police', 10);
    await system.events.poll();
    const next = (await events(COORDINATOR_1, { since: rest.pageInfo.endCursor })).page;
    expect(next.edges.length).toBeGreaterThan(0);
    expect(next.edges.every((e) => e.node.agency === 'police' && !all.includes(e.node.id))).toBe(true);
  });

  it('refuses a bad cursor, a bad page size, and the IG officer, who sees no person data', async () => {
    const bad = await system.query(EVENTS, { since: 'yesterday' }, COORDINATOR_1);
    expect(bad.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const big = await system.query(EVENTS, { first: 101 }, COORDINATOR_1);
    expect(big.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const audit = await system.query(EVENTS, {}, IG_OFFICER);
    expect(audit.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(audit.body.data).toBeNull();
  });
});
