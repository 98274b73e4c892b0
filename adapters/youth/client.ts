/**
 * Typed calls to the youth offending team's case-management system. Every payload is parsed with the zod schemas below, each checked against
 * the types generated from openapi.yaml, so a contract change that the code does not follow fails the type check.
 */
import { z } from 'zod';
import type { AdapterOptions, IdentityChangePage as IdentityChangePageOf } from '../kit/contract.js';
import { readIdentityChanges, IdentityChange as SharedIdentityChange, IdentityChangePage as SharedIdentityChangePage } from '../kit/identity-changes.js';
import { CONTRACT_LIMITS } from '../kit/identity-feed.js';
import { createUpstream } from '../kit/upstream.js';
import type { components } from './api.js';

type Schemas = components['schemas'];

/** The identity change feed every agency shares (kit/identity-changes.ts), checked against this contract's copy of it. */
export const IdentityChange = SharedIdentityChange satisfies z.ZodType<Schemas['IdentityChange']>;
export const IdentityChangePage = SharedIdentityChangePage satisfies z.ZodType<Schemas['IdentityChangePage']>;

const isoDate = z.iso.date();

export const BatchRequest = z.object({
  keys: z.array(z.string().min(1)).min(1).max(CONTRACT_LIMITS.batchKeys),
}) satisfies z.ZodType<Schemas['BatchRequest']>;

export const CaseWorker = z.object({
  name: z.string(),
  team: z.string(),
  telephone: z.string(),
  email: z.string(),
}) satisfies z.ZodType<Schemas['CaseWorker']>;

export const Order = z.object({
  orderType: z.enum(['REFERRAL_ORDER', 'YOUTH_REHABILITATION_ORDER', 'DETENTION_AND_TRAINING_ORDER']),
  startDate: isoDate,
  endDate: isoDate,
  ageAtStart: z.int().min(10).max(17),
  offenceDescription: z.string(),
  status: z.enum(['ACTIVE', 'COMPLETED', 'BREACHED', 'REVOKED']),
}) satisfies z.ZodType<Schemas['Order']>;

export const AssetPlus = z
  .object({
    assessedOn: isoDate,
    riskOfSeriousHarm: z.enum(['LOW', 'MEDIUM', 'HIGH', 'VERY_HIGH']),
    likelihoodOfReoffending: z.enum(['LOW', 'MEDIUM', 'HIGH']),
  })
  .nullable() satisfies z.ZodType<Schemas['AssetPlus']>;

export const SafeguardingConcern = z.object({
  category: z.enum(['CRIMINAL_EXPLOITATION', 'SEXUAL_EXPLOITATION', 'LOOKED_AFTER_CHILD', 'MISSING_EPISODES', 'DOMESTIC_ABUSE_AT_HOME']),
  recordedOn: isoDate,
  note: z.string(),
}) satisfies z.ZodType<Schemas['SafeguardingConcern']>;

export const WellbeingConcern = z.object({
  category: z.enum(['MENTAL_HEALTH', 'SUBSTANCE_MISUSE', 'SELF_HARM', 'SPEECH_LANGUAGE_COMMUNICATION', 'EDUCATION_EXCLUSION']),
  recordedOn: isoDate,
  note: z.string(),
}) satisfies z.ZodType<Schemas['WellbeingConcern']>;

export const Transition = z.object({
  eighteenthBirthday: isoDate,
  status: z.enum(['NOT_DUE', 'PLANNED', 'TRANSFERRED', 'NOT_REQUIRED']),
  probationCrn: z.string().nullable(),
  transferredOn: isoDate.nullable(),
}) satisfies z.ZodType<Schemas['Transition']>;

export const Case = z.object({
  reference: z.string().min(1),
  caseWorker: CaseWorker,
  orders: z.array(Order),
  assetPlus: AssetPlus,
  safeguardingConcerns: z.array(SafeguardingConcern),
  wellbeingConcerns: z.array(WellbeingConcern),
  transition: Transition,
}) satisfies z.ZodType<Schemas['Case']>;

export const CaseBatch = z.object({ records: z.array(Case) }) satisfies z.ZodType<Schemas['CaseBatch']>;

export const CaseEvent = z.object({
  eventId: z.string().min(1),
  reference: z.string().min(1),
  eventType: z.enum(['WELLBEING_REVIEWED', 'SAFEGUARDING_REVIEWED']),
  recordedAt: z.iso.datetime({ offset: true }),
}) satisfies z.ZodType<Schemas['CaseEvent']>;

export const CaseEventPage = z.object({
  events: z.array(CaseEvent),
  cursor: z.string().min(1).nullable(),
}) satisfies z.ZodType<Schemas['CaseEventPage']>;

export type Case = z.infer<typeof Case>;
export type CaseEvent = z.infer<typeof CaseEvent>;

export interface YouthApi {
  /** One page of the identity change feed after `after` (null: from the start). */
  identityChanges(after: string | null): Promise<IdentityChangePageOf>;
  /** Cases for at most CONTRACT_LIMITS.batchKeys references; unknown references are left out. */
  casesBatch(keys: readonly string[]): Promise<Case[]>;
  /** One page of the event feed after the cursor (null: from the start). */
  events(after: string | null): Promise<z.infer<typeof CaseEventPage>>;
}

export function createYouthApi(options: AdapterOptions): YouthApi {
  const upstream = createUpstream({ agency: 'youth', ...options });
  return {
    identityChanges: readIdentityChanges('youth', upstream),
    casesBatch: async (keys) => (await upstream.post('/cases/batch', { keys }, CaseBatch)).records,
    events: (after) => upstream.get('/events', { after: after ?? undefined, limit: CONTRACT_LIMITS.eventPage }, CaseEventPage),
  };
}
