/**
 * Typed calls to the community drug and alcohol service's case-record system. Every payload is parsed with the
 * zod schemas below, each checked against the types generated from openapi.yaml, so a contract change that the
 * code does not follow fails the type check.
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
const daysOf28 = z.number().int().min(0).max(28);

export const BatchRequest = z.object({
  keys: z.array(z.string().min(1)).min(1).max(BATCH_LIMIT),
}) satisfies z.ZodType<Schemas['BatchRequest']>;

const Substance = z.enum(['OPIATES', 'COCAINE', 'CRACK', 'CANNABIS', 'ALCOHOL', 'BENZODIAZEPINES']) satisfies z.ZodType<Schemas['Substance']>;

const TestOnArrest = z.object({
  testDate: isoDate,
  result: z.enum(['POSITIVE', 'NEGATIVE']),
  substancesDetected: z.array(Substance),
}) satisfies z.ZodType<Schemas['TestOnArrest']>;

const RequiredAssessment = z.object({
  required: z.boolean(),
  attended: z.boolean().nullable(),
  appointmentDate: isoDate.nullable(),
}) satisfies z.ZodType<Schemas['RequiredAssessment']>;

const Keyworker = z.object({ name: z.string(), team: z.string(), phone: z.string(), email: z.string() }).nullable() satisfies z.ZodType<Schemas['Keyworker']>;

const TreatmentEpisode = z.object({
  inTreatment: z.boolean(),
  episodeStartDate: isoDate.nullable(),
  interventionType: z.enum(['PHARMACOLOGICAL', 'PSYCHOSOCIAL', 'INPATIENT_DETOX', 'RESIDENTIAL_REHAB']).nullable(),
  keyworker: Keyworker,
}) satisfies z.ZodType<Schemas['TreatmentEpisode']>;

const TopReview = z.object({
  topDate: isoDate,
  opiateDays: daysOf28,
  crackDays: daysOf28,
  alcoholDays: daysOf28,
  injectedLast28Days: z.boolean(),
}) satisfies z.ZodType<Schemas['TopReview']>;

const ConsentToShare = z.object({
  consentGiven: z.boolean(),
  consentDate: isoDate.nullable(),
  consentScope: z.enum(['IOM_PARTNERSHIP', 'PROBATION_ONLY']).nullable(),
}) satisfies z.ZodType<Schemas['ConsentToShare']>;

export const ServiceUser = z.object({
  serviceUserRef: z.string().min(1),
  testsOnArrest: z.array(TestOnArrest),
  requiredAssessment: RequiredAssessment,
  treatmentEpisode: TreatmentEpisode,
  topReviews: z.array(TopReview),
  consent: ConsentToShare,
}) satisfies z.ZodType<Schemas['ServiceUser']>;

export const ServiceUserBatch = z.object({ records: z.array(ServiceUser) }) satisfies z.ZodType<Schemas['ServiceUserBatch']>;

export const ServiceUserEvent = z.object({
  eventId: z.string().min(1),
  serviceUserRef: z.string().min(1),
  eventType: z.enum(['TEST_ON_ARREST']),
  recordedAt: z.iso.datetime({ offset: true }),
  test: TestOnArrest,
}) satisfies z.ZodType<Schemas['ServiceUserEvent']>;

export const ServiceUserEventPage = z.object({
  events: z.array(ServiceUserEvent),
  cursor: z.string().min(1).nullable(),
}) satisfies z.ZodType<Schemas['ServiceUserEventPage']>;

export type ServiceUser = z.infer<typeof ServiceUser>;
export type ServiceUserEvent = z.infer<typeof ServiceUserEvent>;

export interface DrugServiceApi {
  /** One page of the identity change feed after `after` (null: from the start). */
  identityChanges(after: string | null): Promise<IdentityChangePageOf>;
  /** Service users for at most BATCH_LIMIT service references; unknown references are left out. */
  serviceUsersBatch(keys: readonly string[]): Promise<ServiceUser[]>;
  /** One page of the event feed after the cursor (null: from the start). */
  events(after: string | null): Promise<z.infer<typeof ServiceUserEventPage>>;
}

export function createDrugServiceApi(options: AdapterOptions): DrugServiceApi {
  const upstream = createUpstream({ agency: 'drugs', ...options });
  return {
    identityChanges: readIdentityChanges('drugs', upstream),
    serviceUsersBatch: async (keys) => (await upstream.post('/service-users/batch', { keys }, ServiceUserBatch)).records,
    events: (after) => upstream.get('/events', { after: after ?? undefined, limit: EVENT_PAGE_LIMIT }, ServiceUserEventPage),
  };
}
