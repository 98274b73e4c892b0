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

export function createSectionLoaders(connections: readonly AgencyConnection[]): SectionLoaders {
  return new Map(
    connections.map(({ agency, title, adapter }) => [
      agency,
      new DataLoader<string, unknown>(
        async (keys) => {
          try {
            const records = await adapter.records(keys);
            return keys.map((key) => records.get(key) ?? null);
          } catch (error) {
            const failure = agencyFailure(agency, title, error);
            return keys.map(() => failure);
          }
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
