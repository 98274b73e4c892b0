/**
 * The cohort event feed: reads every agency's event feed on an interval, keeps the events about active IOM
 * cohort members (linked through the identity index, membership from the cohort register), stores them, and
 * hands each new one to the subscribers in this process. Agencies are read in parallel through their adapters
 * (timeouts and circuit breakers apply); one that fails is retried next round and holds up no other.
 *
 * Several replicas on one database (docs/adr/0136): each agency's feed is read by the one replica holding its
 * lease, and every replica hands its subscribers every stored event, woken by the database's notification.
 */
import type { AgencyAdapter, AgencyEvent } from '../../adapters/kit/contract.js';
import type { CohortRegister } from '../cohort/register.js';
import type { ReplicaCoordination } from '../database/replicas.js';
import type { IdentityIndex } from '../identity/index-of-people.js';
import { EVENT_DATA_ITEMS } from './catalogue.js';
import { Inbox } from './inbox.js';
import { type CohortEvent, EVENTS_CHANNEL, type EventStore, type NewCohortEvent } from './store.js';

/** One round's reading of one agency's feed. */
export interface FeedReading {
  agency: string;
  /** Events the agency reported. */
  read: number;
  /** Of those, the new ones about active cohort members, now stored. */
  kept: number;
  error: string | null;
}

export interface EventFeedOptions {
  store: EventStore;
  connections: readonly { agency: string; adapter: AgencyAdapter }[];
  /** The identity index as it stands now. */
  index: () => IdentityIndex;
  register: Pick<CohortRegister, 'memberships'>;
  /** Leases and notifications shared with other replicas on the database; without it this process reads every feed. */
  coordination?: Pick<ReplicaCoordination, 'listen' | 'hold'>;
  /** Told of a failed round part (an agency, the database); the feed carries on. */
  onError?: (where: string, error: unknown) => void;
  /** Told when this process starts or stops reading an agency's feed, as its lease comes or goes. */
  onLease?: (agency: string, held: boolean) => void;
}

/** Pages read from one agency in one round, so a long backlog cannot hold a round up for ever. */
const MAX_PAGES_PER_ROUND = 20;
/** Stored events handed to subscribers per database read. */
const PUBLISH_BATCH = 500;

export class EventFeed {
  private readonly listeners = new Set<(event: CohortEvent) => void>();
  /** How to end each open subscription. */
  private readonly closers = new Set<() => void>();
  private round: Promise<FeedReading[]> = Promise.resolve([]);
  private timer: NodeJS.Timeout | undefined;
  private busy = false;
  /** Publishing runs one pass at a time, whether a round or a notification started it: no event is handed on twice. */
  private publishing: Promise<void> = Promise.resolve();
  private unlisten: (() => Promise<void>) | undefined;
  /** The agencies whose feeds this process read in its last round. */
  private readonly leading = new Set<string>();

  private constructor(
    private readonly options: EventFeedOptions,
    /** The last sequence handed to subscribers: they hear only of events stored after they subscribed. */
    private published: number,
  ) {}

  static async open(options: EventFeedOptions): Promise<EventFeed> {
    const feed = new EventFeed(options, await options.store.lastSequence());
    feed.unlisten = await options.coordination?.listen(EVENTS_CHANNEL, () => void feed.publish());
    return feed;
  }

  /**
   * Reads every agency whose lease this process holds once, stores what is kept, then hands subscribers every event
   * stored since (also any a notification missed while the database connection was being replaced).
   */
  poll(): Promise<FeedReading[]> {
    // Rounds run one after another, so an agency's cursor is never read by two rounds at once.
    this.round = this.round.then(
      () => this.readAll(),
      () => this.readAll(),
    );
    return this.round;
  }

  /** Polls every `intervalMs`; a round still running when the next is due is not doubled up. */
  start(intervalMs: number): void {
    clearInterval(this.timer);
    this.timer = setInterval(() => {
      if (this.busy) return;
      this.busy = true;
      void this.poll().finally(() => {
        this.busy = false;
      });
    }, intervalMs);
    this.timer.unref();
  }

  /** Stops polling and waits for a round in progress, so the database can be closed after. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.round.catch(() => undefined);
    await this.unlisten?.().catch(() => undefined);
    this.unlisten = undefined;
    await this.publishing;
  }

  /** A new subscriber: its inbox receives every event stored from now on, until it is closed. */
  subscribe<T>(capacity: number, deliver: (event: CohortEvent) => T): Inbox<T> {
    const listener = (event: CohortEvent) => inbox.push(deliver(event));
    const close = () => inbox.close();
    const inbox = new Inbox<T>(capacity, () => {
      this.listeners.delete(listener);
      this.closers.delete(close);
    });
    this.listeners.add(listener);
    this.closers.add(close);
    return inbox;
  }

  /** Ends every subscription (shutdown): each stream sends what it already holds, then ends. */
  endSubscriptions(): void {
    for (const close of [...this.closers]) close();
  }

  get subscribers(): number {
    return this.listeners.size;
  }

  /** Stored events after a sequence, oldest first. */
  after(sequence: number, limit: number): Promise<CohortEvent[]> {
    return this.options.store.after(sequence, limit);
  }

  private async readAll(): Promise<FeedReading[]> {
    const readings = await Promise.all(
      this.options.connections.map(async ({ agency, adapter }) =>
        adapter.events && (await this.leads(agency)) ? this.read(agency, adapter.events.bind(adapter)) : null,
      ),
    );
    await this.publish();
    return readings.filter((reading): reading is FeedReading => reading !== null);
  }

  /** Whether this process reads the agency's feed this round: only the holder of its lease, whichever replica that is. */
  private async leads(agency: string): Promise<boolean> {
    if (!this.options.coordination) return true;
    let held = false;
    try {
      held = await this.options.coordination.hold(`cohort-events:${agency}`);
    } catch (error) {
      // One report for the session, not one per agency: the agencies themselves are not at fault.
      this.options.onError?.('the database (feed leases)', error);
    }
    if (held !== this.leading.has(agency)) {
      if (held) this.leading.add(agency);
      else this.leading.delete(agency);
      this.options.onLease?.(agency, held);
    }
    return held;
  }

  private async read(agency: string, events: NonNullable<AgencyAdapter['events']>): Promise<FeedReading> {
    const reading: FeedReading = { agency, read: 0, kept: 0, error: null };
    try {
      let cursor = await this.options.store.cursor(agency);
      for (let page = 0; page < MAX_PAGES_PER_ROUND; page++) {
        const answer = await events(cursor);
        if (answer.events.length === 0 && answer.cursor === cursor) break;
        const kept = await this.keep(agency, answer.events);
        reading.read += answer.events.length;
        reading.kept += (await this.options.store.record(agency, kept, answer.cursor)).length;
        if (answer.cursor === cursor) break;
        cursor = answer.cursor;
      }
    } catch (error) {
      reading.error = error instanceof Error ? error.message : String(error);
      this.options.onError?.(agency, error);
    }
    return reading;
  }

  /** The events about people the gateway links and the cohort register holds as active members. */
  private async keep(agency: string, events: readonly AgencyEvent[]): Promise<NewCohortEvent[]> {
    // An agency reports only on its own records: an event of another agency's kind is not its to give.
    const own = events.filter((event) => EVENT_DATA_ITEMS[event.type].agency === agency && event.agency === agency);
    const people = await this.options.index().byAgencyKeys(
      agency,
      own.map((event) => event.key),
    );
    const linked = own.flatMap((event) => {
      const person = people.get(event.key);
      return person ? [{ event, gatewayId: person.id, dataItem: EVENT_DATA_ITEMS[event.type].dataItem }] : [];
    });
    if (linked.length === 0) return [];
    const members = await this.options.register.memberships([...new Set(linked.map((l) => l.gatewayId))]);
    return linked
      .filter(({ gatewayId }) => members.get(gatewayId)?.active === true)
      .map(({ event, gatewayId, dataItem }) => ({
        id: `${agency}:${event.id}`,
        gatewayId,
        agency,
        type: event.type,
        occurredAt: event.occurredAt,
        summary: event.summary,
        details: { ...event.details },
        dataItem,
      }));
  }

  /**
   * Hands subscribers what was stored since they were last handed anything, read back from the database: events
   * another gateway process stored reach this one's subscribers too.
   */
  private publish(): Promise<void> {
    this.publishing = this.publishing.then(() => this.publishStored());
    return this.publishing;
  }

  private async publishStored(): Promise<void> {
    try {
      for (;;) {
        const fresh = await this.options.store.after(this.published, PUBLISH_BATCH);
        for (const event of fresh) {
          this.published = event.sequence;
          for (const listener of this.listeners) listener(event);
        }
        if (fresh.length < PUBLISH_BATCH) return;
      }
    } catch (error) {
      this.options.onError?.('publish', error);
    }
  }
}
