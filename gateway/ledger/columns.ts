/**
 * The indexed columns derived from a record's canonical text. Queries filter on them; the hashed
 * text stays the authority, and verify() reports any row whose columns disagree with it.
 */
import { clauseIds, type DisclosureRecord } from './record.js';

export interface RecordColumns {
  occurred_at: string;
  user_id: string;
  agency: string;
  role: string;
  purpose: string;
  kind: string;
  outcome: string;
  emergency: boolean;
  clause_ids: string[];
}

export interface SubjectColumns {
  position: number;
  gateway_id: string;
  pnc: string | null;
  cro: string | null;
  noms_number: string | null;
  crn: string | null;
  in_active_cohort: boolean | null;
}

export function recordColumns(record: DisclosureRecord): RecordColumns {
  return {
    occurred_at: record.occurredAt,
    user_id: record.principal.userId,
    agency: record.principal.agency,
    role: record.principal.role,
    purpose: record.purpose,
    kind: record.kind,
    outcome: record.outcome,
    emergency: record.emergency === true,
    clause_ids: clauseIds(record),
  };
}

export function subjectColumns(record: DisclosureRecord): SubjectColumns[] {
  return record.subjects.map((subject, position) => ({
    position,
    gateway_id: subject.gatewayId,
    pnc: subject.identifiers.pnc ?? null,
    cro: subject.identifiers.cro ?? null,
    noms_number: subject.identifiers.nomsNumber ?? null,
    crn: subject.identifiers.crn ?? null,
    in_active_cohort: subject.inActiveCohort ?? null,
  }));
}
