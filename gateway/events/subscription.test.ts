/**
 * A subscriber's stream under the partnership's ISP, without HTTP: each event is judged through a view renewed
 * for it (so a change in the person's standing mid-stream counts), events the recipient may not receive are
 * skipped, and the stream ends when the token expires or the subscriber leaves.
 */
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import type { IdentityRecord } from '../../adapters/kit/contract.js';
import { mintPnc } from '../../schema/identifiers.js';
import type { Principal } from '../authentication/principal.js';
import type { Membership } from '../cohort/register.js';
import { createAccess, DisclosureSet } from '../enforcement/index.js';
import { indexOf } from '../identity/fixtures.js';
import { CATALOGUE } from '../policy/fixtures.js';
import { compilePolicy, loadPolicy } from '../policy/index.js';
import type { EventFeed } from './feed.js';
import { Inbox } from './inbox.js';
import { viewRenewal } from './renewed-view.js';
import type { CohortEvent } from './store.js';
import { type EventsContext, subscriberStream } from './subscription.js';

const policy = compilePolicy(loadPolicy('policies/iom-partnership.yaml'), CATALOGUE);
const record = (agency: string, key: string, serial: number): IdentityRecord => ({
  agency,
  key,
  identifiers: { pnc: mintPnc(1991, serial) },
  givenName: 'Synthetic',
  familyName: `Member${serial}`,
  dateOfBirth: '1991-02-03',
});
const index = await indexOf([record('police', 'PNC-M', 1), record('police', 'PNC-N', 2), record('housing', 'HR-N', 2)]);
const ids = new Map(await Promise.all(['PNC-M', 'PNC-N'].map(async (key) => [key, (await index.byAgencyKey('police', key))?.id ?? ''] as const)));
const idOf = (key: string) => ids.get(key) ?? '';

/** The register, whose answers the test changes as it goes. */
const active = new Map<string, boolean>([
  [idOf('PNC-M'), true],
  [idOf('PNC-N'), true],
]);
const register = {
  memberships: async (ids: readonly string[]) =>
    new Map(ids.flatMap((id) => (active.has(id) ? [[id, { gatewayId: id, active: active.get(id) } as Membership] as const] : []))),
};
const renew = viewRenewal({ modules: [], connections: [], index: () => index, register });

/** A feed with one subscriber at a time, fed by the test. */
function scriptedFeed() {
  let inbox: Inbox<unknown> | null = null;
  let deliver: (event: CohortEvent) => unknown = () => undefined;
  const feed: Pick<EventFeed, 'subscribe'> = {
    subscribe<T>(capacity: number, wrap: (event: CohortEvent) => T) {
      const opened = new Inbox<T>(capacity);
      inbox = opened as Inbox<unknown>;
      deliver = wrap;
      return opened;
    },
  };
  let sequence = 0;
  return {
    feed,
    isOpen: () => inbox !== null && !inbox.isClosed,
    publish(key: string, type: CohortEvent['type'], dataItem: string): string {
      sequence += 1;
      const id = `test:${sequence}`;
      inbox?.push(
        deliver({
          sequence,
          id,
          gatewayId: idOf(key),
          agency: dataItem.split('.')[0] ?? '',
          type,
          occurredAt: new Date().toISOString(),
          summary: id,
          details: {},
          dataItem,
        }),
      );
      return id;
    },
  };
}

async function contextFor(role: Principal['role'], agency: Principal['agency'], expiresInSeconds = 600): Promise<EventsContext> {
  const token = await new SignJWT({})
    .setProtectedHeader({ alg: 'HS256' })
    .setExpirationTime(Math.floor(Date.now() / 1000) + expiresInSeconds)
    .sign(new TextEncoder().encode('a test secret of thirty-two bytes!!'));
  const principal: Principal = { userId: `${role}-1`, displayName: role, agency, role, clientApplication: 'test' };
  // The view the subscription opened with: everyone in the cohort, for as long as it is not renewed.
  const access = createAccess({
    policy,
    principal,
    declaration: { purpose: 'iom-case-management', justification: null, emergency: false },
    factsOf: async () => ({ inActiveCohort: true, consentRecorded: false, mappaCase: false }),
    activeMember: async () => true,
    now: new Date(),
  });
  return {
    request: new Request('http://gateway.test/graphql', { headers: { authorization: `Bearer ${token}` } }),
    index,
    sections: new Map(),
    access,
    disclosures: new DisclosureSet(),
  };
}

const idsOf = (value: unknown) => (value !== null && typeof value === 'object' && 'event' in value ? (value as { event: CohortEvent }).event.id : value);

describe('a subscriber stream', () => {
  it('judges each event afresh: once the person is de-selected, their events stop', async () => {
    active.set(idOf('PNC-M'), true);
    const { feed, publish } = scriptedFeed();
    const context = await contextFor('iom-coordinator', 'iom');
    const opened = context.access;
    const stream = subscriberStream(feed, renew, context);

    const first = publish('PNC-M', 'arrest', 'police.arrests');
    expect(idsOf((await stream.next()).value)).toBe(first);
    expect(context.access).not.toBe(opened);

    active.set(idOf('PNC-M'), false);
    publish('PNC-M', 'arrest', 'police.arrests');
    const third = publish('PNC-N', 'charge', 'police.charges');
    const delivered = (await stream.next()).value;
    expect(idsOf(delivered)).toBe(third);
    expect(delivered).toMatchObject({ kind: 'event', clauseId: 'C-06', person: { id: idOf('PNC-N') } });
    await stream.return?.();
  });

  it('skips what the ISP keeps from the recipient: arrests are not the housing officer’s', async () => {
    active.set(idOf('PNC-M'), true);
    const { feed, publish } = scriptedFeed();
    const stream = subscriberStream(feed, renew, await contextFor('housing-officer', 'housing'));
    publish('PNC-N', 'arrest', 'police.arrests');
    const loss = publish('PNC-N', 'accommodation-lost', 'housing.accommodationStatus');
    expect(idsOf((await stream.next()).value)).toBe(loss);
    await stream.return?.();
  });

  it('ends when the token expires, saying so, and unsubscribes', async () => {
    const { feed, isOpen } = scriptedFeed();
    const stream = subscriberStream(feed, renew, await contextFor('iom-coordinator', 'iom', 2));
    const started = Date.now();
    expect((await stream.next()).value).toEqual({ kind: 'expired' });
    expect(Date.now() - started).toBeGreaterThan(500);
    expect(await stream.next()).toEqual({ done: true, value: undefined });
    expect(isOpen()).toBe(false);
  });

  it('ends at once when the subscriber leaves while waiting', async () => {
    const { feed, isOpen } = scriptedFeed();
    const stream = subscriberStream(feed, renew, await contextFor('iom-coordinator', 'iom'));
    const waiting = stream.next();
    expect(isOpen()).toBe(true);
    await stream.return?.();
    expect(await waiting).toEqual({ done: true, value: undefined });
    expect(isOpen()).toBe(false);
  });

  it('is refused to the IG officer and under a break-glass emergency', async () => {
    const { feed } = scriptedFeed();
    const audit = await contextFor('ig-officer', 'iom');
    expect(() => subscriberStream(feed, renew, audit)).toThrow(/disclosure ledger/);
    const emergency = await contextFor('iom-coordinator', 'iom');
    emergency.access = createAccess({
      policy,
      principal: emergency.access.principal,
      declaration: { purpose: 'emergency', justification: 'Threat to life', emergency: true },
      factsOf: emergency.access.factsOf,
      activeMember: async () => true,
      now: new Date(),
    });
    expect(() => subscriberStream(feed, renew, emergency)).toThrow(/Break-glass/);
  });
});
