/** The disclosure ledger's public surface. */
export { openLedger, type Ledger, type LedgerOptions } from './ledger.js';
export { LedgerRecordError, LedgerUnavailableError } from './errors.js';
export {
  parseRecord,
  RECORD_KINDS,
  RECORD_OUTCOMES,
  type DisclosedItem,
  type DisclosureRecord,
  type DisclosureRecordInput,
  type Principal,
  type RecordKind,
  type RecordOutcome,
  type Subject,
  type WithheldItem,
} from './record.js';
export type { Appended } from './writer.js';
export type { Checkpoint } from './checkpoint.js';
export type { BlindSpot, BlindSpotKind, TamperFinding, TamperProblem, VerifyReport } from './verify.js';
export {
  ledgerFilterSchema,
  pageRequestSchema,
  type Alert,
  type AlertKind,
  type AlertOptions,
  type LedgerEntry,
  type LedgerFilter,
  type LedgerPage,
  type PageRequest,
  type SubjectAccessEntry,
  type SubjectAccessReport,
} from './query.js';
export {
  EXPORT_FORMATS,
  exportPage,
  toCsv,
  toFhirAuditEvent,
  toFhirNdjson,
  toNdjson,
  type ExportFormat,
  type FhirAuditEvent,
} from './export.js';
export { canonicalJson, chainHash, GENESIS_HASH } from './chain.js';
