/** The disclosure ledger's public surface. */

export { canonicalJson, chainHash, GENESIS_HASH } from './chain.js';
export type { Checkpoint } from './checkpoint.js';
export { LedgerRecordError, LedgerUnavailableError } from './errors.js';
export {
  EXPORT_FORMATS,
  type ExportFormat,
  exportPage,
  type FhirAuditEvent,
  toCsv,
  toFhirAuditEvent,
  toFhirNdjson,
  toNdjson,
} from './export.js';
export { type Ledger, type LedgerOptions, openLedger } from './ledger.js';
export {
  type Alert,
  type AlertKind,
  type AlertOptions,
  type LedgerEntry,
  type LedgerFilter,
  type LedgerPage,
  ledgerFilterSchema,
  type PageRequest,
  pageRequestSchema,
  type SubjectAccessEntry,
  type SubjectAccessReport,
} from './query.js';
export {
  type DisclosedItem,
  type DisclosureRecord,
  type DisclosureRecordInput,
  type Principal,
  parseRecord,
  RECORD_KINDS,
  RECORD_OUTCOMES,
  type RecordKind,
  type RecordOutcome,
  type Subject,
  type WithheldItem,
} from './record.js';
export type { BlindSpot, BlindSpotKind, TamperFinding, TamperProblem, VerifyReport } from './verify.js';
export type { Appended } from './writer.js';
