import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEventLog, type EventSource } from './event-log.js';
import { createSimulatorApp, type RunningSimulator, startSimulator } from './simulator.js';

interface Happening {
  eventId: string;
  who: number;
  date: string;
}

/** Something happens to one of 100 people; every fifth time, nothing worth reporting. */
const source = (seed = 7): EventSource<Happening> => ({
  seed,
  referenceDate: '2099-01-01',
  next: (random, { id, date }) => (random.chance(0.2) ? null : { eventId: id, who: random.int(1, 100), date }),
});

const content = (events: Happening[]) => events.map(({ who, date }) => ({ who, date }));

describe('a simulator event log', () => {
  it('serves its events in order, a page at a time after a cursor', () => {
    const log = createEventLog('test', source());
    const made = log.generate(20);
    expect(made.length).toBeGreaterThan(10);
    expect(made.length).toBeLessThan(20);
    expect(log.control.size()).toBe(made.length);

    const first = log.page(undefined, 4);
    expect(first.events).toEqual(made.slice(0, 4));
    expect(first.cursor).toBe(made[3]?.eventId);
    const rest = log.page(first.cursor ?? undefined, 500);
    expect(rest.events).toEqual(made.slice(4));
    expect(log.page(rest.cursor ?? undefined, 500)).toEqual({ events: [], cursor: rest.cursor });
    expect(createEventLog('test', source()).page(undefined, 10)).toEqual({ events: [], cursor: null });
  });

  it('says the same things from the same seed, dated no earlier than the population', () => {
    const a = createEventLog('test', source()).generate(30);
    const b = createEventLog('test', source()).generate(30);
    expect(content(a)).toEqual(content(b));
    expect(content(createEventLog('test', source(8)).generate(30))).not.toEqual(content(a));
    expect(a.every((e) => e.date === '2099-01-01')).toBe(true);
    // Two runs are told apart, so a restarted feed's events are new events.
    expect(a.map((e) => e.eventId)).not.toEqual(b.map((e) => e.eventId));
  });

  it('reads a cursor from an earlier run as the start of this one', () => {
    const earlier = createEventLog('test', source()).generate(5).at(-1)?.eventId;
    const log = createEventLog('test', source());
    const made = log.generate(5);
    expect(log.page(earlier, 500).events).toEqual(made);
  });

  it('makes events on a timer until told to stop', async () => {
    const log = createEventLog('test', { ...source(), next: (_random, { id, date }) => ({ eventId: id, who: 1, date }) });
    log.control.every(10);
    await new Promise((resolve) => setTimeout(resolve, 120));
    log.control.every(0);
    const made = log.control.size();
    expect(made).toBeGreaterThan(3);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(log.control.size()).toBe(made);
  });
});

describe('a simulator event feed over HTTP', () => {
  let sim: RunningSimulator;
  beforeAll(async () => {
    sim = await startSimulator(
      createSimulatorApp({
        agency: 'test',
        openapiPath: new URL('../police/openapi.yaml', import.meta.url).pathname,
        routes: () => undefined,
        events: source(),
        identities: { generation: 'none', size: 0, itemAt: () => null },
      }),
    );
  });
  afterAll(() => sim.close());

  const post = (body: unknown) =>
    fetch(`${sim.url}/__admin/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  it('makes events on demand and serves them at GET /events, counted and faulted like any agency route', async () => {
    const made = (await (await post({ count: 10 })).json()) as { created: number; events: Happening[] };
    expect(made.created).toBe(made.events.length);
    const page = (await (await fetch(`${sim.url}/events?limit=500`)).json()) as { events: Happening[]; cursor: string };
    expect(page.events).toEqual(made.events);
    expect(sim.app.stats.counts()).toEqual({ 'GET /events': 1 });

    sim.app.faults.set({ mode: 'down' });
    expect((await fetch(`${sim.url}/events?after=${page.cursor}`)).status).toBe(503);
    sim.app.faults.set({ mode: 'normal' });
  });

  it('refuses a cursor it did not issue, a bad limit and a bad count', async () => {
    expect((await fetch(`${sim.url}/events?after=42`)).status).toBe(400);
    expect((await fetch(`${sim.url}/events?limit=501`)).status).toBe(400);
    expect((await post({ count: 0 })).status).toBe(400);
    expect((await post({ count: 2, extra: true })).status).toBe(400);
  });
});
