/**
 * The Youth Offending Service adapter: the system's identity feed as partnership identity records, and its cases mapped onto
 * the unified schema's `YouthRecord` (schema.graphql).
 */
import type { AdapterOptions, AgencyAdapter, AgencyEvent } from '../kit/contract.js';
import { inBatches, readWholeFeed } from '../kit/feeds.js';
import { CONTRACT_LIMITS, identityRecordOf } from '../kit/identity-feed.js';
import { type Case, type CaseEvent, createYouthApi } from './client.js';

export interface StaffContact {
  name: string;
  team: string | null;
  phone: string | null;
  email: string | null;
}

/** The `YouthRecord` section: property names are the SDL field names. */
export interface YouthRecord {
  caseStatus: 'OPEN' | 'CLOSED';
  caseOpenedOn: string;
  caseWorker: StaffContact;
}

export function toYouthRecord(found: Case): YouthRecord {
  const { caseWorker } = found;
  return {
    caseStatus: found.status,
    caseOpenedOn: found.openedOn,
    caseWorker: { name: caseWorker.name, team: caseWorker.team, phone: caseWorker.telephone, email: caseWorker.email },
  };
}

/**
 * An event of the system as the partnership's event, or null for the kinds the partnership does not alert on
 * (AGENCY_EVENT_TYPES in kit/contract.ts): none yet, so the feed is read and its cursor kept.
 */
export function toAgencyEvent(_event: CaseEvent): AgencyEvent | null {
  return null;
}

export function createYouthAdapter(options: AdapterOptions): AgencyAdapter<YouthRecord> {
  const api = createYouthApi(options);
  return {
    async identities() {
      return (await readWholeFeed('youth', (cursor) => api.identityPage(cursor))).map((item) => identityRecordOf('youth', item));
    },

    async records(keys) {
      const asked = new Set(keys);
      const records = new Map<string, YouthRecord>();
      for (const found of await inBatches(keys, CONTRACT_LIMITS.batchKeys, (batch) => api.casesBatch(batch))) {
        if (asked.has(found.reference)) records.set(found.reference, toYouthRecord(found));
      }
      return records;
    },

    async events(after) {
      const page = await api.events(after);
      return { events: page.events.flatMap((event) => toAgencyEvent(event) ?? []), cursor: page.cursor };
    },
  };
}
