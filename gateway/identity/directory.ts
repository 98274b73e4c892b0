/**
 * Keeps the identity index current: reads every agency's identity change feed from its durable cursor, at start
 * until each feed has no more, and then on an interval. Each page is linked and stored with its cursor in one
 * transaction (store.ts), so a restart reads on from where it stopped rather than from the start. Until anyone has
 * been linked, pages are kept instead and linked all at once when the refresh ends (first-load.ts): a feed so read
 * is loaded only then. The next page is asked for while one is stored, so the agency serves it meanwhile.
 * An agency whose feed fails keeps the records it gave, so one outage does not unlink everyone, and its feed
 * alone is tried again after a short backoff (1 s, doubling to 30 s) rather than at the next scheduled refresh.
 * After each refresh, whatever follows the index's link changes catches up (`follow`: the cohort register, 0166).
 */
import { type AgencyAdapter, type IdentityChangePage, IdentityFeedRestartedError } from '../../adapters/kit/contract.js';
import { AgencyUnavailableError } from '../../adapters/kit/errors.js';
import type { LedgerStore as Database } from '../ledger/store.js';
import { type IdentityIndex, IndexTotals, StoredIdentityIndex } from './index-of-people.js';
import { type Applied, IdentityStore } from './store.js';

export interface FeedStatus {
  agency: string;
  /** When the feed last loaded; null if it never has, so the index cannot say whom this agency holds. */
  refreshedAt: string | null;
  error: string | null;
}

const FIRST_RETRY_MS = 1_000;
const LAST_RETRY_MS = 30_000;
/** A refresh that applies this many changes gathers planner statistics afterwards. */
const ANALYZE_AFTER_CHANGES = 10_000;

export interface Feed {
  agency: string;
  adapter: Pick<AgencyAdapter, 'identityChanges'>;
}

export class IdentityDirectory {
  private readonly status = new Map<string, FeedStatus>();
  /** Agencies whose feed has been read to its end at least once, ever (kept in the database). */
  private readonly loaded = new Set<string>();
  private readonly totals: IndexTotals;
  /** Changes applied by this directory so far. */
  private applied = 0;
  /** Each feed's read in progress, so a refresh never runs beside another for the same feed. */
  private readonly reading = new Map<string, Promise<boolean>>();
  private timer: NodeJS.Timeout | undefined;
  /** Per failing feed: its pending retry and the wait before the one after. */
  private retries = new Map<string, NodeJS.Timeout>();
  private backoff = new Map<string, number>();
  private retrying = false;
  /** Set by stop(): a read in progress ends at its next page, so closing the database need not wait for a whole feed. */
  private stopped = false;
  /** Feeds read to their end whose pages were kept for the first load's linking: loaded once that is done. */
  private readonly awaiting = new Set<string>();
  private linking: Promise<boolean> | undefined;
  /** Work that follows the index's link changes (the cohort register following merges, docs/adr/0166). */
  private readonly followers: (() => Promise<unknown>)[] = [];

  private constructor(
    private readonly store: IdentityStore,
    private readonly feeds: readonly Feed[],
  ) {
    this.totals = new IndexTotals(store);
    for (const { agency } of feeds) this.status.set(agency, { agency, refreshedAt: null, error: 'not yet loaded' });
  }

  static async open(database: Database, feeds: readonly Feed[]): Promise<IdentityDirectory> {
    const store = await IdentityStore.open(
      database,
      feeds.map((feed) => feed.agency),
    );
    const directory = new IdentityDirectory(store, feeds);
    for (const row of await store.feeds()) {
      if (!directory.status.has(row.agency)) continue;
      if (row.loaded_at !== null) directory.loaded.add(row.agency);
      directory.status.set(row.agency, {
        agency: row.agency,
        refreshedAt: row.refreshed_at?.toISOString() ?? null,
        error: row.loaded_at === null ? (row.error ?? 'not yet loaded') : row.error,
      });
    }
    return directory;
  }

  /** The index, as one request sees it. */
  current(): IdentityIndex {
    return new StoredIdentityIndex(
      this.store,
      this.totals,
      (agency) => this.loaded.has(agency),
      this.feeds.map((feed) => feed.agency),
    );
  }

  /**
   * Runs `follower` after every refresh and every feed's successful retry, whether or not this process changed a link
   * (another gateway process may have). It reports its own failures: one failing is tried again at the next refresh.
   */
  follow(follower: () => Promise<unknown>): void {
    this.followers.push(follower);
  }

  private async followUp(): Promise<void> {
    for (const follower of this.followers) await follower().catch(() => undefined);
  }

  feedStatus(): FeedStatus[] {
    return [...this.status.values()];
  }

  /**
   * Reads every feed on from its cursor until it has no more, one feed after another in registry order: linking
   * (on embedded PGlite, in this process) would otherwise hold up the other feeds' reads past their deadlines.
   */
  async refresh(): Promise<FeedStatus[]> {
    const before = this.applied;
    for (const feed of this.feeds) if (!(await this.pull(feed))) this.scheduleRetry(feed);
    const linked = await this.linkKept();
    // Statistics only speed queries up: a load whose ANALYZE fails is still a load, and the next large one tries again.
    if (linked || this.applied - before >= ANALYZE_AFTER_CHANGES) await this.store.analyze().catch(() => undefined);
    await this.followUp();
    return this.feedStatus();
  }

  /**
   * Links what the first load kept, if a feed has been read to its end since; true if it did. A failure is named on
   * those feeds, which stay unloaded: the next refresh reads on from their cursors (nothing new) and links again.
   */
  private linkKept(): Promise<boolean> {
    if (this.awaiting.size === 0) return Promise.resolve(false);
    this.linking ??= (async () => {
      const agencies = [...this.awaiting];
      try {
        if (!(await this.store.linkArrivals(agencies))) return false;
      } catch (error) {
        const message = `the first load could not be linked: ${error instanceof Error ? error.message : String(error)}`;
        for (const agency of agencies) this.status.set(agency, { agency, refreshedAt: this.status.get(agency)?.refreshedAt ?? null, error: message });
        return false;
      }
      this.totals.changed();
      for (const agency of agencies) {
        this.awaiting.delete(agency);
        this.markLoaded(agency);
      }
      return true;
    })().finally(() => {
      this.linking = undefined;
    });
    return this.linking;
  }

  private markLoaded(agency: string): void {
    this.loaded.add(agency);
    this.status.set(agency, { agency, refreshedAt: new Date().toISOString(), error: null });
  }

  /** Refreshes every feed on the interval; from now on a feed that fails (or failed already) is retried with backoff until it loads. */
  startRefreshing(intervalMs: number): void {
    this.retrying = true;
    this.timer = setInterval(() => void this.refresh().catch(() => undefined), intervalMs);
    this.timer.unref();
    for (const feed of this.feeds) if (this.status.get(feed.agency)?.error) this.scheduleRetry(feed);
  }

  stop(): void {
    this.stopped = true;
    this.retrying = false;
    clearInterval(this.timer);
    for (const timer of this.retries.values()) clearTimeout(timer);
    this.retries.clear();
  }

  /** Reads one feed to its end; false if it failed (what it gave before stays). */
  private pull(feed: Feed): Promise<boolean> {
    const running = this.reading.get(feed.agency);
    if (running) return running;
    const read = this.read(feed).finally(() => this.reading.delete(feed.agency));
    this.reading.set(feed.agency, read);
    return read;
  }

  private async read({ agency, adapter }: Feed): Promise<boolean> {
    /** The page after the cursor, asked for while the one before it was stored. */
    let ahead: Promise<IdentityChangePage> | undefined;
    try {
      let cursor = (await this.store.feeds()).find((row) => row.agency === agency)?.cursor ?? null;
      let restarted = false;
      let last: Applied = false;
      let read = 0;
      for (;;) {
        if (this.stopped) throw new Error('the gateway is stopping');
        let page: IdentityChangePage;
        try {
          page = await (ahead ?? adapter.identityChanges(cursor));
        } catch (error) {
          ahead = undefined;
          if (!(error instanceof IdentityFeedRestartedError)) throw error;
          // Once from the start is a rebuilt feed; refusing its own start, or again, is a broken one: not a loop for ever.
          if (cursor === null || restarted)
            throw new AgencyUnavailableError(agency, 'malformed-payload', 'the identity change feed refused to be read from its start');
          restarted = true;
          await this.store.restart(agency);
          cursor = null;
          continue;
        }
        ahead = undefined;
        if (page.more && page.cursor === cursor) {
          throw new AgencyUnavailableError(agency, 'malformed-payload', `the identity change feed said there was more but gave cursor ${cursor} again`);
        }
        if (page.more) {
          ahead = adapter.identityChanges(page.cursor);
          // Its failure is met when it is awaited, or not at all if it is never needed.
          ahead.catch(() => undefined);
        }
        const applied = await this.store.apply(agency, cursor, page);
        if (!applied) {
          // Another gateway process moved this feed on: read on from where it stands now.
          ahead = undefined;
          cursor = (await this.store.feeds()).find((row) => row.agency === agency)?.cursor ?? null;
          continue;
        }
        if (page.changes.length > 0) this.totals.changed();
        this.applied += page.changes.length;
        read += page.changes.length;
        // Until it has loaded once, /ready says how far it has got: a first load can take minutes.
        if (!this.loaded.has(agency)) this.status.set(agency, { agency, refreshedAt: null, error: `loading: ${read} changes read so far` });
        cursor = page.cursor;
        last = applied;
        if (!page.more) break;
      }
      this.backoff.delete(agency);
      if (last === 'kept') {
        this.awaiting.add(agency);
        this.status.set(agency, { agency, refreshedAt: null, error: `read to its end (${read} changes); waiting for the first load to be linked` });
      } else {
        // Linked by this page, or by another gateway process linking what the first load kept.
        this.awaiting.delete(agency);
        this.markLoaded(agency);
      }
      return true;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.status.set(agency, { agency, refreshedAt: this.status.get(agency)?.refreshedAt ?? null, error: message });
      await this.store.recordFailure(agency, message).catch(() => undefined);
      return false;
    }
  }

  private scheduleRetry(feed: Feed): void {
    const { agency } = feed;
    if (!this.retrying || this.retries.has(agency)) return;
    const delayMs = this.backoff.get(agency) ?? FIRST_RETRY_MS;
    this.backoff.set(agency, Math.min(delayMs * 2, LAST_RETRY_MS));
    const timer = setTimeout(() => {
      this.retries.delete(agency);
      void this.pull(feed).then(async (loaded) => {
        if (loaded) {
          await this.linkKept();
          await this.followUp();
        } else this.scheduleRetry(feed);
      });
    }, delayMs);
    timer.unref();
    this.retries.set(agency, timer);
  }
}
