/**
 * The `cohortEvents` subscription over server-sent events, against a listening gateway: events the simulators
 * make (POST /__admin/events) reach each subscriber as far as the ISP lets them, each payload recorded in the
 * ledger before it is sent; the agencies are read once per event, not once per subscriber; a ledger that cannot
 * write ends the stream; a closed stream leaves no subscriber.
 */
import { createServer } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { agencies } from '../adapters/registry.js';
import { LedgerUnavailableError } from '../gateway/ledger/index.js';
import { type Caller, COORDINATOR, defaultPolicy, startTestSystem, type TestSystem } from './harness.js';
import { type Listening, listen } from './hostile-requests.js';

const SUBSCRIPTION = /* GraphQL */ `
  subscription Alerts {
    cohortEvents { id cursor type agency dataItem summary person { id } }
  }
`;

interface Payload {
  data?: { cohortEvents: { id: string; cursor: string; type: string; dataItem: string; person: { id: string } | null } } | null;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
  extensions?: { requestId?: string };
}

/** One subscriber's stream: payloads as they arrive, and whether the server has said it is complete. */
interface Stream {
  next(count: number): Promise<Payload[]>;
  completed(): Promise<void>;
  close(): void;
}

let system: TestSystem;
let gateway: Listening | undefined;
let url: string;

beforeAll(async () => {
  system = await startTestSystem({ policy: defaultPolicy(), timeoutMs: 2000 });
  gateway = await listen(createServer(system.app));
  url = `${gateway.url}/graphql`;
});
afterAll(async () => {
  await gateway?.close();
  await system?.close();
});

const open: Stream[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  open.splice(0).forEach((stream) => {
    stream.close();
  });
  await until(() => system.events.subscribers === 0);
});

async function until(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function subscribe(caller: Caller & { sub: string }): Promise<{ status: number; stream: Stream }> {
  const controller = new AbortController();
  const token = await system.token({ sub: caller.sub, role: caller.role, agency: caller.agency });
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${token}` };
  if (caller.purpose) headers['x-purpose'] = caller.purpose;
  if (caller.justification) headers['x-justification'] = caller.justification;
  const response = await fetch(url, { method: 'POST', headers, body: JSON.stringify({ query: SUBSCRIPTION }), signal: controller.signal });
  expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const reader = response.body?.getReader();
  if (!reader) throw new Error('no response body');

  const payloads: Payload[] = [];
  let complete = false;
  let buffered = '';
  let reading: Promise<void> | null = null;
  const decoder = new TextDecoder();
  // Reads one chunk, and files every whole message in it.
  const readMore = () =>
    (reading ??= reader.read().then(({ done, value }) => {
      reading = null;
      if (done) {
        complete = true;
        return;
      }
      buffered += decoder.decode(value, { stream: true });
      for (let end = buffered.indexOf('\n\n'); end >= 0; end = buffered.indexOf('\n\n')) {
        const message = buffered.slice(0, end);
        buffered = buffered.slice(end + 2);
        const event = /^event: (\w+)$/m.exec(message)?.[1];
        const data = /^data: (.*)$/m.exec(message)?.[1];
        if (event === 'next' && data) payloads.push(JSON.parse(data) as Payload);
        if (event === 'complete') complete = true;
      }
    }));
  const waitFor = async (ready: () => boolean) => {
    const deadline = Date.now() + 10_000;
    while (!ready()) {
      if (complete) throw new Error(`the stream completed after ${payloads.length} payloads`);
      if (Date.now() > deadline) throw new Error(`only ${payloads.length} payloads arrived in time`);
      await Promise.race([readMore(), new Promise((resolve) => setTimeout(resolve, 100))]);
    }
  };
  let taken = 0;
  const stream: Stream = {
    async next(count) {
      await waitFor(() => payloads.length >= taken + count);
      taken += count;
      return payloads.slice(taken - count, taken);
    },
    async completed() {
      const deadline = Date.now() + 10_000;
      while (!complete) {
        if (Date.now() > deadline) throw new Error('the stream did not complete');
        await Promise.race([readMore(), new Promise((resolve) => setTimeout(resolve, 100))]);
      }
    },
    close: () => controller.abort(),
  };
  open.push(stream);
  return { status: response.status, stream };
}

async function generate(agency: string, count: number): Promise<void> {
  const response = await fetch(`${system.simulator(agency).url}/__admin/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ count }),
  });
  expect(response.status).toBe(200);
}

/** Makes events at one agency, lets the feed read them, and returns the ids of those it kept. */
async function eventsFrom(agency: string, count: number): Promise<string[]> {
  const before = (await system.events.after(0, 10_000)).at(-1)?.sequence ?? 0;
  await generate(agency, count);
  await system.events.poll();
  return (await system.events.after(before, 10_000)).map((e) => e.id);
}

async function disclosuresTo(userId: string) {
  const page = await system.ledger.query({ userId, kind: 'disclosure' }, { limit: 1000 });
  return page.entries.map((entry) => entry.record);
}

describe('cohortEvents over server-sent events', () => {
  it('delivers each new event to each subscriber the ISP lets receive it, recording every payload first', async () => {
    const coordinator = await subscribe({ ...COORDINATOR, sub: 'sse-coordinator' });
    const housing = await subscribe({ role: 'housing-officer', agency: 'housing', purpose: 'iom-case-management', sub: 'sse-housing-officer' });
    expect([coordinator.status, housing.status]).toEqual([200, 200]);
    await until(() => system.events.subscribers === 2);

    // Police events first: the housing officer may not receive them, so their first payloads must be housing's.
    const police = await eventsFrom('police', 12);
    const losses = await eventsFrom('housing', 12);
    expect(police.length).toBeGreaterThan(3);
    expect(losses.length).toBeGreaterThan(1);

    const toCoordinator = await coordinator.stream.next(police.length + losses.length);
    expect(toCoordinator.map((p) => p.data?.cohortEvents.id)).toEqual([...police, ...losses]);
    const toHousing = await housing.stream.next(losses.length);
    expect(toHousing.map((p) => p.data?.cohortEvents.id)).toEqual(losses);
    expect(toHousing.every((p) => p.data?.cohortEvents.dataItem === 'housing.accommodationStatus')).toBe(true);

    // One ledger record per payload, naming the event's data item at the subscription's path.
    for (const [userId, payloads] of [
      ['sse-coordinator', toCoordinator],
      ['sse-housing-officer', toHousing],
    ] as const) {
      const records = await disclosuresTo(userId);
      expect(records).toHaveLength(payloads.length);
      for (const [i, record] of records.entries()) {
        const event = payloads[i]?.data?.cohortEvents;
        expect(record.requestId).toBe(payloads[i]?.extensions?.requestId);
        expect(record.subjects.map((s) => ({ gatewayId: s.gatewayId, disclosed: s.disclosed.map((d) => [d.dataItem, d.path]) }))).toEqual([
          { gatewayId: event?.person?.id, disclosed: [[event?.dataItem, 'cohortEvents']] },
        ]);
      }
    }
  });

  it('reads the agencies once per event however many subscribe, and still judges and records each delivery per recipient', async () => {
    const subscribers = 6;
    const streams = await Promise.all(Array.from({ length: subscribers }, (_, i) => subscribe({ ...COORDINATOR, sub: `sse-many-${i}` })));
    await until(() => system.events.subscribers === subscribers);
    const before = (await system.events.after(0, 10_000)).at(-1)?.sequence ?? 0;
    for (const module of agencies) await generate(module.agency, 4);
    // The feed's own reading of the agencies is done before counting starts.
    await system.events.poll();
    const kept = (await system.events.after(before, 10_000)).map((e) => e.id);
    expect(kept.length).toBeGreaterThan(2);
    system.resetUpstreamCalls();

    // Which events the coordinator receives turns on the ISP's conditions for each person (a drug test's result needs
    // consent recorded): the ledger records each one sent, so wait until it stops growing, then read that many.
    let sent = 0;
    for (let quiet = 0; quiet < 10; ) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      const now = (await disclosuresTo('sse-many-0')).length;
      quiet = now === sent && now > 0 ? quiet + 1 : 0;
      sent = now;
    }
    const received = await Promise.all(streams.map(({ stream }) => stream.next(sent)));
    const first = received[0]?.map((p) => p.data?.cohortEvents.id) ?? [];
    expect(first.length).toBeGreaterThan(2);
    expect(first.every((id) => kept.includes(id as string))).toBe(true);
    for (const payloads of received) expect(payloads.map((p) => p.data?.cohortEvents.id)).toEqual(first);

    // Each event's recipients need the facts the ISP's conditions turn on: at most one call per agency giving them.
    const calls = Object.values(system.upstreamCalls()).flatMap((routes) => Object.values(routes));
    const perEvent = calls.reduce((a, b) => a + b, 0) / kept.length;
    expect(perEvent).toBeGreaterThan(0);
    expect(perEvent).toBeLessThanOrEqual(agencies.filter((module) => module.subjectFacts !== undefined).length);
    for (let i = 0; i < subscribers; i++) expect(await disclosuresTo(`sse-many-${i}`)).toHaveLength(sent);
  });

  it('ends the stream with LEDGER_UNAVAILABLE, sending nothing, when the ledger cannot record a payload', async () => {
    const { stream } = await subscribe({ ...COORDINATOR, sub: 'sse-ledger-down' });
    await until(() => system.events.subscribers === 1);
    const append = vi.spyOn(system.ledger, 'append').mockRejectedValue(new LedgerUnavailableError('the ledger database is unreachable'));
    const kept = await eventsFrom('police', 12);
    expect(kept.length).toBeGreaterThan(1);

    const [payload] = await stream.next(1);
    expect(payload?.data).toBeNull();
    expect(payload?.errors?.map((e) => e.extensions?.code)).toEqual(['LEDGER_UNAVAILABLE']);
    await stream.completed();
    expect(append).toHaveBeenCalledTimes(1);
    await until(() => system.events.subscribers === 0);
  });

  it('stops delivering when the subscriber goes away', async () => {
    const { stream } = await subscribe({ ...COORDINATOR, sub: 'sse-leaving' });
    await until(() => system.events.subscribers === 1);
    stream.close();
    await until(() => system.events.subscribers === 0);
    await eventsFrom('police', 5);
    expect(await disclosuresTo('sse-leaving')).toEqual([]);
  });

  it('refuses the IG officer and a break-glass emergency', async () => {
    const audit = await subscribe({ role: 'ig-officer', agency: 'iom', purpose: 'audit', sub: 'sse-ig' });
    const [refused] = await audit.stream.next(1);
    expect(refused?.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
    const emergency = await subscribe({
      ...COORDINATOR,
      purpose: 'emergency',
      justification: 'Threat to life reported by ambulance service',
      sub: 'sse-emergency',
    });
    const [alsoRefused] = await emergency.stream.next(1);
    expect(alsoRefused?.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
    await Promise.all([audit.stream.completed(), emergency.stream.completed()]);
    expect(system.events.subscribers).toBe(0);
  });
});
