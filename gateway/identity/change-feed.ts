/**
 * Interim: the identity change feed's contract as designed for adapters/kit/contract.ts, until it lands on main.
 * Deleted at that merge.
 */
import type { AgencyAdapter, IdentityRecord } from '../../adapters/kit/contract.js';

export interface IdentityChange {
  key: string;
  record: IdentityRecord | null;
}

export interface IdentityChangePage {
  changes: IdentityChange[];
  cursor: string;
  more: boolean;
}

export class IdentityFeedRestartedError extends Error {
  constructor(readonly agency: string) {
    super(`${agency}'s identity feed no longer serves the cursor it gave: it must be read again from the start`);
    this.name = 'IdentityFeedRestartedError';
  }
}

export interface ChangeFeed {
  identityChanges(after: string | null): Promise<IdentityChangePage>;
}

/** Interim bridge over the whole feed: every read is one page from the start. */
export function changeFeedOf(adapter: AgencyAdapter | ChangeFeed): ChangeFeed {
  if ('identityChanges' in adapter) return adapter;
  return {
    async identityChanges() {
      const records = await adapter.identities();
      return { changes: records.map((record) => ({ key: record.key, record })), cursor: 'whole', more: false };
    },
  };
}
