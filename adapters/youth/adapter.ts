/**
 * The youth offending team's adapter: the YOT's identity change feed as partnership identity records, and its cases mapped
 * onto the unified schema's `YouthJusticeRecord` (schema.graphql).
 */
import type { AdapterOptions, AgencyAdapter, AgencyEvent } from '../kit/contract.js';
import { inBatches } from '../kit/feeds.js';
import { CONTRACT_LIMITS } from '../kit/identity-feed.js';
import { type Case, type CaseEvent, createYouthApi } from './client.js';

export interface StaffContact {
  name: string;
  team: string | null;
  phone: string | null;
  email: string | null;
}

type Concern = { category: string; recordedOn: string; note: string };

/** The `YouthJusticeRecord` section: property names are the SDL field names. */
export interface YouthRecord {
  caseWorker: StaffContact;
  orders: {
    type: Case['orders'][number]['orderType'];
    startDate: string;
    endDate: string;
    ageAtStart: number;
    offence: string;
    status: Case['orders'][number]['status'];
  }[];
  assetPlus: NonNullable<Case['assetPlus']> | null;
  safeguardingConcerns: Concern[];
  wellbeingConcerns: Concern[];
  transition: Case['transition'];
}

/** ISO dates compare correctly as strings; most recent first. */
const newestFirst =
  <T>(date: (item: T) => string) =>
  (a: T, b: T) =>
    date(b).localeCompare(date(a));

export function toYouthRecord(found: Case): YouthRecord {
  const { caseWorker } = found;
  return {
    caseWorker: { name: caseWorker.name, team: caseWorker.team, phone: caseWorker.telephone, email: caseWorker.email },
    orders: found.orders
      .map((o) => ({
        type: o.orderType,
        startDate: o.startDate,
        endDate: o.endDate,
        ageAtStart: o.ageAtStart,
        offence: o.offenceDescription,
        status: o.status,
      }))
      .sort(newestFirst((o) => o.startDate)),
    assetPlus: found.assetPlus,
    safeguardingConcerns: [...found.safeguardingConcerns].sort(newestFirst((c) => c.recordedOn)),
    wellbeingConcerns: [...found.wellbeingConcerns].sort(newestFirst((c) => c.recordedOn)),
    transition: found.transition,
  };
}

/**
 * The YOT's feed records reviews of concerns, none of them a kind the partnership alerts on (AGENCY_EVENT_TYPES):
 * the feed is read and its cursor kept, so a kind added later starts from the present.
 */
export function toAgencyEvent(_event: CaseEvent): AgencyEvent | null {
  return null;
}

export function createYouthAdapter(options: AdapterOptions): AgencyAdapter<YouthRecord> {
  const api = createYouthApi(options);
  return {
    identityChanges: (after) => api.identityChanges(after),

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
