/** Cohort event alerts: the agencies' events about active cohort members, polled, stored and delivered under the ISP. */
export { EventFeed, type EventFeedOptions, type FeedReading } from './feed.js';
export { eventsExtension } from './graphql.js';
export { type CohortEvent, EventStore, type NewCohortEvent } from './store.js';
