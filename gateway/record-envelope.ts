/**
 * What every ledger record the gateway writes begins with: when, who received (user, agency, role, team,
 * client application), for which declared purpose and justification, under which ISP version.
 */
import type { Principal } from './authentication/principal.js';
import type { DisclosureRecordInput } from './ledger/index.js';
import type { CompiledPolicy } from './policy/index.js';

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
