/**
 * Keeps the identity index current: pulls every agency's identity feed, at start and then on an interval.
 * An agency whose feed fails keeps its last good snapshot, so one outage does not unlink everyone.
 */
import type { AgencyAdapter, IdentityRecord } from '../../adapters/kit/contract.js';
import { IdentityIndex } from './index-of-people.js';

export interface FeedStatus {
  agency: string;
  records: number;
  refreshedAt: string | null;
  error: string | null;
}

export class IdentityDirectory {
  private snapshots = new Map<string, IdentityRecord[]>();
  private status = new Map<string, FeedStatus>();
  private index = new IdentityIndex([]);
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly feeds: readonly { agency: string; adapter: AgencyAdapter }[]) {
    for (const { agency } of feeds) this.status.set(agency, { agency, records: 0, refreshedAt: null, error: 'not yet loaded' });
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
      this.feeds.map(async ({ agency, adapter }) => {
        try {
          const records = await adapter.identities();
          this.snapshots.set(agency, records);
          this.status.set(agency, { agency, records: records.length, refreshedAt: new Date().toISOString(), error: null });
        } catch (error) {
          const previous = this.status.get(agency);
          this.status.set(agency, {
            agency,
            records: previous?.records ?? 0,
            refreshedAt: previous?.refreshedAt ?? null,
            error: error instanceof Error ? error.message : String(error),
          });
        }
      }),
    );
    // Agencies in registration order, so the precedence of conflicting identifiers is stable.
    this.index = new IdentityIndex(this.feeds.flatMap(({ agency }) => this.snapshots.get(agency) ?? []));
    return this.feedStatus();
  }

  startRefreshing(intervalMs: number): void {
    this.timer = setInterval(() => void this.refresh(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
