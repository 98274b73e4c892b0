/**
 * Ledger entries as the audit schema (schema/audit.graphql) shows them to an IG officer. Enum values stay
 * the ledger's own strings; the schema maps them to GraphQL names.
 */
import type { Alert, DisclosedItem, LedgerEntry, Principal, Subject, SubjectAccessEntry, VerifyReport, WithheldItem } from '../ledger/index.js';

export interface DisclosedView {
  dataItem: string;
  path: string;
  clause: string;
}

export interface WithheldView {
  dataItem: string;
  path: string;
  reason: string;
  clause: string | null;
}

export interface SubjectView {
  personId: string;
  identifiers: {
    pnc: string | null;
    cro: string | null;
    nomsNumber: string | null;
    crn: string | null;
    localReferences: { agency: string; reference: string }[];
  };
  inActiveCohort: boolean | null;
  disclosed: DisclosedView[];
  withheld: WithheldView[];
}

export interface RecordView {
  sequence: number;
  hash: string;
  previousHash: string;
  occurredAt: string;
  principal: Principal;
  purpose: string;
  justification: string | null;
  kind: string;
  outcome: string;
  emergency: boolean;
  subjects: SubjectView[];
  clauseIds: string[];
  ispVersion: string;
  operationName: string | null;
  documentHash: string;
  requestId: string;
  failureReason: string | null;
}

const disclosedView = ({ dataItem, path, clauseId }: DisclosedItem): DisclosedView => ({ dataItem, path, clause: clauseId });

const withheldView = ({ dataItem, path, reason, clauseId }: WithheldItem): WithheldView => ({
  dataItem,
  path,
  reason,
  clause: clauseId ?? null,
});

function subjectView(subject: Subject): SubjectView {
  const { pnc, cro, nomsNumber, crn, localReferences } = subject.identifiers;
  return {
    personId: subject.gatewayId,
    identifiers: { pnc: pnc ?? null, cro: cro ?? null, nomsNumber: nomsNumber ?? null, crn: crn ?? null, localReferences: localReferences ?? [] },
    inActiveCohort: subject.inActiveCohort ?? null,
    disclosed: subject.disclosed.map(disclosedView),
    withheld: subject.withheld.map(withheldView),
  };
}

export function recordView({ sequence, hash, prevHash, record }: LedgerEntry): RecordView {
  const clauses = new Set(
    record.subjects.flatMap((s) => [...s.disclosed.map((d) => d.clauseId), ...s.withheld.flatMap((w) => (w.clauseId === undefined ? [] : [w.clauseId]))]),
  );
  return {
    sequence,
    hash,
    previousHash: prevHash,
    occurredAt: record.occurredAt,
    principal: record.principal,
    purpose: record.purpose,
    justification: record.justification ?? null,
    kind: record.kind,
    outcome: record.outcome,
    emergency: record.emergency === true,
    subjects: record.subjects.map(subjectView),
    clauseIds: [...clauses].sort(),
    ispVersion: record.ispVersion,
    operationName: record.operationName ?? null,
    documentHash: record.documentHash,
    requestId: record.requestId,
    failureReason: record.alteration?.failure?.reason ?? null,
  };
}

export function subjectAccessView(personId: string, entry: SubjectAccessEntry) {
  return {
    sequence: entry.sequence,
    occurredAt: entry.occurredAt,
    personId,
    recipient: entry.recipient,
    purpose: entry.purpose,
    justification: entry.justification ?? null,
    kind: entry.kind,
    outcome: entry.outcome,
    emergency: entry.emergency,
    disclosed: entry.disclosed.map(disclosedView),
    withheld: entry.withheld.map(withheldView),
  };
}

export function alertView(alert: Alert) {
  return {
    kind: alert.kind,
    userId: alert.userId,
    from: alert.from,
    to: alert.to,
    sequences: alert.sequences,
    personIds: alert.gatewayIds,
    detail: alert.detail,
  };
}

export function integrityView(report: VerifyReport, verifiedAt: Date) {
  return {
    ok: report.ok,
    checked: report.checked,
    checkpoints: report.checkpoints,
    from: report.from,
    witness: report.witness,
    firstBad: report.firstBad === undefined ? null : { ...report.firstBad, range: report.firstBad.range ?? null },
    undetectable: report.undetectable.map((spot) => ({
      kind: spot.kind.toUpperCase().replaceAll('-', '_'),
      detail: spot.detail,
      range: spot.range ?? null,
    })),
    verifiedAt: verifiedAt.toISOString(),
  };
}
