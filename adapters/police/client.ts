/**
 * The police nominal record API (openapi.yaml), typed: the identity change feed a page at a time, nominal
 * records fetched in batches and the event feed. Every payload is parsed with a zod schema checked against the generated
 * contract, so a change to openapi.yaml that the schemas do not follow fails the type check.
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

const OffenceCategory = z.enum([
  'burglary',
  'robbery',
  'theft-from-person',
  'vehicle-theft',
  'shoplifting',
  'violence',
  'drugs',
  'criminal-damage',
  'domestic-abuse',
  'public-order',
  'weapons',
]) satisfies z.ZodType<Schemas['OffenceCategory']>;

const Arrest = z.object({
  arrestSummonsNumber: z.string(),
  arrestDate: isoDate,
  offenceDescription: z.string(),
  offenceCategory: OffenceCategory,
  arrestOutcome: z.enum(['CHARGED', 'RUI', 'NFA', 'CAUTIONED']),
}) satisfies z.ZodType<Schemas['Arrest']>;

const Charge = z.object({
  chargeId: z.string(),
  arrestSummonsNumber: z.string(),
  chargeDate: isoDate,
  offenceDescription: z.string(),
  offenceCategory: OffenceCategory,
  chargeStatus: z.enum(['AWAITING_TRIAL', 'CONVICTED', 'ACQUITTED', 'DISCONTINUED']),
}) satisfies z.ZodType<Schemas['Charge']>;

const CourtDisposal = z.object({
  disposalId: z.string(),
  chargeId: z.string(),
  hearingDate: isoDate,
  courtName: z.string(),
  offenceDescription: z.string(),
  offenceCategory: OffenceCategory,
  adjudication: z.enum(['GUILTY', 'NOT_GUILTY']),
  disposalText: z.string(),
}) satisfies z.ZodType<Schemas['CourtDisposal']>;

const WarningSignal = z.object({
  code: z.enum(['VI', 'WE', 'DR', 'MH', 'SH', 'ES', 'CO']),
  dateAdded: isoDate,
}) satisfies z.ZodType<Schemas['WarningSignal']>;

const WantedReport = z.object({ circulatedOn: isoDate, offenceDescription: z.string() }).nullable() satisfies z.ZodType<Schemas['WantedReport']>;

const MissingReport = z.object({ reportedOn: isoDate }).nullable() satisfies z.ZodType<Schemas['MissingReport']>;

const PoliceOfficer = z.object({ name: z.string(), unit: z.string(), telephone: z.string(), email: z.string() }).nullable() satisfies z.ZodType<
  Schemas['PoliceOfficer']
>;

export const Nominal = z.object({
  pncId: z.string().min(1),
  arrests: z.array(Arrest),
  charges: z.array(Charge),
  courtDisposals: z.array(CourtDisposal),
  warningSignals: z.array(WarningSignal),
  wantedReport: WantedReport,
  missingReport: MissingReport,
  ppoFlag: z.boolean(),
  offenderManager: PoliceOfficer,
}) satisfies z.ZodType<Schemas['Nominal']>;

export const NominalBatch = z.object({
  records: z.array(Nominal),
}) satisfies z.ZodType<Schemas['NominalBatch']>;

export const NominalEvent = z.object({
  eventId: z.string().min(1),
  pncId: z.string().min(1),
  eventType: z.enum(['ARREST', 'CHARGE', 'COURT_DISPOSAL']),
  recordedAt: z.iso.datetime({ offset: true }),
  arrest: Arrest.nullable(),
  charge: Charge.nullable(),
  courtDisposal: CourtDisposal.nullable(),
}) satisfies z.ZodType<Schemas['NominalEvent']>;

export const NominalEventPage = z.object({
  events: z.array(NominalEvent),
  cursor: z.string().min(1).nullable(),
}) satisfies z.ZodType<Schemas['NominalEventPage']>;

export type Nominal = z.infer<typeof Nominal>;
export type NominalEvent = z.infer<typeof NominalEvent>;
export type NominalEventPage = z.infer<typeof NominalEventPage>;

/** The contract's limit on keys per batch call. */
const BATCH_SIZE = 100;
/** The largest page of the event feed. */
const EVENT_PAGE_SIZE = 500;

export interface PoliceClient {
  /** One page of the identity change feed after `after` (null: from the start). */
  identityChanges(after: string | null): Promise<IdentityChangePageOf>;
  /** Nominal records for the given PNC IDs, in batches of 100 sent in parallel; unknown PNC IDs are absent. */
  nominals(pncIds: readonly string[]): Promise<Nominal[]>;
  /** One page of the event feed after the cursor (null: from the start). */
  events(after: string | null): Promise<NominalEventPage>;
}

export function createPoliceClient(options: AdapterOptions): PoliceClient {
  const upstream = createUpstream({ agency: 'police', baseUrl: options.baseUrl, timeoutMs: options.timeoutMs });

  return {
    identityChanges: readIdentityChanges('police', upstream),

    nominals: (pncIds) => inBatches(pncIds, BATCH_SIZE, async (keys) => (await upstream.post('/nominals/batch', { keys }, NominalBatch)).records),

    events: (after) => upstream.get('/events', { after: after ?? undefined, limit: EVENT_PAGE_SIZE }, NominalEventPage),
  };
}
