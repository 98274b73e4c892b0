/**
 * Typed calls to the council's housing-options system. Every payload is parsed with the zod schemas below,
 * each checked against the types generated from openapi.yaml, so a contract change that the code does not
 * follow fails the type check.
 */
import { z } from 'zod';
import type { AdapterOptions, IdentityChangePage as IdentityChangePageOf } from '../kit/contract.js';
import { readIdentityChanges, IdentityChange as SharedIdentityChange, IdentityChangePage as SharedIdentityChangePage } from '../kit/identity-changes.js';
import { createUpstream } from '../kit/upstream.js';
import type { components } from './api.js';

type Schemas = components['schemas'];

/** The identity change feed every agency shares (kit/identity-changes.ts), checked against this contract's copy of it. */
export const IdentityChange = SharedIdentityChange satisfies z.ZodType<Schemas['IdentityChange']>;
export const IdentityChangePage = SharedIdentityChangePage satisfies z.ZodType<Schemas['IdentityChangePage']>;

/** The most references one batch call may carry (openapi.yaml, BatchRequest.keys.maxItems). */
export const BATCH_LIMIT = 100;
/** The largest page of the event feed. */
export const EVENT_PAGE_LIMIT = 500;

const isoDate = z.iso.date();

export const BatchRequest = z.object({
  keys: z.array(z.string().min(1)).min(1).max(BATCH_LIMIT),
}) satisfies z.ZodType<Schemas['BatchRequest']>;

const Accommodation = z.object({
  statusCode: z.enum(['SETTLED', 'TEMP', 'SUPPORTED', 'ROUGH_SLEEPER', 'NFA']),
  statusDate: isoDate,
}) satisfies z.ZodType<Schemas['Accommodation']>;

const Address = z.object({ addressLine1: z.string(), town: z.string(), postcode: z.string() }).nullable() satisfies z.ZodType<Schemas['Address']>;

const SupportReferral = z.object({
  provider: z.string(),
  referralDate: isoDate,
  referralStatus: z.enum(['OPEN', 'ACCEPTED', 'DECLINED', 'CLOSED']),
}) satisfies z.ZodType<Schemas['SupportReferral']>;

const StaffSafetyAlert = z.object({
  alertCode: z.enum(['VTS', 'THR', 'DOG', 'WPN']),
  dateAdded: isoDate,
  comment: z.string(),
}) satisfies z.ZodType<Schemas['StaffSafetyAlert']>;

const CaseOfficer = z.object({
  officerName: z.string(),
  teamName: z.string(),
  telephone: z.string(),
  email: z.string(),
}) satisfies z.ZodType<Schemas['CaseOfficer']>;

export const Client = z.object({
  housingRef: z.string().min(1),
  accommodation: Accommodation,
  currentAddress: Address,
  supportReferrals: z.array(SupportReferral),
  staffSafetyAlerts: z.array(StaffSafetyAlert),
  caseOfficer: CaseOfficer,
}) satisfies z.ZodType<Schemas['Client']>;

export const ClientBatch = z.object({ records: z.array(Client) }) satisfies z.ZodType<Schemas['ClientBatch']>;

export const ClientEvent = z.object({
  eventId: z.string().min(1),
  housingRef: z.string().min(1),
  eventType: z.enum(['ACCOMMODATION_LOST', 'ACCOMMODATION_SECURED']),
  recordedAt: z.iso.datetime({ offset: true }),
  previous: Accommodation,
  current: Accommodation,
}) satisfies z.ZodType<Schemas['ClientEvent']>;

export const ClientEventPage = z.object({
  events: z.array(ClientEvent),
  cursor: z.string().min(1).nullable(),
}) satisfies z.ZodType<Schemas['ClientEventPage']>;

export type Client = z.infer<typeof Client>;
export type ClientEvent = z.infer<typeof ClientEvent>;

export interface HousingApi {
  /** One page of the identity change feed after `after` (null: from the start). */
  identityChanges(after: string | null): Promise<IdentityChangePageOf>;
  /** Clients for at most BATCH_LIMIT housing references; unknown references are left out. */
  clientsBatch(keys: readonly string[]): Promise<Client[]>;
  /** One page of the event feed after the cursor (null: from the start). */
  events(after: string | null): Promise<z.infer<typeof ClientEventPage>>;
}

export function createHousingApi(options: AdapterOptions): HousingApi {
  const upstream = createUpstream({ agency: 'housing', ...options });
  return {
    identityChanges: readIdentityChanges('housing', upstream),
    clientsBatch: async (keys) => (await upstream.post('/clients/batch', { keys }, ClientBatch)).records,
    events: (after) => upstream.get('/events', { after: after ?? undefined, limit: EVENT_PAGE_LIMIT }, ClientEventPage),
  };
}
