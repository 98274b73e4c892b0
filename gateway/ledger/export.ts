/**
 * Exports as pure functions over ledger entries: NDJSON (verifiable offline), CSV for spreadsheets,
 * and FHIR R4 AuditEvent shaped as IHE BALP's "privacy disclosure at source".
 */
import { canonicalJson } from './chain.js';
import type { LedgerEntry } from './query.js';
import type { DisclosureRecord, RecordKind, RecordOutcome, Subject } from './record.js';

export const EXPORT_FORMATS = ['ndjson', 'csv', 'fhir'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/**
 * One canonical JSON object per line. `record` is exactly the hashed record, so anyone can recompute
 * sha256(`${sequence}\n${prevHash}\n${canonicalJson(record)}`) and compare it with `hash`.
 */
export function toNdjson(entries: readonly LedgerEntry[]): string {
  return entries.map((entry) => `${canonicalJson(entry)}\n`).join('');
}

export const CSV_COLUMNS = [
  'sequence',
  'occurred_at',
  'user_id',
  'display_name',
  'agency',
  'role',
  'team',
  'client_application',
  'purpose',
  'justification',
  'kind',
  'outcome',
  'emergency',
  'isp_version',
  'operation_name',
  'document_hash',
  'request_id',
  'gateway_id',
  'pnc',
  'cro',
  'noms_number',
  'crn',
  'in_active_cohort',
  'decision',
  'data_item',
  'path',
  'clause_id',
  'reason',
  'hash',
] as const;
type CsvRow = Partial<Record<(typeof CSV_COLUMNS)[number], string>>;

/**
 * RFC 4180 CSV, one row per data item disclosed or withheld (a record or person with none still gets
 * a row). Lines end CRLF. A cell that a spreadsheet would run as a formula gets a leading apostrophe.
 */
export function toCsv(entries: readonly LedgerEntry[], options: { header?: boolean } = {}): string {
  const lines = options.header === false ? [] : [CSV_COLUMNS.join(',')];
  for (const entry of entries) {
    for (const row of csvRows(entry)) lines.push(CSV_COLUMNS.map((column) => csvCell(row[column] ?? '')).join(','));
  }
  return lines.map((line) => `${line}\r\n`).join('');
}

function csvRows({ sequence, hash, record }: LedgerEntry): CsvRow[] {
  const { principal } = record;
  const common: CsvRow = {
    sequence: String(sequence),
    occurred_at: record.occurredAt,
    user_id: principal.userId,
    display_name: principal.displayName,
    agency: principal.agency,
    role: principal.role,
    team: principal.team,
    client_application: principal.clientApplication,
    purpose: record.purpose,
    justification: record.justification,
    kind: record.kind,
    outcome: record.outcome,
    emergency: String(record.emergency === true),
    isp_version: record.ispVersion,
    operation_name: record.operationName,
    document_hash: record.documentHash,
    request_id: record.requestId,
    hash,
  };
  if (record.subjects.length === 0) return [common];
  return record.subjects.flatMap((subject) => {
    const person: CsvRow = {
      ...common,
      gateway_id: subject.gatewayId,
      pnc: subject.identifiers.pnc,
      cro: subject.identifiers.cro,
      noms_number: subject.identifiers.nomsNumber,
      crn: subject.identifiers.crn,
      in_active_cohort: subject.inActiveCohort === undefined ? '' : String(subject.inActiveCohort),
    };
    const items: CsvRow[] = [
      ...subject.disclosed.map((item) => ({
        ...person,
        decision: 'disclosed',
        data_item: item.dataItem,
        path: item.path,
        clause_id: item.clauseId,
      })),
      ...subject.withheld.map((item) => ({
        ...person,
        decision: 'withheld',
        data_item: item.dataItem,
        path: item.path,
        clause_id: item.clauseId,
        reason: item.reason,
      })),
    ];
    return items.length > 0 ? items : [person];
  });
}

function csvCell(value: string): string {
  // Free text (a justification, say) opening with = + - @ would run as a formula in a spreadsheet.
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

interface Coding {
  system: string;
  code: string;
  display?: string;
}
interface CodeableConcept {
  coding?: Coding[];
  text?: string;
}
interface Reference {
  identifier?: { system?: string; value: string; assigner?: { display: string } };
  type?: string;
  display?: string;
}
interface AuditEventAgent {
  type: CodeableConcept;
  role?: CodeableConcept[];
  who: Reference;
  name?: string;
  requestor: boolean;
}
interface AuditEventEntity {
  what: Reference;
  type: Coding;
  role: Coding;
  name?: string;
  detail?: { type: string; valueString: string }[];
}

/** The R4 AuditEvent elements this export fills. */
export interface FhirAuditEvent {
  resourceType: 'AuditEvent';
  id: string;
  meta?: { profile: string[] };
  type: Coding;
  subtype: Coding[];
  action: 'C' | 'R' | 'U' | 'D' | 'E';
  recorded: string;
  outcome: '0' | '4' | '8' | '12';
  outcomeDesc: string;
  purposeOfEvent: CodeableConcept[];
  agent: AuditEventAgent[];
  source: { site: string; observer: Reference; type: Coding[] };
  entity: AuditEventEntity[];
}

const DCM = 'http://dicom.nema.org/resources/ontology/DCM';
const LIFECYCLE = 'http://terminology.hl7.org/CodeSystem/iso-21089-lifecycle';
const URN = 'urn:partnership-gateway';
const BALP_DISCLOSURE_AT_SOURCE = 'https://profiles.ihe.net/ITI/BALP/StructureDefinition/IHE.BasicAudit.PrivacyDisclosure.Source';

/** Event type, lifecycle subtype and CRUDE action for each kind of record. */
const EVENT: Record<RecordKind, { type: Coding; lifecycle: Coding; action: FhirAuditEvent['action'] }> = {
  disclosure: {
    type: { system: DCM, code: '110106', display: 'Export' },
    lifecycle: { system: LIFECYCLE, code: 'disclose', display: 'Disclose Record Lifecycle Event' },
    action: 'R',
  },
  consultation: {
    type: { system: DCM, code: '110110', display: 'Patient Record' },
    lifecycle: { system: LIFECYCLE, code: 'access' },
    action: 'R',
  },
  alteration: {
    type: { system: DCM, code: '110110', display: 'Patient Record' },
    lifecycle: { system: LIFECYCLE, code: 'amend' },
    action: 'U',
  },
  audit: {
    type: { system: DCM, code: '110101', display: 'Audit Log Used' },
    lifecycle: { system: LIFECYCLE, code: 'access' },
    action: 'R',
  },
  aggregate: {
    type: { system: DCM, code: '110112', display: 'Query' },
    lifecycle: { system: LIFECYCLE, code: 'report' },
    action: 'E',
  },
  lookup: {
    type: { system: DCM, code: '110112', display: 'Query' },
    lifecycle: { system: LIFECYCLE, code: 'access' },
    action: 'E',
  },
};

const OUTCOME: Record<RecordOutcome, FhirAuditEvent['outcome']> = {
  disclosed: '0',
  'nothing-disclosed': '0',
  altered: '0',
  refused: '4',
  error: '8',
};

export function toFhirAuditEvent({ sequence, hash, record }: LedgerEntry): FhirAuditEvent {
  const event = EVENT[record.kind];
  // BALP's profile describes one patient per event; a record about several people is still exported, unprofiled.
  const profiled = record.kind === 'disclosure' && record.subjects.length === 1;
  return {
    resourceType: 'AuditEvent',
    id: `ledger-${sequence}`,
    ...(profiled ? { meta: { profile: [BALP_DISCLOSURE_AT_SOURCE] } } : {}),
    type: event.type,
    subtype: [event.lifecycle],
    action: event.action,
    recorded: record.occurredAt,
    outcome: OUTCOME[record.outcome],
    outcomeDesc: record.outcome,
    purposeOfEvent: purposeOfEvent(record),
    agent: agents(record),
    source: {
      site: 'partnership-gateway',
      observer: { display: 'Partnership Gateway' },
      type: [{ system: 'http://terminology.hl7.org/CodeSystem/security-source-type', code: '4', display: 'Application Server' }],
    },
    entity: [...record.subjects.map(subjectEntity), requestEntity(sequence, hash, record)],
  };
}

/** FHIR bulk-data style: one AuditEvent per line (application/fhir+ndjson). */
export function toFhirNdjson(entries: readonly LedgerEntry[]): string {
  return entries.map((entry) => `${JSON.stringify(toFhirAuditEvent(entry))}\n`).join('');
}

function purposeOfEvent(record: DisclosureRecord): CodeableConcept[] {
  const purpose: CodeableConcept = {
    coding: [{ system: `${URN}:purpose`, code: record.purpose }],
    text: record.justification ?? record.purpose,
  };
  if (record.emergency !== true) return [purpose];
  const breakGlass: Coding = { system: 'http://terminology.hl7.org/CodeSystem/v3-ActReason', code: 'BTG', display: 'break the glass' };
  return [purpose, { coding: [breakGlass] }];
}

function agents(record: DisclosureRecord): AuditEventAgent[] {
  const { principal } = record;
  const list: AuditEventAgent[] = [
    {
      type: { coding: [{ system: DCM, code: '110153', display: 'Source Role ID' }] },
      who: { display: 'Partnership Gateway' },
      requestor: false,
    },
    {
      // The person who received the data, their role and (as the identifier's assigner) their organisation.
      type: { coding: [{ system: DCM, code: '110152', display: 'Destination Role ID' }] },
      who: {
        identifier: { system: `${URN}:user`, value: principal.userId, assigner: { display: principal.agency } },
        display: principal.displayName,
      },
      name: principal.displayName,
      role: [
        {
          coding: [{ system: `${URN}:role`, code: principal.role }],
          text: principal.team === undefined ? principal.role : `${principal.role}, ${principal.team}`,
        },
      ],
      requestor: true,
    },
  ];
  if (principal.clientApplication !== undefined) {
    list.push({
      type: { coding: [{ system: DCM, code: '110150', display: 'Application' }] },
      who: { identifier: { system: `${URN}:client`, value: principal.clientApplication } },
      requestor: false,
    });
  }
  return list;
}

function subjectEntity(subject: Subject): AuditEventEntity {
  const { identifiers } = subject;
  const detail = [
    ...(['pnc', 'cro', 'nomsNumber', 'crn'] as const).flatMap((kind) => {
      const value = identifiers[kind];
      return value === undefined ? [] : [{ type: kind, valueString: value }];
    }),
    ...(identifiers.localReferences ?? []).map((local) => ({
      type: 'localReference',
      valueString: `${local.agency}:${local.reference}`,
    })),
    ...(subject.inActiveCohort === undefined ? [] : [{ type: 'inActiveCohort', valueString: String(subject.inActiveCohort) }]),
    ...subject.disclosed.map((item) => ({
      type: 'disclosed',
      valueString: `${item.dataItem} at ${item.path} under ${item.clauseId}`,
    })),
    ...subject.withheld.map((item) => ({
      type: 'withheld',
      valueString: `${item.dataItem} at ${item.path}: ${item.reason}${item.clauseId === undefined ? '' : ` (${item.clauseId})`}`,
    })),
  ];
  return {
    what: { identifier: { system: `${URN}:person`, value: subject.gatewayId }, type: 'Patient' },
    type: { system: 'http://terminology.hl7.org/CodeSystem/audit-entity-type', code: '1', display: 'Person' },
    role: { system: 'http://terminology.hl7.org/CodeSystem/object-role', code: '1', display: 'Patient' },
    detail,
  };
}

function requestEntity(sequence: number, hash: string, record: DisclosureRecord): AuditEventEntity {
  return {
    what: { identifier: { system: `${URN}:request`, value: record.requestId } },
    type: { system: 'http://terminology.hl7.org/CodeSystem/audit-entity-type', code: '2', display: 'System Object' },
    role: { system: 'http://terminology.hl7.org/CodeSystem/object-role', code: '24', display: 'Query' },
    ...(record.operationName === undefined ? {} : { name: record.operationName }),
    detail: [
      { type: 'documentHash', valueString: record.documentHash },
      { type: 'ispVersion', valueString: record.ispVersion },
      { type: 'ledgerSequence', valueString: String(sequence) },
      { type: 'ledgerHash', valueString: hash },
    ],
  };
}

/** The export of one page in the chosen format; `first` says whether a CSV header is due. */
export function exportPage(entries: readonly LedgerEntry[], format: ExportFormat, first: boolean): string {
  switch (format) {
    case 'ndjson':
      return toNdjson(entries);
    case 'csv':
      return toCsv(entries, { header: first });
    case 'fhir':
      return toFhirNdjson(entries);
  }
}
