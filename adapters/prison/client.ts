/**
 * The NOMIS prisoner API (openapi.yaml), typed: the identity change feed a page at a time, prisoner records
 * fetched in batches and the movement feed. Every payload is parsed with a zod schema checked against the generated contract,
 * so a change to openapi.yaml that the schemas do not follow fails the type check.
 */
import { z } from 'zod';
import type { AdapterOptions, IdentityChangePage as IdentityChangePageOf } from '../kit/contract.js';
import { inBatches } from '../kit/feeds.js';
import { readIdentityChanges, IdentityChange as SharedIdentityChange, IdentityChangePage as SharedIdentityChangePage } from '../kit/identity-changes.js';
import { createUpstream } from '../kit/upstream.js';
import type { components } from './api.js';

type Schemas = components['schemas'];

/** The identity change feed every agency shares (kit/identity-changes.ts), checked against this contract's copy of it. */
export const IdentityChange = SharedIdentityChange satisfies z.ZodType<Schemas['IdentityChange']>;
export const IdentityChangePage = SharedIdentityChangePage satisfies z.ZodType<Schemas['IdentityChangePage']>;

const isoDate = z.iso.date();

export const BatchRequest = z.object({
  keys: z.array(z.string().min(1)).min(1).max(100),
}) satisfies z.ZodType<Schemas['BatchRequest']>;

const Establishment = z.object({ agencyId: z.string(), description: z.string() }).nullable() satisfies z.ZodType<Schemas['Establishment']>;

const SentenceCalculationDates = z.object({
  conditionalReleaseDate: isoDate.nullable(),
  licenceExpiryDate: isoDate.nullable(),
  sentenceExpiryDate: isoDate.nullable(),
  actualReleaseDate: isoDate.nullable(),
}) satisfies z.ZodType<Schemas['SentenceCalculationDates']>;

const LicenceCondition = z.object({
  conditionCode: z.string(),
  conditionText: z.string(),
}) satisfies z.ZodType<Schemas['LicenceCondition']>;

const PrisonOffenderManager = z.object({ staffName: z.string(), team: z.string(), telephone: z.string(), email: z.string() }).nullable() satisfies z.ZodType<
  Schemas['PrisonOffenderManager']
>;

export const Prisoner = z.object({
  offenderNo: z.string().min(1),
  bookingId: z.number().int(),
  inOutStatus: z.enum(['IN', 'OUT']),
  establishment: Establishment,
  receptionDate: isoDate.nullable(),
  sentenceDates: SentenceCalculationDates,
  licenceConditions: z.array(LicenceCondition),
  prisonOffenderManager: PrisonOffenderManager,
}) satisfies z.ZodType<Schemas['Prisoner']>;

export const PrisonerBatch = z.object({
  records: z.array(Prisoner),
}) satisfies z.ZodType<Schemas['PrisonerBatch']>;

export const MovementEvent = z.object({
  eventId: z.string().min(1),
  offenderNo: z.string().min(1),
  movementType: z.enum(['ADM', 'REL']),
  recordedAt: z.iso.datetime({ offset: true }),
  movementDate: isoDate,
  establishment: Establishment,
  movementReason: z.string(),
}) satisfies z.ZodType<Schemas['MovementEvent']>;

export const MovementEventPage = z.object({
  events: z.array(MovementEvent),
  cursor: z.string().min(1).nullable(),
}) satisfies z.ZodType<Schemas['MovementEventPage']>;

export type Prisoner = z.infer<typeof Prisoner>;
export type MovementEvent = z.infer<typeof MovementEvent>;
export type MovementEventPage = z.infer<typeof MovementEventPage>;

/** The contract's limit on keys per batch call. */
const BATCH_SIZE = 100;
/** The largest page of the event feed. */
const EVENT_PAGE_SIZE = 500;

export interface PrisonClient {
  /** One page of the identity change feed after `after` (null: from the start). */
  identityChanges(after: string | null): Promise<IdentityChangePageOf>;
  /** Prisoner records for the given prison numbers, in batches of 100 sent in parallel; unknown numbers are absent. */
  prisoners(offenderNos: readonly string[]): Promise<Prisoner[]>;
  /** One page of the movement feed after the cursor (null: from the start). */
  events(after: string | null): Promise<MovementEventPage>;
}

export function createPrisonClient(options: AdapterOptions): PrisonClient {
  const upstream = createUpstream({ agency: 'prison', baseUrl: options.baseUrl, timeoutMs: options.timeoutMs });

  return {
    identityChanges: readIdentityChanges('prison', upstream),

    prisoners: (offenderNos) => inBatches(offenderNos, BATCH_SIZE, async (keys) => (await upstream.post('/prisoners/batch', { keys }, PrisonerBatch)).records),

    events: (after) => upstream.get('/events', { after: after ?? undefined, limit: EVENT_PAGE_SIZE }, MovementEventPage),
  };
}
