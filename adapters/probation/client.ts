/**
 * Typed calls to the nDelius case summary API (openapi.yaml). Every payload is parsed with the zod schemas
 * below, each tied to the generated contract types so a change to openapi.yaml that the parsing misses fails `tsc`.
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

export const AGENCY = 'probation';
export const CASES_BATCH_PATH = '/cases/batch';
export const EVENTS_PATH = '/events';
/** The API's ceiling on CRNs per batch call. */
export const MAX_BATCH_KEYS = 100;
/** The API's ceiling on events per page. */
export const MAX_PAGE_SIZE = 500;

const isoDate = z.iso.date();

export const CaseBatchRequest = z
  .object({
    keys: z.array(z.string().min(1).max(20)).min(1).max(MAX_BATCH_KEYS),
  })
  .strict() satisfies z.ZodType<Schemas['CaseBatchRequest']>;

const DisposalType = z.object({
  code: z.enum(['CO', 'SSO', 'LIC', 'PSS']),
  description: z.string(),
}) satisfies z.ZodType<Schemas['DisposalType']>;

const Sentence = z.object({
  disposalType: DisposalType,
  description: z.string(),
  startDate: isoDate,
  expectedEndDate: isoDate,
}) satisfies z.ZodType<Schemas['Sentence']>;

const MainOffence = z.object({
  description: z.string(),
  offenceGroup: z.enum([
    'BURGLARY',
    'ROBBERY',
    'THEFT_FROM_THE_PERSON',
    'VEHICLE_OFFENCES',
    'SHOPLIFTING',
    'VIOLENCE_AGAINST_THE_PERSON',
    'DRUG_OFFENCES',
    'CRIMINAL_DAMAGE',
    'DOMESTIC_ABUSE',
    'PUBLIC_ORDER_OFFENCES',
    'POSSESSION_OF_WEAPONS',
  ]),
}) satisfies z.ZodType<Schemas['MainOffence']>;

const Event = z.object({ sentence: Sentence, mainOffence: MainOffence }) satisfies z.ZodType<Schemas['Event']>;

const Requirement = z.object({
  requirementType: z.object({
    code: z.enum(['DRR', 'ATR', 'UPW', 'CUR', 'AP', 'RAR', 'MHTR']),
    description: z.string(),
  }) satisfies z.ZodType<Schemas['RequirementType']>,
  startDate: isoDate,
  status: z.enum(['ACTIVE', 'COMPLETED', 'TERMINATED']),
}) satisfies z.ZodType<Schemas['Requirement']>;

const Compliance = z.object({
  currentStatus: z.enum(['COMPLIANT', 'FAILURE_TO_COMPLY', 'IN_BREACH']),
  breachCount: z.number().int().min(0),
  lastBreachDate: isoDate.nullable(),
}) satisfies z.ZodType<Schemas['Compliance']>;

const OffenderManager = z.object({
  staff: z.object({
    forenames: z.string(),
    surname: z.string(),
    email: z.string().nullable(),
    telephoneNumber: z.string().nullable(),
  }) satisfies z.ZodType<Schemas['Staff']>,
  team: z.object({ description: z.string() }) satisfies z.ZodType<Schemas['Team']>,
}) satisfies z.ZodType<Schemas['OffenderManager']>;

const OasysSummary = z.object({
  rosh: z.object({
    overallRiskLevel: z.enum(['LOW', 'MEDIUM', 'HIGH', 'VERY_HIGH']),
  }) satisfies z.ZodType<Schemas['RiskOfSeriousHarm']>,
  ogrs: z.object({
    ogrs3TwoYear: z.number().int().min(0).max(99),
    calculatedDate: isoDate,
  }) satisfies z.ZodType<Schemas['Ogrs']>,
  criminogenicNeeds: z.array(
    z.object({
      section: z.enum([
        'ACCOMMODATION',
        'EDUCATION_TRAINING_AND_EMPLOYABILITY',
        'FINANCIAL_MANAGEMENT_AND_INCOME',
        'RELATIONSHIPS',
        'LIFESTYLE_AND_ASSOCIATES',
        'DRUG_MISUSE',
        'ALCOHOL_MISUSE',
        'THINKING_AND_BEHAVIOUR',
        'ATTITUDES',
        'EMOTIONAL_WELL_BEING',
      ]),
      severity: z.enum(['STANDARD', 'SEVERE']),
    }) satisfies z.ZodType<Schemas['CriminogenicNeed']>,
  ),
}) satisfies z.ZodType<Schemas['OasysSummary']>;

const MappaLevel = z.union([z.literal(1), z.literal(2), z.literal(3)]);
const Mappa = z.object({ category: MappaLevel, level: MappaLevel }) satisfies z.ZodType<Schemas['Mappa']>;

const Registration = z.object({
  type: z.object({
    code: z.enum(['IIOM', 'PPO', 'MAPP', 'ADVP', 'RCCO']),
    description: z.string(),
  }) satisfies z.ZodType<Schemas['RegistrationType']>,
  startDate: isoDate,
  notes: z.string().nullable(),
}) satisfies z.ZodType<Schemas['Registration']>;

export const CaseSummary = z.object({
  crn: z.string(),
  activeEvent: Event.nullable(),
  requirements: z.array(Requirement),
  compliance: Compliance,
  offenderManager: OffenderManager,
  oasys: OasysSummary,
  mappa: Mappa.nullable(),
  registrations: z.array(Registration),
}) satisfies z.ZodType<Schemas['CaseSummary']>;
export type CaseSummary = z.infer<typeof CaseSummary>;

export const CaseBatch = z.object({ records: z.array(CaseSummary) }) satisfies z.ZodType<Schemas['CaseBatch']>;

export const CaseEvent = z.object({
  eventId: z.string().min(1),
  crn: z.string().min(1),
  eventType: z.enum(['BREACH_INITIATED']),
  recordedAt: z.iso.datetime({ offset: true }),
  breach: z.object({
    breachDate: isoDate,
    breachCount: z.number().int().min(1),
    reason: z.string(),
  }) satisfies z.ZodType<Schemas['BreachAction']>,
}) satisfies z.ZodType<Schemas['CaseEvent']>;
export type CaseEvent = z.infer<typeof CaseEvent>;

export const CaseEventPage = z.object({
  events: z.array(CaseEvent),
  cursor: z.string().min(1).nullable(),
}) satisfies z.ZodType<Schemas['CaseEventPage']>;
export type CaseEventPage = z.infer<typeof CaseEventPage>;

export interface ProbationClient {
  /** One page of the identity change feed after `after` (null: from the start). */
  identityChanges(after: string | null): Promise<IdentityChangePageOf>;
  /** Case summaries for at most MAX_BATCH_KEYS CRNs in one call. */
  caseSummaries(crns: readonly string[]): Promise<CaseSummary[]>;
  /** One page of the event feed after the cursor (null: from the start). */
  events(after: string | null): Promise<CaseEventPage>;
}

export function createProbationClient(options: AdapterOptions): ProbationClient {
  const upstream = createUpstream({ agency: AGENCY, baseUrl: options.baseUrl, timeoutMs: options.timeoutMs });
  return {
    identityChanges: readIdentityChanges(AGENCY, upstream),
    caseSummaries: async (crns) => {
      const body: Schemas['CaseBatchRequest'] = { keys: [...crns] };
      return (await upstream.post(CASES_BATCH_PATH, body, CaseBatch)).records;
    },
    events: (after) => upstream.get(EVENTS_PATH, { after: after ?? undefined, limit: MAX_PAGE_SIZE }, CaseEventPage),
  };
}
