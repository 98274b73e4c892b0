/**
 * What every ledger record the gateway writes begins with: when, who received (user, agency, role, team,
 * client application), for which declared purpose and justification, under which ISP version; and how each
 * person it names is identified.
 */
import type { Principal } from '../authentication/principal.js';
import type { LinkedPerson } from '../identity/link.js';
import type { DisclosureRecordInput } from '../ledger/index.js';
import type { CompiledPolicy } from '../policy/index.js';

export type RecordEnvelope = Pick<DisclosureRecordInput, 'occurredAt' | 'principal' | 'purpose' | 'justification' | 'ispVersion'>;

export function recordEnvelope(options: {
  principal: Principal;
  purpose: string;
  justification: string | null | undefined;
  policy: Pick<CompiledPolicy, 'id' | 'version'>;
}): RecordEnvelope {
  const { principal, purpose, justification, policy } = options;
  return {
    occurredAt: new Date().toISOString(),
    principal: {
      userId: principal.userId,
      displayName: principal.displayName,
      agency: principal.agency,
      role: principal.role,
      ...(principal.team ? { team: principal.team } : {}),
      clientApplication: principal.clientApplication,
    },
    purpose,
    ...(justification ? { justification } : {}),
    ispVersion: `${policy.id}@${policy.version}`,
  };
}

export type RecordedIdentifiers = DisclosureRecordInput['subjects'][number]['identifiers'];

/**
 * Every identifier the gateway knows for a person now: the partnership identifiers and the agencies' own
 * references, so that a search of the ledger by any of them finds every record about the person.
 */
export function recordedIdentifiers(person: LinkedPerson): RecordedIdentifiers {
  const localReferences = person.records.filter((r) => !Object.values(r.identifiers).includes(r.key)).map((r) => ({ agency: r.agency, reference: r.key }));
  return { ...person.identifiers, ...(localReferences.length > 0 ? { localReferences } : {}) };
}
