/**
 * Cohort events in the unified schema: the pollable `events(since:, first:)` connection and the `cohortEvents`
 * subscription. An event reaches a recipient only if it is deliverable to them (delivery.ts); others are skipped
 * without a trace. Each edge and event returned is marked in the request's disclosure set, so the
 * disclosure-recording plugin records it where the result places it (per payload, for the subscription).
 */
import { gatewayError } from '../errors.js';
import type { SchemaExtension } from '../schema.js';
import { type Delivery, deliverable } from './delivery.js';
import type { EventFeed } from './feed.js';
import { type ViewSources, viewRenewal } from './renewed-view.js';
import { type EventsContext, type Expiry, refuseAuditOnly, subscriberStream } from './subscription.js';

/** Stored events decided per database read, and at most per query, however few the caller may receive. */
const SCAN_BATCH = 200;
const MAX_SCAN = 1000;

const upper = (value: string) => value.toUpperCase().replaceAll('-', '_');

/** What an event discloses wherever the result carries it (an edge, an edge's node, a subscription payload). */
function marked(context: EventsContext, delivery: Delivery): Delivery {
  const { event, person, clauseId } = delivery;
  context.disclosures.mark(delivery, [{ subject: person, dataItem: event.dataItem, clauseId }]);
  return delivery;
}

/** `feed` delivers the events; the sources renew a subscriber's view of people for each one. */
export function eventsExtension(options: { feed: Pick<EventFeed, 'subscribe' | 'after'> } & ViewSources): SchemaExtension {
  const { feed } = options;
  const renew = viewRenewal(options);

  return {
    resolvers: {
      Query: {
        events: async (_root: unknown, args: { since?: string | null; first: number }, context: EventsContext) => {
          refuseAuditOnly(context.access);
          if (args.first < 1 || args.first > 100) throw gatewayError('BAD_USER_INPUT', '`first` must be between 1 and 100.');
          if (args.since !== undefined && args.since !== null && !/^\d{1,15}$/.test(args.since)) {
            throw gatewayError('BAD_USER_INPUT', '`since` is the cursor of an event or the endCursor of a page of events.');
          }
          let after = args.since ? Number(args.since) : 0;
          const edges: { cursor: string; delivery: Delivery }[] = [];
          let scanned = 0;
          let exhausted = false;
          scan: while (scanned < MAX_SCAN) {
            const batch = await feed.after(after, SCAN_BATCH);
            const deliveries = await Promise.all(batch.map((event) => deliverable(context, event)));
            for (const [i, event] of batch.entries()) {
              after = event.sequence;
              scanned += 1;
              const delivery = deliveries[i];
              if (delivery) edges.push({ cursor: String(event.sequence), delivery });
              if (edges.length === args.first) {
                exhausted = i === batch.length - 1 && batch.length < SCAN_BATCH;
                break scan;
              }
            }
            if (batch.length < SCAN_BATCH) {
              exhausted = true;
              break;
            }
          }
          // An edge's cursor alone says an event happened: each edge is a disclosure of its event's data item.
          for (const edge of edges)
            context.disclosures.mark(edge, [{ subject: edge.delivery.person, dataItem: edge.delivery.event.dataItem, clauseId: edge.delivery.clauseId }]);
          return {
            edges,
            pageInfo: { endCursor: scanned > 0 ? String(after) : (args.since ?? null), hasNextPage: !exhausted },
          };
        },
      },
      Subscription: {
        cohortEvents: {
          subscribe: (_root: unknown, _args: unknown, context: EventsContext) => subscriberStream(feed, renew, context),
          resolve: (arrival: Delivery | Expiry, _args: unknown, context: EventsContext) => {
            if (arrival.kind === 'expired') {
              throw gatewayError('UNAUTHENTICATED', 'Your token has expired, so the event stream has ended: subscribe again with a new token.');
            }
            return marked(context, arrival);
          },
        },
      },
      CohortEventEdge: {
        node: (edge: { delivery: Delivery }, _args: unknown, context: EventsContext) => marked(context, edge.delivery),
      },
      CohortEvent: {
        id: ({ event }: Delivery) => event.id,
        cursor: ({ event }: Delivery) => String(event.sequence),
        occurredAt: ({ event }: Delivery) => event.occurredAt,
        type: ({ event }: Delivery) => upper(event.type),
        agency: ({ event }: Delivery) => event.agency,
        dataItem: ({ event }: Delivery) => event.dataItem,
        person: ({ person }: Delivery) => person,
        summary: ({ event }: Delivery) => event.summary,
      },
    },
  };
}
