/**
 * One subscriber's stream of cohort events. It is pulled one event at a time (the next only once the last is
 * sent): each is judged through a view of people renewed for it and set on the subscription's context just before
 * the event's payload is executed, so the payload's fields are decided through that view too. The stream ends when
 * the subscriber's token expires (its last item says so), when the subscriber goes, or if it falls too far behind.
 */
import { decodeJwt } from 'jose';
import type { Access, DisclosureSet, SectionLoaders } from '../enforcement/index.js';
import { gatewayError } from '../errors.js';
import type { IdentityIndex } from '../identity/index-of-people.js';
import { type Delivery, deliverable } from './delivery.js';
import type { EventFeed } from './feed.js';
import type { RenewView } from './renewed-view.js';

/** The parts of a request's context the events need; a subscription keeps one for its whole life. */
export interface EventsContext {
  request: Request;
  index: IdentityIndex;
  sections: SectionLoaders;
  access: Access;
  disclosures: DisclosureSet;
}

/** The subscriber's token has expired: the last thing the stream says. */
export interface Expiry {
  kind: 'expired';
}

type Arrival = { kind: 'event'; event: Delivery['event'] } | Expiry;

/** How far behind a subscriber may fall before its stream ends. */
const SUBSCRIBER_CAPACITY = 1000;
/** setTimeout's longest delay; a later expiry is waited for in steps. */
const LONGEST_TIMER_MS = 2_147_483_647;

export function refuseAuditOnly(access: Access): void {
  if (access.auditOnly) throw gatewayError('FORBIDDEN', `${access.principal.role} sees the disclosure ledger, not person data.`);
}

/** The verified token's expiry, in milliseconds since the epoch (authentication has already checked the token). */
function tokenExpiry(request: Request): number {
  const bearer = /^Bearer\s+(\S+)$/i.exec(request.headers.get('authorization') ?? '')?.[1];
  const exp = bearer === undefined ? undefined : decodeJwt(bearer).exp;
  if (exp === undefined) throw gatewayError('UNAUTHENTICATED', 'A subscription needs a bearer token with an expiry.');
  return exp * 1000;
}

export function subscriberStream(feed: Pick<EventFeed, 'subscribe'>, renew: RenewView, context: EventsContext): AsyncIterableIterator<Delivery | Expiry> {
  refuseAuditOnly(context.access);
  if (context.access.declaration.emergency) {
    throw gatewayError('FORBIDDEN', 'Break-glass access answers the emergency at hand; it cannot open a standing event feed. Ask events(since:) instead.');
  }
  const expiresAt = tokenExpiry(context.request);
  const inbox = feed.subscribe<Arrival>(SUBSCRIBER_CAPACITY, (event) => ({ kind: 'event', event }));
  let timer: NodeJS.Timeout | undefined;
  const watchExpiry = () => {
    const left = expiresAt - Date.now();
    if (left <= 0) inbox.end({ kind: 'expired' });
    else timer = setTimeout(watchExpiry, Math.min(left, LONGEST_TIMER_MS)).unref();
  };
  watchExpiry();
  const finish = () => {
    clearTimeout(timer);
    inbox.close();
  };
  const done: IteratorReturnResult<undefined> = { done: true, value: undefined };

  return {
    [Symbol.asyncIterator]() {
      return this;
    },
    async next() {
      try {
        for (;;) {
          const arrival = await inbox.take();
          if (arrival === null) {
            finish();
            return done;
          }
          if (arrival.kind === 'expired') return { done: false, value: arrival };
          Object.assign(context, renew(context.access, arrival.event));
          const delivery = await deliverable(context, arrival.event);
          if (delivery) return { done: false, value: delivery };
        }
      } catch (error) {
        // A stream that fails (the register unreachable, say) is not resumed: let go of the subscription.
        finish();
        throw error;
      }
    },
    async return() {
      finish();
      return done;
    },
  };
}
