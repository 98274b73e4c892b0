/**
 * Keeps the identity index current: pulls every agency's identity feed, at start and then on an interval.
 * An agency whose feed fails keeps its last good snapshot, so one outage does not unlink everyone, and its feed
 * alone is tried again after a short backoff (1 s, doubling to 30 s) rather than at the next scheduled refresh.
 */
import type { AgencyAdapter, IdentityRecord } from '../../adapters/kit/contract.js';
import { IdentityIndex } from './index-of-people.js';

export interface FeedStatus {
  agency: string;
  /** When the feed last loaded; null if it never has, so the index cannot say whom this agency holds. */
  refreshedAt: string | null;
  error: string | null;
}

const FIRST_RETRY_MS = 1_000;
const LAST_RETRY_MS = 30_000;

interface Feed {
  agency: string;
  adapter: AgencyAdapter;
}

export class IdentityDirectory {
  private snapshots = new Map<string, IdentityRecord[]>();
  private status = new Map<string, FeedStatus>();
  private index = new IdentityIndex([]);
  private timer: NodeJS.Timeout | undefined;
  /** Per failing feed: its pending retry and the wait before the one after. */
  private retries = new Map<string, NodeJS.Timeout>();
  private backoff = new Map<string, number>();
  private retrying = false;

  constructor(private readonly feeds: readonly Feed[]) {
    for (const { agency } of feeds) this.status.set(agency, { agency, refreshedAt: null, error: 'not yet loaded' });
  }

  /** The index as it stands; a request keeps the one it started with. */
  current(): IdentityIndex {
    return this.index;
  }

  feedStatus(): FeedStatus[] {
    return [...this.status.values()];
  }

  async refresh(): Promise<FeedStatus[]> {
    await Promise.all(
      this.feeds.map(async (feed) => {
        if (!(await this.pull(feed))) this.scheduleRetry(feed);
      }),
    );
    this.rebuild();
    return this.feedStatus();
  }

  /** Refreshes every feed on the interval; from now on a feed that fails (or failed already) is retried with backoff until it loads. */
  startRefreshing(intervalMs: number): void {
    this.retrying = true;
    this.timer = setInterval(() => void this.refresh(), intervalMs);
    this.timer.unref();
    for (const feed of this.feeds) if (this.status.get(feed.agency)?.error) this.scheduleRetry(feed);
  }

  stop(): void {
    this.retrying = false;
    clearInterval(this.timer);
    for (const timer of this.retries.values()) clearTimeout(timer);
    this.retries.clear();
  }

  /** Reads one feed; false if it failed (its last good snapshot stays). */
  private async pull({ agency, adapter }: Feed): Promise<boolean> {
    try {
      const records = await adapter.identities();
      this.snapshots.set(agency, records);
      this.status.set(agency, { agency, refreshedAt: new Date().toISOString(), error: null });
      this.backoff.delete(agency);
      return true;
    } catch (error) {
      this.status.set(agency, {
        agency,
        refreshedAt: this.status.get(agency)?.refreshedAt ?? null,
        error: error instanceof Error ? error.message : String(error),
      });
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
      void this.pull(feed).then((loaded) => (loaded ? this.rebuild() : this.scheduleRetry(feed)));
    }, delayMs);
    timer.unref();
    this.retries.set(agency, timer);
  }

  private rebuild(): void {
    // Agencies in registration order, so the precedence of conflicting identifiers is stable.
    this.index = new IdentityIndex(
      this.feeds.flatMap(({ agency }) => this.snapshots.get(agency) ?? []),
      this.feeds.filter(({ agency }) => !this.snapshots.has(agency)).map(({ agency }) => agency),
    );
  }
}
