/**
 * An agency IG officer's share of the ledger (ISP `auditScope: own-agency`): the records where the agency's data
 * was disclosed (data items are named `<agency>.<item>`) or the agency's staff received data. The partnership's
 * IG officer reads everything. Applied to every view of the ledger: listings, exports, subject access and alerts.
 */
import { type RecordedIdentifiers, recordedIdentifiers } from '../enforcement/index.js';
import type { LinkedPerson } from '../identity/link.js';
import type { Alert, LedgerFilter, SubjectAccessEntry } from '../ledger/index.js';
import type { AuditScope } from './gate.js';

export function scopedCriteria(filter: LedgerFilter, scope: AuditScope): LedgerFilter {
  return scope.kind === 'partnership' ? filter : { ...filter, visibleTo: scope.agency };
}

export function scopedSubjectAccess(entries: readonly SubjectAccessEntry[], scope: AuditScope): SubjectAccessEntry[] {
  if (scope.kind === 'partnership') return [...entries];
  const own = `${scope.agency}.`;
  return entries.filter((entry) => entry.recipient.agency === scope.agency || entry.disclosed.some((item) => item.dataItem.startsWith(own)));
}

/** Alerts are about a user's conduct: an agency reviews its own staff's. */
export function scopedAlerts(alerts: readonly Alert[], scope: AuditScope): Alert[] {
  return scope.kind === 'partnership' ? [...alerts] : alerts.filter((alert) => alert.agency === scope.agency);
}

/**
 * A person of the identity index as an officer in this scope may see them: an agency IG officer sees only people the
 * agency itself holds a record for, named by the agency's own identifiers; anyone else is as if not in the index.
 */
export function scopedPerson(person: LinkedPerson | undefined, scope: AuditScope): { id: string; identifiers: RecordedIdentifiers } | undefined {
  if (person === undefined) return undefined;
  if (scope.kind === 'partnership') return { id: person.id, identifiers: recordedIdentifiers(person) };
  const own = person.records.filter((record) => record.agency === scope.agency);
  if (own.length === 0) return undefined;
  const identifiers: RecordedIdentifiers = Object.assign({}, ...own.map((record) => record.identifiers));
  const localReferences = own.filter((r) => !Object.values(r.identifiers).includes(r.key)).map((r) => ({ agency: r.agency, reference: r.key }));
  return { id: person.id, identifiers: { ...identifiers, ...(localReferences.length > 0 ? { localReferences } : {}) } };
}
