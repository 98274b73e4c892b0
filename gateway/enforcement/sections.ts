/**
 * Agency sections of a person, fetched through the adapters: one batch per agency per request
 * (DataLoader), agencies in parallel. A failing agency fails only its own sections.
 */
import DataLoader from 'dataloader';
import type { AgencyAdapter } from '../../adapters/kit/contract.js';
import { AgencyUnavailableError } from '../../adapters/kit/errors.js';
import { gatewayError } from '../errors.js';

export interface AgencyConnection {
  agency: string;
  title: string;
  adapter: AgencyAdapter;
}

export type SectionLoaders = ReadonlyMap<string, DataLoader<string, unknown>>;

/**
 * Each agency's record reads, shared by every request: the keys all requests send in one turn of the event loop go
 * to the agency in one call, so under load the agency answers many requests at once (docs/adr/0175). Nothing waits
 * for a call in flight. A record so read is shared between requests: never change one.
 */
const sharedReads = new WeakMap<AgencyAdapter, DataLoader<string, unknown>>();

function recordsOf(adapter: AgencyAdapter): DataLoader<string, unknown> {
  let reads = sharedReads.get(adapter);
  if (!reads) {
    reads = new DataLoader<string, unknown>(
      async (keys) => {
        const records = await adapter.records([...new Set(keys)]);
        return keys.map((key) => records.get(key) ?? null);
      },
      // Per-request loaders dispatch on setImmediate: their calls in one turn are gathered for the next.
      { cache: false, maxBatchSize: 1_000, batchScheduleFn: (dispatch) => setImmediate(dispatch) },
    );
    sharedReads.set(adapter, reads);
  }
  return reads;
}

export function createSectionLoaders(connections: readonly AgencyConnection[]): SectionLoaders {
  return new Map(
    connections.map(({ agency, title, adapter }) => [
      agency,
      new DataLoader<string, unknown>(
        async (keys) => {
          // A failed call fails every key it carried, each as this agency's failure.
          const records = await recordsOf(adapter).loadMany(keys);
          return records.map((record) => (record instanceof Error ? agencyFailure(agency, title, record) : record));
        },
        // Policy decisions wait on facts before sections are asked for, so loads arrive over many microtasks:
        // gather them until the event loop turns, for one batch per agency per wave of the query.
        { maxBatchSize: 500, batchScheduleFn: (dispatch) => setImmediate(dispatch) },
      ),
    ]),
  );
}

function agencyFailure(agency: string, title: string, error: unknown): Error {
  const reason = error instanceof AgencyUnavailableError ? error.reason : 'unreachable';
  return gatewayError('AGENCY_UNAVAILABLE', `${title} could not answer (${reason}); the rest of the record is shown without it.`, {
    agency,
    reason,
  });
}
